/** Little-endian byte writing and bounds-checked reading, with LEB128 varints. */

/** Why a .flowb file was rejected, and where (byte offset from the start of the file). */
export class VerifyError extends Error {
  override readonly name = 'VerifyError';
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`offset ${offset}: ${reason}`);
  }
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class ByteWriter {
  private buf = new Uint8Array(1024);
  private len = 0;

  get length(): number {
    return this.len;
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }

  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }

  /** Unsigned LEB128 of a safe non-negative integer. */
  varint(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`varint out of range: ${v}`);
    while (v >= 0x80) {
      this.u8((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    return this.u8(v);
  }

  /** Zigzag LEB128 of an integer with |v| < 2^52. */
  svarint(v: number): this {
    if (!Number.isSafeInteger(v) || Math.abs(v) >= 2 ** 52) throw new RangeError(`svarint out of range: ${v}`);
    return this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** An optional index: 0 for none, else index + 1. */
  optIndex(v: number | null): this {
    return this.varint(v === null ? 0 : v + 1);
  }

  f64(v: number): this {
    this.room(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, v, true);
    this.len += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** varint length + UTF-8. */
  string(s: string): this {
    const b = utf8Encoder.encode(s);
    return this.varint(b.length).bytes(b);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export class ByteReader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
    /** Added to positions in error offsets (for readers over a slice of the file). */
    readonly base = 0,
  ) {
    this.pos = start;
  }

  fail(reason: string, at = this.pos): never {
    throw new VerifyError(this.base + at, reason);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) this.fail(`truncated: ${what} runs past the end`);
  }

  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  u16(what = 'a 16-bit number'): number {
    this.need(2, what);
    const v = this.bytes[this.pos]! | (this.bytes[this.pos + 1]! << 8);
    this.pos += 2;
    return v;
  }

  u32(what = 'a 32-bit number'): number {
    this.need(4, what);
    const v = (this.bytes[this.pos]! | (this.bytes[this.pos + 1]! << 8) | (this.bytes[this.pos + 2]! << 16) | (this.bytes[this.pos + 3]! << 24)) >>> 0;
    this.pos += 4;
    return v;
  }

  varint(what = 'a number'): number {
    const start = this.pos;
    let v = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (this.pos >= this.end) this.fail(`truncated: ${what} runs past the end`, start);
      const b = this.bytes[this.pos++]!;
      v += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) this.fail(`${what} is not minimally encoded`, start);
        break;
      }
      scale *= 0x80;
      if (i >= 7) this.fail(`${what} is too large`, start);
    }
    if (!Number.isSafeInteger(v)) this.fail(`${what} is too large`, start);
    return v;
  }

  /** A varint that must be below `limit`. */
  index(limit: number, what: string): number {
    const start = this.pos;
    const v = this.varint(what);
    if (v >= limit) this.fail(`${what} ${v} is out of range (${limit} available)`, start);
    return v;
  }

  /** A count of items that each take at least `minBytes` bytes: checked against what is left. */
  count(what: string, minBytes = 1): number {
    const start = this.pos;
    const n = this.varint(`the number of ${what}`);
    if (n * minBytes > this.remaining) this.fail(`truncated: ${n} ${what} cannot fit in the ${this.remaining} bytes left`, start);
    return n;
  }

  svarint(what = 'a number'): number {
    const start = this.pos;
    const z = this.varint(what);
    const v = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    if (Math.abs(v) >= 2 ** 52) this.fail(`${what} is out of range`, start);
    return v;
  }

  optIndex(limit: number, what: string): number | null {
    const start = this.pos;
    const v = this.varint(what);
    if (v === 0) return null;
    if (v - 1 >= limit) this.fail(`${what} ${v - 1} is out of range (${limit} available)`, start);
    return v - 1;
  }

  f64(what = 'a number'): number {
    this.need(8, what);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  string(what = 'a string'): string {
    const start = this.pos;
    const n = this.varint(`the length of ${what}`);
    if (n > this.remaining) this.fail(`truncated: ${what} of ${n} bytes runs past the end`, start);
    const b = this.take(n, what);
    try {
      return utf8Decoder.decode(b);
    } catch {
      return this.fail(`${what} is not valid UTF-8`, start);
    }
  }
}
