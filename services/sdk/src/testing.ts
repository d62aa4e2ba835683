/**
 * Helpers for testing a provider over a real gRPC connection: serve definitions on a loopback
 * port, run Call streams frame by frame, ask grpc.health.v1. Imported as @mcp-fleet/sdk/testing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import {
  type CallClientFrame,
  type CallServerFrame__Output,
  createProviderClient,
  type ToolProviderClient,
} from '@mcp-fleet/contract';
import { pino } from 'pino';
import {
  createIdentityVerifier,
  type Definition,
  defineTool,
  type IdentityVerifier,
  type ProviderHandle,
  serveProvider,
  type ToolDefinition,
} from './index.js';

export const silentLogger = pino({ level: 'silent' });

export interface TestProvider {
  handle: ProviderHandle;
  client: ToolProviderClient;
  target: string;
  close(): Promise<void>;
}

/** Serves definitions on a free loopback port and connects a real gRPC client to them. */
export async function startProvider(
  definitions: readonly Definition[],
  options: { identify?: IdentityVerifier; drainTimeoutMs?: number; maxCallsPerStream?: number } = {},
): Promise<TestProvider> {
  const handle = await serveProvider(
    { name: 'test', version: '0.0.1', definitions },
    {
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger,
      drainTimeoutMs: options.drainTimeoutMs ?? 2_000,
      ...(options.maxCallsPerStream ? { maxCallsPerStream: options.maxCallsPerStream } : {}),
      identify:
        options.identify ?? createIdentityVerifier({ audience: 'test', issuer: 'test', insecure: true }),
    },
  );
  const target = `127.0.0.1:${handle.port}`;
  const client = createProviderClient(target);
  return {
    handle,
    client,
    target,
    async close() {
      client.close();
      await handle.drain();
    },
  };
}

export interface CallOutcome {
  frames: CallServerFrame__Output[];
  status: grpc.StatusObject;
}

export type CallStream = grpc.ClientDuplexStream<CallClientFrame, CallServerFrame__Output>;

export interface CallOptions {
  /** Milliseconds from now. */
  deadlineMs?: number;
  metadata?: grpc.Metadata;
  /** Sees each frame as it arrives and may write more frames (answers, cancel). */
  onFrame?: (frame: CallServerFrame__Output, stream: CallStream) => void;
}

/** Opens one Call and sends the first frame; the stream stays open for more frames. */
export function openCall(
  client: ToolProviderClient,
  first: CallClientFrame | null,
  options: CallOptions = {},
): { stream: CallStream; done: Promise<CallOutcome> } {
  const callOptions: grpc.CallOptions = {};
  if (options.deadlineMs !== undefined) callOptions.deadline = Date.now() + options.deadlineMs;
  const stream = client.Call(options.metadata ?? new grpc.Metadata(), callOptions);
  const frames: CallServerFrame__Output[] = [];
  const done = new Promise<CallOutcome>((resolve) => {
    stream.on('data', (frame: CallServerFrame__Output) => {
      frames.push(frame);
      options.onFrame?.(frame, stream);
    });
    stream.on('status', (status) => resolve({ frames, status }));
  });
  // The status event carries the outcome; 'error' repeats it for non-OK codes.
  stream.on('error', () => {});
  if (first) stream.write(first);
  return { stream, done };
}

/** Runs one Call to its end: sends the first frame, half-closes, collects frames and status. */
export function runCall(
  client: ToolProviderClient,
  first: CallClientFrame | null,
  options: CallOptions = {},
) {
  const { stream, done } = openCall(client, first, options);
  if (!options.onFrame) stream.end();
  return done;
}

/**
 * An `onFrame` handler answering every server->client request (sampling, elicitation) with
 * `answer(method, params)`, and half-closing once the call has its outcome.
 */
export function answering(answer: (method: string, params: Record<string, unknown>) => unknown) {
  return (frame: CallServerFrame__Output, stream: CallStream) => {
    if (frame.frame === 'request' && frame.request) {
      const params = JSON.parse(frame.request.paramsJson.toString('utf8'));
      const resultJson = Buffer.from(JSON.stringify(answer(frame.request.method, params)));
      stream.write({ response: { id: frame.request.id, resultJson } });
    }
    if (frame.frame === 'result' || frame.frame === 'error') stream.end();
  };
}

/** A `tools/call` request frame. */
export function toolCall(
  name: string,
  args: Record<string, unknown> = {},
  extra: {
    meta?: Record<string, unknown>;
    capabilities?: Record<string, unknown>;
    logLevel?: string;
    protocolVersion?: string;
  } = {},
): CallClientFrame {
  const params: Record<string, unknown> = { name, arguments: args };
  if (extra.meta) params._meta = extra.meta;
  return {
    request: {
      method: 'tools/call',
      paramsJson: Buffer.from(JSON.stringify(params)),
      clientCapabilitiesJson: Buffer.from(JSON.stringify(extra.capabilities ?? {})),
      logLevel: extra.logLevel ?? '',
      protocolVersion: extra.protocolVersion ?? '2025-11-25',
    },
  };
}

export function request(method: string, params: Record<string, unknown>): CallClientFrame {
  return { request: { method, paramsJson: Buffer.from(JSON.stringify(params)) } };
}

/** The JSON of the final result frame; throws with what came instead. */
export function resultOf(outcome: CallOutcome): Record<string, unknown> {
  const last = outcome.frames.at(-1);
  if (last?.frame !== 'result' || !last.result) {
    throw new Error(
      `expected a result frame, got ${JSON.stringify(outcome.frames.map((f) => f.frame))} status ${outcome.status.code} ${outcome.status.details}`,
    );
  }
  return JSON.parse(last.result.resultJson.toString('utf8')) as Record<string, unknown>;
}

export function errorOf(outcome: CallOutcome): { code: number; message: string; data: unknown } {
  const last = outcome.frames.at(-1);
  if (last?.frame !== 'error' || !last.error)
    throw new Error(`expected an error frame, got ${JSON.stringify(outcome.frames)}`);
  const data = last.error.dataJson.length > 0 ? JSON.parse(last.error.dataJson.toString('utf8')) : undefined;
  return { code: last.error.code, message: last.error.message, data };
}

export { checkHealth } from './health-check.js';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

/** Promise.withResolvers, which Node 20 lacks. */
export function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Polls until `condition` holds; fails loudly after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// Ports this process has handed out: the kernel may offer a just-closed port again, and a test
// that asks twice before binding either must get two different ones.
const handedOut = new Set<number>();

/** A free TCP port on 127.0.0.1 (closed again before it is returned), never one handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export interface ProviderProcess {
  child: ChildProcess;
  /** Everything the process wrote so far, stdout and stderr interleaved. */
  output(): string;
  exited: Promise<number | null>;
}

/** Runs a provider entry point in its own Node.js process with a minimal environment. */
export function spawnProvider(
  entry: string,
  args: string[],
  env: Record<string, string> = {},
): ProviderProcess {
  const child = spawn(process.execPath, [entry, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

/** A tool `echo` answering its `text` argument, the smallest call there is. */
export const echoTool = defineTool<{ text: string }>({
  name: 'echo',
  description: 'Echo.',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  handler: ({ text }) => text,
});

/** The current run of a gated tool: when it started, whether it was aborted, and how to finish it. */
export interface Gate {
  entered: Deferred<void>;
  aborted: Deferred<unknown>;
  release: Deferred<void>;
  calls: number;
}

/**
 * A tool that runs until the test releases it (then returns "released") or until its signal
 * aborts (then it records the reason), for cancellation, deadline and drain tests.
 */
export function gatedTool(name: string): { definition: ToolDefinition; gate: () => Gate; reset: () => Gate } {
  const fresh = (): Gate => ({ entered: deferred(), aborted: deferred(), release: deferred(), calls: 0 });
  let current = fresh();
  const definition = defineTool({
    name,
    description: 'Runs until released or aborted.',
    inputSchema: { type: 'object' },
    handler: (_args, ctx) =>
      new Promise((resolve, reject) => {
        const gate = current;
        gate.calls++;
        ctx.signal.addEventListener('abort', () => {
          gate.aborted.resolve(ctx.signal.reason);
          reject(ctx.signal.reason);
        });
        gate.entered.resolve();
        void gate.release.promise.then(() => resolve('released'));
      }),
  });
  return {
    definition,
    gate: () => current,
    reset: () => {
      current = fresh();
      return current;
    },
  };
}

/**
 * Runs `fn`, then lets a tick pass, and returns the errors thrown uncaught meanwhile (a listener's
 * error rethrown on the next tick) instead of failing the test with them.
 */
export async function uncaughtDuring(fn: () => void): Promise<unknown[]> {
  const thrown: unknown[] = [];
  const original = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', (err) => thrown.push(err));
  try {
    fn();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.removeAllListeners('uncaughtException');
    for (const listener of original) process.on('uncaughtException', listener);
  }
  return thrown;
}

/**
 * The listener contract of an abort signal, which the SDK's Shutdown and the gateway's
 * Cancellation both keep, put through its cases: `add` registers a listener and returns its
 * removal. The first listener removes one added after it, the second throws, one is removed
 * before `fire`, the last only records; `fire` is called twice. Returns the listeners heard, in
 * order, and the errors thrown uncaught (a listener's, rethrown on the next tick).
 */
export async function exerciseListeners(
  add: (listener: () => void) => () => void,
  fire: () => void,
): Promise<{ heard: string[]; thrown: unknown[] }> {
  const heard: string[] = [];
  let removeLater = () => {};
  add(() => {
    heard.push('first');
    removeLater();
  });
  add(() => {
    throw new Error('a listener failed');
  });
  removeLater = add(() => heard.push('removed by the first'));
  const removed = add(() => heard.push('removed before'));
  add(() => heard.push('last'));
  removed();
  const thrown = await uncaughtDuring(() => {
    fire();
    fire();
  });
  return { heard, thrown };
}
