/**
 * Matchers of customer actions, sessions, segments, profile changes, loyalty, campaigns and
 * operations: each reads the event's context (or the subject fields of the envelope) against the
 * trigger options.
 */
import type { CustomerSnapshot, Matcher, MatcherInput, MatcherOutput } from '../matchers.js';
import { boundContext, isBlank, isRec, none, optBool, optStr, optStrList, stableJson } from './util.js';

const fire = (input: MatcherInput): MatcherOutput => ({ launches: [{ context: boundContext(input.def, input.event), key: 'once' }] });

/** `value` is in the list option, or the option is not set (= all). */
function inOption(input: MatcherInput, option: string, value: unknown, what: string): string | undefined {
  const wanted = optStrList(input.options[option]);
  if (!wanted || wanted.length === 0) return undefined;
  return typeof value === 'string' && wanted.includes(value) ? undefined : `${what} ${String(value)} is not one of ${wanted.join(', ')}`;
}

function equalsOption(input: MatcherInput, option: string, value: unknown, what: string): string | undefined {
  const wanted = optStr(input.options[option]);
  if (wanted === undefined) return undefined;
  return value === wanted ? undefined : `${what} ${String(value)} is not ${wanted}`;
}

const check = (input: MatcherInput, ...reasons: Array<string | undefined>): MatcherOutput => {
  const r = reasons.find((x) => x !== undefined);
  return r ? none(r) : fire(input);
};

// ---------- customer actions ----------

const actionTemplate: Matcher = (input) => {
  if (!input.event.action) return none('the event carries no action');
  return check(input, inOption(input, 'templates', input.event.action.template, 'action template'));
};

const session: Matcher = (input) => {
  const s = input.event.session;
  if (!s) return none('the event carries no session');
  const actions = optStrList(input.options['actions']);
  if (actions && actions.length > 0 && !(s.actions ?? []).some((a) => actions.includes(a))) {
    return none(`the session had none of the actions ${actions.join(', ')}`);
  }
  const withOrder = optStr(input.options['withOrder']) ?? 'any';
  if (withOrder === 'yes' && s.hasOrder !== true) return none('no order was placed during the session');
  if (withOrder === 'no' && s.hasOrder === true) return none('an order was placed during the session');
  return fire(input);
};

// ---------- segments ----------

const segmentChange: Matcher = (input) => {
  const { event, options, args } = input;
  const segment = optStr(options['segment']);
  if (segment === undefined) return none('no segment selected');
  const entered = args['direction'] !== 'exited';
  let subjects: string[];
  if (event.segment !== undefined) subjects = Array.isArray(event.segment) ? event.segment : [event.segment];
  else {
    const now = event.customerProfile?.segments ?? [];
    const before = event.previous?.customer?.segments ?? [];
    subjects = entered ? now.filter((s) => !before.includes(s)) : before.filter((s) => !now.includes(s));
  }
  return subjects.includes(segment) ? fire(input) : none(`the customer did not ${entered ? 'enter' : 'exit'} segment ${segment}`);
};

// ---------- profile ----------

/**
 * EmailChanged / PhoneChanged (matcherArgs.contact): the address changed from one to another (not
 * filled in, wiped, or set at creation). withConfirmation: also a confirmation state moving to
 * unconfirmed (from confirmed or no data); becoming confirmed never counts.
 */
const contactChange: Matcher = (input) => {
  const { event, args } = input;
  const contact = args['contact'] === 'phone' ? 'phone' : 'email';
  const conf = contact === 'phone' ? 'phoneConfirmation' : 'emailConfirmation';
  const now: CustomerSnapshot = { ...(event.customerProfile ?? {}), ...(event.profile ?? {}) };
  const before = event.previous?.customer;
  if (!before) return none(`no earlier ${contact} to compare with`);
  const a = before[contact];
  const b = now[contact];
  if (!isBlank(a) && !isBlank(b) && a !== b) return fire(input);
  if (optBool(input.options['withConfirmation']) === true) {
    const ca = before[conf] ?? null;
    const cb = now[conf] ?? null;
    if (cb === 'unconfirmed' && ca !== 'unconfirmed' && !isBlank(b)) return fire(input);
  }
  return none(isBlank(a) ? `${contact} was filled in, not changed` : isBlank(b) ? `${contact} was wiped` : `${contact} did not change`);
};

/** CustomFieldChanged: the selected customer custom or calculated field was filled, changed or wiped. */
const customFieldChange: Matcher = (input) => {
  const { event } = input;
  const field = optStr(input.options['field']);
  if (field === undefined) return none('no field selected');
  if (event.field !== undefined && event.field !== field) return none(`field ${event.field} is not ${field}`);
  const beforeFields = event.previous?.customer?.fields;
  if (beforeFields) {
    const now = { ...(event.customerProfile?.fields ?? {}), ...(event.profile?.fields ?? {}) };
    if (stableJson(beforeFields[field]) === stableJson(now[field])) return none(`field ${field} did not change`);
    return fire(input);
  }
  if (event.field === field || event.changedFields?.includes(field)) return fire(input);
  return none(`no earlier value of ${field} to compare with`);
};

/**
 * SubscriptionStatusChanged: the subscription of the channel (brand, topic) got the status: by a
 * transition, at creation, or again after leaving it; not an implicit status becoming explicit, not
 * through a merge.
 */
const subscriptionStatus: Matcher = (input) => {
  const { event, options } = input;
  const channel = optStr(options['channel']);
  const status = optStr(options['status']);
  const brand = optStr(options['brand']);
  const topic = optStr(options['topic']) ?? null;
  const same = (s: { brand?: string; channel?: string; topic?: string | null }): boolean =>
    s.channel === channel && (s.topic ?? null) === topic && (brand === undefined || s.brand === brand);
  let sub = event.subscription;
  if (!sub) {
    sub = (event.customerProfile?.subscriptions ?? []).find(same);
    if (!sub) return none(`no ${channel} subscription${topic ? ` for topic ${topic}` : ''} in the event`);
  }
  if (!same(sub)) {
    return none(`subscription ${sub.brand}/${sub.channel}${sub.topic ? `/${sub.topic}` : ''} is not the selected one`);
  }
  if (sub.status !== status) return none(`subscription status is ${sub.status}, not ${status}`);
  if (sub.viaMerge) return none('the status came with a merge');
  const prevSub = (event.previous?.customer?.subscriptions ?? []).find((s) => same(s) && s.brand === sub!.brand);
  const prevStatus = sub.previousStatus !== undefined ? sub.previousStatus : prevSub?.status;
  if (prevStatus === status) {
    const prevImplicit = sub.previousImplicit ?? (prevSub as { implicit?: boolean } | undefined)?.implicit;
    return none(prevImplicit && !sub.implicit ? 'an implicit status became explicit' : `the subscription was already ${status}`);
  }
  return fire(input);
};

// ---------- loyalty ----------

const balanceNegative: Matcher = (input) => {
  const b = input.event.balance;
  if (!b) return none('the event carries no balance change');
  const r = equalsOption(input, 'account', b.account, 'account');
  if (r) return none(r);
  return typeof b.balance === 'number' && b.balance < 0 ? fire(input) : none(`the balance is ${String(b.balance)}, not negative`);
};

const pointsAvailable: Matcher = (input) => {
  const b = input.event.balance;
  if (!b) return none('the event carries no balance change');
  return check(input, equalsOption(input, 'account', b.account, 'account'));
};

const balanceChange: Matcher = (input) => {
  const b = input.event.balance;
  if (!b) return none('the event carries no balance change');
  return check(input, equalsOption(input, 'account', b.account, 'account'), inOption(input, 'kinds', b.kind, 'balance change kind'));
};

const PROMO_ISSUED_KINDS = ['single_use', 'referral'];
const promoIssued: Matcher = (input) => {
  const p = input.event.promo;
  if (!p) return none('the event carries no promo code');
  const kinds = optStrList(input.options['kinds']) ?? PROMO_ISSUED_KINDS;
  const kindReason = p.kind === undefined && input.options['kinds'] === undefined ? undefined : kinds.includes(p.kind ?? '') ? undefined : `promo code kind ${String(p.kind)} is not one of ${kinds.join(', ')}`;
  return check(input, inOption(input, 'pools', p.pool, 'promo pool'), kindReason);
};

const cardStatus: Matcher = (input) => {
  const c = input.event.card;
  if (!c) return none('the event carries no discount card');
  const r = inOption(input, 'statuses', c.status, 'card status');
  if (r) return none(r);
  const prev = input.event.previous?.card;
  if (prev && prev.number === c.number && prev.status === c.status) return none(`the card was already ${c.status}`);
  return fire(input);
};

// ---------- campaigns, operations ----------

const campaignStatus: Matcher = (input) => {
  const c = input.event.campaign;
  if (!isRec(c)) return none('the event carries no campaign');
  return check(input, equalsOption(input, 'campaign', c.name, 'campaign'), equalsOption(input, 'status', c.status, 'message status'));
};

const operation: Matcher = (input) => {
  if (input.event.operation === undefined) return none('the event names no operation');
  return check(input, equalsOption(input, 'operation', input.event.operation, 'operation'));
};

export const CUSTOMER_MATCHERS: Readonly<Record<string, Matcher>> = {
  actionTemplate,
  session,
  segmentChange,
  contactChange,
  customFieldChange,
  subscriptionStatus,
  balanceNegative,
  pointsAvailable,
  balanceChange,
  promoIssued,
  cardStatus,
  campaignStatus,
  operation,
};
