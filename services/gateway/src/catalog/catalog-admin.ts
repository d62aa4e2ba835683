import { FleetError } from '@mcp-fleet/contract';
import type { AuditLog } from '../audit/audit-log.js';
import type { Caller } from '../auth/caller.js';
import type { Envelope } from '../engine/dialect.js';
import type { RequestContext, Screening } from '../engine/request-context.js';
import { invalidParams } from '../protocol/errors.js';
import { type JsonObject, RawJson } from '../protocol/messages.js';
import { decodeHeaderValue } from '../protocol/routing-headers.js';
import { GATEWAY_TOOLS } from './gateway-tool-names.js';
import type { PinGate } from './pin-gate.js';

type HeaderScreen = (caller: Caller, envelope: Envelope) => Promise<Screening | undefined>;

const DIFF = GATEWAY_TOOLS.catalogDiff;
const ACCEPT = GATEWAY_TOOLS.catalogAccept;
/** `<provider>` or `<provider>/<tool>`, in the providers file's and the SDK's name syntax. */
const TARGET = /^([a-z][a-z0-9-]{0,31})(?:\/([A-Za-z0-9_-]{1,64}))?$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** A pin's key: a tool's name, or a prompt's, resource's or template's with its kind, or the instructions'. */
const PIN_KEY = /^(?:[A-Za-z0-9_-]{1,64}|instructions:|(?:prompt|resource|template):[^\s]{1,2048})$/;
/** More tools than a provider accept reviews at once would only be a large argument. */
const MAX_DIGESTS = 1024;

/** Characters JSON leaves as they are that a terminal or a bidi-aware viewer acts on. */
const UNSAFE_SHOWN = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
/** A caller's value in a message: cut before it is quoted, JSON-escaped, nothing a terminal acts on. */
const shown = (value: unknown) =>
  (JSON.stringify(typeof value === 'string' ? value.slice(0, 80) : value) ?? String(value))
    .slice(0, 100)
    .replace(UNSAFE_SHOWN, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const notDigest = (value: unknown) =>
  typeof value !== 'string' || !DIGEST.test(value)
    ? `${shown(value)} is not a digest (sha256: and 64 lowercase hex digits, as fleet_catalog_diff showed it)`
    : undefined;

/** What is wrong with a provider accept's `digests` (`{ "<pin key>": "sha256:<hex>", ... }`), if anything. */
function digestMapProblem(digests: unknown): string | undefined {
  if (typeof digests !== 'object' || digests === null || Array.isArray(digests))
    return 'a provider accept takes digests: {"<tool>": "sha256:<hex>", ...}, each definition\'s as reviewed';
  const entries = Object.entries(digests);
  if (entries.length > MAX_DIGESTS) return `more than ${MAX_DIGESTS} digests`;
  for (const [key, digest] of entries) {
    if (!PIN_KEY.test(key))
      return `${shown(key)} is not a tool, prompt, resource, template or instructions key`;
    const problem = notDigest(digest);
    if (problem) return `the digest of ${shown(key)}: ${problem}`;
  }
  return undefined;
}

/** What is wrong with an accept's arguments, named for the caller; undefined when nothing is. */
function acceptProblem(args: JsonObject, match: RegExpExecArray | null): string | undefined {
  const unknown = Object.keys(args).filter(
    (key) => key !== 'target' && key !== 'digest' && key !== 'digests',
  );
  if (unknown.length > 0)
    return `unknown argument ${unknown.slice(0, 5).map(shown).join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`;
  if (args.target === undefined) return 'target is missing';
  if (!match) return `target ${shown(args.target)} is not "<provider>" or "<provider>/<tool>"`;
  const { digest, digests } = args;
  if (match[2]) {
    if (digests !== undefined) return 'a tool accept takes one digest, not digests';
    return digest === undefined ? undefined : notDigest(digest);
  }
  if (digest !== undefined) return 'a provider accept takes digests by key, not one digest';
  return digestMapProblem(digests);
}

const DEFINITIONS: JsonObject[] = [
  {
    name: DIFF,
    title: 'Held tool definitions',
    description:
      'Definitions (tools, prompts, resources, templates, instructions) that differ from their pin (changed or new), with the pinned and the current definition, and whether each is withheld or served.',
    inputSchema: { type: 'object', additionalProperties: false },
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  },
  {
    name: ACCEPT,
    title: 'Accept tool definitions',
    description:
      'Pins reviewed definitions so they are served: of one tool (target "<provider>/<tool>"; with `digest`, only if its current definition is still the one reviewed), or of every definition of a provider that differs from its pin: tools, prompts, resources, templates, instructions (target "<provider>" with `digests`, each one\'s digest by its key as fleet_catalog_diff showed it: refused if any differs).',
    inputSchema: {
      type: 'object',
      required: ['target'],
      additionalProperties: false,
      properties: {
        target: { type: 'string', pattern: TARGET.source },
        digest: { type: 'string', pattern: DIGEST.source },
        digests: {
          type: 'object',
          maxProperties: MAX_DIGESTS,
          propertyNames: { pattern: PIN_KEY.source },
          additionalProperties: { type: 'string', pattern: DIGEST.source },
        },
      },
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
];

const answer = (value: JsonObject) =>
  new RawJson(
    JSON.stringify({
      content: [{ type: 'text', text: JSON.stringify(value, null, 2) }],
      structuredContent: value,
    }),
  );

/**
 * The gateway's own tools for pinned definitions: `fleet_catalog_diff` and `fleet_catalog_accept`.
 * Only callers holding one of the operator roles see or call them: an allow-list of its own, apart
 * from policy rules, so that no `tools.allow: ["*"]` hands out the right to accept a definition.
 */
export class CatalogAdmin {
  constructor(
    private readonly pins: PinGate,
    private readonly operatorRoles: ReadonlySet<string>,
    private readonly audit: AuditLog,
  ) {}

  private isOperator(caller: Caller): boolean {
    return caller.roles.some((role) => this.operatorRoles.has(role));
  }

  /** The admin tools `caller` may see in tools/list. */
  toolsFor(caller: Caller): JsonObject[] {
    return this.isOperator(caller) ? DEFINITIONS : [];
  }

  /** Whether `name` is one of these tools (they answer before any provider tool of that name). */
  serves(name: string): boolean {
    return name === DIFF || name === ACCEPT;
  }

  /**
   * A 2026-07-28 routing-header screen that leaves these tools to `call`: it would ask policy,
   * and policy rules neither grant nor refuse them, the operator roles do.
   */
  screening(screen: HeaderScreen): HeaderScreen {
    return (caller, envelope) => {
      const raw = envelope.header('mcp-name');
      const name = raw === undefined ? undefined : decodeHeaderValue(raw);
      return name !== undefined && this.serves(name) ? Promise.resolve(undefined) : screen(caller, envelope);
    };
  }

  async call(ctx: RequestContext, name: string, args: JsonObject): Promise<RawJson> {
    const target = typeof args.target === 'string' ? args.target : undefined;
    const audit = (outcome: 'ok' | 'denied' | 'error', rule?: string) =>
      this.audit.record({
        event: 'call',
        caller: ctx.caller,
        sessionId: ctx.session.id,
        method: 'tools/call',
        target: target ? `${name}:${target}` : name,
        outcome,
        rule,
        traceId: ctx.traceId,
      });
    if (!this.isOperator(ctx.caller)) {
      audit('denied', 'catalog-operator-roles');
      throw new FleetError(
        'Forbidden',
        `Forbidden: ${name} needs a catalog operator role (MCPFLEET_CATALOG_OPERATOR_ROLES)${this.operatorRoles.size === 0 ? ', and none is configured' : ''}`,
        { data: { rule: 'catalog-operator-roles' } },
      );
    }
    if (name === DIFF) {
      audit('ok');
      return answer({ differences: this.pins.diff() as unknown as JsonObject[] });
    }
    const match = target === undefined ? null : TARGET.exec(target);
    const problem = acceptProblem(args, match);
    if (!match || problem) {
      audit('error');
      throw invalidParams(
        `${ACCEPT}: ${problem}. It takes {"target": "<provider>/<tool>", "digest"?: "sha256:<hex>"} or {"target": "<provider>", "digests": {"<tool>": "sha256:<hex>", ...}} (the digests fleet_catalog_diff showed)`,
      );
    }
    const { digest, digests } = args;
    try {
      const accepted = await this.pins.accept(
        match[1] as string,
        match[2],
        ctx.caller.principal,
        (digest ?? digests) as string | Record<string, string> | undefined,
      );
      audit('ok');
      return answer({ provider: match[1] as string, accepted });
    } catch (err) {
      audit('error');
      throw err;
    }
  }
}
