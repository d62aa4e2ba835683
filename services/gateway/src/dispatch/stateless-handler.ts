import { ErrorCode, FleetError } from '@mcp-fleet/contract';
import type { Caller } from '../auth/caller.js';
import type { HeaderParam } from '../catalog/header-params.js';
import type { Envelope } from '../engine/dialect.js';
import type {
  RequestContext,
  RequestHandler,
  Screening,
  ServerDescription,
} from '../engine/request-context.js';
import { invalidParams, methodNotFound } from '../protocol/errors.js';
import { type JsonObject, RawJson } from '../protocol/messages.js';
import { META } from '../protocol/request-meta.js';
import { checkParamHeaders } from '../protocol/routing-headers.js';
import { isModernVersion, MODERN_VERSIONS } from '../protocol/versions.js';
import type { ListenStreams } from '../subscriptions/listen-streams.js';
import { TASKS_EXTENSION } from '../tasks/task-record.js';
import type { Tasks } from '../tasks/tasks.js';

/** The methods of MCP 2026-07-28 the gateway serves; anything else (initialize, ping…) is a 404. */
const MODERN_METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'completion/complete',
]);

/** Results a client may cache (SEP-2549): they carry ttlMs and cacheScope. */
const CACHEABLE: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);

/**
 * What server/discover advertises: only what really answers a 2026 request. List changes and
 * resource updates reach a 2026 client on a subscriptions/listen stream only.
 */
function modernCapabilities(listens: boolean, tasks: boolean): JsonObject {
  return {
    ...(tasks ? { extensions: { [TASKS_EXTENSION]: {} } } : {}),
    tools: listens ? { listChanged: true } : {},
    resources: listens ? { subscribe: true, listChanged: true } : {},
    prompts: listens ? { listChanged: true } : {},
    logging: {},
    completions: {},
  };
}

/** What sends a provider's result through the parse-and-merge path instead of the splice. */
const SPLICE_UNSAFE = /"(_meta|resultType|ttlMs|cacheScope)"|\\u/;

/** A read that found nothing: `"contents":[]` anywhere in the result (a provider's own answer). */
const EMPTY_CONTENTS = /"contents"\s*:\s*\[\s*\]/;

export interface StatelessOptions {
  /** The ttlMs hint on cacheable results. */
  cacheTtlMs: number;
  /** The `x-mcp-header` arguments of a tool, by its exposed name. */
  headerParams(tool: string): readonly HeaderParam[];
  /** Admission by the routing headers, before the body is read. */
  screen(caller: Caller, envelope: Envelope): Promise<Screening | undefined>;
  /** What serves subscriptions/listen; without it the method is a 404 and nothing is announced. */
  listen?: ListenStreams;
  /** What serves the tasks extension; without it tasks/* are 404s and nothing is announced. */
  tasks?: Tasks;
  /**
   * The tools/call a request makes through a gateway tool (search mode's fleet_call_tool), if it
   * does: its Mcp-Param-* headers are checked against that inner call in full, as a direct
   * one's are (present exactly when the argument is, and equal to it). Only checking headers
   * that are present, or refusing all of them, would let an inner argument travel with no
   * header, bypassing an intermediary that filters on it.
   */
  innerCall?(ctx: RequestContext, method: string, params: JsonObject): JsonObject | undefined;
}

/**
 * The 2026-07-28 face of a request handler: requests of stateless sessions are checked against
 * the methods that version has, server/discover is answered here, and every result says it is
 * complete and who answered it (and how long it may be cached). Session-era requests pass
 * through untouched.
 */
export class StatelessHandler implements RequestHandler {
  private head?: { serverInfo: ServerDescription['serverInfo']; text: string };

  constructor(
    private readonly inner: RequestHandler,
    private readonly options: StatelessOptions,
  ) {}

  describe(): ServerDescription {
    return this.inner.describe();
  }

  answersAtOnce(method: string): boolean {
    return method === 'server/discover' || this.inner.answersAtOnce(method);
  }

  screen(caller: Caller, envelope: Envelope): Promise<Screening | undefined> {
    return this.options.screen(caller, envelope);
  }

  async request(ctx: RequestContext, method: string, params: JsonObject): Promise<unknown> {
    if (!isModernVersion(ctx.session.protocolVersion)) return this.inner.request(ctx, method, params);
    const { listen, tasks } = this.options;
    if (method === 'subscriptions/listen' && listen)
      return this.complete(await listen.serve(ctx, params), undefined);
    if (tasks?.serves(method)) return this.complete(await tasks.serve(ctx, method, params), undefined);
    if (!MODERN_METHODS.has(method)) throw methodNotFound(method);
    if (method === 'tools/call' && ctx.envelope) {
      const call = this.options.innerCall?.(ctx, method, params) ?? params;
      checkParamHeaders(ctx.envelope, this.options.headerParams(String(call.name)), call.arguments);
    }
    const result = method === 'server/discover' ? this.discover() : await this.forward(ctx, method, params);
    return this.complete(result, CACHEABLE.has(method) ? this.cacheHints(method) : undefined);
  }

  /**
   * The inner handler's answer, a missing resource refused as SEP-2164 says (InvalidParams with
   * the uri; never ResourceNotFound, never empty contents).
   */
  private async forward(ctx: RequestContext, method: string, params: JsonObject): Promise<unknown> {
    if (method !== 'resources/read') return this.inner.request(ctx, method, params);
    const uri = String(params.uri);
    const missing = () => invalidParams(`Resource not found: ${uri}`, { uri });
    const result = await this.inner.request(ctx, method, params).catch((err: unknown) => {
      throw err instanceof FleetError && err.code === ErrorCode.ResourceNotFound ? missing() : err;
    });
    const text = result instanceof RawJson ? result.text : JSON.stringify(result);
    if (EMPTY_CONTENTS.test(text) && (JSON.parse(text) as { contents?: unknown[] }).contents?.length === 0)
      throw missing();
    return result;
  }

  private discover(): JsonObject {
    const { instructions } = this.describe();
    return {
      supportedVersions: [...MODERN_VERSIONS],
      capabilities: modernCapabilities(this.options.listen !== undefined, this.options.tasks !== undefined),
      ...(instructions ? { instructions } : {}),
    };
  }

  /**
   * Lists and reads are admitted per caller (policy filters them), so only discover, the same
   * for everyone, may be shared across authorization contexts.
   */
  private cacheHints(method: string): JsonObject {
    return {
      ttlMs: this.options.cacheTtlMs,
      cacheScope: method === 'server/discover' ? 'public' : 'private',
    };
  }

  /** `result` with resultType "complete" (unless it says otherwise), `extra` hints, and serverInfo in `_meta`. */
  private complete(result: unknown, extra: JsonObject | undefined): unknown {
    if (result instanceof RawJson) {
      // A provider's result is spliced unparsed unless it has fields of its own to merge with, or
      // any escape (a key spelt `"\u005fmeta"` would pass the names by and replace ours).
      if (SPLICE_UNSAFE.test(result.text)) return this.complete(JSON.parse(result.text), extra);
      const head = extra
        ? JSON.stringify({ resultType: 'complete', ...extra, _meta: this.serverInfoMeta() })
        : this.plainHead();
      const body = result.text.trim().slice(1);
      return new RawJson(body.trimStart() === '}' ? head : `${head.slice(0, -1)},${body}`);
    }
    const object = (result ?? {}) as JsonObject;
    const meta = (object._meta ?? {}) as JsonObject;
    return { resultType: 'complete', ...extra, ...object, _meta: { ...meta, ...this.serverInfoMeta() } };
  }

  /**
   * The head of a result with no hints of its own (every tools/call), made again only when the
   * server info changes.
   */
  private plainHead(): string {
    const { serverInfo } = this.describe();
    if (this.head?.serverInfo !== serverInfo)
      this.head = {
        serverInfo,
        text: JSON.stringify({ resultType: 'complete', _meta: this.serverInfoMeta() }),
      };
    return this.head.text;
  }

  /** The `_meta` entry naming the server that answered. */
  private serverInfoMeta(): JsonObject {
    return { [META.serverInfo]: this.describe().serverInfo };
  }
}
