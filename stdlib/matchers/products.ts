/**
 * Product matchers: list lines (listLineAdded, listChanged), feed changes of list and viewed
 * products (stock, price, custom fields; regional rules), preferred products, product actions.
 */
import type { Launch, Matcher, MatcherInput, ProductTrack } from '../matchers.js';
import {
  boundContext,
  describeThreshold,
  findProduct,
  isRec,
  meetsThreshold,
  none,
  optStr,
  optStrList,
  optThreshold,
  productSegmentsPass,
  productsOf,
  resolveFeed,
  stableJson,
  type Feed,
  type Rec,
} from './util.js';

// ---------- list lines ----------

function linesOf(input: MatcherInput): Rec[] {
  const { event } = input;
  if (event.lines) return event.lines.filter(isRec) as unknown as Rec[];
  return isRec(event.item) ? [event.item as Rec] : [];
}

const sameLine = (a: Rec, b: Rec): boolean => a['productId'] === b['productId'] && (a['list'] ?? null) === (b['list'] ?? null);
const qty = (l: Rec | undefined): number => (typeof l?.['quantity'] === 'number' ? (l['quantity'] as number) : 0);
const lineKey = (l: Rec): string => `${String(l['list'] ?? '')}/${String(l['productId'] ?? '')}`;

/** The line before this change: `previous.lines`, else `previous.item`; undefined = no such line. `known` = a snapshot was supplied. */
function lineBefore(input: MatcherInput, line: Rec): { known: boolean; line: Rec | undefined } {
  const prev = input.event.previous;
  if (prev?.lines) return { known: true, line: (prev.lines as unknown as Rec[]).find((l) => sameLine(l, line)) };
  if (isRec(prev?.item) && sameLine(prev.item as Rec, line)) return { known: true, line: prev.item as Rec };
  return { known: false, line: undefined };
}

/** ProductAddedToList: one launch per new line; a quantity increase on an existing line does not count. */
const listLineAdded: Matcher = (input) => {
  const { def, event } = input;
  const launches: Launch[] = [];
  const reasons: string[] = [];
  for (const line of linesOf(input)) {
    if (qty(line) <= 0) {
      reasons.push(`line ${lineKey(line)} was removed`);
      continue;
    }
    const before = lineBefore(input, line);
    if (before.line && qty(before.line) > 0) {
      reasons.push(`product ${String(line['productId'])} was already on the list (quantity change)`);
      continue;
    }
    const product = findProduct(event, line['productId']);
    launches.push({ context: boundContext(def, event, { item: line, product }), key: `product:${String(line['productId'])}` });
  }
  return launches.length ? { launches } : none(reasons.join('; ') || 'no list line in the event');
};

/** ProductListChanged: once per batch when a line was added or changed; never on removals or clearing. */
const listChanged: Matcher = (input) => {
  const { def, event } = input;
  const lines = linesOf(input);
  if (lines.length === 0) return none('no list line in the event');
  const removed = [...lines.filter((l) => qty(l) <= 0)];
  if (removed.length > 0) return none(`a line was removed (${removed.map(lineKey).join(', ')})`);
  const changed = lines.filter((l) => {
    const before = lineBefore(input, l);
    if (!before.known) return true;
    if (!before.line || qty(before.line) <= 0) return true;
    return ['quantity', 'total', 'price'].some((k) => before.line![k] !== l[k]);
  });
  if (changed.length === 0) return none('no line was added or changed');
  const first = changed[0]!;
  return { launches: [{ context: boundContext(def, event, { item: first, product: findProduct(event, first['productId']) }), key: 'batch' }] };
};

// ---------- feed changes of list / viewed products ----------

type Anchor = 'list' | 'view';

interface Subject {
  product: Rec;
  id: string;
  /** The list line or the view the product is on. */
  anchor: Rec;
  feed: Feed;
  /** The feed data before (undefined values = no data); `known` = a snapshot or remembered state. */
  before: { known: boolean; available: boolean | undefined; price: number | undefined; fields: Rec | undefined };
  track: ProductTrack;
}

const zoneOf = (input: MatcherInput): string | undefined => input.event.customerProfile?.zone ?? input.event.profile?.zone;

/**
 * The event's products with the customer's line/view for each (the product must be on the list /
 * viewed), their regional feed data now and before, and their remembered state.
 */
function subjects(input: MatcherInput, anchor: Anchor | 'none', reasons: string[]): Subject[] {
  const { event, def, options } = input;
  const zone = zoneOf(input);
  const regional = def.regional === true;
  const anchors: Rec[] =
    anchor === 'list' ? linesOf(input) : anchor === 'view' ? ((event.views ?? (event.view ? [event.view] : [])) as unknown as Rec[]) : [];
  const out: Subject[] = [];
  for (const product of productsOf(input.event)) {
    const id = String(product['id'] ?? '');
    let a: Rec | undefined = {};
    if (anchor !== 'none') {
      a = anchors.find((x) => x['productId'] === id && (anchor !== 'list' || qty(x) > 0));
      if (!a) {
        reasons.push(`product ${id} is not on the customer's ${anchor === 'list' ? 'list' : 'viewed products'}`);
        continue;
      }
    }
    const seg = productSegmentsPass(options, product);
    if (seg) {
      reasons.push(seg);
      continue;
    }
    const feed = resolveFeed(product, zone, regional);
    const products = (input.state.products ??= {});
    const track = (products[id] ??= {});
    const prevProduct = event.previous?.products?.[id] as unknown as Rec | undefined;
    let before: Subject['before'];
    if (isRec(prevProduct)) {
      const pf = resolveFeed(prevProduct, zone, regional);
      before = pf.excluded
        ? { known: true, available: undefined, price: undefined, fields: isRec(prevProduct['fields']) ? prevProduct['fields'] : {} }
        : { known: true, available: pf.available, price: pf.price, fields: isRec(prevProduct['fields']) ? prevProduct['fields'] : {} };
    } else {
      before = {
        known: 'available' in track || 'price' in track || 'fields' in track,
        available: track.available ?? undefined,
        price: track.price ?? undefined,
        fields: undefined,
      };
    }
    // remember what the customer sees now
    if (!feed.excluded) {
      track.available = feed.available ?? null;
      track.price = feed.price ?? null;
    } else {
      track.available = null;
      track.price = null;
    }
    if (feed.excluded) {
      reasons.push(`product ${id} has regional data but none for zone ${zone ?? ''}`);
      continue;
    }
    out.push({ product, id, anchor: a, feed, before, track });
  }
  if (out.length === 0 && reasons.length === 0) reasons.push('no product in the event');
  return out;
}

function anchorContext(anchor: Anchor | 'none', s: Subject): Record<string, unknown> {
  if (anchor === 'list') return { item: s.anchor, product: s.product };
  if (anchor === 'view') return { view: s.anchor, product: s.product };
  return { product: s.product };
}

/** Back in stock / out of stock (matcherArgs.to), every time, per product. */
const stock =
  (anchor: Anchor): Matcher =>
  (input) => {
    const to = input.args['to'] === 'out_of_stock' ? false : true;
    const reasons: string[] = [];
    const launches: Launch[] = [];
    for (const s of subjects(input, anchor, reasons)) {
      if (s.feed.excluded) continue;
      const now = s.feed.available;
      if (now !== to) {
        reasons.push(`product ${s.id} is ${now === undefined ? 'without availability data' : now ? 'in stock' : 'out of stock'}`);
        continue;
      }
      // "previously out of stock — or had no availability data": anything but the target state before
      if (s.before.available === to) {
        reasons.push(`product ${s.id} was already ${to ? 'in stock' : 'out of stock'}`);
        continue;
      }
      launches.push({ context: boundContext(input.def, input.event, anchorContext(anchor, s)), key: `product:${s.id}` });
    }
    return launches.length ? { launches } : none(reasons.join('; '));
  };

/**
 * A price change of at least the threshold against the reference price (the saved list price, the
 * price at view time, or the previous feed price), in `matcherArgs.direction`. Every time (further
 * drops, a new drop after a rise), never on a price being filled in (no earlier price data).
 *
 * "Filled in" means the product is KNOWN to have had no price before (a `previous.products`
 * snapshot, or the remembered state, without a price). When nothing is known about the price before
 * (no snapshot, nothing remembered: e.g. the first event of a list product), a list/view trigger
 * still decides on its own reference, the saved list price / the price at view time (seed 002: "the
 * flow compares whether the current price has dropped below the price the customer saved the
 * product at"); only the previous-price triggers (preferred product) need the earlier price.
 * When the earlier price is known, the price must have moved in the trigger's direction.
 */
const priceChange =
  (anchor: Anchor | 'none'): Matcher =>
  (input) => {
    const direction = input.args['direction'] === 'rise' ? 'rise' : 'drop';
    const threshold = optThreshold(input.options['by']);
    if (!threshold) return none('no price threshold (`by`)');
    const reasons: string[] = [];
    const launches: Launch[] = [];
    for (const s of subjects(input, anchor, reasons)) {
      if (s.feed.excluded) continue;
      const now = s.feed.price;
      const before = s.before.price;
      const fromPrevious = input.def.referencePrice === 'previous' || anchor === 'none';
      if (now === undefined) {
        reasons.push(`product ${s.id} has no price`);
        continue;
      }
      if (before === undefined) {
        if (s.before.known) {
          reasons.push(`product ${s.id}: price filled in (no earlier price)`);
          continue;
        }
        if (fromPrevious) {
          reasons.push(`product ${s.id}: no earlier price to compare with`);
          continue;
        }
      } else if (direction === 'drop' ? !(now < before) : !(now > before)) {
        reasons.push(`product ${s.id}: price did not ${direction} (${before} → ${now})`);
        continue;
      }
      const ref = fromPrevious ? before : (s.anchor['price'] as number | undefined);
      if (typeof ref !== 'number') {
        reasons.push(`product ${s.id}: no reference price`);
        continue;
      }
      if (!meetsThreshold(threshold, ref, now, direction)) {
        reasons.push(`product ${s.id}: ${ref} → ${now} is less than ${describeThreshold(threshold)}`);
        continue;
      }
      launches.push({ context: boundContext(input.def, input.event, anchorContext(anchor, s)), key: `product:${s.id}` });
    }
    return launches.length ? { launches } : none(reasons.join('; '));
  };

/** Selected product custom fields filled, changed or removed; several at once fire once per product. */
const fieldChange =
  (anchor: Anchor): Matcher =>
  (input) => {
    const fields = optStrList(input.options['fields']) ?? [];
    if (fields.length === 0) return none('no fields selected');
    const reasons: string[] = [];
    const launches: Launch[] = [];
    for (const s of subjects(input, anchor, reasons)) {
      const cur = isRec(s.product['fields']) ? s.product['fields'] : {};
      const nowPrints = Object.fromEntries(fields.map((f) => [f, stableJson(cur[f])]));
      const before: Record<string, string> | undefined = s.before.fields
        ? Object.fromEntries(fields.map((f) => [f, stableJson(s.before.fields![f])]))
        : s.track.fields;
      s.track.fields = nowPrints;
      let changed: boolean;
      if (before) changed = fields.some((f) => before[f] !== nowPrints[f]);
      else if (input.event.changedFields) changed = fields.some((f) => input.event.changedFields!.includes(f));
      else {
        reasons.push(`product ${s.id}: no earlier field values to compare with`);
        continue;
      }
      if (!changed) {
        reasons.push(`product ${s.id}: none of ${fields.join(', ')} changed`);
        continue;
      }
      launches.push({ context: boundContext(input.def, input.event, anchorContext(anchor, s)), key: `product:${s.id}` });
    }
    return launches.length ? { launches } : none(reasons.join('; '));
  };

// ---------- preferred product (a product stored in a customer calculated field) ----------

/** Whether the event concerns the selected calculated field: `event.field`, else the customer's field holds the product. */
function preferredFieldReason(input: MatcherInput): string | undefined {
  const field = optStr(input.options['field']);
  if (field === undefined) return 'no calculated field selected';
  if (input.event.field !== undefined) return input.event.field === field ? undefined : `field ${input.event.field} is not ${field}`;
  const stored = input.event.customerProfile?.fields?.[field];
  const ids = productsOf(input.event).map((p) => p['id']);
  if (stored !== undefined && ids.includes(stored)) return undefined;
  return `the product is not the one stored in ${field}`;
}

const preferredProductChange: Matcher = (input) => {
  const r = preferredFieldReason(input);
  if (r) return none(r);
  const { event } = input;
  const products = productsOf(event);
  for (const p of products) {
    const id = String(p['id'] ?? '');
    const track = ((input.state.products ??= {})[id] ??= {});
    const prev = event.previous?.products?.[id];
    const before = prev ? stableJson(prev) : track.print;
    const now = stableJson(p);
    track.print = now;
    if (before !== now) return { launches: [{ context: boundContext(input.def, event), key: `product:${id}` }] };
  }
  // without any product data the event itself reports the change
  if (products.length === 0) return { launches: [{ context: boundContext(input.def, event), key: 'once' }] };
  return none('the preferred product did not change');
};

const preferredPrice = priceChange('none');
const preferredPriceDrop: Matcher = (input) => {
  const r = preferredFieldReason(input);
  return r ? none(r) : preferredPrice(input);
};

// ---------- product actions ----------

const productAction: Matcher = (input) => {
  const { event, options, def } = input;
  const templates = optStrList(options['templates']) ?? [];
  const template = event.action?.template;
  if (template === undefined || !templates.includes(template)) return none(`action template ${String(template)} is not one of ${templates.join(', ')}`);
  const item = event.item as Rec | undefined;
  const productId = (isRec(item) ? item['productId'] : undefined) ?? event.product?.id;
  if (typeof productId !== 'string' || productId === '') return none('the action is not tied to a product');
  return { launches: [{ context: boundContext(def, event), key: 'once' }] };
};

export const PRODUCT_MATCHERS: Readonly<Record<string, Matcher>> = {
  listLineAdded,
  listChanged,
  listStock: stock('list'),
  viewedStock: stock('view'),
  listPriceChange: priceChange('list'),
  viewedPriceChange: priceChange('view'),
  listFieldChange: fieldChange('list'),
  viewedFieldChange: fieldChange('view'),
  preferredProductChange,
  preferredPriceDrop,
  productAction,
};
