/**
 * fast-check arbitraries for random valid flow files, printed crudely: every compound
 * sub-expression in parentheses, tokens separated by random whitespace and random comments.
 * The AST of the crude text is the reference the formatter must preserve.
 */
import fc from 'fast-check';

/** A flow file as a list of tokens; the separators between them are chosen later. */
type Toks = string[];

const EVENTS = ['NewOrder', 'ProductViewed', 'OrderStatusChanged', 'CustomerLeftSite', 'SegmentEntered'];
/** Identifiers that are not keywords (flow names, ids, units...). */
const IDS = ['a', 'b2', 'first', 'reminder_delay', '_x', 'variant'];
/** Names for paths and options: soft keywords included, they are names there. */
const NAMES = ['customer', 'order', 'total', 'email', 'valid', 'code', 'for', 'at', 'to', 'steps', 'x'];

const id = fc.constantFrom(...IDS);
const name = fc.constantFrom(...NAMES);
const duration = fc.constantFrom('30m', '2h', '1d', '1d12h', '2w', '45s', '1w2d3h4m5s');
const date = fc.constantFrom('2026-12-01', '2027-03-01');
const dateTime = fc.constantFrom('2026-12-01T10:00', '2026-12-01T10:00:00Z', '2027-01-01T08:30:00.5+01:00');
const time = fc.constantFrom('10:00', '9:05', '18:30');
const percent = fc.constantFrom('50%', '10.5%', '0%', '100%');
const number = fc.constantFrom('0', '1', '42', '3.50', '007');

/** A string literal's text: escapes of every kind (quotes, backslashes, \n, \t, \u{..}, needless ones). */
const stringLit: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom('a', 'b', ' ', 'é', '😀', '\u0001', '-', '/', '*'),
      fc.constantFrom('\\"', '\\\\', '\\n', '\\t', '\\r', '\\u{41}', '\\u{1F600}', '\\/', '\\u0041'),
    ),
    { maxLength: 6 },
  )
  .map((parts) => '"' + parts.join('') + '"');

const paren = (t: Toks): Toks => ['(', ...t, ')'];

const leaf: fc.Arbitrary<Toks> = fc.oneof(
  stringLit.map((s) => [s]),
  number.map((s) => [s]),
  fc.constantFrom('true', 'false', 'null').map((s) => [s]),
  duration.map((s) => [s]),
  date.map((s) => [s]),
  dateTime.map((s) => [s]),
  time.map((s) => [s]),
  percent.map((s) => [s]),
  name.map((s) => [s]),
);

const BINARY_OPS = ['or', 'and', '==', '!=', '<', '<=', '>', '>=', 'in', 'not in', '+', '-', '*', '/'];

/** Random expressions of every operator, fully parenthesized. */
export const exprArb: fc.Arbitrary<Toks> = fc.letrec<{ expr: Toks; compound: Toks }>((tie) => ({
  expr: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('compound')),
  compound: fc.oneof(
    fc.tuple(tie('expr'), fc.constantFrom(...BINARY_OPS), tie('expr')).map(([l, op, r]) => [...paren(l), op, ...paren(r)]),
    fc.tuple(fc.constantFrom('-', 'not'), tie('expr')).map(([op, e]) => [op, ...paren(e)]),
    fc.tuple(tie('expr'), name).map(([o, p]) => [...paren(o), '.', p]),
    fc
      .tuple(tie('expr'), fc.array(fc.tuple(fc.option(name, { nil: undefined }), tie('expr')), { maxLength: 3 }))
      .map(([callee, args]) => [
        ...paren(callee),
        '(',
        ...args.flatMap(([n, v], i) => [...(i > 0 ? [','] : []), ...(n ? [n, ':'] : []), ...v]),
        ')',
      ]),
    fc.tuple(tie('expr'), tie('expr')).map(([o, i]) => [...paren(o), '[', ...i, ']']),
    fc.tuple(fc.array(tie('expr'), { maxLength: 3 }), fc.boolean()).map(([els, trailing]) => [
      '[',
      ...els.flatMap((e, i) => [...(i > 0 ? [','] : []), ...e]),
      ...(trailing && els.length > 0 ? [','] : []),
      ']',
    ]),
  ),
})).expr;

const optId = fc.option(id, { nil: undefined }).map((x) => (x ? [x] : []));
const optTitle = fc.option(stringLit, { nil: undefined }).map((x) => (x ? [x] : []));

const eventRef: fc.Arbitrary<Toks> = fc
  .tuple(
    fc.constantFrom(...EVENTS),
    fc.option(fc.array(fc.tuple(name, exprArb), { maxLength: 3 }), { nil: undefined }),
    fc.boolean(),
  )
  .map(([ev, opts, trailing]) =>
    opts === undefined
      ? [ev]
      : [ev, '(', ...opts.flatMap(([n, v], i) => [...(i > 0 ? [','] : []), n, ':', ...v]), ...(trailing && opts.length ? [','] : []), ')'],
  );

const setting: fc.Arbitrary<Toks> = fc.oneof(
  fc.constantFrom<Toks>(['entry', 'once'], ['entry', 'always']),
  duration.map((d) => ['entry', 'every', d]),
  duration.map((d) => ['relevance', d]),
  fc
    .tuple(fc.option(fc.oneof(date, dateTime), { nil: undefined }), fc.option(fc.oneof(date, dateTime), { nil: undefined }))
    .map(([f, u]) => ['active', ...(f ? ['from', f] : []), ...(u ? ['until', u] : [])]),
  stringLit.map((s) => ['timezone', s]),
  stringLit.map((s) => ['brand', s]),
  fc.tuple(eventRef, fc.option(exprArb, { nil: undefined })).map(([e, w]) => ['exit', 'on', ...e, ...(w ? ['where', ...w] : [])]),
);

const commaList = <T>(arb: fc.Arbitrary<T>, toToks: (x: T) => Toks, min = 1): fc.Arbitrary<Toks> =>
  fc.array(arb, { minLength: min, maxLength: 3 }).map((xs) => xs.flatMap((x, i) => [...(i > 0 ? [','] : []), ...toToks(x)]));

const trigger: fc.Arbitrary<Toks> = fc.oneof(
  fc.tuple(eventRef, fc.option(exprArb, { nil: undefined })).map(([e, w]) => ['on', ...e, ...(w ? ['when', ...w] : [])]),
  fc
    .tuple(
      fc.oneof(
        duration.map((d) => [d]),
        commaList(fc.constantFrom('day', 'weekday', 'mon', 'thu', 'month'), (u) => [u]),
      ),
      fc.option(commaList(fc.constantFrom('1', '15', 'last'), (d) => [d]), { nil: undefined }),
      fc.option(commaList(time, (t) => [t]), { nil: undefined }),
      fc.option(stringLit, { nil: undefined }),
    )
    .map(([what, days, times, seg]) => [
      'every',
      ...what,
      ...(days ? ['on', ...days] : []),
      ...(times ? ['at', ...times] : []),
      ...(seg ? ['for', 'segment', seg] : []),
    ]),
);

const objectLit: fc.Arbitrary<Toks> = fc
  .tuple(fc.array(fc.tuple(fc.oneof(name, stringLit), exprArb), { maxLength: 3 }), fc.boolean())
  .map(([entries, trailing]) => [
    '{',
    ...entries.flatMap(([k, v], i) => [...(i > 0 ? [','] : []), k, ':', ...v]),
    ...(trailing && entries.length ? [','] : []),
    '}',
  ]);

const action: fc.Arbitrary<Toks> = fc.oneof(
  fc
    .tuple(fc.constantFrom('email', 'sms', 'push'), stringLit, fc.option(objectLit, { nil: undefined }))
    .map(([ch, t, o]) => ['send', ch, t, ...(o ?? [])]),
  fc
    .tuple(fc.constantFrom('post', 'get'), stringLit, fc.option(objectLit, { nil: undefined }))
    .map(([m, u, o]) => ['webhook', m, u, ...(o ?? [])]),
  stringLit.map((p) => ['issue', 'promo', p]),
  fc
    .tuple(exprArb, stringLit, fc.option(duration, { nil: undefined }))
    .map(([amount, acc, exp]) => ['award', ...paren(amount), 'points', 'to', acc, ...(exp ? ['expires', 'in', exp] : [])]),
  fc.tuple(exprArb, exprArb).map(([t, v]) => ['set', ...paren(t), '=', ...v]),
  stringLit.map((s) => ['add', 'to', 'segment', s]),
  stringLit.map((s) => ['remove', 'from', 'segment', s]),
);

const timeWindow: fc.Arbitrary<Toks> = fc
  .tuple(
    fc.option(
      commaList(fc.tuple(fc.constantFrom('mon', 'wed', 'sat'), fc.option(fc.constantFrom('fri', 'sun'), { nil: undefined })), ([f, t]) =>
        t ? [f, '..', t] : [f],
      ),
      { nil: undefined },
    ),
    time,
    time,
  )
  .map(([days, f, t]) => ['within', ...(days ?? []), f, '..', t]);

const body = (blocks: fc.Arbitrary<Toks[]>): fc.Arbitrary<Toks> => blocks.map((bs) => ['{', ...bs.flat(), '}']);

/** Random blocks of every kind, nested. */
export const blockArb: fc.Arbitrary<Toks> = fc.letrec<{ block: Toks; blocks: Toks[] }>((tie) => {
  const blocks = tie('blocks');
  return {
    blocks: fc.array(tie('block'), { maxLength: 3 }),
    block: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc
        .tuple(optId, optTitle, fc.option(duration, { nil: undefined }), fc.array(action, { maxLength: 3 }))
        .map(([i, t, r, acts]) => ['steps', ...i, ...t, ...(r ? ['relevance', r] : []), '{', ...acts.flat(), '}']),
      fc.constant<Toks>(['stop']),
      fc
        .tuple(optId, fc.option(duration, { nil: undefined }), fc.option(timeWindow, { nil: undefined }))
        .filter(([, d, w]) => !!d || !!w)
        .map(([i, d, w]) => ['wait', ...i, ...(d ? [d] : []), ...(w ?? [])]),
      fc
        .tuple(optId, exprArb, fc.option(fc.oneof(fc.constant<Toks>(['stop']), duration.map((d) => ['wait', d])), { nil: undefined }))
        .map(([i, e, o]) => ['wait', ...i, 'until', ...e, ...(o ? ['otherwise', ...o] : [])]),
      fc
        .tuple(optId, eventRef, fc.option(exprArb, { nil: undefined }), duration, body(blocks), fc.option(body(blocks), { nil: undefined }))
        .map(([i, e, w, d, on, to]) => [
          'wait',
          ...i,
          'for',
          ...e,
          ...(w ? ['where', ...w] : []),
          'up',
          'to',
          d,
          ...on,
          ...(to ? ['timeout', ...to] : []),
        ]),
      fc
        .tuple(fc.array(fc.tuple(exprArb, body(blocks)), { minLength: 1, maxLength: 3 }), fc.option(body(blocks), { nil: undefined }))
        .map(([branches, other]) => [
          ...branches.flatMap(([c, b], i) => [...(i > 0 ? ['else'] : []), 'if', ...c, ...b]),
          ...(other ? ['else', ...other] : []),
        ]),
      fc
        .tuple(optId, fc.array(fc.tuple(percent, id, optTitle, body(blocks)), { maxLength: 3 }))
        .map(([i, vs]) => ['split', ...i, '{', ...vs.flatMap(([p, n, t, b]) => [p, n, ...t, ...b]), '}']),
      fc
        .tuple(optId, fc.array(fc.tuple(optId, body(blocks)), { maxLength: 3 }))
        .map(([i, bs]) => ['parallel', ...i, '{', ...bs.flatMap(([bi, b]) => ['branch', ...bi, ...b]), '}']),
      fc
        .tuple(
          optId,
          fc.oneof(
            fc.tuple(number, fc.oneof(duration, fc.constantFrom('day', 'week'))).map(([n, p]) => [n, 'per', p]),
            fc.constantFrom(['budget', '"sms"'], ['budget', '"calls"']),
          ),
          body(blocks),
          fc.option(body(blocks), { nil: undefined }),
        )
        .map(([i, how, b, o]) => ['limit', ...i, ...how, ...b, ...(o ? ['else', ...o] : [])]),
    ),
  };
}).block;

const flowArb: fc.Arbitrary<Toks> = fc
  .tuple(id, optTitle, fc.array(fc.oneof(setting, trigger, blockArb), { maxLength: 6 }))
  .map(([n, t, items]) => ['flow', n, ...t, '{', ...items.flat(), '}']);

/** Whitespace and comments between two tokens; `#` stands for a fresh comment number. */
const SEPARATORS = [' ', ' ', ' ', '\n', '\n  ', '\n\n', '\n\n\n\t', '', ' /*#*/ ', ' // #\n', '\n// #\n\n', '\n/* #\n  two lines */\n', '/*#*/'];

/** Tokens that must stay apart from the next token by at least one blank. */
function needsSpace(a: string, b: string): boolean {
  const word = /[A-Za-z0-9_%"]$/;
  const start = /^[A-Za-z0-9_"]/;
  if (word.test(a) && start.test(b)) return true;
  // `-` then `-` is fine, but `/` then `/` or `*` would start a comment.
  if (a === '/' && (b.startsWith('/') || b.startsWith('*'))) return true;
  if (a.endsWith('.') || b === '.' || b === '..') return false;
  return false;
}

export interface CrudeFile {
  text: string;
  comments: number;
}

/** A whole file: one to three flows, crude layout, random comments. */
export const crudeFileArb: fc.Arbitrary<CrudeFile> = fc
  .tuple(fc.array(flowArb, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(SEPARATORS.length - 1), { minLength: 1, maxLength: 40 }))
  .map(([flows, seps]) => {
    const toks = flows.flat();
    let text = '';
    let n = 0;
    toks.forEach((t, i) => {
      if (i > 0) {
        let sep = SEPARATORS[seps[i % seps.length]!]!;
        if (sep.includes('#')) sep = sep.replace('#', `c${n++}`);
        if (sep === '' && needsSpace(toks[i - 1]!, t)) sep = ' ';
        if (sep.startsWith('/*') && toks[i - 1]!.endsWith('/')) sep = ' ' + sep;
        text += sep;
      }
      text += t;
    });
    return { text, comments: n };
  });
