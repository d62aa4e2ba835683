import { createHash } from 'node:crypto';
import { type DescribeResponse__Output, FleetError } from '@mcp-fleet/contract';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { canonicalJson } from '../protocol/canonical-json.js';
import { invalidParams } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/messages.js';
import type { Bus } from '../session/types.js';
import type { ProviderSnapshot } from './merged.js';
import { type PinSettings, pinSettingsOf } from './pin-settings.js';
import type { Pin, PinStore } from './pin-store.js';
import { ownedName, type PinnedItem, type PinnedKind, pinnedItems, without } from './pinned-items.js';
import type { ProviderConfig } from './providers-file.js';

/**
 * A tool (or prompt, resource, resource template, server instructions) whose definition is not the
 * pinned one: changed since its pin, or new (no pin).
 */
export interface Difference {
  provider: string;
  kind: PinnedKind;
  /** Its pin's key: the provider's own tool name, or `<kind>:<key>` for the other kinds. */
  tool: string;
  /** The name clients would see (a resource's URI, the provider's name for its instructions). */
  name: string;
  status: 'changed' | 'new';
  /** `withheld` under enforce; `served` under warn, or a new tool the settings allow. */
  action: 'withheld' | 'served';
  pinned?: Pin;
  current: { digest: string; definition: JsonObject };
}

export interface PinGateOptions {
  store: PinStore;
  bus: Bus;
  /** Bus channel on which replicas tell each other a provider's pins changed. */
  channel: string;
  defaults: PinSettings;
  logger: Logger;
  registry: Registry;
}

const definitionOf = (item: { definitionJson: Buffer }): JsonObject =>
  JSON.parse(item.definitionJson.toString('utf8')) as JsonObject;

/** The digest of a whole definition: name, title, description, schemas, annotations, icons and `_meta` alike. */
export const definitionDigest = (definition: JsonObject): string =>
  `sha256:${createHash('sha256').update(canonicalJson(definition)).digest('hex')}`;

/** The names two or more providers that are up claim now (the merged catalog refuses each). */
function contestedNames(snapshots: readonly ProviderSnapshot[]): Set<string> {
  const claimants = new Map<string, Set<string>>();
  for (const { config, describe, up } of snapshots) {
    if (!describe || !up) continue;
    for (const item of pinnedItems(config.name, config.prefix, describe)) {
      const name = ownedName(item);
      if (name !== undefined) claimants.set(name, (claimants.get(name) ?? new Set()).add(config.name));
    }
  }
  return new Set([...claimants].filter(([, providers]) => providers.size > 1).map(([name]) => name));
}

/**
 * Pinned tool definitions: every tool a provider describes is compared with the definition an
 * operator accepted (or the gateway trusted on first sight); what differs is withheld or logged
 * according to the provider's settings. The pins live in a store every replica shares; an accept
 * on one replica reaches the others over the bus.
 */
export class PinGate {
  /** This replica's copy of the pins, by provider: screening runs synchronously on it. */
  private readonly pins = new Map<string, Map<string, Pin>>();
  /** The last catalog each provider described, with its config: what an accept pins. */
  private readonly latest = new Map<string, { config: ProviderConfig; describe: DescribeResponse__Output }>();
  private differences = new Map<string, Difference>();
  /**
   * By provider, as its last observe found it: whether it was seen before (its new tools are new
   * tools, not a first sight) and its tools whose exposed names another provider pinned.
   */
  private readonly trust = new Map<string, { known: boolean; foreign: ReadonlySet<string> }>();
  /**
   * By provider and tool: the definition bytes last digested and their digest. A new revision of a
   * large catalog then digests only the definitions whose bytes changed (no event-loop burst).
   * Both maps keep only the provider's current catalog: a churning provider grows neither.
   */
  private readonly digests = new Map<string, { json: Buffer; digest: string }>();
  /** By `provider/tool`: the digest last logged and counted, so each difference is reported once. */
  private readonly reported = new Map<string, string>();
  private changed: () => void = () => {};
  private readonly detected: Counter<'provider' | 'status' | 'action'>;
  readonly refusedCalls: Counter<'provider'>;

  constructor(private readonly options: PinGateOptions) {
    const differences = () => this.differences;
    this.detected = new Counter({
      name: 'mcpfleet_catalog_pin_differences_total',
      help: 'Tool definitions seen differing from their pin (each definition counted once), by provider, status (changed, new) and action (withheld, served)',
      labelNames: ['provider', 'status', 'action'] as const,
      registers: [options.registry],
    });
    this.refusedCalls = new Counter({
      name: 'mcpfleet_catalog_held_calls_total',
      help: 'Calls refused because the tool definition waits for an operator to accept it, by provider',
      labelNames: ['provider'] as const,
      registers: [options.registry],
    });
    new Gauge({
      name: 'mcpfleet_catalog_unpinned_tools',
      help: 'Tools whose definition differs from its pin now, by provider, status and action',
      labelNames: ['provider', 'status', 'action'] as const,
      registers: [options.registry],
      // Several workers each see the same catalog: one count, not one per worker.
      aggregator: 'max',
      collect() {
        this.reset();
        for (const d of differences().values())
          this.inc({ provider: d.provider, status: d.status, action: d.action });
      },
    });
  }

  /** Follows the pins other replicas accept. */
  async start(): Promise<() => void> {
    return this.options.bus.subscribe(this.options.channel, async (payload) => {
      const provider = payload.provider;
      if (typeof provider !== 'string' || !this.latest.has(provider)) return;
      await this.reload(provider);
      this.changed();
    });
  }

  /** Called when the pins changed in a way that changes what is served (the registry rebuilds). */
  onChange(listener: () => void): void {
    this.changed = listener;
  }

  private settings(config: ProviderConfig): PinSettings {
    return pinSettingsOf(this.options.defaults, config);
  }

  private digestOf(provider: string, item: { key: string; definitionJson: Buffer }): string {
    const key = `${provider}/${item.key}`;
    const known = this.digests.get(key);
    if (known?.json.equals(item.definitionJson)) return known.digest;
    const digest = definitionDigest(definitionOf(item));
    this.digests.set(key, { json: item.definitionJson, digest });
    return digest;
  }

  /** Drops what was kept of the provider's definitions that its catalog no longer has. */
  private forgetAllBut(provider: string, items: readonly PinnedItem[]): void {
    const current = new Set(items.map((item) => `${provider}/${item.key}`));
    for (const kept of [this.digests, this.reported])
      for (const key of kept.keys())
        if (key.startsWith(`${provider}/`) && !current.has(key)) kept.delete(key);
  }

  private async reload(provider: string): Promise<void> {
    this.pins.set(provider, await this.options.store.load(provider));
  }

  private pinsOf(provider: string, items: PinnedItem[], acceptedBy: string): Map<string, Pin> {
    const acceptedAt = new Date().toISOString();
    return new Map(
      items.map((item) => [
        item.key,
        { digest: this.digestOf(provider, item), definition: definitionOf(item), acceptedAt, acceptedBy },
      ]),
    );
  }

  /**
   * Reads the provider's pins before its catalog is served (it throws when the store cannot answer:
   * the provider then counts as down and is retried, never served unchecked). Pins a provider seen
   * for the first time (trust on first use) and, when allowed, the tools it added; never a tool
   * whose exposed name another provider pinned (a provider renamed under the same prefix).
   */
  async observe(config: ProviderConfig, describe: DescribeResponse__Output): Promise<void> {
    const settings = this.settings(config);
    this.latest.set(config.name, { config, describe });
    const items = pinnedItems(config.name, config.prefix, describe);
    this.forgetAllBut(config.name, items);
    if (settings.mode === 'off') return;
    const { store } = this.options;
    let pins = await store.load(config.name);
    const firstSeen = await store.markSeen(config.name);
    const known = !firstSeen || pins.size > 0;
    // Pins written before prompts, resources and instructions were pinned: those are trusted once.
    const upgrading = firstSeen && pins.size > 0;
    const names = items.flatMap((item) => ownedName(item) ?? []);
    const owners = await store.ownersOf(names);
    const foreign = new Set(
      items
        .filter((item) => (owners.get(ownedName(item) ?? '') ?? config.name) !== config.name)
        .map((i) => i.key),
    );
    this.trust.set(config.name, { known, foreign });
    const firstSight = !known && settings.firstSight === 'trust';
    const trusted = items.filter((item) => !foreign.has(item.key));
    const toPin = trusted.filter(
      (item) =>
        !pins.has(item.key) &&
        (firstSight || (known && settings.newTools === 'allow') || (upgrading && item.kind !== 'tool')),
    );
    const pinNew = toPin.length > 0;
    // Names pinned before owners were recorded are claimed too; the ones already owned are not rewritten.
    const unclaimed = trusted
      .filter((item) => pins.has(item.key) || toPin.includes(item))
      .flatMap((item) => ownedName(item) ?? [])
      .filter((name) => !owners.has(name));
    if (toPin.length > 0 || unclaimed.length > 0)
      await store.addMissing(
        config.name,
        this.pinsOf(config.name, toPin, firstSight ? 'first-sight' : 'new-tool'),
        unclaimed,
      );
    if (pinNew) {
      pins = await store.load(config.name);
      // A replica that lost the race to first see the provider holds its tools until it reloads.
      this.options.bus.publish(this.options.channel, { provider: config.name });
    }
    this.pins.set(config.name, pins);
  }

  /** The snapshots with every tool that must not be served left out; notes every difference. */
  screen(snapshots: readonly ProviderSnapshot[]): ProviderSnapshot[] {
    const differences = new Map<string, Difference>();
    const contested = contestedNames(snapshots);
    const screened = snapshots.map((snapshot) => {
      const { config, describe } = snapshot;
      const settings = this.settings(config);
      if (!describe || settings.mode === 'off') return snapshot;
      const pins = this.pins.get(config.name) ?? new Map<string, Pin>();
      const withheld = new Set<string>();
      for (const item of pinnedItems(config.name, config.prefix, describe)) {
        // The merge serves no name two providers claim: left to it, whatever the pins say.
        if (snapshot.up && contested.has(ownedName(item) ?? '')) continue;
        const difference = this.differenceOf(config, settings, pins, item);
        if (!difference) continue;
        differences.set(`${difference.kind}:${difference.name}`, difference);
        if (snapshot.up) this.report(difference);
        if (difference.action === 'withheld') withheld.add(item.key);
      }
      return { ...snapshot, describe: without(describe, withheld) };
    });
    this.differences = differences;
    return screened;
  }

  private differenceOf(
    config: ProviderConfig,
    settings: PinSettings,
    pins: ReadonlyMap<string, Pin>,
    item: PinnedItem,
  ): Difference | undefined {
    const pin = pins.get(item.key);
    const digest = this.digestOf(config.name, item);
    if (pin?.digest === digest) return undefined;
    const status = pin ? 'changed' : 'new';
    const trust = this.trust.get(config.name);
    const allowedNew =
      status === 'new' && !!trust?.known && !trust.foreign.has(item.key) && settings.newTools === 'allow';
    return {
      provider: config.name,
      kind: item.kind,
      tool: item.key,
      name: item.name,
      status,
      action: settings.mode === 'warn' || allowedNew ? 'served' : 'withheld',
      ...(pin ? { pinned: pin } : {}),
      current: { digest, definition: definitionOf(item) },
    };
  }

  private report(d: Difference): void {
    const key = `${d.provider}/${d.tool}`;
    if (this.reported.get(key) === d.current.digest) return;
    this.reported.set(key, d.current.digest);
    this.detected.inc({ provider: d.provider, status: d.status, action: d.action });
    this.options.logger.warn(
      {
        provider: d.provider,
        kind: d.kind,
        tool: d.tool,
        status: d.status,
        action: d.action,
        digest: d.current.digest,
      },
      d.action === 'withheld'
        ? `${d.kind} definition differs from its pin: withheld until an operator accepts it`
        : `${d.kind} definition differs from its pin: served (pinning warn)`,
    );
  }

  /** The error of a request for a tool, prompt or resource withheld for its definition, when `name` is one. */
  heldError(kind: 'tool' | 'prompt' | 'resource', name: string): FleetError | undefined {
    const d = this.differences.get(`${kind}:${name}`);
    if (d?.action !== 'withheld') return undefined;
    this.refusedCalls.inc({ provider: d.provider });
    const what = d.status === 'new' ? 'is new' : 'changed';
    const accept =
      kind === 'tool'
        ? `catalog accept ${d.provider}/${d.tool} --digest <the digest it shows>`
        : `catalog accept ${d.provider} --digest <each tool=digest it shows>`;
    return new FleetError(
      'ToolDefinitionHeld',
      `${kind === 'tool' ? 'Tool' : kind === 'prompt' ? 'Prompt' : 'Resource'} ${name} of provider ${d.provider} is withheld: its definition ${what} and waits for an operator to review and accept it (mcp-fleet catalog diff, then ${accept})`,
      { data: { provider: d.provider, tool: d.tool, status: d.status } },
    );
  }

  /** Every difference now, withheld or served, with the pinned and the current definition. */
  diff(): Difference[] {
    return [...this.differences.values()];
  }

  /**
   * Pins definitions as `by` accepts them, and tells every replica: of one tool (with `reviewed` a
   * digest, only if its current definition still has it), or of a provider's tools that differ
   * from their pins, with `reviewed` the digest of each as the operator's diff showed it. The
   * provider may have changed them since: any tool that differs and is not exactly as reviewed
   * refuses the whole accept.
   */
  async accept(
    provider: string,
    tool: string | undefined,
    by: string,
    reviewed?: string | Readonly<Record<string, string>>,
  ): Promise<string[]> {
    const latest = this.latest.get(provider);
    if (!latest) throw invalidParams(`Unknown provider: ${provider}`);
    const pins = this.pins.get(provider) ?? new Map<string, Pin>();
    const all = pinnedItems(provider, latest.config.prefix, latest.describe);
    const items =
      tool === undefined
        ? all.filter((item) => pins.get(item.key)?.digest !== this.digestOf(provider, item))
        : all.filter((item) => item.kind === 'tool' && item.key === tool);
    if (tool !== undefined && items.length === 0)
      throw invalidParams(`Provider ${provider} describes no tool ${tool}`);
    const stale = (item: PinnedItem) => {
      const digest = typeof reviewed === 'string' ? reviewed : reviewed?.[item.key];
      return (tool === undefined || digest !== undefined) && this.digestOf(provider, item) !== digest;
    };
    const unseen = typeof reviewed === 'object' && Object.keys(reviewed).length !== items.length;
    if (unseen || items.some(stale))
      throw invalidParams(
        `A definition of ${tool === undefined ? provider : `${provider}/${tool}`} changed since it was reviewed: diff again`,
      );
    await this.options.store.replace(
      provider,
      this.pinsOf(provider, items, by),
      items.flatMap((item) => ownedName(item) ?? []),
    );
    await this.reload(provider);
    this.changed();
    this.options.bus.publish(this.options.channel, { provider });
    this.options.logger.info({ provider, tools: items.map((i) => i.key), by }, 'tool definitions accepted');
    return items.map((item) => item.key);
  }
}
