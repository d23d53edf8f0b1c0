/** Program → .flowb bytes (layout: docs/bytecode.md). The verifier reads them back identically. */
import { ByteWriter } from './bytes.js';
import { ACTION, BLOCK, CONST, ENTRY_MODES, FORMAT_VERSION, HEADER_SIZE, LIMIT_PERIOD_DURATION, LIMIT_UNITS, MAGIC, OTHERWISE, SCHEDULE, SECTION, TRIGGER } from './format.js';
import type { Constant, Program, ProgramKeep, ProgramOption } from './program.js';
import { sha256 } from './sha256.js';

function constant(w: ByteWriter, c: Constant): void {
  switch (c.tag) {
    case 'string':
      w.u8(CONST.string).string(c.value);
      return;
    case 'number':
      if (Number.isSafeInteger(c.value) && Math.abs(c.value) < 2 ** 52 && !Object.is(c.value, -0)) w.u8(CONST.int).svarint(c.value);
      else w.u8(CONST.float).f64(c.value);
      return;
    case 'true':
    case 'false':
    case 'null':
      w.u8(CONST[c.tag]);
      return;
    case 'duration':
      w.u8(CONST.duration).varint(c.ms);
      return;
    case 'date':
    case 'datetime':
      w.u8(CONST[c.tag]).string(c.raw);
      return;
    case 'time':
      w.u8(CONST.time).varint(c.minutes);
      return;
    case 'percent':
      w.u8(CONST.percent).f64(c.value);
      return;
  }
}

function options(w: ByteWriter, opts: ProgramOption[]): void {
  w.varint(opts.length);
  for (const o of opts) {
    w.varint(o.name);
    if ('k' in o.value) w.u8(1).varint(o.value.k);
    else {
      w.u8(2).varint(o.value.list.length);
      for (const k of o.value.list) w.varint(k);
    }
  }
}

function keeps(w: ByteWriter, ks: ProgramKeep[]): void {
  w.varint(ks.length);
  for (const k of ks) w.optIndex(k.source).varint(k.path);
}

/** The bytes after the header: compiler version, then the five sections. */
function body(p: Program): Uint8Array {
  const w = new ByteWriter();
  const version = new TextEncoder().encode(p.compilerVersion);
  w.u8(version.length).bytes(version);

  w.u8(SECTION.constants).varint(p.constants.length);
  for (const c of p.constants) constant(w, c);

  w.u8(SECTION.code).varint(p.code.length);
  for (const c of p.code) w.varint(c.length).bytes(c);

  const f = p.flow;
  w.u8(SECTION.flow).varint(f.id).optIndex(f.title);
  w.u8(ENTRY_MODES.indexOf(f.entry.mode)).varint(f.entry.periodMs);
  w.varint(f.relevanceMs);
  w.varint(f.activeFrom === null ? 0 : 1);
  if (f.activeFrom !== null) w.svarint(f.activeFrom);
  w.varint(f.activeUntil === null ? 0 : 1);
  if (f.activeUntil !== null) w.svarint(f.activeUntil);
  w.varint(f.timezone).optIndex(f.brand).optIndex(f.segment).varint(f.entryBlock);
  w.varint(f.exits.length);
  for (const x of f.exits) {
    w.varint(x.event);
    options(w, x.options);
    w.optIndex(x.where);
  }

  w.u8(SECTION.triggers).varint(p.triggers.length);
  for (const t of p.triggers) {
    if (t.kind === 'event') {
      w.u8(TRIGGER.event).varint(t.event);
      options(w, t.options);
      w.optIndex(t.when);
    } else {
      w.u8(TRIGGER.schedule);
      if ('intervalMs' in t.every) w.u8(SCHEDULE.interval).varint(t.every.intervalMs);
      else if ('weekdays' in t.every) w.u8(SCHEDULE.weekly).u8(t.every.weekdays);
      else {
        w.u8(SCHEDULE.monthly).varint(t.every.monthDays.length);
        for (const d of t.every.monthDays) w.u8(d);
      }
      w.varint(t.times.length);
      for (const m of t.times) w.varint(m);
      w.optIndex(t.segment);
    }
  }

  w.u8(SECTION.blocks).varint(p.blocks.length);
  for (const b of p.blocks) {
    w.varint(b.id).u8(BLOCK[b.kind]);
    switch (b.kind) {
      case 'steps':
        w.optIndex(b.title).varint(b.relevanceMs).varint(b.actions.length);
        for (const a of b.actions) {
          w.u8(ACTION[a.kind]);
          switch (a.kind) {
            case 'send':
              w.varint(a.channel).varint(a.template).varint(a.params.length);
              for (const x of a.params) w.varint(x.key).varint(x.value);
              break;
            case 'webhook':
              w.varint(a.method).varint(a.url).varint(a.body.length);
              for (const x of a.body) w.varint(x.key).varint(x.value);
              break;
            case 'promo':
              w.varint(a.pool);
              break;
            case 'points':
              w.varint(a.amount).varint(a.account).varint(a.expiresMs ?? 0);
              break;
            case 'set':
              w.varint(a.field).varint(a.value);
              break;
            case 'segment_add':
            case 'segment_remove':
              w.varint(a.segment);
              break;
          }
        }
        w.varint(b.next);
        break;
      case 'wait_fixed':
        w.varint(b.durationMs);
        keeps(w, b.keeps);
        w.varint(b.next);
        break;
      case 'wait_until':
        w.varint(b.at).u8(OTHERWISE[b.otherwise.kind]);
        if (b.otherwise.kind === 'wait') w.varint(b.otherwise.ms);
        keeps(w, b.keeps);
        w.varint(b.next);
        break;
      case 'wait_within':
        w.varint(b.durationMs).u8(b.days).varint(b.from).varint(b.to);
        keeps(w, b.keeps);
        w.varint(b.next);
        break;
      case 'wait_event':
        w.varint(b.event);
        options(w, b.options);
        w.optIndex(b.where).varint(b.timeoutMs);
        keeps(w, b.keeps);
        w.varint(b.onEvent).varint(b.onTimeout);
        break;
      case 'if':
        w.varint(b.branches.length);
        for (const br of b.branches) w.varint(br.cond).varint(br.next);
        w.varint(b.else).u8(b.hasElse ? 1 : 0);
        break;
      case 'split':
        w.varint(b.variants.length);
        for (const v of b.variants) w.varint(v.name).optIndex(v.title).varint(v.percent).varint(v.next);
        w.varint(b.controlNext);
        break;
      case 'parallel':
        w.varint(b.branches.length);
        for (const br of b.branches) w.optIndex(br.label).varint(br.next);
        w.varint(b.join);
        break;
      case 'join':
        w.varint(b.parallel);
        keeps(w, b.keeps);
        w.varint(b.next);
        break;
      case 'limit':
        w.optIndex(b.budget).varint(b.count);
        if ('unit' in b.period) w.u8(LIMIT_UNITS.indexOf(b.period.unit) + 1);
        else w.u8(LIMIT_PERIOD_DURATION).varint(b.period.ms);
        w.varint(b.next).varint(b.else).u8(b.hasElse ? 1 : 0);
        break;
      case 'stop':
      case 'end':
        break;
    }
  }
  return w.finish();
}

/** The .flowb bytes of a program: header (magic, format version, flags, length, SHA-256) + body. */
export function encodeProgram(p: Program): Uint8Array {
  const b = body(p);
  const out = new ByteWriter();
  out.bytes(Uint8Array.from(MAGIC)).u16(FORMAT_VERSION).u16(0).u32(b.length).bytes(sha256(b)).bytes(b);
  const bytes = out.finish();
  if (bytes.length !== HEADER_SIZE + b.length) throw new Error('internal: header size');
  return bytes;
}
