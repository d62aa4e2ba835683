/**
 * A minimal MCP Streamable HTTP session (2025-11-25) over undici, for load: every call ends in an
 * Outcome that names what came back (a result, a JSON-RPC error code, an HTTP status, a socket
 * error), so the scenarios can count answers by kind instead of by exception text.
 */
import { Agent, request } from 'undici';

export const PROTOCOL_VERSION = '2025-11-25';

/**
 * `code` is the JSON-RPC error code, `HTTP <status> <code>`, `tool error`, or `network <errno>`;
 * `message` what the gateway (or the socket) said.
 */
export type Outcome = { ok: true } | { ok: false; code: string; message: string; network: boolean };

const BASE_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/**
 * One keep-alive pool for every origin the load talks to, wide enough that calls never queue in
 * the client: a call held by the gateway must show as its latency, not delay the calls behind it.
 */
export function loadAgent(): Agent {
  return new Agent({ connections: 1_000, keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
}

interface JsonRpcAnswer {
  id?: unknown;
  result?: { isError?: boolean };
  error?: { code: number; message: string };
}

/** The answer to request `id` in a JSON body or an SSE stream (the last `data:` event carrying it). */
function findAnswer(body: string, contentType: string, id: number): JsonRpcAnswer | undefined {
  if (!contentType.includes('text/event-stream')) return JSON.parse(body) as JsonRpcAnswer;
  for (const event of body.split('\n\n')) {
    const data = event
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6))
      .join('\n');
    if (!data) continue;
    const message = JSON.parse(data) as JsonRpcAnswer;
    if (message.id === id) return message;
  }
  return undefined;
}

function outcomeOf(status: number, answer: JsonRpcAnswer | undefined): Outcome {
  const message = answer?.error?.message ?? '';
  if (status !== 200)
    return { ok: false, code: `HTTP ${status} ${answer?.error?.code ?? ''}`.trim(), message, network: false };
  if (!answer) return { ok: false, code: 'no answer in the stream', message, network: false };
  if (answer.error) return { ok: false, code: String(answer.error.code), message, network: false };
  if (answer.result?.isError) return { ok: false, code: 'tool error', message, network: false };
  return { ok: true };
}

export function networkOutcome(err: unknown): Outcome {
  const error = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  return {
    ok: false,
    code: `network ${error.code ?? error.cause?.code ?? error.name}`,
    message: String(error.message),
    network: true,
  };
}

/** Opens a session on `base` (http://host:port); resolves with its Mcp-Session-Id. */
export async function initialize(agent: Agent, base: string, name = 'chaos'): Promise<string> {
  const response = await request(`${base}/mcp`, {
    dispatcher: agent,
    method: 'POST',
    headers: BASE_HEADERS,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name, version: '1' } },
    }),
  });
  const text = await response.body.text();
  const session = response.headers['mcp-session-id'];
  if (response.statusCode !== 200 || typeof session !== 'string')
    throw new Error(`initialize on ${base} answered ${response.statusCode}: ${text.slice(0, 300)}`);
  return session;
}

/** A session's calls; `base` may change (a client resuming its session on another replica). */
export class McpSession {
  private nextId = 1;

  constructor(
    private readonly agent: Agent,
    public base: string,
    readonly id: string,
  ) {}

  static async open(agent: Agent, base: string): Promise<McpSession> {
    return new McpSession(agent, base, await initialize(agent, base));
  }

  /** tools/call; never rejects: every way it can end is an Outcome. `meta` becomes params._meta. */
  async callTool(
    name: string,
    args: Record<string, unknown>,
    options: { signal?: AbortSignal; meta?: Record<string, unknown> } = {},
  ): Promise<Outcome> {
    const id = this.nextId++;
    const params = options.meta ? { name, arguments: args, _meta: options.meta } : { name, arguments: args };
    try {
      const response = await request(`${this.base}/mcp`, {
        dispatcher: this.agent,
        method: 'POST',
        headers: {
          ...BASE_HEADERS,
          'mcp-session-id': this.id,
          'mcp-protocol-version': PROTOCOL_VERSION,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }),
        signal: options.signal,
      });
      const body = await response.body.text();
      const type = String(response.headers['content-type'] ?? '');
      let answer: JsonRpcAnswer | undefined;
      try {
        answer = findAnswer(body, type, id);
      } catch {
        answer = undefined;
      }
      return outcomeOf(response.statusCode, answer);
    } catch (err) {
      return networkOutcome(err);
    }
  }
}

/** `count` sessions on `base`. */
export function openSessions(agent: Agent, base: string, count: number): Promise<McpSession[]> {
  return Promise.all(Array.from({ length: count }, () => McpSession.open(agent, base)));
}

/** The load's call: echo (read-only, idempotent) on the sessions in turn. */
export function echoCalls(sessions: McpSession[]) {
  return (i: number, signal: AbortSignal): Promise<Outcome> =>
    (sessions[i % sessions.length] as McpSession).callTool(
      'everything_echo',
      { text: `call ${i}` },
      { signal },
    );
}
