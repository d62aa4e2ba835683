import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Fleet, ROOT_POLICY, securityEnv, signingKey, startGateway, startProvider } from './fleet.js';
import { type Call, CONNECTIONS, REWARM_CALLS, type Saturation, saturation } from './measure.js';
import { median } from './median.js';
import { type Charged, otlpSink, ROOT, waitReady } from './processes.js';
import { sessionEcho, statelessEcho } from './targets.js';

/**
 * A lever's before/after in one run: a gateway and provider from the build at BENCH_BASE (a copy
 * of the tree before the change, built) beside the same pair from this build, each driven at
 * saturation in alternated rounds, on both dialects. Prints the median CPU µs per call of each
 * process and calls/s. `node bench/dist/compare.js` (BENCH_ROUNDS, BENCH_SATURATION_CALLS, BENCH_IDLE_S;
 * BENCH_AFTER compares another copy instead of this build).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_IDLE_S: seconds each pair sits idle before each measured run (make bench's rhythm). */
const IDLE_MS = Number(process.env.BENCH_IDLE_S ?? 0) * 1000;
const base = process.env.BENCH_BASE;
const after = process.env.BENCH_AFTER ?? ROOT;
if (!base) throw new Error('set BENCH_BASE to the root of the build to compare against');

async function pair(fleet: Fleet, root: string, otel: Record<string, string>) {
  const own: Fleet = { ...fleet, root };
  const provider = await startProvider(own, otel);
  // BENCH_SECURED: both gateways with security on (API key, or a bearer JWT with `jwt`; policy,
  // Redis limits, quota).
  const secured = process.env.BENCH_SECURED;
  const security = secured ? await securityEnv(fleet, secured === 'jwt' ? 'jwt' : 'api-key') : undefined;
  const gateway = await startGateway(own, root === after ? 'after' : 'before', provider.port, {
    ...(security?.env ?? { MCPFLEET_POLICY_FILE: ROOT_POLICY }),
    ...otel,
  });
  fleet.processes.push(provider.process, gateway.process);
  await waitReady(`http://127.0.0.1:${gateway.port}/readyz`);
  const charged: Charged = { gateway: gateway.process, provider: provider.process };
  const header = security?.header ?? {};
  return {
    session: await sessionEcho(gateway.url, CONNECTIONS, header),
    stateless: statelessEcho(gateway.url, CONNECTIONS, header),
    charged,
  };
}

const middle = (list: Saturation[], pick: (s: Saturation) => number) => median(list.map(pick));

const fleet: Fleet & { closers: (() => void)[] } = {
  dir: await mkdtemp(join(tmpdir(), 'mcpfleet-compare-')),
  processes: [],
  closers: [],
};
try {
  await signingKey(fleet.dir);
  // BENCH_TRACED: tracing on in every process (default sampler), exported to a sink; `after`: in
  // the after build's only, which with BENCH_BASE a copy of this build measures tracing itself.
  const traced = process.env.BENCH_TRACED;
  const sink = traced ? await otlpSink() : undefined;
  // OTEL_TRACES_SAMPLER and its ARG, when set, reach the traced processes (a sampler's own cost).
  const sampler = Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      entry[0].startsWith('OTEL_TRACES_SAMPLER') && entry[1] !== undefined,
  );
  const otel: Record<string, string> = sink
    ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, ...Object.fromEntries(sampler) }
    : {};
  if (sink) fleet.closers.push(sink.close);
  const builds = {
    before: await pair(fleet, base, traced === 'after' ? {} : otel),
    after: await pair(fleet, after, otel),
  };
  const runs: Record<string, Saturation[]> = {};
  // A discarded round first: JIT and connections warm on both builds.
  for (let round = -1; round < ROUNDS; round++)
    // For each dialect, which build goes first alternates by round: the second of a pair meets a warmer client.
    for (const dialect of ['session', 'stateless'] as const)
      for (const [name, build] of round % 2 === 0
        ? Object.entries(builds)
        : Object.entries(builds).reverse()) {
        const call: Call = build[dialect].call;
        const key = `${dialect} ${name}`;
        if (IDLE_MS > 0) {
          // As in make bench: the pair waits while others are measured, then warms up again.
          await sleep(IDLE_MS);
          await saturation(call, build.charged, REWARM_CALLS);
        }
        const result = await saturation(call, build.charged);
        if (round < 0) continue;
        runs[key] = [...(runs[key] ?? []), result];
        process.stderr.write(`${key}: ${JSON.stringify(result)}\n`);
      }
  process.stdout.write(
    '| dialect, build | calls/s | gateway µs/call | provider µs/call |\n| --- | --- | --- | --- |\n',
  );
  for (const [key, list] of Object.entries(runs))
    process.stdout.write(
      `| ${key} | ${middle(list, (s) => s.callsPerSecond)} | ${middle(list, (s) => s.cpuUsPerCall.gateway ?? 0)} | ${middle(list, (s) => s.cpuUsPerCall.provider ?? 0)} |\n`,
    );
  for (const build of Object.values(builds))
    await Promise.all([build.session.close(), build.stateless.close()]);
} finally {
  for (const child of fleet.processes) child.kill('SIGTERM');
  for (const close of fleet.closers) close();
  await rm(fleet.dir, { recursive: true, force: true });
}
