import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256, sha256Hex, sha256Word0, toHex } from '../../compiler/bytecode/sha256.js';
import { PACKAGE_VERSION } from '../../compiler/bytecode/version.js';
import { REPO } from '../helpers/flow-files.js';

const nodeHash = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('sha256', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  });

  it('matches node:crypto around every padding boundary and on random data', () => {
    for (let n = 0; n < 200; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
      expect(toHex(sha256(b))).toBe(nodeHash(b));
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 5000 }), (b) => toHex(sha256(b)) === nodeHash(b)), { numRuns: 200 });
  });

  it('sha256Word0 is the first word of the digest, for any text (its scratch reused between calls)', () => {
    const word0 = (t: string) => parseInt(createHash('sha256').update(t, 'utf8').digest('hex').slice(0, 8), 16);
    for (let n = 0; n < 140; n++) {
      const t = 'x'.repeat(n);
      expect(sha256Word0(t)).toBe(word0(t));
    }
    expect(sha256Word0('winback\u0000offer_test\u0000c-0042 ünïcödé 🎉')).toBe(word0('winback\u0000offer_test\u0000c-0042 ünïcödé 🎉'));
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (t) => sha256Word0(t) === word0(t)), { numRuns: 300 });
  });
});

describe('compiler version', () => {
  it('is package.json version', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(PACKAGE_VERSION).toBe(pkg.version);
  });
});
