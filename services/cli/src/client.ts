import type { CallToolResult, Client, Progress, ProtocolEra, Tool } from '@modelcontextprotocol/client';
import { SharedConnection } from './connection.js';
import { Deadline } from './deadline.js';
import { openClient, type ProtocolChoice } from './open-client.js';
import {
  backoff,
  DEFAULT_RETRY,
  type Retryable,
  type RetryPolicy,
  refusalAwareFetch,
  retryable,
  sessionGone,
  wait,
} from './retry.js';

export interface FleetClientOptions {
  /** `http(s)://…/mcp`, `http(s)://…/sse`, `ws(s)://…/ws` or `grpc://host:port`. */
  url: string | URL;
  /** Sent as X-API-Key. */
  apiKey?: string;
  /** Sent as `Authorization: Bearer`. */
  token?: string;
  /** Per call, its retries included, unless the call says otherwise; progress notifications extend it. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** How long a tools list is reused; a tools/list_changed notification drops it at once. */
  toolCacheTtlMs?: number;
  name?: string;
  /** The MCP revision to speak; default `auto`: 2026-07-28, or the 2025 handshake for older gateways. */
  protocol?: ProtocolChoice;
  /** Told before each retry: what failed and how long the client waits. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/**
 * An MCP client for the fleet's gateway over the official SDK (v2): 2026-07-28 by default, the
 * 2025 handshake for gateways without it; retries with exponential backoff and jitter for errors
 * worth retrying (Retry-After honoured), one deadline per call across its retries, a tools list
 * cache that list_changed invalidates, and one shared connection replaced single-flight: a new
 * 2025 session only when the gateway has forgotten the old one (or, on edges whose session is the
 * connection, when that connection is lost); a 2026 connection has no session to lose.
 *
 * What is retried: a request the gateway refused before running it (429, 503) for any tool; a
 * connection failure, where the call may have run, only for tools annotated read-only or idempotent.
 */
export class FleetClient {
  private readonly connection: SharedConnection;
  private tools: { list: Tool[]; at: number } | undefined;
  private readonly policy: RetryPolicy;
  private readonly headers: Record<string, string>;

  private constructor(private readonly options: FleetClientOptions) {
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.headers = {
      ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    };
    this.connection = new SharedConnection(() => this.open());
  }

  static async connect(options: FleetClientOptions): Promise<FleetClient> {
    const fleet = new FleetClient(options);
    await fleet.retrying('connection', fleet.deadline(), async () => undefined);
    return fleet;
  }

  /** A fresh connection (and, in 2025, session): a new SDK client and transport. */
  private async open(): Promise<Client> {
    const client = await openClient({
      url: new URL(this.options.url),
      headers: this.headers,
      fetch: refusalAwareFetch(),
      protocol: this.options.protocol ?? 'auto',
      name: this.options.name ?? 'mcp-fleet-client',
      toolsChanged: () => {
        this.tools = undefined;
      },
    });
    this.tools = undefined;
    return client;
  }

  private deadline(timeoutMs = this.options.timeoutMs ?? 60_000): Deadline {
    return new Deadline(timeoutMs);
  }

  /**
   * Runs `work` on the shared connection, retrying what `allowed` covers, up to the policy's
   * attempts and never past `deadline`: waiting for a reconnect or a backoff counts against it.
   */
  private async retrying<T>(
    allowed: 'refused' | 'connection',
    deadline: Deadline,
    work: (client: Client, remainingMs: number) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let used: Client | undefined;
      try {
        return await deadline.bound(() =>
          this.connection.run((client) => {
            used = client;
            return work(client, deadline.remainingMs());
          }),
        );
      } catch (err) {
        const why: Retryable = retryable(err);
        const gone = sessionGone(err);
        if (used && why) this.connection.failed(used, gone);
        const permitted = why && (why.kind === 'refused' || allowed === 'connection');
        const afterMs = why?.afterMs;
        if (
          !permitted ||
          attempt >= this.policy.attempts ||
          (afterMs ?? 0) > Math.min(this.policy.maxRetryAfterMs, deadline.remainingMs())
        )
          throw err;
        const delayMs = Math.min(backoff(this.policy, attempt, afterMs), deadline.remainingMs());
        this.options.onRetry?.({ attempt, delayMs, error: err });
        await wait(delayMs, signal);
        deadline.check(err);
      }
    }
  }

  /** The gateway's tools (those the caller may use), from the cache while it is fresh. */
  async listTools(options: { fresh?: boolean } = {}): Promise<Tool[]> {
    return this.toolList(this.deadline(), options.fresh);
  }

  private async toolList(deadline: Deadline, fresh = false): Promise<Tool[]> {
    const ttl = this.options.toolCacheTtlMs ?? 30_000;
    if (!fresh && this.tools && Date.now() - this.tools.at < ttl) return this.tools.list;
    // The SDK walks the pages; `refresh` because this cache, not the SDK's, decides what is fresh.
    const list = await this.retrying(
      'connection',
      deadline,
      async (client, timeout) => (await client.listTools(undefined, { timeout, cacheMode: 'refresh' })).tools,
    );
    this.tools = { list, at: Date.now() };
    return list;
  }

  /** Calls a tool; a tool error comes back as a result with isError, a protocol error is thrown. */
  async callTool(
    name: string,
    args: Record<string, unknown> = {},
    options: CallOptions = {},
  ): Promise<CallToolResult> {
    const deadline = this.deadline(options.timeoutMs);
    const tool = (await this.toolList(deadline)).find((t) => t.name === name);
    const repeatable = !!(tool?.annotations?.readOnlyHint || tool?.annotations?.idempotentHint);
    return this.retrying(
      repeatable ? 'connection' : 'refused',
      deadline,
      (client, timeout) =>
        client.callTool(
          { name, arguments: args },
          {
            timeout,
            resetTimeoutOnProgress: true,
            signal: options.signal,
            onprogress: (progress) => {
              deadline.extend();
              options.onProgress?.(progress);
            },
          },
        ),
      options.signal,
    );
  }

  /** The gateway's session id, on edges that have one apart from the connection (Streamable HTTP, 2025). */
  get sessionId(): string | undefined {
    return this.connection.client?.transport?.sessionId;
  }

  /** `modern` on a 2026-07-28 connection, `legacy` on a 2025 session; undefined before connecting. */
  get protocolEra(): ProtocolEra | undefined {
    return this.connection.client?.getProtocolEra();
  }

  /** The MCP revision the gateway and this client agreed on. */
  get protocolVersion(): string | undefined {
    return this.connection.client?.getNegotiatedProtocolVersion();
  }

  /** A round trip to the gateway: `ping` in a 2025 session, `server/discover` in 2026 (which has no ping). */
  async ping(): Promise<void> {
    const deadline = this.deadline();
    await this.retrying('connection', deadline, (client, timeout) =>
      client.getProtocolEra() === 'modern' ? client.discover({ timeout }) : client.ping({ timeout }),
    );
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
