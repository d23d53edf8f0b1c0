/**
 * Properties of the engine over random event sequences, through the public `simulate()` (what
 * `runnel simulate --json` runs). Four fixed flows cover fixed waits, `wait until ... otherwise`,
 * `wait ... within`, `wait for ... up to` with a timeout branch, step and flow relevance, `if`,
 * `split`, `parallel` with a `limit` and a `stop` in a branch, `entry once` / `entry every`, and
 * `exit on`. The events are random: customers c1..c5, the flows' event types (and the ones they
 * wait for or exit on), random `at` over ten days (around a weekend, and in one base around the
 * Berlin spring DST change), `receivedAt` late by nothing to more than the 7-day historical window
 * (exactly on relevance edges too) or a little early, exact duplicates (same id and content, another
 * `receivedAt`), and invalid events (schema errors, unknown types) with ids of their own.
 *
 * No golden output: each property states something that holds for every input (docs/runtime.md,
 * docs/language.md, contracts.md). fast-check prints the failing input (shrunk) and its seed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { VerifiedProgram } from '../../../compiler/bytecode/program.js';
import { constantValue } from '../../../runtime/engine/engine.js';
import { simulate, type SimulateJson } from '../../../runtime/engine/simulate.js';
import { jsonl, programs } from './helpers.js';

// ------------------------------------------------------------------------------------ the flows

const FLOWS = `
flow order_journey "Order journey" {
  relevance 1d
  exit on OrderStatusChanged(status: "cancelled")
  on NewOrder

  steps thanks relevance 2h {
    send email "order-thanks" { orderId: order.id }
  }
  wait 1d
  if order.total >= 100 {
    steps big {
      award 100 points to "main"
      send email "thanks"
    }
  } else {
    steps small {
      send email "reminder"
    }
  }
  wait delivery until order.fields.deliveryDate + 1d otherwise wait 2d
  steps ask relevance 6h {
    send email "a"
  }
}

flow welcome "Welcome" {
  entry once
  on CustomerRegistered

  steps hello {
    issue promo "WELCOME10"
    send email "welcome"
  }
  wait first_order for NewOrder where order.total > 50 up to 3d {
    steps first {
      send email "thanks"
    }
  } timeout {
    steps nudge relevance 1h {
      send push "nudge"
    }
  }
  wait 2d within mon..fri 10:00..18:00
  steps tip relevance 4h {
    send email "session-follow-up"
  }
}

flow browse "Browse" {
  relevance 12h
  entry every 1d
  on ProductViewed

  split offer {
    50% alpha {
      steps va {
        send email "b"
      }
    }
    30% beta {
      steps vb {
        send email "c"
      }
    }
  }
  parallel notify {
    branch mail {
      wait 1h
      steps m {
        send email "d"
      }
    }
    branch text {
      limit cap 1 per day {
        steps s {
          send sms "promo"
        }
      } else {
        stop
      }
    }
  }
  steps after relevance 30m {
    send email "reminder"
  }
}

flow paid "Paid" {
  timezone "Europe/Berlin"
  exit on NewOrder
  on OrderStatusChanged(status: "paid")

  wait 2h within mon..fri 09:00..17:00
  steps paid_thanks relevance 30m {
    send email "thanks"
  }
}
`;

const PROGRAMS = programs(FLOWS);

/** Which flow each event type enters (every flow here has one trigger type). */
const ENTERS: Record<string, string> = {
  NewOrder: 'order_journey',
  CustomerRegistered: 'welcome',
  ProductViewed: 'browse',
  OrderStatusChanged: 'paid',
};

/** Per flow: each `steps` block id with its relevance and its number of actions. */
function stepBlocks(ps: readonly VerifiedProgram[]): Map<string, Map<string, { relevanceMs: number; actions: number }>> {
  const out = new Map<string, Map<string, { relevanceMs: number; actions: number }>>();
  for (const p of ps) {
    const blocks = new Map<string, { relevanceMs: number; actions: number }>();
    for (const b of p.blocks) if (b.kind === 'steps') blocks.set(String(constantValue(p.constants[b.id])), { relevanceMs: b.relevanceMs, actions: b.actions.length });
    out.set(String(constantValue(p.constants[p.flow.id])), blocks);
  }
  return out;
}
const STEPS = stepBlocks(PROGRAMS);

// ------------------------------------------------------------------------------------ the events

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** June 1 2026 is a Monday; March 26 2026 is a Thursday, three days before the Berlin spring change. */
const BASES = [Date.parse('2026-06-01T00:00:00Z'), Date.parse('2026-03-26T00:00:00Z')];
/** How late an event is received: on time, a little, on the relevance edges of the flows, days, past the 7-day window, or early. */
const DELAYS = [0, 0, 0, MIN, 30 * MIN, 2 * HOUR, 2 * HOUR + 1000, 12 * HOUR + 1000, DAY, DAY + 2 * HOUR, 3 * DAY, 7 * DAY, 7 * DAY + MIN, -30 * MIN];

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

interface EventSpec {
  customer: string;
  type: keyof typeof ENTERS;
  atMin: number;
  delay: number;
  /** Whether `receivedAt` is written when it equals `at`. */
  explicitReceived: boolean;
  order: number;
  status: 'new' | 'paid' | 'cancelled';
  total: number;
  /** Delivery date relative to `at` in hours, or null for none. */
  deliveryH: number | null;
  product: number;
}

type Op =
  | { kind: 'event'; spec: EventSpec }
  /** An event of the same customer (and order) as an earlier one, `afterMin` minutes after it. */
  | { kind: 'follow'; of: number; afterMin: number; spec: EventSpec }
  | { kind: 'dup'; of: number; delay: number }
  | { kind: 'invalid'; variant: number; customer: string; atMin: number };

const specArb: fc.Arbitrary<EventSpec> = fc.record({
  customer: fc.constantFrom('c1', 'c2', 'c3', 'c4', 'c5'),
  type: fc.constantFrom<keyof typeof ENTERS>('NewOrder', 'NewOrder', 'OrderStatusChanged', 'OrderStatusChanged', 'CustomerRegistered', 'ProductViewed', 'ProductViewed'),
  atMin: fc.integer({ min: 0, max: 10 * 24 * 60 }),
  delay: fc.constantFrom(...DELAYS),
  explicitReceived: fc.boolean(),
  order: fc.integer({ min: 1, max: 3 }),
  status: fc.constantFrom('new', 'paid', 'paid', 'cancelled'),
  total: fc.constantFrom(20, 60, 150),
  deliveryH: fc.option(fc.integer({ min: -48, max: 96 }), { nil: null }),
  product: fc.integer({ min: 1, max: 3 }),
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: specArb.map((spec): Op => ({ kind: 'event', spec })) },
  { weight: 3, arbitrary: fc.record({ of: fc.nat(), afterMin: fc.integer({ min: -60, max: 4 * 24 * 60 }), spec: specArb }).map((x): Op => ({ kind: 'follow', ...x })) },
  { weight: 1, arbitrary: fc.record({ of: fc.nat(), delay: fc.constantFrom(...DELAYS) }).map((x): Op => ({ kind: 'dup', ...x })) },
  {
    weight: 1,
    arbitrary: fc
      .record({ variant: fc.integer({ min: 0, max: 3 }), customer: fc.constantFrom('c1', 'c2', 'c3'), atMin: fc.integer({ min: 0, max: 10 * 24 * 60 }) })
      .map((x): Op => ({ kind: 'invalid', ...x })),
  },
);

interface Line {
  json: Record<string, unknown>;
  valid: boolean;
  /** The virtual time the simulator takes it at (receivedAt, else at); NaN when neither parses. */
  time: number;
  /** The event's own time (valid events). */
  at: number;
}

interface Input {
  lines: Line[];
  text: string;
  /** Epoch ms for simulate's `until`, or null: until no timer is left. */
  until: number | null;
}

function eventJson(id: string, s: EventSpec, base: number): Record<string, unknown> {
  const at = base + s.atMin * MIN;
  const e: Record<string, unknown> = { id, type: s.type, customer: s.customer, at: iso(at) };
  if (s.type === 'NewOrder' || s.type === 'OrderStatusChanged') {
    e['order'] = {
      id: `o-${s.customer}-${s.order}`,
      status: s.type === 'NewOrder' ? 'new' : s.status,
      total: s.total,
      items: [],
      ...(s.deliveryH !== null ? { fields: { deliveryDate: iso(at + s.deliveryH * HOUR) } } : {}),
    };
  } else if (s.type === 'ProductViewed') {
    e['product'] = { id: `p${s.product}`, price: 10 * s.product };
    e['view'] = { productId: `p${s.product}`, price: 10 * s.product };
  }
  if (s.delay !== 0 || s.explicitReceived) e['receivedAt'] = iso(at + s.delay);
  return e;
}

/** Invalid events: each has an id of its own (so that it never stands for a valid event's id). */
function invalidJson(id: string, x: Extract<Op, { kind: 'invalid' }>, base: number): Record<string, unknown> {
  const at = iso(base + x.atMin * MIN);
  switch (x.variant) {
    case 0:
      return { id, type: 'NoSuchEvent', customer: x.customer, at };
    case 1:
      return { id, type: 'NewOrder', at, order: { id: 'o-x', status: 'new', total: 1, items: [] } }; // no customer
    case 2:
      return { id, type: 'NewOrder', customer: x.customer, at, order: { id: 'o-x', status: 'new' } }; // order without total and items
    default:
      return { id, type: 'CustomerRegistered', customer: x.customer, at: 'yesterday' };
  }
}

/** How far apart the events are: hours (many meet: waits for events, exits, limits, launch limits), a day, or ten days. */
const SPANS = [6 * 60, 24 * 60, 10 * 24 * 60];

const inputArb: fc.Arbitrary<Input> = fc
  .record({
    base: fc.constantFrom(...BASES),
    span: fc.constantFrom(...SPANS),
    ops: fc.array(opArb, { minLength: 1, maxLength: 40 }),
    // Sometimes the run stops at a moment (`--until`) and leaves customers waiting.
    untilMin: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 12 * 24 * 60 }) }),
  })
  .map(({ base, span, ops, untilMin }) => {
    const lines: Line[] = [];
    const valids: Line[] = [];
    const specs: EventSpec[] = [];
    const add = (id: string, spec: EventSpec) => {
      const json = eventJson(id, spec, base);
      const at = Date.parse(String(json['at']));
      const line = { json, valid: true, at, time: Date.parse(String(json['receivedAt'] ?? json['at'])) };
      lines.push(line);
      valids.push(line);
      specs.push(spec);
    };
    ops.forEach((op, i) => {
      if (op.kind === 'event') add(`e${i}`, { ...op.spec, atMin: op.spec.atMin % (span + 1) });
      else if (op.kind === 'follow') {
        const orig = specs[op.of % Math.max(specs.length, 1)];
        if (orig) add(`e${i}`, { ...op.spec, customer: orig.customer, order: orig.order, atMin: Math.max(0, orig.atMin + op.afterMin) });
        else add(`e${i}`, { ...op.spec, atMin: op.spec.atMin % (span + 1) });
      } else if (op.kind === 'dup') {
        // An exact copy of an earlier valid event (same id, same content), received at another time.
        const orig = valids[op.of % Math.max(valids.length, 1)];
        if (!orig) return;
        const json = { ...orig.json, receivedAt: iso(orig.at + op.delay) };
        lines.push({ json, valid: true, at: orig.at, time: orig.at + op.delay });
      } else {
        const json = invalidJson(`bad${i}`, { ...op, atMin: op.atMin % (span + 1) }, base);
        const t = Date.parse(String(json['receivedAt'] ?? json['at']));
        lines.push({ json, valid: false, at: NaN, time: t });
      }
    });
    const text = jsonl(lines.map((l) => l.json));
    const until = untilMin === null ? null : base + untilMin * MIN;
    // fast-check prints a failing input with this: the events file, ready to paste into events.jsonl.
    const show = () => `${until === null ? '' : `until ${iso(until)}\n`}${text}`;
    return { lines, text, until, [fc.toStringMethod]: show };
  });

function run(input: Input, ps: readonly VerifiedProgram[] = PROGRAMS): SimulateJson {
  const r = simulate(ps, input.text, '', input.until === null ? {} : { until: input.until });
  if (r.errors.length || r.warnings.length) throw new Error([...r.errors, ...r.warnings].join('\n'));
  return r.output;
}

/**
 * The order the simulator takes the lines in: by time, stable (file order among equal times). A
 * line whose time does not parse takes the time of the line before it in the file (simulate.ts).
 */
function processingOrder(lines: Line[]): Line[] {
  let last = Number.NEGATIVE_INFINITY;
  const timed = lines.map((l, i) => {
    if (Number.isFinite(l.time)) last = l.time;
    return { l, i, t: Number.isFinite(l.time) ? l.time : last };
  });
  return timed.sort((a, b) => a.t - b.t || a.i - b.i).map((x) => x.l);
}

type Rec = Record<string, unknown>;
const ms = (v: unknown) => Date.parse(String(v));

/** Runs per property; PROPERTY_RUNS=5000 for a longer hunt. */
const RUNS = { numRuns: Number(process.env['PROPERTY_RUNS'] ?? 80) };

// ------------------------------------------------------------------------------------ properties

describe('engine properties over random event sequences (simulate)', () => {
  it('generator sanity: the valid events are valid and the flows are entered', () => {
    // Not a property of the engine: checks that the random inputs reach what the properties are about.
    let entered = 0;
    let effects = 0;
    fc.assert(
      fc.property(inputArb, (input) => {
        const out = run(input);
        const invalidIds = new Set(input.lines.filter((l) => !l.valid).map((l) => l.json['id']));
        for (const n of out.notEntered) if (n['reason'] === 'invalid_event') expect(invalidIds.has(n['event']), JSON.stringify(n)).toBe(true);
        entered += out.activity.length;
        effects += out.effects.length;
      }),
      { numRuns: 30 },
    );
    expect(entered).toBeGreaterThan(0);
    expect(effects).toBeGreaterThan(0);
  });

  /**
   * (1) Relevance: every step group runs (and every effect goes out) within its window
   * [due, due + relevance], where `due` is the group's schedule time: the entering event's own `at`
   * plus the waits before it (docs/language.md, "relevance"). The activity gives it back: a fixed,
   * `until` or `within` wait records `until`, the exact schedule time after it; a `wait for`
   * records `until` = due + timeout, and leaves the schedule at that time (timeout) or at
   * max(due, the awaited event's `at`) (event), which is at most max(until, the latest `at` of the
   * customer's events), so after a `wait for` the due is only known within an interval; a parallel
   * branch starts at its fork's due, and the path after the join continues at the latest arrived
   * branch's due, within [the fork's due, the largest due of any branch]. An effect must lie within
   * [lowest due, highest due + relevance] of its group: sound (never rejects a correct engine),
   * and exact for the groups after fixed waits. Also: effects never precede the instance's entry
   * (the clock never goes back) and carry the time their group's step records.
   */
  it('(1) no step group runs and no effect goes out outside its relevance window', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const out = run(input);
        const atOf = new Map<string, number>();
        const maxAtOf = new Map<string, number>();
        for (const l of input.lines) {
          if (!l.valid) continue;
          atOf.set(String(l.json['id']), l.at);
          const c = String(l.json['customer']);
          maxAtOf.set(c, Math.max(maxAtOf.get(c) ?? -Infinity, l.at));
        }
        const effectsOf = new Map<string, Rec[]>();
        for (const e of out.effects) {
          const k = `${e['instance']}\u0000${e['block']}`;
          effectsOf.set(k, [...(effectsOf.get(k) ?? []), e]);
        }
        const checkedEffects = new Set<Rec>();
        for (const a of out.activity) {
          const flow = String(a['flow']);
          const at = atOf.get(String(a['event']));
          expect(at, `instance ${a['instance']}: its event is not an input event`).toBeDefined();
          const enteredAt = ms(a['enteredAt']);
          const dues = new Map<string, [number, number]>([['', [at!, at!]]]);
          const due = (path: string): [number, number] => {
            let d = dues.get(path);
            if (!d) {
              // A branch's first step: it starts at its fork's due (key: `<parent>/<parallel>/<branch>`).
              d = due(path.split('/').slice(0, -2).join('/'));
              dues.set(path, d);
            }
            return d;
          };
          for (const s of a['steps'] as Rec[]) {
            const path = typeof s['path'] === 'string' ? s['path'] : '';
            const kind = s['kind'];
            const where = `instance ${a['instance']}, ${kind} ${s['block']}${path ? ` (${path})` : ''}`;
            const [lo, hi] = due(path);
            expect(ms(s['at']), `${where}: ran before the instance entered`).toBeGreaterThanOrEqual(enteredAt);
            if ((kind === 'wait_fixed' || kind === 'wait_until' || kind === 'wait_within') && s['until'] !== undefined) {
              const until = ms(s['until']);
              expect(until, `${where}: a wait moved the schedule back`).toBeGreaterThanOrEqual(lo);
              dues.set(path, [until, until]);
            } else if (kind === 'wait_event') {
              const until = ms(s['until']);
              dues.set(path, [lo, Math.max(until, maxAtOf.get(String(a['customer'])) ?? until)]);
            } else if (kind === 'join') {
              const prefix = path === '' ? '' : `${path}/`;
              let top = hi;
              for (const [k, [, h]] of dues) if (k !== path && k.startsWith(prefix)) top = Math.max(top, h);
              dues.set(path, [lo, top]);
            } else if (kind === 'steps') {
              const block = STEPS.get(flow)!.get(String(s['block']));
              expect(block, `${where}: not a steps block of the flow`).toBeDefined();
              const t = ms(s['at']);
              expect(t, `${where}: ran at ${s['at']}, before its due time ${iso(lo)}`).toBeGreaterThanOrEqual(lo);
              expect(t, `${where}: ran at ${s['at']}, after its window (due at most ${iso(hi)} + relevance ${block!.relevanceMs / HOUR}h)`).toBeLessThanOrEqual(hi + block!.relevanceMs);
              for (const e of effectsOf.get(`${a['instance']}\u0000${s['block']}`) ?? []) {
                expect(e['at'], `${where}: effect ${e['key']} is not at its step's time`).toBe(s['at']);
                checkedEffects.add(e);
              }
            }
          }
        }
        // Every effect belongs to a step group an instance recorded (so it was checked above).
        for (const e of out.effects) expect(checkedEffects.has(e), `effect ${e['key']} has no recorded step group`).toBe(true);
      }),
      RUNS,
    );
  });

  /**
   * (2) Effects are unique and whole: no two effects share an idempotency key; the key is
   * `<instance>/<block>/<action index>` with the index within the block's actions, so no two
   * effects are for the same (instance, block, action); and a step group's effects are all of its
   * actions, in order, one after the other (a group runs whole or not at all).
   */
  it('(2) never two effects with one key or for one (instance, block, action); groups are whole', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const out = run(input);
        const keys = new Set<unknown>();
        for (const e of out.effects) {
          expect(keys.has(e['key']), `duplicate key ${e['key']}`).toBe(false);
          keys.add(e['key']);
        }
        const triples = new Set<string>();
        for (let i = 0; i < out.effects.length; ) {
          const e = out.effects[i]!;
          const block = STEPS.get(String(e['flow']))?.get(String(e['block']));
          expect(block, `effect ${e['key']}: not a steps block of its flow`).toBeDefined();
          // The group: actions 0..n-1 of this (instance, block), consecutive.
          for (let j = 0; j < block!.actions; j++) {
            const x = out.effects[i + j];
            expect(x, `effect group ${e['instance']} ${e['block']} is cut short`).toBeDefined();
            expect([x!['instance'], x!['block'], x!['key']]).toEqual([e['instance'], e['block'], `${e['instance']}/${e['block']}/${j}`]);
            const triple = JSON.stringify([x!['instance'], x!['block'], j]);
            expect(triples.has(triple), `two effects for ${triple}`).toBe(false);
            triples.add(triple);
          }
          i += block!.actions;
        }
      }),
      RUNS,
    );
  });

  /** (3) Determinism: the same input (same order) gives byte-identical JSON, also with the flows compiled again. */
  it('(3) the same input gives byte-identical output', () => {
    const again = programs(FLOWS);
    fc.assert(
      fc.property(inputArb, (input) => {
        const first = JSON.stringify(run(input));
        expect(JSON.stringify(run(input))).toBe(first);
        expect(JSON.stringify(run(input, again))).toBe(first);
      }),
      { numRuns: Math.ceil(RUNS.numRuns / 2) },
    );
  });

  /**
   * (4) Every input event is accounted for, exactly once (docs/runtime.md, "What happens to an
   * event"; contracts.md):
   * - an invalid line: one `invalid_event` record (flow null), and nothing else under its id;
   * - a valid event id, taken first (in the simulator's order) by its first copy: for the one flow
   *   its type enters, exactly one outcome, either one instance (these triggers launch once per
   *   event) or one "did not enter" record with an entry reason; each later copy: one
   *   `duplicate_event` record for that flow; nothing for the other flows;
   * - no event id enters twice: the instances of an id entered when its first copy was received.
   * And no record is about anything else.
   */
  it('(4) every event is accounted for exactly once, and no event id enters twice', () => {
    const ENTRY_REASONS = new Set(['historical_too_old', 'flow_inactive', 'trigger_mismatch', 'condition_not_applied', 'launch_limit']);
    fc.assert(
      fc.property(inputArb, (input) => {
        const out = run(input);
        const expected: string[] = [];
        const seen = new Map<string, Line>();
        for (const l of processingOrder(input.lines)) {
          const id = String(l.json['id']);
          if (!l.valid) expected.push(`invalid ${id}`);
          else if (seen.has(id)) expected.push(`duplicate ${id} ${ENTERS[String(l.json['type'])]}`);
          else {
            seen.set(id, l);
            expected.push(`outcome ${id} ${ENTERS[String(l.json['type'])]}`);
          }
        }
        const actual: string[] = [];
        for (const n of out.notEntered) {
          const reason = String(n['reason']);
          if (reason === 'invalid_event') {
            expect(n['flow'], `invalid_event with a flow: ${JSON.stringify(n)}`).toBeNull();
            actual.push(`invalid ${n['event']}`);
          } else if (reason === 'duplicate_event') actual.push(`duplicate ${n['event']} ${n['flow']}`);
          else {
            expect(ENTRY_REASONS.has(reason), `unexpected reason: ${JSON.stringify(n)}`).toBe(true);
            actual.push(`outcome ${n['event']} ${n['flow']}`);
          }
        }
        for (const a of out.activity) {
          actual.push(`outcome ${a['event']} ${a['flow']}`);
          const first = seen.get(String(a['event']));
          expect(first, `instance ${a['instance']} of no valid event`).toBeDefined();
          expect(ms(a['enteredAt']), `instance ${a['instance']} entered at another copy's time`).toBe(first!.time);
        }
        expect(actual.sort()).toEqual(expected.sort());
      }),
      RUNS,
    );
  });
  /**
   * (5) Nobody is stuck: every wait in these flows is finite (days at most), so a run that fires
   * its timers to the end (no `until`) leaves no journey in progress; a run stopped at `until`
   * leaves only journeys that wait (`waiting`) for a moment after `until` (every timer due by then
   * has fired).
   */
  it('(5) journeys end, or wait for a moment after the end of the run', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const out = run(input);
        for (const a of out.activity) {
          if (a['status'] !== 'in_progress') {
            expect(a['waitingUntil'], `instance ${a['instance']}`).toBeNull();
            continue;
          }
          expect(input.until, `instance ${a['instance']} still in progress with every timer fired: ${JSON.stringify(a)}`).not.toBeNull();
          expect(a['reason'], `instance ${a['instance']}`).toBe('waiting');
          expect(ms(a['waitingUntil']), `instance ${a['instance']} waits for a moment the run has passed`).toBeGreaterThan(input.until!);
        }
      }),
      RUNS,
    );
  });
});
