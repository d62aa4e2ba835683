import { fork } from 'node:child_process';
import { once } from 'node:events';
import { build } from '@mcp-fleet/gateway';
import { readGatewayConfig } from '@mcp-fleet/gateway/config';
import { pino } from 'pino';
import { ROOT } from './processes.js';

/**
 * Heap a gateway keeps per idle 2025 session and per open 2026 `subscriptions/listen` stream
 * (its HTTP connection included), measured in-process so the garbage collector runs first, with
 * the in-memory session store. The listen streams are opened over real sockets by a child process
 * (listen-client.js) so only the gateway's side is counted. Run with --expose-gc.
 */
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10_000);
const STREAMS = Number(process.env.BENCH_LISTEN_STREAMS ?? 10_000);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function settledHeap(): number {
  for (let i = 0; i < 3; i++) gc?.();
  return process.memoryUsage().heapUsed;
}

const config = readGatewayConfig({
  env: {
    MCPFLEET_GATEWAY_LISTEN: '127.0.0.1:0',
    MCPFLEET_POLICY_FILE: `${ROOT}deploy/dev/policy.yaml`,
    MCPFLEET_AUDIT_LOG: '/dev/null',
    MCPFLEET_MAX_LISTEN_STREAMS: String(STREAMS + 1),
    MCPFLEET_MAX_LISTEN_STREAMS_PER_CALLER: String(STREAMS + 1),
  },
  argv: [],
});
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

async function perSession(): Promise<number> {
  await initialize(-1);
  const before = settledHeap();
  for (let i = 0; i < SESSIONS; i++) {
    const response = await initialize(i);
    if (response.statusCode !== 200) throw new Error(`initialize failed: ${response.statusCode}`);
  }
  return Math.round((settledHeap() - before) / SESSIONS);
}

/** Opens STREAMS listen streams from a child process, measures, then lets it close them. */
async function perListenStream(port: number): Promise<number> {
  const before = settledHeap();
  const client = fork(new URL('./listen-client.js', import.meta.url), [String(port), String(STREAMS)]);
  const [opened] = (await once(client, 'message')) as [{ open: number; failed: number }];
  if (opened.open !== STREAMS) throw new Error(`only ${opened.open} of ${STREAMS} listen streams opened`);
  const after = settledHeap();
  client.kill();
  await once(client, 'exit');
  return Math.round((after - before) / STREAMS);
}

const perSessionBytes = await perSession();
await gateway.app.listen({ host: '127.0.0.1', port: 0 });
const { port } = gateway.app.server.address() as { port: number };
const perListenStreamBytes = await perListenStream(port);
await gateway.drain();
process.stdout.write(
  `${JSON.stringify({ sessions: SESSIONS, perSessionBytes, listenStreams: STREAMS, perListenStreamBytes })}\n`,
);
