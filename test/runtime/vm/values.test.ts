/** The value model: JSON in and out, ISO text by format, own fields only, the customer view; and the VM stays browser-safe. */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { T } from '../../../stdlib/types.js';
import { BUILTIN_TABLE, METHOD_TABLE } from '../../../compiler/bytecode/format.js';
import {
  BUILTINS,
  DateTime,
  DateValue,
  Duration,
  METHODS,
  Percent,
  TimeOfDay,
  customerView,
  equals,
  field,
  fromJson,
  kindOf,
  parseTemporal,
  showValue,
  subscriptionStatus,
  toEpoch,
  toJson,
} from '../../../runtime/vm/index.js';
import { REPO } from '../../helpers/flow-files.js';
import { ANN } from './helpers.js';

describe('ISO text by its format', () => {
  it('dates, date-times with and without an offset (without: in the zone)', () => {
    expect(showValue(parseTemporal('2026-03-29', 'Europe/Berlin'))).toBe('2026-03-29');
    expect(showValue(parseTemporal('2026-03-29T10:00:00Z', 'Europe/Berlin'))).toBe('2026-03-29T10:00:00Z');
    expect(showValue(parseTemporal('2026-03-29T10:00:00.250+02:00', 'UTC'))).toBe('2026-03-29T08:00:00.250Z');
    expect(showValue(parseTemporal('2026-03-29T10:00', 'Europe/Berlin'))).toBe('2026-03-29T08:00:00Z');
    expect(showValue(parseTemporal('2026-03-29t10:00z', 'UTC'))).toBe('2026-03-29T10:00:00Z');
  });

  it('not dates: wrong calendar, free text, out of range', () => {
    for (const s of ['2026-02-30', '2026-13-01', '2026-03-29T24:00', '2026-03-29T10:00+15:00', 'paid', '', '20260329', '0000-01-01', '0999-12-31', '0050-01-01T00:00Z', '2026-03-29 10:00']) {
      expect(parseTemporal(s, 'UTC'), s).toBeNull();
    }
  });

  it('a date is midnight at its start in the zone', () => {
    expect(toEpoch('2026-03-30', 'Europe/Berlin')).toBe(Date.parse('2026-03-29T22:00:00Z'));
    expect(toEpoch(new DateValue(0), 'UTC')).toBe(0);
    expect(toEpoch('paid', 'UTC')).toBeNull();
    expect(toEpoch(3, 'UTC')).toBeNull();
  });

  it('text meets dates where the code expects a date; two ISO texts compare as moments', () => {
    expect(equals('2026-03-29', DateValue.of(2026, 3, 29), 'UTC')).toBe(true);
    expect(equals('2026-03-29T10:00:00Z', '2026-03-29T12:00:00+02:00', 'UTC')).toBe(true);
    expect(equals('paid', DateValue.of(2026, 3, 29), 'UTC')).toBeUndefined();
    expect(equals('paid', 'paid', 'UTC')).toBe(true);
    expect(equals(1, '1', 'UTC')).toBeUndefined();
    expect(equals(null, null, 'UTC')).toBeUndefined();
    expect(equals([1, null, { a: 'x', b: null }], [1, null, { a: 'x' }], 'UTC')).toBe(true);
  });
});

describe('JSON', () => {
  it('fromJson converts by the expected type', () => {
    const type = T.objectOf({
      at: { type: T.datetime, optional: false },
      day: { type: T.date, optional: true },
      wait: { type: T.duration, optional: false },
      share: { type: T.percent, optional: false },
      opens: { type: T.time, optional: false },
      tags: { type: T.arrayOf(T.string), optional: false },
      n: { type: T.number, optional: false },
    });
    const v = fromJson({ at: '2026-03-29T10:00:00Z', day: 'soon', wait: 3_600_000, share: 12.5, opens: '9:30', tags: ['a', 1], n: 'x', extra: { y: 1 } }, type, 'UTC') as Record<string, unknown>;
    expect(v['at']).toEqual(new DateTime(Date.parse('2026-03-29T10:00:00Z')));
    expect(v['day']).toBeNull();
    expect(v['wait']).toEqual(new Duration(3_600_000));
    expect(v['share']).toEqual(new Percent(12.5));
    expect(v['opens']).toEqual(new TimeOfDay(570));
    expect(v['tags']).toEqual(['a', null]);
    expect(v['n']).toBeNull();
    expect(v['extra']).toEqual({ y: 1 });
    // Without a type: as it is.
    expect(fromJson({ at: '2026-03-29' })).toEqual({ at: '2026-03-29' });
    expect(fromJson(undefined)).toBeNull();
    expect(fromJson(Number.NaN)).toBeNull();
  });

  it('toJson writes dates, moments, durations, percents and times plainly', () => {
    expect(toJson([DateValue.of(2026, 3, 29), new DateTime(Date.parse('2026-03-29T10:00:00Z')), new Duration(60_000), new Percent(10), new TimeOfDay(570), null, undefined, { a: Number.POSITIVE_INFINITY }])).toEqual([
      '2026-03-29',
      '2026-03-29T10:00:00Z',
      60_000,
      10,
      '09:30',
      null,
      null,
      { a: null },
    ]);
  });

  it('kinds', () => {
    expect([null, 'a', 1, true, new Duration(1), DateValue.of(2026, 1, 1), new DateTime(0), new TimeOfDay(0), new Percent(1), [], {}].map(kindOf)).toEqual([
      'missing',
      'string',
      'number',
      'boolean',
      'duration',
      'date',
      'datetime',
      'time',
      'percent',
      'list',
      'object',
    ]);
  });
});

describe('fields', () => {
  it('own fields only: nothing from Object.prototype', () => {
    expect(field({}, 'constructor')).toBeNull();
    expect(field({}, '__proto__')).toBeNull();
    expect(field({}, 'toString')).toBeNull();
    expect(field(JSON.parse('{"__proto__": {"x": 1}}'), '__proto__')).toEqual({ x: 1 });
    expect(field({ a: undefined }, 'a')).toBeNull();
    expect(field([1], 'length')).toBeNull();
    expect(field('text', 'length')).toBeNull();
    expect(field({ d: new Date(0) }, 'd')).toEqual(new DateTime(0));
  });
});

describe('the customer', () => {
  it('contacts from emailStatus / phoneStatus', () => {
    const v = customerView(ANN);
    expect(v['email']).toEqual({ address: 'ann@example.com', filled: true, valid: true, status: 'valid' });
    expect(v['phone']).toEqual({ address: '+15550100', filled: true, valid: false, status: 'unknown' });
    expect(customerView({ id: 'x', email: '  ', emailStatus: 'valid' })['email']).toEqual({ address: null, filled: false, valid: false, status: 'valid' });
    expect(customerView({ id: 'x', emailStatus: 'bogus' })['email']).toEqual({ address: null, filled: false, valid: false, status: 'unknown' });
    expect(customerView(null)['segments']).toEqual([]);
    expect(customerView(ANN)).toBe(customerView(ANN));
  });

  it('subscriptions: brand, topic, default brand, best status', () => {
    const v = customerView(ANN);
    expect(subscriptionStatus(v, 'email', null, null, null)).toBe('subscribed');
    expect(subscriptionStatus(v, 'email', null, null, 'outlet')).toBe('pending');
    expect(subscriptionStatus(v, 'email', 'shop', null, 'outlet')).toBe('subscribed');
    expect(subscriptionStatus(v, 'email', null, 'news', null)).toBe('unsubscribed');
    expect(subscriptionStatus(v, 'email', null, 'offers', null)).toBe('subscribed');
    expect(subscriptionStatus(v, 'viber', null, null, null)).toBe('unsubscribed');
    expect(subscriptionStatus(v, null, null, null, null)).toBe('unsubscribed');
    const odd = customerView({ id: 'x', subscriptions: [null, 'x', { channel: 'email', brand: 'shop', status: 'constructor' }, { channel: 'email', brand: 'shop', topic: '', status: 'pending' }] });
    expect(subscriptionStatus(odd, 'email', null, null, null)).toBe('pending');
  });
});

describe('tables', () => {
  it('every builtin and customer method of the bytecode has an implementation', () => {
    expect(BUILTIN_TABLE.filter((b) => !BUILTINS[b.name]).map((b) => b.name)).toEqual([]);
    expect(METHOD_TABLE.filter((m) => !METHODS[m.name]).map((m) => m.name)).toEqual([]);
  });
});

describe('browser-safe', () => {
  it('runtime/vm and everything it imports use no Node modules and no process', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/from ['"]node:|require\(|\bprocess\./);
      for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]/gm)) {
        visit(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
      }
    };
    const dir = join(REPO, 'runtime/vm');
    for (const f of readdirSync(dir)) if (f.endsWith('.ts')) visit(join(dir, f));
    expect(seen.size).toBeGreaterThan(6);
  });
});
