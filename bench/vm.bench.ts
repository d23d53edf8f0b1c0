/**
 * `node scripts/run-bench.mjs vm`: the expression VM's speed. A flow with a realistic mix of
 * conditions is compiled and verified once; each condition is then evaluated against JSON
 * contexts (as an event delivers them: dates as ISO text) in batches, and the table gives
 * evaluations per second (median batch) for each and for the mix taken in turn.
 */
import { checkProject } from '../compiler/project.js';
import { compileProject } from '../compiler/bytecode/compile.js';
import { verifyFlow } from '../compiler/bytecode/verify.js';
import { evaluate, prepareProgram, type EvalEnv } from '../runtime/vm/index.js';

const MANIFEST = {
  name: 'bench',
  timezone: 'Europe/Berlin',
  brands: ['shop'],
  templates: { email: ['a'] },
  segments: ['vip'],
  customFields: { customer: { birthday: { type: 'string', format: 'date' } }, order: { deliveryDate: { type: 'string', format: 'date-time' } } },
};

const CONDITIONS: Array<[string, string]> = [
  ['simple comparison', 'order.total > 100'],
  ['any() over 10 items (no match: all 10 tested)', 'any(order.items, it.price > 100 and it.status == "returned")'],
  ['date arithmetic', 'order.fields.deliveryDate + 2d > now() and month(customer.fields.birthday) == month(today())'],
  ['customer methods', 'customer.subscribed(email, brand: "shop") and customer.inSegment("vip")'],
];

const source = `flow bench "VM bench" {
  on NewOrder
${CONDITIONS.map(([, c], i) => `  if ${c} {\n    steps s${i} { send email "a" }\n  }`).join('\n')}
}`;
const project = checkProject({ manifest: { path: 'runnel.json', text: JSON.stringify(MANIFEST) }, files: [{ path: 'bench.flow', text: source }] });
const errors = project.files[0]!.diagnostics.filter((d) => d.severity === 'error');
if (errors.length) throw new Error(`bench flow: ${errors.map((d) => d.message).join('; ')}`);
const program = verifyFlow(compileProject(project)[0]!.bytes);
if (prepareProgram(program).length) throw new Error('bench flow does not decode');
const chunks = program.blocks.flatMap((b) => (b.kind === 'if' ? b.branches.map((x) => x.cond) : []));

const profile = {
  id: 'c1',
  email: 'ann@example.com',
  emailStatus: 'valid',
  segments: ['newsletter', 'vip'],
  subscriptions: [
    { brand: 'shop', channel: 'sms', topic: null, status: 'unsubscribed' },
    { brand: 'shop', channel: 'email', topic: 'news', status: 'subscribed' },
    { brand: 'shop', channel: 'email', topic: null, status: 'subscribed' },
  ],
  mobilePush: true,
  fields: { birthday: '1990-03-01' },
};
const order = {
  id: 'o-77',
  status: 'paid',
  total: 120.5,
  items: Array.from({ length: 10 }, (_, i) => ({ id: `i${i}`, productId: `p${i}`, status: 'delivered', price: 10 + i * 10, quantity: 1 + (i % 3) })),
  fields: { deliveryDate: '2026-03-30T10:00:00Z' },
};
const now = Date.parse('2026-03-28T23:30:00Z');
const env: EvalEnv = { now, customer: profile, contexts: { order } };

// Sanity: the answers the conditions must give.
const expected = [true, false, true, true];
chunks.forEach((c, i) => {
  if (evaluate(program, c, env) !== expected[i]) throw new Error(`bench condition ${i} gives ${String(evaluate(program, c, env))}`);
});

const BATCH = 20_000;
function rate(run: (i: number) => void, minMs = 1000): { perSec: number; ns: number } {
  for (let i = 0; i < BATCH * 5; i++) run(i); // warm-up: JIT and caches
  const rates: number[] = [];
  const start = performance.now();
  while (rates.length < 15 || performance.now() - start < minMs) {
    const t = performance.now();
    for (let i = 0; i < BATCH; i++) run(i);
    rates.push(BATCH / ((performance.now() - t) / 1000));
  }
  rates.sort((a, b) => a - b);
  const perSec = rates[Math.floor(rates.length / 2)]!;
  return { perSec, ns: 1e9 / perSec };
}

const rows: string[][] = [];
const fmt = (x: { perSec: number; ns: number }) => [`${Math.round(x.perSec).toLocaleString('en-US')}`, `${Math.round(x.ns)} ns`];
CONDITIONS.forEach(([label, text], i) => {
  const c = chunks[i]!;
  rows.push([label, text, ...fmt(rate(() => evaluate(program, c, env)))]);
});
rows.push(['customer methods, a new profile object each time', '(the customer view is built per evaluation)', ...fmt(rate(() => evaluate(program, chunks[3]!, { ...env, customer: { ...profile } })))]);
rows.push(['mix: the four in turn', '', ...fmt(rate((i) => evaluate(program, chunks[i & 3]!, env)))]);

function table(head: string[], body: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => '| ' + r.map((c, i) => (i >= 2 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join(' | ') + ' |';
  return [line(head), '|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

console.log(`\nExpression VM, warm (median of ${BATCH.toLocaleString('en-US')}-evaluation batches; Node ${process.version})\n`);
console.log(table(['condition', 'source', 'evaluations/s', 'per evaluation'], rows));
