import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sessionEcho } from './targets.js';

/** Steps of the benchmark workflow: one echo call each, one after the other. */
const WORKFLOW_STEPS = 20;
const WORKFLOW_RUNS = 50;

/** Mean milliseconds of `runs` sequential calls. */
async function meanMs(runs: number, call: () => Promise<boolean>): Promise<number> {
  const begin = performance.now();
  for (let i = 0; i < runs; i++) if (!(await call())) throw new Error('a benchmark call failed');
  return (performance.now() - begin) / runs;
}

/** A workflow's steps against the same calls made one by one by a client: what a step costs. */
export async function measureWorkflows(url: string) {
  const items = Array.from({ length: WORKFLOW_STEPS }, (_, i) => `item ${i}`);
  const workflowRun = await sessionEcho(url, 1, {}, { name: 'workflow_echoes', arguments: { items } });
  const oneByOne = await sessionEcho(url, 1);
  await meanMs(10, workflowRun.call);
  await meanMs(100, oneByOne.call);
  const workflowMs = await meanMs(WORKFLOW_RUNS, workflowRun.call);
  const callMs = await meanMs(WORKFLOW_RUNS * WORKFLOW_STEPS, oneByOne.call);
  await workflowRun.close();
  await oneByOne.close();
  return {
    steps: WORKFLOW_STEPS,
    msPerRun: Math.round(workflowMs * 100) / 100,
    msPerStep: Math.round((workflowMs / WORKFLOW_STEPS) * 1000) / 1000,
    msPerClientCall: Math.round(callMs * 1000) / 1000,
    ratio: Math.round((workflowMs / WORKFLOW_STEPS / callMs) * 100) / 100,
  };
}

/** The workflow the bench runs, as a gateway's workflows file in `dir`. */
export async function workflowsFile(dir: string): Promise<string> {
  const file = join(dir, 'workflows.yaml');
  await writeFile(
    file,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow template, not a JavaScript one
    'workflows:\n  - name: echoes\n    steps:\n      - for_each: inputs.items\n        steps: [{ call: echo, arguments: { text: "${item}" } }]\n',
  );
  return file;
}
