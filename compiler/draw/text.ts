/**
 * One-line texts of what a flow says, for drawings: durations, time windows, triggers, exits and
 * actions, written as the source would write them (canonical form, no parameters).
 */
import type { Action, EventSpec, LimitPeriod, OptionValue, TimeWindowSpec, TriggerSpec } from '../lower/graph.js';
import type { OptionType } from '../../stdlib/catalog-types.js';
import { findEvent, findOption } from '../../stdlib/catalog.js';
import { quoteString } from '../format/format-flow.js';
import { durationText } from '../bytecode/disasm.js';
import { formatMinutes, WEEKDAY_NAMES } from '../time.js';

export { durationText };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An option value as written: enum words bare, names and other strings quoted. */
function optionText(v: OptionValue, type: OptionType | undefined): string {
  if (Array.isArray(v)) {
    const of = type?.kind === 'list' ? type.of : type;
    return `[${v.map((x) => optionText(x, of)).join(', ')}]`;
  }
  if (typeof v === 'string') {
    const t = type?.kind === 'list' ? type.of : type;
    if (t?.kind === 'enum' || (t === undefined && IDENTIFIER.test(v))) return v;
    return quoteString(v);
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if ('percent' in v) return `${v.percent}%`;
  return durationText(v.durationMs);
}

/** `NewOrder`, `OrderStatusChanged(status: "shipped")`. */
export function eventText(e: EventSpec): string {
  if (e.options.length === 0) return e.event;
  const def = findEvent(e.event);
  const opts = e.options.map((o) => `${o.name}: ${optionText(o.value, def ? findOption(def, o.name)?.type : undefined)}`);
  return `${e.event}(${opts.join(', ')})`;
}

/** A trigger's lines: `on Event(...)` and its `when`, or the schedule. */
export function triggerLines(t: TriggerSpec): string[] {
  if (t.kind === 'schedule') return [t.text];
  return t.when ? [`on ${eventText(t)}`, `when ${t.when.text}`] : [`on ${eventText(t)}`];
}

/** `mon..sat`, `mon, wed`, `fri..sun`; empty for every day. */
export function daysText(days: readonly number[]): string {
  if (days.length === 7) return '';
  const sorted = [...days].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    const name = (d: number) => WEEKDAY_NAMES[d] ?? String(d);
    if (j - i >= 2) parts.push(`${name(sorted[i]!)}..${name(sorted[j]!)}`);
    else for (let k = i; k <= j; k++) parts.push(name(sorted[k]!));
    i = j + 1;
  }
  return parts.join(', ');
}

/** `within mon..sat 09:00..20:00`. */
export function windowText(w: TimeWindowSpec): string {
  const days = daysText(w.days);
  return `within ${days ? days + ' ' : ''}${formatMinutes(w.from)}..${formatMinutes(w.to)}`;
}

/** `day`, `6h`. */
export function periodText(p: LimitPeriod): string {
  return 'unit' in p ? p.unit : durationText(p.ms);
}

/** An action on one line, without its parameters: `send email "welcome"`. */
export function actionText(a: Action): string {
  switch (a.kind) {
    case 'send':
      return `send ${a.channel} ${quoteString(a.template)}`;
    case 'webhook':
      return `webhook ${a.method} ${quoteString(a.url)}`;
    case 'promo':
      return `issue promo ${quoteString(a.pool)}`;
    case 'points':
      return `award ${a.amount.text} points to ${quoteString(a.account)}${a.expiresMs !== undefined ? ` expires in ${durationText(a.expiresMs)}` : ''}`;
    case 'set':
      return `set customer.fields.${a.field} = ${a.value.text}`;
    case 'segment_add':
      return `add to segment ${quoteString(a.segment)}`;
    case 'segment_remove':
      return `remove from segment ${quoteString(a.segment)}`;
  }
}
