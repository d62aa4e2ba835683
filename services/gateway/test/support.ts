import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createIdentityVerifier,
  type Definition,
  type ProviderHandle,
  parseConfig,
  serveProvider,
} from '@mcp-fleet/sdk';
import { waitFor } from '@mcp-fleet/sdk/testing';
import { exportJWK, generateKeyPair } from 'jose';
import { pino } from 'pino';
import { build, type Gateway } from '../src/app.js';
import type { Caller } from '../src/auth/caller.js';
import type { ProviderConfig } from '../src/catalog/providers-file.js';
import { type GatewayConfig, gatewayConfigSpec } from '../src/config.js';
import { loadWorkflows } from '../src/workflows/workflow-file.js';

export const silent = pino({ level: 'silent' });

/** A caller holding `roles`, as an API key would make it: what policy unit tests decide for. */
export const caller = (...roles: string[]): Caller => ({
  subject: 's',
  principal: 'api-key:::s',
  roles,
  scopes: [],
  method: 'api-key',
});

/** The policy `make dev` uses: the local caller may do everything. */
export const DEV_POLICY = fileURLToPath(new URL('../../../../deploy/dev/policy.yaml', import.meta.url));

export interface FleetProvider {
  name: string;
  definitions: readonly Definition[];
  prefix?: string;
  timeoutMs?: number;
  toolTimeoutsMs?: Record<string, number>;
}

export interface Fleet {
  /** The first replica's /mcp URL. */
  url: string;
  urls: string[];
  gateway: Gateway;
  gateways: Gateway[];
  providers: Map<string, ProviderHandle>;
  dir: string;
  close(): Promise<void>;
}

/** A gateway configuration from environment-style overrides, as the real process reads it. */
export function gatewayConfig(env: Record<string, string> = {}): GatewayConfig {
  return parseConfig(gatewayConfigSpec, {
    env: { MCPFLEET_GATEWAY_LISTEN: '127.0.0.1:0', MCPFLEET_GRPC_LISTEN: '127.0.0.1:0', ...env },
    argv: [],
  });
}

/** A private signing JWK in a file, as an operator would mount it for several replicas. */
export async function writeSigningKey(path: string): Promise<void> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  await writeFile(path, JSON.stringify({ ...(await exportJWK(privateKey)), alg: 'EdDSA', kid: 'test-key' }));
}

/**
 * Gateway replicas on free loopback ports in front of in-process providers on free ports, each
 * provider verifying the gateway's identity tokens against the JWKS it writes: the real wiring,
 * in one process. Several replicas share one signing key, as they must.
 */
export async function startFleet(
  providers: FleetProvider[],
  env: Record<string, string> = {},
  extraProviders: ProviderConfig[] = [],
  replicas = 1,
): Promise<Fleet> {
  const dir = await mkdtemp(join(tmpdir(), 'mcpfleet-gw-'));
  const jwksFile = join(dir, 'jwks.json');
  const handles = new Map<string, ProviderHandle>();
  const configs: ProviderConfig[] = [...extraProviders];
  for (const p of providers) {
    const handle = await serveProvider(
      { name: p.name, version: '1.0.0', definitions: p.definitions },
      {
        host: '127.0.0.1',
        port: 0,
        logger: silent,
        drainTimeoutMs: 1_000,
        identify: createIdentityVerifier({
          jwksFile,
          audience: p.name,
          issuer: 'mcp-fleet-gateway',
          insecure: false,
        }),
      },
    );
    handles.set(p.name, handle);
    configs.push({
      name: p.name,
      target: `127.0.0.1:${handle.port}`,
      prefix: p.prefix ?? p.name,
      timeoutMs: p.timeoutMs ?? 10_000,
      toolTimeoutsMs: p.toolTimeoutsMs ?? {},
    });
  }
  const shared: Record<string, string> = {
    MCPFLEET_IDENTITY_JWKS_OUT: jwksFile,
    MCPFLEET_POLICY_FILE: DEV_POLICY,
    MCPFLEET_AUDIT_LOG: join(dir, 'audit.log'),
    // Pins of this fleet only (its replicas share them): the shared test Redis outlives every run.
    MCPFLEET_CATALOG_KEY_PREFIX: `mcpfleet:test:${basename(dir)}:`,
    // Tasks too: each caller's task records are counted in the shared Redis for an hour.
    MCPFLEET_TASKS_PREFIX: `mcpfleet:test:${basename(dir)}:`,
  };
  if (replicas > 1 && !env.MCPFLEET_IDENTITY_KEY) {
    shared.MCPFLEET_IDENTITY_KEY = join(dir, 'signing-key.json');
    await writeSigningKey(shared.MCPFLEET_IDENTITY_KEY);
  }
  const gateways: Gateway[] = [];
  const urls: string[] = [];
  for (let i = 0; i < replicas; i++) {
    const config = gatewayConfig({ ...shared, ...env });
    const gateway = await build({
      config,
      providers: configs,
      // As the gateway process does: workflows from MCPFLEET_WORKFLOWS_FILE.
      workflows: config.workflowsFile ? await loadWorkflows(config.workflowsFile) : [],
      logger: silent,
    });
    await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    const address = gateway.app.server.address() as { port: number };
    gateways.push(gateway);
    urls.push(`http://127.0.0.1:${address.port}/mcp`);
  }
  return {
    url: urls[0] ?? '',
    urls,
    gateway: gateways[0] as Gateway,
    gateways,
    providers: handles,
    dir,
    async close() {
      await Promise.all(gateways.map((g) => g.drain()));
      await Promise.all([...handles.values()].map((h) => h.drain()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

/** Raw HTTP: POSTs one body to /mcp and returns status, headers and parsed JSON (when any). */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown;
  try {
    // A forwarded call may come back as JSON or, when slow, as an SSE stream: the last message counts.
    json = response.headers.get('content-type')?.startsWith('text/event-stream')
      ? lastMessage(text)
      : text
        ? JSON.parse(text)
        : undefined;
  } catch {
    json = undefined;
  }
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: json as Record<string, unknown> | undefined,
  };
}

/** Opens a session by raw HTTP and returns its id. */
export async function initialize(url: string, protocolVersion = '2025-11-25'): Promise<string> {
  const { status, headers } = await post(url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  });
  const id = headers.get('mcp-session-id');
  if (status !== 200 || !id) throw new Error(`initialize failed: ${status}`);
  return id;
}

/** An `initialize` request (id 0) as a raw client sends it. */
export const initializeRequest = (
  protocolVersion = '2025-11-25',
  capabilities: Record<string, unknown> = {},
) => ({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion, capabilities, clientInfo: { name: 'raw', version: '1' } },
});

/**
 * Opens a session as the caller `credentials` name (2025-11-25 unless told, with the given client
 * capabilities); resolves with the headers its requests carry.
 */
export async function openSession(
  url: string,
  credentials: Record<string, string> = {},
  capabilities: Record<string, unknown> = {},
  protocolVersion = '2025-11-25',
): Promise<Record<string, string>> {
  const { status, headers, text } = await post(
    url,
    initializeRequest(protocolVersion, capabilities),
    credentials,
  );
  const id = headers.get('mcp-session-id');
  if (status !== 200 || !id) throw new Error(`initialize failed: ${status} ${text}`);
  return { ...credentials, 'mcp-session-id': id, 'mcp-protocol-version': protocolVersion };
}

/** A tool call (id 7) parked on a server→client request it sent down its SSE answer. */
export interface WaitingCall {
  /** The server→client request the call waits on (sampling, elicitation, roots). */
  request: { id: string; method: string };
  /** Every message of the call's stream so far. */
  messages: Record<string, unknown>[];
  /** Resolves when the stream ends: with the call's response, or without one when it was cancelled. */
  ended: Promise<void>;
}

/** POSTs a call to `tool` and reads its stream until the call asks the client something. */
export async function startWaitingCall(
  url: string,
  headers: Record<string, string>,
  tool: string,
  args: Record<string, unknown>,
): Promise<WaitingCall> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: tool, arguments: args },
    }),
  });
  if (!response.headers.get('content-type')?.startsWith('text/event-stream') || !response.body)
    throw new Error(`expected an SSE answer, got ${response.status}: ${await response.text()}`);
  const messages: Record<string, unknown>[] = [];
  const ended = (async () => {
    for await (const event of sseEvents(response.body as ReadableStream<Uint8Array>))
      if (event.data.startsWith('{')) messages.push(JSON.parse(event.data));
  })();
  const asked = () => messages.find((m) => typeof m.method === 'string' && m.id !== undefined);
  await Promise.race([
    waitFor(() => asked() !== undefined, `a server→client request from ${tool}`),
    ended.then(() => {
      throw new Error(`the call ended without asking: ${JSON.stringify(messages)}`);
    }),
  ]);
  return { request: asked() as WaitingCall['request'], messages, ended };
}

export interface EventStream {
  /** Every JSON-RPC message received so far. */
  messages: Record<string, unknown>[];
  /** The ids of every event, priming ones included. */
  ids: string[];
  status: number;
  close(): void;
}

/** Opens a GET SSE stream (the standalone one, or a resumed one with Last-Event-ID) and collects its events. */
export async function openEvents(url: string, sessionId: string, lastEventId?: string): Promise<EventStream> {
  const controller = new AbortController();
  const headers: Record<string, string> = {
    accept: 'text/event-stream',
    'mcp-session-id': sessionId,
    'mcp-protocol-version': '2025-11-25',
  };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  const response = await fetch(url, { headers, signal: controller.signal });
  const stream: EventStream = {
    messages: [],
    ids: [],
    status: response.status,
    close: () => controller.abort(),
  };
  if (!response.ok || !response.body) return stream;
  void (async () => {
    try {
      for await (const event of sseEvents(response.body as ReadableStream<Uint8Array>)) {
        if (event.id) stream.ids.push(event.id);
        if (event.data.trim()) stream.messages.push(JSON.parse(event.data));
      }
    } catch {
      // aborted by close()
    }
  })();
  return stream;
}

/** The events of an SSE body as they arrive: `event` name, `id`, and the joined `data` lines. */
export async function* sseEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ event?: string; id?: string; data: string }> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const lines = block.split('\n');
      const field = (name: string) => lines.find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2);
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      yield { event: field('event'), id: field('id'), data };
    }
  }
}

/** The last JSON-RPC message of a POST answer, whether it came as JSON or as an SSE stream. */
export function lastMessage(text: string): Record<string, unknown> {
  if (text.startsWith('{')) return JSON.parse(text);
  const data = text.split('\n').filter((line) => line.startsWith('data: {'));
  return JSON.parse(data.at(-1)?.slice(6) ?? '{}');
}

/** Reads an SSE response until `until` holds for the events seen so far, then drops the connection. */
export async function readUntil(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  until: (ids: string[], messages: Record<string, unknown>[]) => boolean,
) {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  if (response.headers.get('content-type') !== 'text/event-stream')
    throw new Error(`expected an SSE answer, got ${response.status}`);
  const events = sseEvents(response.body as ReadableStream<Uint8Array>);
  const ids: string[] = [];
  const messages: Record<string, unknown>[] = [];
  while (!until(ids, messages)) {
    const { value: event, done } = await events.next();
    if (done) break;
    if (event.id) ids.push(event.id);
    if (event.data.startsWith('{')) messages.push(JSON.parse(event.data));
  }
  controller.abort();
  return { ids, messages };
}

/** A raw-HTTP session and its standalone event stream: what catalog-change tests watch. */
export interface WatchedSession {
  headers(): Record<string, string>;
  toolNames(): Promise<string[]>;
  /** How many tools/list_changed notifications arrived so far. */
  listChanges(): number;
  close(): void;
}

export async function watchedSession(url: string): Promise<WatchedSession> {
  const session = await initialize(url);
  const events = await openEvents(url, session);
  const headers = () => ({ 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' });
  return {
    headers,
    async toolNames() {
      const { json } = await post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, headers());
      return (json?.result as { tools: { name: string }[] }).tools.map((t) => t.name);
    },
    listChanges: () => events.messages.filter((m) => m.method === 'notifications/tools/list_changed').length,
    close: () => events.close(),
  };
}
