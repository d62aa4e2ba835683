/**
 * Protocol Buffers wire format written in one pass into a growing buffer. A nested message's
 * length is not known before its fields are written, so one byte is kept for it and the message
 * is moved along when its length needs more (rare: a span's attributes are short; the span itself
 * moves by a byte or two). Only what OTLP's trace messages use is here.
 */
const LENGTH_DELIMITED = 2;
const VARINT = 0;
const FIXED64 = 1;
const FIXED32 = 5;
const TWO_POW_32 = 0x100000000;
const NANOS_PER_SECOND = 1_000_000_000;

/** Bytes a varint of `value` (0 ≤ value < 2^53) takes. */
function varintSize(value: number): number {
  let size = 1;
  for (let rest = value; rest >= 0x80; rest = Math.floor(rest / 0x80)) size++;
  return size;
}

export class ProtobufWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(capacity = 4096) {
    this.buf = Buffer.allocUnsafeSlow(capacity);
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a view: valid until the next write or reset). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** Forgets what was written after the first `length` bytes (a message that failed half-way). */
  truncate(length = 0): void {
    this.pos = Math.min(length, this.pos);
  }

  private ensure(bytes: number): void {
    const needed = this.pos + bytes;
    if (needed <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafeSlow(capacity);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** A varint of 0 ≤ value < 2^53 (larger unsigned and negative values go through `int64`). */
  private varint(value: number): void {
    this.ensure(8);
    let rest = value;
    while (rest >= 0x80) {
      this.buf[this.pos++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    this.buf[this.pos++] = rest;
  }

  private tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  uint(field: number, value: number): void {
    this.tag(field, VARINT);
    this.varint(value);
  }

  bool(field: number, value: boolean): void {
    this.uint(field, value ? 1 : 0);
  }

  /** A signed 64-bit integer given as an integral number within ±2^63; a negative one is ten bytes. */
  int64(field: number, value: number): void {
    if (value >= 0 && value <= Number.MAX_SAFE_INTEGER) {
      this.uint(field, value);
      return;
    }
    this.tag(field, VARINT);
    this.ensure(10);
    let rest = BigInt.asUintN(64, BigInt(value));
    while (rest >= 0x80n) {
      this.buf[this.pos++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.buf[this.pos++] = Number(rest);
  }

  double(field: number, value: number): void {
    this.tag(field, FIXED64);
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(value, this.pos);
  }

  fixed32(field: number, value: number): void {
    this.tag(field, FIXED32);
    this.ensure(4);
    this.pos = this.buf.writeUInt32LE(value >>> 0, this.pos);
  }

  /** An OTel high-resolution time ([seconds, nanoseconds]) as fixed64 nanoseconds since the epoch. */
  hrTime(field: number, [seconds, nanos]: readonly [number, number]): void {
    if (!(seconds >= 0 && nanos >= 0 && seconds < TWO_POW_32))
      throw new RangeError(`time out of range: ${seconds}s ${nanos}ns`);
    this.tag(field, FIXED64);
    this.ensure(8);
    // seconds × 10^9 is past a double's exact range: the seconds are taken 16 bits at a time.
    const upper = Math.floor(seconds / 0x10000) * NANOS_PER_SECOND;
    const lower = (upper % 0x10000) * 0x10000 + (seconds % 0x10000) * NANOS_PER_SECOND + nanos;
    const high = Math.floor(upper / 0x10000) + Math.floor(lower / TWO_POW_32);
    this.pos = this.buf.writeUInt32LE(lower % TWO_POW_32, this.pos);
    this.pos = this.buf.writeUInt32LE(high % TWO_POW_32, this.pos);
  }

  /** A string; anything else (a span name from untyped code) empty, as the SDK's serializer writes it. */
  string(field: number, value: string): void {
    const text = typeof value === 'string' ? value : '';
    this.tag(field, LENGTH_DELIMITED);
    // UTF-8 takes at most three bytes per UTF-16 unit (a lone surrogate becomes U+FFFD, three).
    this.ensure(5 + text.length * 3);
    const start = this.pos++;
    this.pos += this.buf.write(text, this.pos, 'utf8');
    this.close(start);
  }

  /**
   * Bytes given as hex (trace and span ids). Ids are checked where they enter; should one not be
   * hex after all, its bytes from the first bad digit are zeros, so the length still holds.
   */
  hexBytes(field: number, hex: string): void {
    this.tag(field, LENGTH_DELIMITED);
    const length = hex.length >>> 1;
    this.varint(length);
    this.ensure(length);
    const written = this.buf.write(hex, this.pos, length, 'hex');
    this.buf.fill(0, this.pos + written, this.pos + length);
    this.pos += length;
  }

  bytes(field: number, value: Uint8Array): void {
    this.tag(field, LENGTH_DELIMITED);
    this.varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Bytes already in wire format (fields written by another writer). */
  append(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Starts a nested message; `close` with what this returns ends it. */
  open(field: number): number {
    this.tag(field, LENGTH_DELIMITED);
    this.ensure(1);
    return this.pos++;
  }

  /** Writes the length of what follows the byte kept at `start`, moving it along if one byte is too few. */
  close(start: number): void {
    const length = this.pos - start - 1;
    if (length < 0x80) {
      this.buf[start] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.ensure(extra);
    this.buf.copyWithin(start + 1 + extra, start + 1, this.pos);
    const end = this.pos + extra;
    this.pos = start;
    this.varint(length);
    this.pos = end;
  }
}
