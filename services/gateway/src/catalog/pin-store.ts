import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { JsonObject } from '../protocol/messages.js';

/** The accepted definition of one tool: what the gateway serves while the provider's matches it. */
export interface Pin {
  /** sha256 of the canonical JSON of the definition. */
  digest: string;
  definition: JsonObject;
  acceptedAt: string;
  /** The operator's principal, or `first-sight` / `new-tool` for pins the gateway set itself. */
  acceptedBy: string;
}

/**
 * Pins by provider and the provider's own tool name, shared by every replica; with them, the
 * providers ever seen (trust on first use happens once per provider, even one first seen with no
 * tool) and which provider pinned each exposed tool name (a provider renamed under the same prefix
 * is no first sight of the names the agent already knows).
 */
export interface PinStore {
  load(provider: string): Promise<Map<string, Pin>>;
  /** Records the provider as seen; true when no replica had seen it before. */
  markSeen(provider: string): Promise<boolean>;
  /** The provider that pinned each of these exposed names, for those one did. */
  ownersOf(names: readonly string[]): Promise<Map<string, string>>;
  /**
   * Sets the pins of tools that have none yet, leaving every existing pin as it is, and claims
   * the exposed `names` no provider owns yet.
   */
  addMissing(provider: string, pins: ReadonlyMap<string, Pin>, names: readonly string[]): Promise<void>;
  /** Sets these pins, replacing the ones of the same tools, and owns `names` (an operator's accept). */
  replace(provider: string, pins: ReadonlyMap<string, Pin>, names: readonly string[]): Promise<void>;
}

const parsePin = (text: string): Pin => JSON.parse(text) as Pin;

/**
 * One Redis hash per provider (field: tool name). HSETNX makes trust on first use safe when several
 * replicas first see a provider at once: the first writer's definition is the pin.
 */
export class RedisPinStore implements PinStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(provider: string): string {
    return `${this.prefix}pins:${provider}`;
  }

  private get seenKey(): string {
    return `${this.prefix}pins-seen`;
  }

  private get ownersKey(): string {
    return `${this.prefix}pin-owners`;
  }

  async load(provider: string): Promise<Map<string, Pin>> {
    const fields = await this.redis.hgetall(this.key(provider));
    return new Map(Object.entries(fields).map(([tool, text]) => [tool, parsePin(text)]));
  }

  async markSeen(provider: string): Promise<boolean> {
    return (await this.redis.sadd(this.seenKey, provider)) === 1;
  }

  async ownersOf(names: readonly string[]): Promise<Map<string, string>> {
    if (names.length === 0) return new Map();
    const owners = await this.redis.hmget(this.ownersKey, ...names);
    return new Map(names.flatMap((name, i) => (owners[i] ? [[name, owners[i] as string] as const] : [])));
  }

  async addMissing(
    provider: string,
    pins: ReadonlyMap<string, Pin>,
    names: readonly string[],
  ): Promise<void> {
    const batch = this.redis.multi();
    for (const [tool, pin] of pins) batch.hsetnx(this.key(provider), tool, JSON.stringify(pin));
    for (const name of names) batch.hsetnx(this.ownersKey, name, provider);
    await batch.exec();
  }

  async replace(provider: string, pins: ReadonlyMap<string, Pin>, names: readonly string[]): Promise<void> {
    const fields = [...pins].flatMap(([tool, pin]) => [tool, JSON.stringify(pin)]);
    const batch = this.redis.multi();
    if (fields.length > 0) batch.hset(this.key(provider), ...fields);
    if (names.length > 0) batch.hset(this.ownersKey, ...names.flatMap((name) => [name, provider]));
    await batch.exec();
  }
}

/** Keys of the pins file beside the providers' (no provider name starts with `$`). */
const SEEN = '$seen';
const OWNERS = '$owners';

/** Pins of one process, written through to a JSON file when one is configured (no Redis). */
export class LocalPinStore implements PinStore {
  private readonly pins = new Map<string, Map<string, Pin>>();
  private readonly seen = new Set<string>();
  private readonly owners = new Map<string, string>();
  /** Writes run one after another, each with the state of its moment. */
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file?: string) {}

  static async open(file?: string): Promise<LocalPinStore> {
    const store = new LocalPinStore(file);
    if (!file) return store;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return store;
      throw err;
    }
    const {
      [SEEN]: seen = [],
      [OWNERS]: owners = {},
      ...saved
    } = JSON.parse(text) as Record<string, Record<string, Pin>> & {
      [SEEN]?: string[];
      [OWNERS]?: Record<string, string>;
    };
    for (const [provider, tools] of Object.entries(saved))
      store.pins.set(provider, new Map(Object.entries(tools)));
    for (const provider of seen) store.seen.add(provider);
    for (const [name, provider] of Object.entries(owners)) store.owners.set(name, provider);
    return store;
  }

  async load(provider: string): Promise<Map<string, Pin>> {
    return new Map(this.pins.get(provider));
  }

  async markSeen(provider: string): Promise<boolean> {
    if (this.seen.has(provider)) return false;
    this.seen.add(provider);
    await this.save();
    return true;
  }

  async ownersOf(names: readonly string[]): Promise<Map<string, string>> {
    return new Map(
      names.flatMap((name) =>
        this.owners.has(name) ? [[name, this.owners.get(name) as string] as const] : [],
      ),
    );
  }

  async addMissing(
    provider: string,
    pins: ReadonlyMap<string, Pin>,
    names: readonly string[],
  ): Promise<void> {
    const current = this.pins.get(provider) ?? new Map<string, Pin>();
    for (const [tool, pin] of pins) if (!current.has(tool)) current.set(tool, pin);
    this.pins.set(provider, current);
    for (const name of names) if (!this.owners.has(name)) this.owners.set(name, provider);
    await this.save();
  }

  async replace(provider: string, pins: ReadonlyMap<string, Pin>, names: readonly string[]): Promise<void> {
    const current = this.pins.get(provider) ?? new Map<string, Pin>();
    for (const [tool, pin] of pins) current.set(tool, pin);
    this.pins.set(provider, current);
    for (const name of names) this.owners.set(name, provider);
    await this.save();
  }

  /** Written to a temporary file and renamed: a crash never leaves half a pins file. */
  private save(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    const text = JSON.stringify({
      ...Object.fromEntries([...this.pins].map(([provider, tools]) => [provider, Object.fromEntries(tools)])),
      [SEEN]: [...this.seen],
      [OWNERS]: Object.fromEntries(this.owners),
    });
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await writeFile(`${file}.tmp`, text, { mode: 0o600 });
        await rename(`${file}.tmp`, file);
      });
    return this.writing;
  }
}
