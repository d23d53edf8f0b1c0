/**
 * The shape of the event catalog: what the checker reads to type a trigger, and what the runtime
 * reads to match a payload. One entry per event of the reference product (seed 002).
 */

/** Names under which an event binds its context ("event parameters" in 002). */
export type ContextName =
  | 'order'
  | 'item'
  | 'product'
  | 'action'
  | 'view'
  | 'session'
  | 'promo'
  | 'balance'
  | 'card'
  | 'params';

/** The JSON Schemas under schemas/context/ (file `<name>.schema.json`). */
export type ContextTypeName =
  | 'Order'
  | 'OrderItem'
  | 'Product'
  | 'ProductListItem'
  | 'ProductView'
  | 'Session'
  | 'CustomerAction'
  | 'CustomerActionProduct'
  | 'CustomerBalanceChange'
  | 'PromoCode'
  | 'DiscountCardInfo'
  | 'CustomParameters';

/** Names declared in runnel.json that an option may refer to. */
export type ManifestRefKind =
  | 'segment'
  | 'productSegment'
  | 'template' // a message template; the option's `channel` says which list
  | 'actionTemplate'
  | 'customerField'
  | 'orderField'
  | 'productField'
  | 'calculatedField'
  | 'operation'
  | 'pointAccount'
  | 'promoPool'
  | 'brand'
  | 'campaign'
  | 'topic'
  | 'budget';

/** The type of a trigger option value. */
export type OptionType =
  | { kind: 'enum'; values: readonly string[] } // written as bare words: status: paid
  | { kind: 'string' }
  | { kind: 'number'; integer?: boolean; min?: number; max?: number }
  | { kind: 'boolean' }
  | { kind: 'threshold' } // a price change: 10% or 5.00
  | { kind: 'duration' }
  // a quoted name declared in the manifest; `also`: other kinds of names accepted in the same place
  // (CustomFieldChanged's field may be a customer custom field or a calculated field)
  | { kind: 'ref'; ref: ManifestRefKind; channel?: string; also?: readonly ManifestRefKind[] }
  | { kind: 'list'; of: OptionType }; // [a, b] or a single value

export interface EventOption {
  name: string;
  type: OptionType;
  required?: boolean;
  /** The default, as the product does it, in words for the docs and hovers. */
  default?: string;
  doc: string;
}

/** How many times one payload launches the flow (002). */
export type Cardinality =
  | 'once' // one launch per event
  | 'per_item' // one per order item that matches (OrderItemDelivered, OrderItemPaid)
  | 'per_product' // one per list/viewed product that matches
  | 'once_per_batch'; // several simultaneous changes fire once (ProductListChanged)

/** The sections of 002, in its order. */
export type EventCategory =
  | 'customer_action'
  | 'order'
  | 'segment'
  | 'profile'
  | 'list_product'
  | 'viewed_product'
  | 'loyalty'
  | 'campaign'
  | 'other';

/** The price a price-change event compares the new price with (002). */
export type ReferencePrice =
  | 'list' // the price saved on the customer's list line when the product was added
  | 'view' // the price recorded when the customer viewed the product
  | 'previous'; // the product's previous Price value (not the "Old price" field)

export interface EventDef {
  /** The name in the language: NewOrder. */
  name: string;
  category: EventCategory;
  /** The reference product's name for it: "New order". */
  title: string;
  /** One or two sentences for hovers and docs, from 002. */
  doc: string;
  options: readonly EventOption[];
  /** The context values the event binds, by name. */
  binds: Readonly<Partial<Record<ContextName, ContextTypeName>>>;
  /** Which bound contexts a dynamic wait (`wait until`) may read dates from. */
  dynamicWaits: readonly ContextName[];
  cardinality: Cardinality;
  /** Backdated events: 'relevance' = accepted within the step relevance window (002);
   * 'latest_only' = also only if no later change of the same order arrived; 'no' = not accepted. */
  backdated: 'relevance' | 'latest_only' | 'no';
  /** Name of the runtime matcher that decides whether a payload fires (the engine implements one per name). */
  matcher: string;
  /** Fixed arguments for the matcher, so mirror events share one matcher:
   * { direction: 'drop' | 'rise' } for price changes, { to: 'in_stock' | 'out_of_stock' } for stock. */
  matcherArgs?: Readonly<Record<string, string | number | boolean>>;
  /** Product events that follow the regional availability rules of 002 (customer zone vs feed). */
  regional?: boolean;
  /** Price-change events: what the new price is compared with. */
  referencePrice?: ReferencePrice;
  /** Marked in 002 as suitable for transactional flows with guaranteed send speed. */
  transactional?: boolean;
}
