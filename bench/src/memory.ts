import { build } from '@mcp-fleet/gateway';
import { readGatewayConfig } from '@mcp-fleet/gateway/config';
import { pino } from 'pino';

/**
 * Memory per idle session, measured in-process so the garbage collector can be run first:
 * the heap a gateway keeps for each open session with the in-memory store. Run with --expose-gc.
 */
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 1_000);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function settledHeap(): number {
  for (let i = 0; i < 3; i++) gc?.();
  return process.memoryUsage().heapUsed;
}

const config = readGatewayConfig({ env: { MCPFLEET_GATEWAY_LISTEN: '127.0.0.1:0' }, argv: [] });
const gateway = await build({ config, providers: [], logger: pino({ level: 'silent' }) });
const initialize = (i: number) =>
  gateway.app.inject({
    method: 'POST',
    url: '/mcp',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      host: '127.0.0.1',
    },
    payload: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
        clientInfo: { name: `idle-client-${i}`, version: '1.0.0' },
      },
    }),
  });
await initialize(-1);
const before = settledHeap();
for (let i = 0; i < SESSIONS; i++) {
  const response = await initialize(i);
  if (response.statusCode !== 200) throw new Error(`initialize failed: ${response.statusCode}`);
}
const after = settledHeap();
await gateway.drain();
process.stdout.write(
  `${JSON.stringify({ sessions: SESSIONS, heapBefore: before, heapAfter: after, perSessionBytes: Math.round((after - before) / SESSIONS) })}\n`,
);
