/**
 * Generates realistic, valid flows of a given size (for benchmarks, and the playground's). The
 * mix follows real journeys: step groups with sends, fixed and dynamic waits, conditions, A/B
 * splits, budgets. Deterministic for a given seed.
 */
export const BENCH_MANIFEST = {
  name: 'bench',
  timezone: 'Europe/Berlin',
  brands: ['main'],
  templates: { email: ['welcome', 'reminder', 'thanks', 'review'], sms: ['promo'], push: ['nudge'] },
  segments: ['vip', 'lapsed'],
  pointAccounts: ['main'],
  promoPools: ['WELCOME10'],
  customFields: {
    customer: { tier: { type: 'string', enum: ['bronze', 'silver', 'gold'] }, birthday: { type: 'string', format: 'date' } },
    order: { deliveryDate: { type: 'string', format: 'date-time' } },
    product: {},
    action: {},
  },
};

/** A small deterministic random generator (xorshift32): same seed, same flows. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** One flow with exactly `blocks` blocks (counting nested ones). */
export function generateFlow(name: string, blocks: number, seed = 1): string {
  const r = rng(seed);
  const lines: string[] = [
    `// Generated: ${blocks} blocks`,
    `flow ${name} "Generated journey ${name}" {`,
    '  entry every 7d',
    '  relevance 1d',
    '  timezone "Europe/Berlin"',
    '',
    '  on NewOrder when customer.email.valid and customer.inSegment("vip")',
    '  on OrderStatusChanged(status: "paid")',
    '',
  ];
  let n = 0;
  let id = 0;
  const emit = (depth: number, budget: number): void => {
    const pad = '  '.repeat(depth);
    while (budget > 0 && n < blocks) {
      const pick = r();
      id++;
      if (pick < 0.35 || budget < 3 || depth > 4) {
        n++;
        budget--;
        lines.push(`${pad}steps s${id} "Step ${id}" {`);
        lines.push(`${pad}  send email "${['welcome', 'reminder', 'thanks', 'review'][id % 4]}" { total: order.total, items: count(order.items) }`);
        if (id % 3 === 0) lines.push(`${pad}  award order.total / 10 points to "main" expires in 30d`);
        lines.push(`${pad}}`);
      } else if (pick < 0.6) {
        n++;
        budget--;
        lines.push(id % 2 ? `${pad}wait w${id} ${1 + (id % 5)}d within mon..fri 10:00..18:00` : `${pad}wait w${id} until order.createdAt + ${1 + (id % 3)}d otherwise stop`);
      } else if (pick < 0.8) {
        n++;
        budget--;
        const inner = Math.min(budget, 2 + Math.floor(r() * 3));
        lines.push(`${pad}if order.total > ${10 * (id % 9)} and any(order.items, it.price * it.quantity >= 50) {`);
        emit(depth + 1, Math.ceil(inner / 2));
        lines.push(`${pad}} else if customer.fields.tier == "gold" or order.status in ["paid", "delivered"] {`);
        emit(depth + 1, Math.floor(inner / 2));
        lines.push(`${pad}}`);
        budget -= inner;
      } else if (pick < 0.92) {
        n++;
        budget--;
        lines.push(`${pad}split ab${id} {`);
        lines.push(`${pad}  50% a {`);
        emit(depth + 2, 1);
        lines.push(`${pad}  }`);
        lines.push(`${pad}  40% b {`);
        emit(depth + 2, 1);
        lines.push(`${pad}  }`);
        lines.push(`${pad}}`);
        budget -= 2;
      } else {
        n++;
        budget--;
        lines.push(`${pad}limit sms${id} 1000 per day {`);
        emit(depth + 1, 1);
        lines.push(`${pad}} else {`);
        emit(depth + 1, 1);
        lines.push(`${pad}}`);
        budget -= 2;
      }
    }
  };
  while (n < blocks) emit(1, blocks - n);
  lines.push('}', '');
  return lines.join('\n');
}

/** A project of about `lines` lines: many flows of 10 to 60 blocks. */
export function generateProject(lines: number, seed = 7): Array<{ path: string; text: string }> {
  const files: Array<{ path: string; text: string }> = [];
  let total = 0;
  let i = 0;
  while (total < lines) {
    const text = generateFlow(`flow_${i}`, 10 + ((i * 37) % 50), seed + i);
    files.push({ path: `flows/flow_${i}.flow`, text });
    total += text.split('\n').length;
    i++;
  }
  return files;
}
