/**
 * Trigger matchers: does an incoming event launch a flow's `on <Event>(options)` trigger, how many
 * times, and with which bound context (seed 002's matching rules). One implementation per distinct
 * `matcher` name of stdlib/events.ts, parameterized by the event's `matcherArgs`, `regional` and
 * `referencePrice`; the catalog's `cardinality` decides how many launches one event may produce.
 * Browser-safe and pure: the caller owns persistence of `MatchState`.
 *
 * ## The event envelope (`TriggerEvent`)
 * The JSON event of docs/contracts (`type`, `customer`, `at`, context objects under their bound
 * names), plus optional fields the engine fills in from its store before matching:
 *
 * - `customerProfile`: the customer's current profile (after the event's `profile` update). Its
 *   `zone` drives the regional rules; `fields`, `segments`, `subscriptions`, `email`/`phone` (and
 *   the extra `emailConfirmation`/`phoneConfirmation`) are compared with `previous.customer`.
 * - Batches: `lines` (list lines touched by one list change / the customer's lines for the products
 *   of a feed change), `products` (several feed products changed at once), `views` (the customer's
 *   views of those products). Single-object events just use `item` / `product` / `view`.
 *   A list line with `quantity <= 0` in `lines` (or `item`) is a removed line.
 * - Subjects of events that bind no context: `segment` (SegmentEntered/Exited), `field`
 *   (CustomFieldChanged, Preferred* — the custom/calculated field concerned), `subscription`
 *   (SubscriptionStatusChanged), `campaign` (CampaignMessageStatus), `operation` (OperationCalled).
 * - `changedFields`: names of the custom fields (order or product) that this change touched, when
 *   the producer knows them; used when no earlier value is available to compare.
 * - `statusCategories`: project item status → category (`"shipped-to-door": "delivered"`); a status
 *   missing from it is its own category (`delivered`, `paid`, `cancelled`/`canceled`).
 * - `previous`: snapshots from before this event, where 002's rule compares with an earlier value:
 *   - `previous.order`: the order as stored before (order status, item statuses, custom fields) —
 *     OrderStatusChanged, OrderChanged, OrderItemDelivered/Paid;
 *   - `previous.orderCreatedItems`: ids of the items the order was created with (all_items scope);
 *   - `previous.item`: the bound item before (an order line, or a list line: absent = new line);
 *   - `previous.lines`: the customer's lines of the touched lists before a list change;
 *   - `previous.products`: feed data by product id before a feed change (price, available,
 *     regions, fields) — stock/price/field events, preferred-product events;
 *   - `previous.customer`: the profile before (email, phone, confirmations, segments,
 *     subscriptions, custom field values) — contact, segment, custom field, subscription events;
 *   - `previous.card`: the discount card before.
 *   Where a snapshot is missing the matcher falls back to what it remembers in `MatchState`.
 */
import type { EventDef } from './catalog-types.js';
import type {
  CustomParameters,
  CustomerAction,
  CustomerActionProduct,
  CustomerBalanceChange,
  CustomerSubscription,
  DiscountCardInfo,
  Order,
  OrderItem,
  Product,
  ProductListItem,
  ProductView,
  ProfileUpdate,
  PromoCode,
  Session,
} from '../schemas/index.js';
import { ORDER_MATCHERS } from './matchers/orders.js';
import { PRODUCT_MATCHERS } from './matchers/products.js';
import { CUSTOMER_MATCHERS } from './matchers/customer.js';
import { boundContext, cloneState } from './matchers/util.js';

export { boundContext };

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/**
 * A trigger option value as compiler/lower normalizes it: enum words and manifest names are
 * strings, numbers and booleans as written, a threshold is `{ percent }` (10%) or a plain number
 * (an amount, 5.00; `{ amount }` is accepted too), durations `{ durationMs }`, list-typed options
 * always arrays (a single value is accepted as a one-element list as well).
 */
export type OptionValue =
  | string
  | number
  | boolean
  | { percent: number }
  | { amount: number }
  | { durationMs: number }
  | OptionValue[];

/** A customer profile as the matchers read it (Customer + confirmation states). */
export interface CustomerSnapshot extends ProfileUpdate {
  /** `confirmed` | `unconfirmed`; absent/null = no confirmation data. */
  emailConfirmation?: 'confirmed' | 'unconfirmed' | null;
  phoneConfirmation?: 'confirmed' | 'unconfirmed' | null;
}

/** The subscription that changed (SubscriptionStatusChanged). */
export interface SubscriptionChange extends CustomerSubscription {
  /** The status was set implicitly (e.g. by a double opt-in rule), not by the customer. */
  implicit?: boolean;
  /** The status before; absent = look it up in `previous.customer.subscriptions`. */
  previousStatus?: string | null;
  previousImplicit?: boolean;
  /** The customer got the status as the primary profile of a merge (never fires). */
  viaMerge?: boolean;
}

export interface PreviousSnapshots {
  order?: Order;
  orderCreatedItems?: string[];
  item?: OrderItem | ProductListItem;
  lines?: ProductListItem[];
  products?: Record<string, Product>;
  customer?: CustomerSnapshot;
  card?: DiscountCardInfo;
}

export interface TriggerEvent {
  id?: string;
  type: string;
  customer: string;
  at: string;
  receivedAt?: string;
  brand?: string;
  profile?: ProfileUpdate;
  // context objects (stdlib/events.ts `binds`)
  order?: Order;
  item?: OrderItem | ProductListItem | CustomerActionProduct;
  product?: Product;
  action?: CustomerAction;
  view?: ProductView;
  session?: Session;
  promo?: PromoCode;
  balance?: CustomerBalanceChange;
  card?: DiscountCardInfo;
  params?: CustomParameters;
  // batches
  lines?: ProductListItem[];
  products?: Product[];
  views?: ProductView[];
  // supplied by the engine
  customerProfile?: CustomerSnapshot;
  statusCategories?: Record<string, string>;
  changedFields?: string[];
  // subjects of events that bind nothing
  segment?: string | string[];
  field?: string;
  subscription?: SubscriptionChange;
  campaign?: { name: string; status: 'generated' | 'sent' };
  operation?: string;
  previous?: PreviousSnapshots;
}

/** What one order's order matchers remember. */
export interface OrderTrack {
  /** Launches so far for this order (maxPerOrder). */
  fired?: number;
  /** orderStatus(scope: order): the last seen order status. */
  status?: string;
  /** Last seen status per item id (orderStatus item scopes). */
  itemStatuses?: Record<string, string>;
  /** all_items: the items the order was created with. */
  created?: string[];
  /** all_items: created items that transitioned to the status since the last launch. */
  reached?: string[];
  /** all_items: a created item was cancelled, so the order never launches. */
  cancelled?: boolean;
  /** itemStatus: a fingerprint of each item as last seen (status, price, quantity, fields...). */
  items?: Record<string, string>;
  /** orderChange: the selected custom fields as last seen (JSON text per field). */
  fields?: Record<string, string>;
  /** orderChange(any change): a fingerprint of the whole order as last seen. */
  print?: string;
}

/** What a product matcher remembers per product id (its resolved regional/main feed data). */
export interface ProductTrack {
  /** null = no availability data. */
  available?: boolean | null;
  /** null = no price data. */
  price?: number | null;
  /** The watched custom fields (JSON text per field; missing = no value). */
  fields?: Record<string, string>;
  /** preferredProductChange: fingerprint of the whole product. */
  print?: string;
}

/**
 * Per (flow, trigger, customer) state; plain JSON. `{}` to start. Order matchers keep one entry per
 * order id under `orders`, product matchers one per product id under `products`, so the engine may
 * store it per customer or per order alike.
 */
export interface MatchState {
  orders?: Record<string, OrderTrack>;
  products?: Record<string, ProductTrack>;
}

export interface Launch {
  /** The bound context for this launch (the event's `binds`, with the matching item/product). */
  context: Record<string, unknown>;
  /** Stable id of this launch within the event: `once`, `batch`, `item:<order>/<id>`, `product:<id>`. */
  key: string;
}

export interface MatchResult {
  fires: Launch[];
  state: MatchState;
  /** Why it did not fire (trigger_mismatch records). */
  reason?: string;
}

/** What an implementation receives. It may mutate `state` (a private copy). */
export interface MatcherInput {
  def: EventDef;
  options: Readonly<Record<string, OptionValue>>;
  event: TriggerEvent;
  state: MatchState;
  args: Readonly<Record<string, string | number | boolean>>;
}

/** Candidate launches (cardinality is applied by matchTrigger) or the reason for none. */
export interface MatcherOutput {
  launches: Launch[];
  reason?: string;
}

export type Matcher = (input: MatcherInput) => MatcherOutput;

// ---------------------------------------------------------------------------------------------
// Registry and entry point
// ---------------------------------------------------------------------------------------------

/** `simple`: the event type alone decides. */
const simple: Matcher = ({ def, event }) => ({
  launches: [{ context: boundContext(def, event), key: 'once' }],
});

/** Every matcher, by the `matcher` name of stdlib/events.ts. */
export const MATCHERS: Readonly<Record<string, Matcher>> = {
  simple,
  ...ORDER_MATCHERS,
  ...PRODUCT_MATCHERS,
  ...CUSTOMER_MATCHERS,
};

/** The state to start a trigger with. */
export function initialMatchState(): MatchState {
  return {};
}

/**
 * Whether `event` launches the trigger `def(options)`, how many times, and with what context.
 * `state` is not modified; the returned `state` replaces it (also when nothing fired).
 */
export function matchTrigger(def: EventDef, options: Record<string, OptionValue>, event: TriggerEvent, state: MatchState): MatchResult {
  const next = cloneState(state);
  if (event.type !== def.name) return { fires: [], state: next, reason: `event ${event.type} is not ${def.name}` };
  const impl = MATCHERS[def.matcher];
  if (!impl) return { fires: [], state: next, reason: `no matcher named ${def.matcher}` };
  const out = impl({ def, options, event, state: next, args: def.matcherArgs ?? {} });
  let fires: Launch[];
  if (def.cardinality === 'once' || def.cardinality === 'once_per_batch') {
    fires = out.launches.slice(0, 1);
  } else {
    const seen = new Set<string>();
    fires = out.launches.filter((l) => (seen.has(l.key) ? false : (seen.add(l.key), true)));
  }
  if (fires.length > 0) return { fires, state: next };
  return { fires, state: next, reason: out.reason ?? `${def.name} did not match` };
}
