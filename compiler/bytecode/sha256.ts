/**
 * SHA-256 (FIPS 180-4) in plain TypeScript: browser-safe, no dependency, a few hundred bytes of
 * code. Used for the content hash of .flowb files and for derived block ids. Tested against
 * node:crypto (test/bytecode/sha256.test.ts).
 */
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/** The length of an n-byte message once padded: whole 64-byte blocks with room for 0x80 and the 8-byte length. */
function paddedLength(n: number): number {
  return Math.ceil((n + 9) / 64) * 64;
}

/** Pads message bytes `m[0, n)` in place (0x80, zeros, 64-bit big-endian bit length); returns the padded length. */
function pad(m: Uint8Array, n: number): number {
  const end = paddedLength(n);
  m.fill(0, n, end);
  m[n] = 0x80;
  const hi = Math.floor((n * 8) / 0x100000000);
  const lo = (n * 8) >>> 0;
  for (let i = 0; i < 4; i++) {
    m[end - 8 + i] = (hi >>> (24 - 8 * i)) & 0xff;
    m[end - 4 + i] = (lo >>> (24 - 8 * i)) & 0xff;
  }
  return end;
}

/** Runs the compression function over the 64-byte blocks of `m[0, end)`, updating the state `h`. */
function compress(h: Uint32Array, w: Uint32Array, m: Uint8Array, end: number): void {
  for (let off = 0; off < end; off += 64) {
    for (let i = 0; i < 16; i++) {
      const o = off + i * 4;
      w[i] = ((m[o]! << 24) | (m[o + 1]! << 16) | (m[o + 2]! << 8) | m[o + 3]!) >>> 0;
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) >>> 0;
    }
    let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, hh = h[7]!;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + K[i]! + w[i]!) >>> 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    h[0] = (h[0]! + a) >>> 0;
    h[1] = (h[1]! + b) >>> 0;
    h[2] = (h[2]! + c) >>> 0;
    h[3] = (h[3]! + d) >>> 0;
    h[4] = (h[4]! + e) >>> 0;
    h[5] = (h[5]! + f) >>> 0;
    h[6] = (h[6]! + g) >>> 0;
    h[7] = (h[7]! + hh) >>> 0;
  }
}

/** The SHA-256 digest (32 bytes) of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  const h = Uint32Array.from(IV);
  const padded = new Uint8Array(paddedLength(data.length));
  padded.set(data);
  compress(h, new Uint32Array(64), padded, pad(padded, data.length));
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setUint32(i * 4, h[i]!);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

const utf8 = new TextEncoder();

/** SHA-256 of a string's UTF-8 bytes, as hex. */
export function sha256Hex(text: string): string {
  return toHex(sha256(utf8.encode(text)));
}

// Scratch space of sha256Word0 (reused: it runs once per split decision, on the engine's hot path).
let scratch = new Uint8Array(128);
const scratchW = new Uint32Array(64);
const scratchH = new Uint32Array(8);

/**
 * The first 32-bit word of SHA-256 of a string's UTF-8 bytes: the same value as
 * `parseInt(sha256Hex(text).slice(0, 8), 16)`, without allocating (a split's sticky bucket).
 */
export function sha256Word0(text: string): number {
  // UTF-8 takes at most 3 bytes per UTF-16 unit; the padding at most 72 more.
  const need = paddedLength(text.length * 3);
  if (scratch.length < need) scratch = new Uint8Array(need);
  const { written } = utf8.encodeInto(text, scratch);
  scratchH.set(IV);
  compress(scratchH, scratchW, scratch, pad(scratch, written));
  return scratchH[0]!;
}
