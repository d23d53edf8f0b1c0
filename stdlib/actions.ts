/**
 * The actions usable inside a `steps` block, as data for the checker's messages, completion and
 * docs. `effect` is the `effects[].action` code of contracts.md that the action produces, and
 * `effectFields` the fields that effect carries besides the common ones (at, flow, customer...).
 */
import type { ManifestRefKind } from './catalog-types.js';

/** Message channels of `send <channel> "<template>"`. Webhooks are their own action. */
export const CHANNELS: readonly string[] = ['email', 'sms', 'push', 'webpush', 'whatsapp', 'flashcall', 'viber'];

/** HTTP methods of `webhook <method> "<url>"`. */
export const WEBHOOK_METHODS: readonly string[] = ['get', 'post', 'put', 'patch', 'delete'];

/** `effects[].action` codes of contracts.md. */
export type EffectAction = 'send' | 'webhook' | 'promo' | 'points' | 'set' | 'segment_add' | 'segment_remove';

export interface ActionDef {
  /** A short name for messages and docs: 'send', 'add to segment'. */
  name: string;
  /** The words that start the action in source, in order: ['add', 'to', 'segment']. */
  keywords: readonly string[];
  /** The syntax as the docs print it. */
  syntax: string;
  doc: string;
  /** A line that uses it, for docs and completion. */
  example: string;
  /** The manifest name the action refers to (the checker rejects undeclared ones). */
  ref?: ManifestRefKind;
  effect: EffectAction;
  effectFields: readonly string[];
}

export const ACTIONS: readonly ActionDef[] = [
  {
    name: 'send',
    keywords: ['send'],
    syntax: 'send <channel> "<template>" [{ param: expr, ... }]',
    doc: `Sends a message on a channel (${CHANNELS.join(', ')}) from a template declared for that channel in the manifest; the optional object gives the template's parameters as typed expressions.`,
    example: 'send email "welcome" { coupon: promo.code }',
    ref: 'template',
    effect: 'send',
    effectFields: ['channel', 'template', 'params'],
  },
  {
    name: 'webhook',
    keywords: ['webhook'],
    syntax: 'webhook <method> "<url>" [{ field: expr, ... }]',
    doc: `Calls an HTTP endpoint with a method (${WEBHOOK_METHODS.join(', ')}); the optional object is the JSON body, built from typed expressions.`,
    example: 'webhook post "https://hooks.example.com/order" { id: order.id, total: order.total }',
    effect: 'webhook',
    effectFields: ['method', 'url', 'body'],
  },
  {
    name: 'issue promo',
    keywords: ['issue', 'promo'],
    syntax: 'issue promo "<pool>"',
    doc: 'Issues the customer a promo code from a promo-code pool declared in the manifest.',
    example: 'issue promo "WELCOME10"',
    ref: 'promoPool',
    effect: 'promo',
    effectFields: ['pool'],
  },
  {
    name: 'award points',
    keywords: ['award'],
    syntax: 'award <amount> points to "<account>" [expires in <duration>]',
    doc: 'Awards loyalty points to a points account declared in the manifest; the amount is a number expression, and the points may expire after a duration.',
    example: 'award 100 points to "main" expires in 30d',
    ref: 'pointAccount',
    effect: 'points',
    effectFields: ['amount', 'account'],
  },
  {
    name: 'set field',
    keywords: ['set'],
    syntax: 'set customer.fields.<field> = <expr>',
    doc: "Sets a customer custom field declared in the manifest to the value of an expression of the field's type.",
    example: 'set customer.fields.tier = "gold"',
    ref: 'customerField',
    effect: 'set',
    effectFields: ['field', 'value'],
  },
  {
    name: 'add to segment',
    keywords: ['add', 'to', 'segment'],
    syntax: 'add to segment "<segment>"',
    doc: 'Adds the customer to a static segment declared in the manifest.',
    example: 'add to segment "vip"',
    ref: 'segment',
    effect: 'segment_add',
    effectFields: ['segment'],
  },
  {
    name: 'remove from segment',
    keywords: ['remove', 'from', 'segment'],
    syntax: 'remove from segment "<segment>"',
    doc: 'Removes the customer from a static segment declared in the manifest.',
    example: 'remove from segment "cart-abandoners"',
    ref: 'segment',
    effect: 'segment_remove',
    effectFields: ['segment'],
  },
];

const BY_NAME: ReadonlyMap<string, ActionDef> = new Map(ACTIONS.map((a) => [a.name, a]));

/** The action of that name ('send', 'add to segment'), or undefined. */
export function findAction(name: string): ActionDef | undefined {
  return BY_NAME.get(name);
}
