/**
 * The `customer` value every flow can read: the profile of contracts.md seen the way the entry
 * filter of 002 talks about it (email filled / valid, segments, subscriptions, push permissions).
 */
import { T, type Field, type Type } from './types.js';

const contact = (what: string): Type =>
  T.objectOf(
    {
      address: { type: T.string, optional: true, doc: `The customer's ${what}.` },
      filled: { type: T.boolean, optional: false, doc: `True when the customer has an ${what}.` },
      valid: { type: T.boolean, optional: false, doc: `True when the ${what} is filled and its status is valid.` },
      status: {
        type: T.enumOf(['valid', 'invalid', 'unknown'], 'ContactStatus'),
        optional: false,
        doc: `The ${what} status: valid, invalid or unknown.`,
      },
    },
    'Contact',
  );

export const SUBSCRIPTION_STATUS = T.enumOf(['subscribed', 'pending', 'unsubscribed'], 'SubscriptionStatus');
export const SUBSCRIPTION_CHANNELS = ['email', 'sms', 'push', 'webpush', 'whatsapp', 'viber'] as const;
export const CHANNEL = T.enumOf(SUBSCRIPTION_CHANNELS, 'Channel');

/** Builds the customer type with the manifest's custom fields under `fields`. */
export function customerType(customFields: Record<string, Field>): Type {
  return T.objectOf(
    {
      id: { type: T.string, optional: false, doc: 'The customer id.' },
      firstName: { type: T.string, optional: true, doc: 'First name.' },
      lastName: { type: T.string, optional: true, doc: 'Last name.' },
      email: { type: contact('email address'), optional: false, doc: 'Email address and its status.' },
      phone: { type: contact('mobile phone number'), optional: false, doc: 'Mobile phone and its status.' },
      segments: { type: T.arrayOf(T.string), optional: false, doc: 'Segments the customer belongs to.' },
      zone: { type: T.string, optional: true, doc: 'Region, for regional product availability.' },
      mobilePush: { type: T.boolean, optional: false, doc: 'Has an app with permission to receive mobile push.' },
      webPush: { type: T.boolean, optional: false, doc: 'Has a device with permission to receive web push.' },
      fields: { type: T.objectOf(customFields, 'CustomerFields'), optional: false, doc: 'Custom fields declared in runnel.json.' },
    },
    'Customer',
  );
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
