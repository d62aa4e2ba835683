import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `entry` of the build at `root` (this one unless told). */
export function start(entry: string, env: Record<string, string>, root = ROOT): ChildProcess {
  return spawn(process.execPath, [join(root, entry)], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Waits until `url` answers; with `ready`, until its /readyz body says every provider is up. */
export async function waitReady(url: string, ready = true): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      const response = await fetch(url);
      if (!ready) return;
      const body = (await response.json()) as { ready: boolean; providers: { up: boolean }[] };
      if (body.ready && body.providers.every((p) => p.up)) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${url} did not become ready`);
}

/** The gRPC edge port of a gateway (it listens on a free one in the bench), from its /readyz. */
export async function edgePort(gatewayPort: number): Promise<number> {
  const body = (await (await fetch(`http://127.0.0.1:${gatewayPort}/readyz`)).json()) as {
    grpcPort?: number;
  };
  if (!body.grpcPort) throw new Error('the gateway reports no gRPC edge port');
  return body.grpcPort;
}

const TICKS_PER_SECOND = 100;

/**
 * User + system CPU seconds a process and its live children (a gateway's workers) have used so
 * far, from /proc (Linux).
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean);
  return (
    (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND +
    children.reduce((sum, child) => sum + cpuSeconds(Number(child)), 0)
  );
}

/** The processes whose CPU a measurement charges, by role. */
export type Charged = Record<string, ChildProcess>;

/** Runs `work` and returns its result with the CPU seconds each charged process, and this one (`client`), spent meanwhile. */
export async function withCpu<T>(charged: Charged, work: () => Promise<T>) {
  const pids = Object.entries(charged).map(([role, child]) => [role, child.pid ?? 0] as const);
  const before = pids.map(([, pid]) => cpuSeconds(pid));
  const own = process.cpuUsage();
  const result = await work();
  // The load generator (this process) shares the machine's cores with what it measures.
  const spent = process.cpuUsage(own);
  const cpu: Record<string, number> = { client: (spent.user + spent.system) / 1e6 };
  pids.forEach(([role, pid], i) => {
    cpu[role] = cpuSeconds(pid) - (before[i] ?? 0);
  });
  return { result, cpu };
}

/**
 * An OTLP/gRPC trace endpoint that accepts and drops every export, so tracing costs the gateway
 * what it would in production (spans made, batched, serialised, sent) without a collector.
 */
export async function otlpSink(): Promise<{ endpoint: string; close: () => void }> {
  const server = new grpc.Server();
  const bytes = (value: Buffer) => value;
  server.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: bytes,
        requestDeserialize: bytes,
        responseSerialize: bytes,
        responseDeserialize: bytes,
      },
    },
    { Export: (_call: unknown, done: grpc.sendUnaryData<Buffer>) => done(null, Buffer.alloc(0)) },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return { endpoint: `http://127.0.0.1:${port}`, close: () => server.forceShutdown() };
}
