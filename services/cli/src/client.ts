import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  type CallToolResult,
  type Progress,
  type Tool,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  backoff,
  DEFAULT_RETRY,
  type Retryable,
  type RetryPolicy,
  refusalAwareFetch,
  retryable,
  SESSION_GONE,
  wait,
} from './retry.js';
import { transportFor } from './transports.js';

export interface FleetClientOptions {
  /** `http(s)://…/mcp`, `http(s)://…/sse`, `ws(s)://…/ws` or `grpc://host:port`. */
  url: string | URL;
  /** Sent as X-API-Key. */
  apiKey?: string;
  /** Sent as `Authorization: Bearer`. */
  token?: string;
  /** Per call, unless the call says otherwise; progress notifications extend it. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** How long a tools list is reused; a tools/list_changed notification drops it at once. */
  toolCacheTtlMs?: number;
  name?: string;
  /** Told before each retry: what failed and how long the client waits. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

/**
 * An MCP client for the fleet's gateway over the official SDK: retries with exponential backoff
 * and jitter for errors worth retrying (Retry-After honoured), per-call timeouts, a tools list cache
 * that list_changed invalidates, and a new session when the gateway has forgotten the old one.
 *
 * What is retried: a request the gateway refused before running it (429, 503) for any tool; a
 * connection failure, where the call may have run, only for tools annotated read-only or idempotent.
 */
export class FleetClient {
  private client: Client | undefined;
  private tools: { list: Tool[]; at: number } | undefined;
  private readonly policy: RetryPolicy;
  private readonly headers: Record<string, string>;

  private constructor(private readonly options: FleetClientOptions) {
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.headers = {
      ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    };
  }

  static async connect(options: FleetClientOptions): Promise<FleetClient> {
    const fleet = new FleetClient(options);
    await fleet.retrying('connection', () => fleet.open());
    return fleet;
  }

  /** A fresh session: a new SDK client and transport. */
  private async open(): Promise<void> {
    const client = new Client({ name: this.options.name ?? 'mcp-fleet-client', version: '0.1.0' });
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
      this.tools = undefined;
    });
    await client.connect(transportFor(new URL(this.options.url), this.headers, refusalAwareFetch()));
    this.client = client;
    this.tools = undefined;
  }

  /** Runs `work`, retrying what `allowed` covers, up to the policy's attempts. */
  private async retrying<T>(
    allowed: 'refused' | 'connection',
    work: () => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        const why: Retryable = retryable(err);
        const permitted = why && (why.kind === 'refused' || allowed === 'connection');
        const afterMs = why?.afterMs;
        if (!permitted || attempt >= this.policy.attempts || (afterMs ?? 0) > this.policy.maxRetryAfterMs)
          throw err;
        const delayMs = backoff(this.policy, attempt, afterMs);
        this.options.onRetry?.({ attempt, delayMs, error: err });
        await wait(delayMs, signal);
        // A connection that failed may have lost its session with it.
        if (why.kind === 'connection' || SESSION_GONE.test((err as Error).message)) await this.reopen();
      }
    }
  }

  /** After a lost connection or session; never before the first one opened (connect retries that itself). */
  private async reopen(): Promise<void> {
    if (!this.client) return;
    await this.client.close().catch(() => undefined);
    await this.open().catch(() => undefined);
  }

  private get session(): Client {
    if (!this.client) throw new Error('not connected');
    return this.client;
  }

  /** The gateway's tools (those the caller may use), from the cache while it is fresh. */
  async listTools(options: { fresh?: boolean } = {}): Promise<Tool[]> {
    const ttl = this.options.toolCacheTtlMs ?? 30_000;
    if (!options.fresh && this.tools && Date.now() - this.tools.at < ttl) return this.tools.list;
    const list = await this.retrying('connection', async () => {
      const tools: Tool[] = [];
      let cursor: string | undefined;
      do {
        const page = await this.session.listTools(cursor ? { cursor } : undefined);
        tools.push(...page.tools);
        cursor = page.nextCursor;
      } while (cursor);
      return tools;
    });
    this.tools = { list, at: Date.now() };
    return list;
  }

  /** Calls a tool; a tool error comes back as a result with isError, a protocol error is thrown. */
  async callTool(
    name: string,
    args: Record<string, unknown> = {},
    options: CallOptions = {},
  ): Promise<CallToolResult> {
    const tool = (await this.listTools()).find((t) => t.name === name);
    const repeatable = !!(tool?.annotations?.readOnlyHint || tool?.annotations?.idempotentHint);
    return this.retrying(
      repeatable ? 'connection' : 'refused',
      async () =>
        (await this.session.callTool({ name, arguments: args }, undefined, {
          timeout: options.timeoutMs ?? this.options.timeoutMs ?? 60_000,
          resetTimeoutOnProgress: true,
          signal: options.signal,
          onprogress: options.onProgress,
        })) as CallToolResult,
      options.signal,
    );
  }

  async ping(): Promise<void> {
    await this.retrying('connection', () => this.session.ping());
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}
