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

/** Pins by provider and the provider's own tool name, shared by every replica. */
export interface PinStore {
  load(provider: string): Promise<Map<string, Pin>>;
  /** Sets the pins of tools that have none yet, leaving every existing pin as it is. */
  addMissing(provider: string, pins: ReadonlyMap<string, Pin>): Promise<void>;
  /** Sets these pins, replacing the ones of the same tools (an operator's accept). */
  replace(provider: string, pins: ReadonlyMap<string, Pin>): Promise<void>;
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

  async load(provider: string): Promise<Map<string, Pin>> {
    const fields = await this.redis.hgetall(this.key(provider));
    return new Map(Object.entries(fields).map(([tool, text]) => [tool, parsePin(text)]));
  }

  async addMissing(provider: string, pins: ReadonlyMap<string, Pin>): Promise<void> {
    const batch = this.redis.multi();
    for (const [tool, pin] of pins) batch.hsetnx(this.key(provider), tool, JSON.stringify(pin));
    await batch.exec();
  }

  async replace(provider: string, pins: ReadonlyMap<string, Pin>): Promise<void> {
    const fields = [...pins].flatMap(([tool, pin]) => [tool, JSON.stringify(pin)]);
    if (fields.length > 0) await this.redis.hset(this.key(provider), ...fields);
  }
}

/** Pins of one process, written through to a JSON file when one is configured (no Redis). */
export class LocalPinStore implements PinStore {
  private readonly pins = new Map<string, Map<string, Pin>>();
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
    const saved = JSON.parse(text) as Record<string, Record<string, Pin>>;
    for (const [provider, tools] of Object.entries(saved))
      store.pins.set(provider, new Map(Object.entries(tools)));
    return store;
  }

  async load(provider: string): Promise<Map<string, Pin>> {
    return new Map(this.pins.get(provider));
  }

  async addMissing(provider: string, pins: ReadonlyMap<string, Pin>): Promise<void> {
    const current = this.pins.get(provider) ?? new Map<string, Pin>();
    for (const [tool, pin] of pins) if (!current.has(tool)) current.set(tool, pin);
    this.pins.set(provider, current);
    await this.save();
  }

  async replace(provider: string, pins: ReadonlyMap<string, Pin>): Promise<void> {
    const current = this.pins.get(provider) ?? new Map<string, Pin>();
    for (const [tool, pin] of pins) current.set(tool, pin);
    this.pins.set(provider, current);
    await this.save();
  }

  /** Written to a temporary file and renamed: a crash never leaves half a pins file. */
  private save(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    const text = JSON.stringify(
      Object.fromEntries([...this.pins].map(([provider, tools]) => [provider, Object.fromEntries(tools)])),
    );
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await writeFile(`${file}.tmp`, text, { mode: 0o600 });
        await rename(`${file}.tmp`, file);
      });
    return this.writing;
  }
}
