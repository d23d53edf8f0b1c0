/** Compiling expressions into real flows for the VM tests, and the fixed data they run on. */
import { compiledOf, TEST_MANIFEST } from '../../bytecode/helpers.js';
import { verifyFlow } from '../../../compiler/bytecode/verify.js';
import type { VerifiedProgram } from '../../../compiler/bytecode/program.js';

export const VM_MANIFEST = {
  ...TEST_MANIFEST,
  brands: ['shop', 'outlet'],
  topics: ['news', 'offers'],
  customFields: {
    ...TEST_MANIFEST.customFields,
    customer: { ...TEST_MANIFEST.customFields.customer, score: { type: 'number' } },
    order: { ...TEST_MANIFEST.customFields.order, giftWrap: { type: 'boolean' } },
  },
  operations: { 'checkout-completed': { type: 'object', properties: { amount: { type: 'number' }, coupon: { type: 'string' } }, required: ['amount'] } },
};

/** A flow whose one step sends the expressions as template parameters: one code chunk each. */
export function paramsFlow(exprs: readonly string[], opts: { trigger?: string; settings?: string } = {}): string {
  const params = exprs.map((e, i) => `e${i}: ${e}`).join(',\n      ');
  return `flow t "VM test" {
  ${opts.settings ?? ''}
  on ${opts.trigger ?? 'NewOrder'}
  steps s {
    send email "a" {
      ${params}
    }
  }
}`;
}

export interface CompiledExprs {
  program: VerifiedProgram;
  /** The code chunk of each expression, in order. */
  chunks: number[];
}

/** Compiles expressions (any type) into one verified program. */
export function compileExprs(exprs: readonly string[], opts: { trigger?: string; settings?: string; manifest?: object } = {}): CompiledExprs {
  const program = verifyFlow(compiledOf(paramsFlow(exprs, opts), opts.manifest ?? VM_MANIFEST).bytes);
  const steps = program.blocks.find((b) => b.kind === 'steps');
  if (!steps || steps.kind !== 'steps' || steps.actions[0]?.kind !== 'send') throw new Error('no send action');
  return { program, chunks: steps.actions[0].params.map((p) => p.value) };
}

/** Compiles any flow source (for `where`, `exit on`, awaited events). */
export function compileFlow(source: string, manifest: object = VM_MANIFEST): VerifiedProgram {
  return verifyFlow(compiledOf(source, manifest).bytes);
}

// ---------- the fixed data ----------

/** 2026-03-28T23:30Z: already Sunday 2026-03-29 00:30 in Berlin (the night DST starts), still Saturday in UTC. */
export const NOW = Date.parse('2026-03-28T23:30:00Z');

export const ANN = {
  id: 'c1',
  firstName: 'Ann',
  lastName: 'Lee',
  email: 'ann@example.com',
  emailStatus: 'valid',
  phone: '+15550100',
  phoneStatus: 'unknown',
  segments: ['vip'],
  zone: 'eu',
  subscriptions: [
    { brand: 'shop', channel: 'email', topic: null, status: 'subscribed' },
    { brand: 'outlet', channel: 'email', topic: null, status: 'pending' },
    { brand: 'shop', channel: 'email', topic: 'news', status: 'unsubscribed' },
    { brand: 'shop', channel: 'email', topic: 'offers', status: 'subscribed' },
    { brand: 'outlet', channel: 'sms', status: 'pending' },
  ],
  mobilePush: true,
  webPush: false,
  createdAt: '2025-01-10T09:00:00Z',
  fields: { tier: 'gold', birthday: '1990-04-01', score: 42 },
};

/** A customer with nothing but an id. */
export const BARE = { id: 'c2' };

export const ORDER = {
  id: 'o-77',
  status: 'paid',
  total: 120.5,
  subtotal: 130,
  discount: 9.5,
  createdAt: '2026-03-28T10:00:00Z',
  items: [
    { id: 'i1', productId: 'p1', status: 'delivered', price: 60.25, quantity: 2 },
    { id: 'i2', productId: 'p2', status: 'new', price: 5, quantity: 1, discount: 1 },
    { id: 'i3', productId: 'p3', status: 'delivered', price: 150, quantity: 1 },
  ],
  promoCodes: ['WELCOME10'],
  fields: { deliveryDate: '2026-03-29T10:00:00Z' },
};

/** An order with only its required fields (and no items). */
export const SMALL_ORDER = { id: 'o-1', status: 'new', total: 0, items: [] };

export const ACTION = { id: 'a-1', template: 'order-created', at: '2026-03-28T10:00:00Z' };
