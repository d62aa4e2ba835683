import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** What the heap grows by while `calls` run (after a full collection each side). */
export async function heapGrowth(calls: () => Promise<void>): Promise<number> {
  const collect = async () => {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  };
  await collect();
  const before = process.memoryUsage().heapUsed;
  await calls();
  await collect();
  return process.memoryUsage().heapUsed - before;
}
