/** The activity step codec: lossless, about half the size of JSON, one line per step, strict about what it reads. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSteps, encodeStep } from '../../../runtime/store/activity-codec.js';
import type { ActivityStep } from '../../../runtime/store/store.js';

const HASH = '0123456789abcdef'.repeat(4);
const AT = Date.parse('2026-06-01T08:00:00Z');

describe('activity codec', () => {
  it('writes a step as one short line (golden), the version packed', () => {
    expect(encodeStep({ block: 'hello', kind: 'steps', at: AT, version: HASH })).toBe('["hello","steps",1780300800000,"ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze8"]\n');
    expect(encodeStep({ block: 'w', kind: 'wait_fixed', at: AT, version: HASH, path: 'p/a', until: AT + 1 })).toBe('["w","wait_fixed",1780300800000,"ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze8",1780300800001,null,null,"p/a"]\n');
    const step: ActivityStep = { block: 'hello', kind: 'steps', at: AT, version: HASH };
    expect(encodeStep(step).length).toBeLessThan(JSON.stringify(step).length * 0.7);
  });

  it('reads back exactly what it wrote, in order, with the engine’s field order', () => {
    const step = fc.record(
      {
        block: fc.string(),
        kind: fc.constantFrom('steps', 'wait_fixed', 'split', 'if', 'limit'),
        at: fc.integer({ min: 0, max: 2 ** 47 }),
        version: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), fc.string()),
        until: fc.integer({ min: 0, max: 2 ** 47 }),
        variant: fc.string(),
        branch: fc.integer({ min: -1, max: 9 }),
        path: fc.string(),
        within: fc.boolean(),
      },
      { requiredKeys: ['block', 'kind', 'at', 'version'] },
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 6 }), (steps) => {
        const back = decodeSteps(steps.map(encodeStep).join(''));
        expect(back).toEqual(steps);
        for (const [i, s] of back.entries()) expect(JSON.stringify(s)).toBe(JSON.stringify(reordered(steps[i]!)));
      }),
    );
  });

  it('refuses what is not a step, naming the line', () => {
    expect(() => decodeSteps('["a","steps",1]\n')).toThrow(/not an activity step: \["a","steps",1\]/);
    expect(() => decodeSteps('{"block":"a"}\n')).toThrow(/not an activity step/);
    expect(() => decodeSteps('nonsense\n')).toThrow(SyntaxError);
    expect(decodeSteps('')).toEqual([]);
  });
});

/** The field order the engine makes: block, kind, at, version, path, then the kind's own. */
function reordered(s: ActivityStep): ActivityStep {
  const { block, kind, at, version, path, until, variant, branch, within } = s;
  return JSON.parse(JSON.stringify({ block, kind, at, version, path, until, variant, branch, within })) as ActivityStep;
}
