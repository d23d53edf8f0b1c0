/**
 * The `customer` value every flow can read: the profile of contracts.md seen the way the entry
 * filter of 002 talks about it (email filled / valid, segments, subscriptions, push permissions).
 */
import { T, type Field, type Type } from './types.js';

/** `customer.email` / `customer.phone`: the address and its status, as the entry filter reads them. */
function contact(what: string, address: Field | undefined, status: Field | undefined): Type {
  const statusType = status?.type.kind === 'enum' ? status.type : T.enumOf(['valid', 'invalid', 'unknown'], 'ContactStatus');
  return T.objectOf(
    {
      address: { type: address?.type ?? T.string, optional: true, doc: address?.doc ?? `The customer's ${what}.` },
      filled: { type: T.boolean, optional: false, doc: `True when the customer has an ${what}.` },
      valid: { type: T.boolean, optional: false, doc: `True when the ${what} is filled and its status is valid.` },
      status: { type: statusType, optional: false, doc: status?.doc ?? `The ${what} status: valid, invalid or unknown.` },
    },
    'Contact',
  );
}

export const SUBSCRIPTION_STATUS = T.enumOf(['subscribed', 'pending', 'unsubscribed'], 'SubscriptionStatus');
export const SUBSCRIPTION_CHANNELS = ['email', 'sms', 'push', 'webpush', 'whatsapp', 'viber'] as const;
export const CHANNEL = T.enumOf(SUBSCRIPTION_CHANNELS, 'Channel');

/**
 * The `customer` of the language, derived from the profile's type (schemas/context/Customer.schema.json,
 * custom fields merged): `email` + `emailStatus` become `customer.email.{address, filled, valid,
 * status}`, the same for the phone; subscriptions are read through the methods below.
 */
export function customerView(profile: Type): Type {
  if (profile.kind !== 'object') return profile;
  const f = profile.fields;
  const fields: Record<string, Field> = {};
  for (const [key, field] of Object.entries(f)) {
    if (key === 'emailStatus' || key === 'phoneStatus' || key === 'subscriptions') continue;
    if (key === 'email' || key === 'phone') {
      const what = key === 'email' ? 'email address' : 'mobile phone number';
      fields[key] = { type: contact(what, field, f[`${key}Status`]), optional: false, doc: `${field.doc ?? what} Filled, valid and status too.` };
    } else fields[key] = field;
  }
  return T.objectOf(fields, 'Customer');
}

/** Methods callable on `customer`: `customer.inSegment("vip")`. */
export interface MethodParam {
  name: string;
  type: Type;
  optional?: boolean;
  /** The argument names a manifest entry: checked against that list. */
  ref?: 'segment' | 'brand' | 'topic';
  /** Only as `name: value`. */
  named?: boolean;
}
export interface MethodDef {
  name: string;
  params: MethodParam[];
  returns: Type;
  doc: string;
}

export const CUSTOMER_METHODS: readonly MethodDef[] = [
  {
    name: 'inSegment',
    params: [{ name: 'segment', type: T.string, ref: 'segment' }],
    returns: T.boolean,
    doc: 'True when the customer belongs to the segment (declared in runnel.json).',
  },
  {
    name: 'subscription',
    params: [
      { name: 'channel', type: CHANNEL },
      { name: 'brand', type: T.string, optional: true, named: true, ref: 'brand' },
      { name: 'topic', type: T.string, optional: true, named: true, ref: 'topic' },
    ],
    returns: SUBSCRIPTION_STATUS,
    doc: 'The subscription status in a channel (and optionally a brand and topic): subscribed, pending or unsubscribed.',
  },
  {
    name: 'subscribed',
    params: [
      { name: 'channel', type: CHANNEL },
      { name: 'brand', type: T.string, optional: true, named: true, ref: 'brand' },
      { name: 'topic', type: T.string, optional: true, named: true, ref: 'topic' },
    ],
    returns: T.boolean,
    doc: 'True when the customer is subscribed in the channel (and optionally the brand and topic).',
  },
];

/** Customer fields the entry filter may read (002: email, phone, segment, subscription, mobile app, device). */
export const ENTRY_FILTER_FIELDS: ReadonlySet<string> = new Set(['email', 'phone', 'segments', 'mobilePush', 'webPush']);
