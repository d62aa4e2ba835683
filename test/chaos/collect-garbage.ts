import { once } from 'node:events';
import WebSocket from 'ws';

/** NODE_OPTIONS for a process whose garbage `collectGarbage` may collect: its inspector, on loopback only. */
export function inspectable(port: number): Record<string, string> {
  return { NODE_OPTIONS: `--inspect=127.0.0.1:${port}` };
}

/**
 * A full garbage collection in a process started with `inspectable(port)`, through its inspector
 * (HeapProfiler.collectGarbage), so that a reading of its memory counts what is live, not what the
 * collector has not reached yet: without it, resident memory after a burst of 1 MB messages moved
 * by tens of megabytes from run to run.
 */
export async function collectGarbage(port: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/json/list`);
  const [target] = (await response.json()) as { webSocketDebuggerUrl?: string }[];
  if (!target?.webSocketDebuggerUrl) throw new Error(`no inspector target on 127.0.0.1:${port}`);
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  try {
    await once(socket, 'open');
    const answered = new Promise<void>((resolve, reject) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { id?: number; error?: { message: string } };
        if (message.id !== 1) return;
        if (message.error) reject(new Error(`HeapProfiler.collectGarbage: ${message.error.message}`));
        else resolve();
      });
      socket.on('close', () => reject(new Error('the inspector closed before collecting')));
    });
    socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    await answered;
  } finally {
    socket.close();
  }
}
