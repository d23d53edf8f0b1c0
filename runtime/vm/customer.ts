/**
 * `customer` as flows see it (stdlib/customer.ts), built from a profile of contracts.md:
 *
 *   {"id":"c1","email":"ann@example.com","emailStatus":"valid","phone":"+15550100","phoneStatus":"valid",
 *    "segments":["vip"],"subscriptions":[{"brand":"main","channel":"email","topic":null,"status":"subscribed"}],
 *    "mobilePush":true,"webPush":false,"fields":{"tier":"gold"}}
 *
 * becomes `customer.email.address / filled / valid / status` (and the same for `phone`),
 * `segments`, `mobilePush`, `webPush`, `fields`... and the methods `inSegment`, `subscription`,
 * `subscribed`.
 */
import { field, norm, type Value, type ValueObject } from './values.js';

/** A customer profile (contracts.md), as JSON. */
export interface CustomerProfile {
  id: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  emailStatus?: 'valid' | 'invalid' | 'unknown';
  phone?: string;
  phoneStatus?: 'valid' | 'invalid' | 'unknown';
  segments?: string[];
  zone?: string;
  subscriptions?: CustomerSubscription[];
  mobilePush?: boolean;
  webPush?: boolean;
  createdAt?: string;
  fields?: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface CustomerSubscription {
  brand: string;
  channel: string;
  topic?: string | null;
  status: 'subscribed' | 'pending' | 'unsubscribed';
}

const CONTACT_STATUSES = new Set(['valid', 'invalid', 'unknown']);

function contact(address: unknown, status: unknown): ValueObject {
  const a = typeof address === 'string' && address.trim() !== '' ? address : null;
  const s = typeof status === 'string' && CONTACT_STATUSES.has(status) ? status : 'unknown';
  return { address: a, filled: a !== null, valid: a !== null && s === 'valid', status: s };
}

// The last profile's view: the evaluations of one step (and of one entry check) read the same
// profile object over and over. Behind it, a view per profile object for as long as the profile
// lives (a scheduled flow's daily run over a segment evaluates each unchanged profile again).
let lastProfile: object | undefined;
const NO_PROFILE = Object.freeze({ id: '' });
let lastView: ValueObject | undefined;
const views = new WeakMap<object, ValueObject>();

/**
 * The `customer` value of a profile. Missing parts get the catalog's defaults: no email → not
 * filled, not valid, status `unknown`; no segments → `[]`; no push flags → false; no fields → `{}`.
 * Cached per profile object (profiles are treated as immutable: a changed profile is a
 * new object).
 */
export function customerView(input: unknown): ValueObject {
  const profile: object = input === null || typeof input !== 'object' || Array.isArray(input) ? NO_PROFILE : input;
  if (profile === lastProfile) return lastView!;
  const known = views.get(profile);
  if (known !== undefined) {
    lastProfile = profile;
    lastView = known;
    return known;
  }
  const p = profile as ValueObject;
  const str = (k: string): Value => {
    const v = field(p, k);
    return typeof v === 'string' ? v : null;
  };
  const bool = (k: string): boolean => field(p, k) === true;
  const segments = field(p, 'segments');
  const subscriptions = field(p, 'subscriptions');
  const fields = field(p, 'fields');
  const view: ValueObject = {
    id: str('id') ?? '',
    firstName: str('firstName'),
    lastName: str('lastName'),
    email: contact(field(p, 'email'), field(p, 'emailStatus')),
    phone: contact(field(p, 'phone'), field(p, 'phoneStatus')),
    segments: Array.isArray(segments) ? segments : [],
    zone: str('zone'),
    subscriptions: Array.isArray(subscriptions) ? subscriptions : [],
    mobilePush: bool('mobilePush'),
    webPush: bool('webPush'),
    createdAt: str('createdAt'),
    fields: fields !== null && typeof fields === 'object' && !Array.isArray(fields) ? fields : {},
  };
  lastProfile = profile;
  lastView = view;
  views.set(profile, view);
  return view;
}

/** `customer.inSegment(segment)`: member of the segment (exact name). */
export function inSegment(view: ValueObject, segment: Value): boolean {
  if (typeof segment !== 'string') return false;
  const segments = view['segments'];
  return Array.isArray(segments) && segments.includes(segment);
}

const RANK: ReadonlyMap<unknown, number> = new Map([
  ['unsubscribed', 0],
  ['pending', 1],
  ['subscribed', 2],
]);
const BY_RANK = ['unsubscribed', 'pending', 'subscribed'] as const;

/**
 * `customer.subscription(channel, brand: ..., topic: ...)`: `subscribed`, `pending` or
 * `unsubscribed`, from the profile's subscription records:
 * - `channel` must match;
 * - `brand`: the given one, else `defaultBrand` (the flow's brand), else any brand;
 * - `topic`: the record of that topic; without one, the channel's own record (topic null or absent);
 * - no matching record: `unsubscribed`; several (any brand): the most permissive status wins
 *   (subscribed over pending over unsubscribed).
 */
export function subscriptionStatus(view: ValueObject, channel: Value, brand: Value, topic: Value, defaultBrand: string | null): 'subscribed' | 'pending' | 'unsubscribed' {
  if (typeof channel !== 'string') return 'unsubscribed';
  const wantBrand = typeof brand === 'string' ? brand : defaultBrand;
  const wantTopic = typeof topic === 'string' ? topic : null;
  const subs = view['subscriptions'];
  if (!Array.isArray(subs)) return 'unsubscribed';
  let best = 0;
  for (const raw of subs) {
    const s = norm(raw);
    if (s === null || typeof s !== 'object' || Array.isArray(s)) continue;
    if (field(s, 'channel') !== channel) continue;
    if (wantBrand !== null && field(s, 'brand') !== wantBrand) continue;
    const t = field(s, 'topic');
    const recordTopic = typeof t === 'string' && t !== '' ? t : null;
    if (recordTopic !== wantTopic) continue;
    const status = field(s, 'status');
    const rank = RANK.get(status);
    if (rank !== undefined && rank > best) best = rank;
  }
  return BY_RANK[best]!;
}
