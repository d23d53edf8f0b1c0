/**
 * Stable block ids. A block's id is its explicit id, or one derived from what identifies the block
 * itself, so that editing, inserting or deleting OTHER blocks never changes it:
 *
 *   <kind>_<6 base36 chars of SHA-256(kind, own header, parent id, branch label, occurrence)>
 *
 * - kind: steps, wait, if, split, parallel, limit, stop (join and end for the blocks the compiler adds);
 * - own header: what the block's first line says (see HEADER below), never its position;
 * - parent id: the explicit-or-derived id of the nearest enclosing block ('' at the top level);
 * - branch label: which body of the parent it sits in (`else`, a variant name, `timeout`...);
 * - occurrence: 0, 1, 2... among identical siblings only (same body, same kind and header).
 *
 * docs/language.md ("Block ids") explains this to users.
 */
import type * as A from '../ast.js';
import { exprToString, quoteString } from '../format/format-flow.js';
import { sha256 } from '../bytecode/sha256.js';

const encoder = new TextEncoder();
const ID_SPACE = 36 ** 6;

/** `<kind>_` + 6 base36 characters from the SHA-256 of the parts. */
export function hashId(kind: string, parts: readonly string[]): string {
  const digest = sha256(encoder.encode([kind, ...parts].join('\u0000')));
  // 40 bits of the digest, reduced to 6 base36 digits (36^6 ≈ 2^31).
  const low = ((digest[1]! << 24) | (digest[2]! << 16) | (digest[3]! << 8) | digest[4]!) >>> 0;
  const n = (digest[0]! * 2 ** 32 + low) % ID_SPACE;
  return `${kind}_${n.toString(36).padStart(6, '0')}`;
}

/** The word a derived id starts with. */
export function idKind(b: A.Block): string {
  switch (b.kind) {
    case 'Steps':
      return 'steps';
    case 'WaitFixed':
    case 'WaitUntil':
    case 'WaitForEvent':
      return 'wait';
    case 'If':
      return 'if';
    case 'Split':
      return 'split';
    case 'Parallel':
      return 'parallel';
    case 'Limit':
      return 'limit';
    case 'Stop':
      return 'stop';
  }
}

export function explicitId(b: A.Block): string | undefined {
  return 'blockId' in b && b.blockId?.name ? b.blockId.name : undefined;
}

export function eventRefText(e: A.EventRef): string {
  if (!e.parens && e.options.length === 0) return e.name.name;
  return `${e.name.name}(${e.options.map((o) => `${o.name.name}: ${exprToString(o.value)}`).join(', ')})`;
}

function objectText(o: A.ObjectLit | undefined): string {
  if (!o) return '';
  return ` { ${o.entries.map((e) => `${e.key.kind === 'String' ? quoteString(e.key.value) : e.key.name}: ${exprToString(e.value)}`).join(', ')} }`;
}

/** An action on one line, as the formatter would print it flat. */
export function actionText(a: A.Action): string {
  switch (a.kind) {
    case 'Send':
      return `send ${a.channel.name} ${quoteString(a.template.value)}${objectText(a.params)}`;
    case 'Webhook':
      return `webhook ${a.method.name} ${quoteString(a.url.value)}${objectText(a.body)}`;
    case 'IssuePromo':
      return `issue promo ${quoteString(a.pool.value)}`;
    case 'AwardPoints':
      return `award ${exprToString(a.amount)} points to ${quoteString(a.account.value)}${a.expires ? ` expires in ${a.expires.raw}` : ''}`;
    case 'Set':
      return `set ${exprToString(a.target)} = ${exprToString(a.value)}`;
    case 'SegmentAdd':
      return `add to segment ${quoteString(a.segment.value)}`;
    case 'SegmentRemove':
      return `remove from segment ${quoteString(a.segment.value)}`;
  }
}

export function windowText(w: A.TimeWindow): string {
  const days = w.days.map((d) => (d.to ? `${d.from.name}..${d.to.name}` : d.from.name)).join(', ');
  return `within ${days ? days + ' ' : ''}${w.from.raw}..${w.to.raw}`;
}

/**
 * What identifies a block by itself: its header line, without the id.
 * - steps: the title, or (untitled) its actions;
 * - wait: the duration and window / the `until` expression and `otherwise` / the event, `where` and timeout;
 * - if: the first condition (each branch's condition is its branch label);
 * - split: the variant names (a new set of variants is a new experiment; shares may change);
 * - parallel: nothing (its branches are labelled by their ids, else by position);
 * - limit: its budget's name, or its count and period;
 * - stop: nothing.
 */
export function headerText(b: A.Block): string {
  switch (b.kind) {
    case 'Steps':
      return b.title ? `title ${b.title.value}` : b.actions.map(actionText).join('; ');
    case 'WaitFixed':
      return [b.duration?.raw ?? '', b.within ? windowText(b.within) : ''].join(' ').trim();
    case 'WaitUntil':
      return `until ${exprToString(b.at)}${b.otherwise ? (b.otherwise.kind === 'stop' ? ' otherwise stop' : ` otherwise wait ${b.otherwise.duration.raw}`) : ''}`;
    case 'WaitForEvent':
      return `for ${eventRefText(b.event)}${b.where ? ` where ${exprToString(b.where)}` : ''} up to ${b.timeout.raw}`;
    case 'If':
      return b.branches[0] ? exprToString(b.branches[0].condition) : '';
    case 'Split':
      return b.variants.map((v) => v.name.name).join(',');
    case 'Parallel':
      return '';
    case 'Limit':
      if (b.budget) return `budget ${quoteString(b.budget.value)}`;
      return `${b.count?.raw ?? ''} per ${b.period ? (b.period.kind === 'Duration' ? b.period.raw : b.period.name) : ''}`;
    case 'Stop':
      return '';
  }
}

/** The bodies nested in a block, each with its branch label. */
export function childBodies(b: A.Block): Array<{ label: string; body: A.Block[] }> {
  switch (b.kind) {
    case 'WaitForEvent':
      return [
        { label: 'event', body: b.onEvent },
        { label: 'timeout', body: b.onTimeout ?? [] },
      ];
    case 'If':
      return [...b.branches.map((br) => ({ label: `if ${exprToString(br.condition)}`, body: br.body })), { label: 'else', body: b.otherwise ?? [] }];
    case 'Split':
      return b.variants.map((v) => ({ label: `variant ${v.name.name}`, body: v.body }));
    case 'Parallel':
      return b.branches.map((br, i) => ({ label: br.blockId?.name ? `branch ${br.blockId.name}` : `branch #${i}`, body: br.body }));
    case 'Limit':
      return [
        { label: 'then', body: b.body },
        { label: 'else', body: b.otherwise ?? [] },
      ];
    default:
      return [];
  }
}

export interface BlockIds {
  /** Every block of the flow (nested ones too) → its id. */
  ids: Map<A.Block, string>;
  /** The join block of each parallel. */
  joins: Map<A.ParallelBlock, string>;
  /** The flow's end block. */
  end: string;
}

/** Ids of every block of a flow: explicit ones as written, the others derived. */
export function blockIds(flow: A.FlowDecl): BlockIds {
  const explicit = new Set<string>();
  const collect = (blocks: A.Block[]): void => {
    for (const b of blocks) {
      const id = explicitId(b);
      if (id) explicit.add(id);
      for (const c of childBodies(b)) collect(c.body);
    }
  };
  collect(flow.body);
  const taken = new Set(explicit);
  // A derived id that collides (with an explicit one, or another derived one: ~1 in 2·10^9 per
  // pair) takes the next salt; blocks are visited in source order, so this too is deterministic.
  const claim = (kind: string, parts: string[]): string => {
    let id = hashId(kind, parts);
    for (let salt = 1; taken.has(id); salt++) id = hashId(kind, [...parts, `salt ${salt}`]);
    taken.add(id);
    return id;
  };
  const ids = new Map<A.Block, string>();
  const joins = new Map<A.ParallelBlock, string>();
  const walk = (blocks: A.Block[], parent: string, label: string): void => {
    const seen = new Map<string, number>();
    for (const b of blocks) {
      let id = explicitId(b);
      if (!id) {
        const kind = idKind(b);
        const header = headerText(b);
        const key = `${kind}\u0000${header}`;
        const n = seen.get(key) ?? 0;
        seen.set(key, n + 1);
        id = claim(kind, [header, parent, label, String(n)]);
      }
      ids.set(b, id);
      if (b.kind === 'Parallel') joins.set(b, claim('join', ['', id, '', '0']));
      for (const c of childBodies(b)) walk(c.body, id, c.label);
    }
  };
  walk(flow.body, '', '');
  return { ids, joins, end: claim('end', ['', '', '', '0']) };
}
