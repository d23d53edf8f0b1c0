/** Order matchers: orderStatus (OrderStatusChanged), orderChange (OrderChanged), itemStatus (OrderItemDelivered/Paid). */
import type { Launch, Matcher, MatcherInput, OrderTrack } from '../matchers.js';
import {
  boundContext,
  findProduct,
  isRec,
  none,
  optNum,
  optStr,
  optStrList,
  productSegmentsPass,
  stableJson,
  type Rec,
} from './util.js';

function track(input: MatcherInput, orderId: string): OrderTrack {
  const orders = (input.state.orders ??= {});
  return (orders[orderId] ??= {});
}

function itemsOf(order: Rec | undefined): Rec[] {
  return Array.isArray(order?.['items']) ? (order['items'] as unknown[]).filter(isRec) : [];
}

function idOf(x: Rec): string {
  return String(x['id'] ?? x['productId'] ?? '');
}

/** The status's category: `statusCategories` of the event, else the status word itself. */
function categoryOf(input: MatcherInput, status: unknown): string {
  const s = String(status ?? '');
  return (input.event.statusCategories?.[s] ?? s).toLowerCase();
}

function isCancelled(input: MatcherInput, status: unknown): boolean {
  const c = categoryOf(input, status);
  return c === 'cancelled' || c === 'canceled';
}

/** maxPerOrder: returns a reason when the limit is reached, else counts the launch. */
function countLaunch(input: MatcherInput, t: OrderTrack): string | undefined {
  const max = optNum(input.options['maxPerOrder']);
  if (max !== undefined && (t.fired ?? 0) >= max) return `maxPerOrder ${max} reached for this order`;
  t.fired = (t.fired ?? 0) + 1;
  return undefined;
}

// ---------- orderStatus ----------

const orderStatus: Matcher = (input) => {
  const { options, event, def } = input;
  const order = event.order as unknown as Rec | undefined;
  if (!isRec(order)) return none('the event carries no order');
  const status = optStr(options['status']);
  if (status === undefined) return none('no status selected');
  const scope = optStr(options['scope']) ?? 'order';
  const t = track(input, idOf(order));
  const prevOrder = event.previous?.order as unknown as Rec | undefined;
  const prevItems = new Map(itemsOf(prevOrder).map((i) => [idOf(i), String(i['status'] ?? '')]));
  const prevItemStatus = (id: string): string | undefined => prevItems.get(id) ?? t.itemStatuses?.[id];
  const items = itemsOf(order);

  let fires = false;
  let reason = '';
  if (scope === 'order') {
    const prev = prevOrder ? (prevOrder['status'] as string | undefined) : t.status;
    fires = order['status'] === status && prev !== status;
    reason = order['status'] !== status ? `order status is ${String(order['status'])}, not ${status}` : `order was already ${status}`;
    t.status = String(order['status'] ?? '');
  } else {
    const moved = items.filter((i) => i['status'] === status && prevItemStatus(idOf(i)) !== status).map(idOf);
    if (scope === 'any_item') {
      fires = moved.length > 0;
      reason = `no order item moved to ${status}`;
    } else {
      // all_items: every item the order was created with must reach the status, gradually or at once.
      const created = (t.created ??= event.previous?.orderCreatedItems ?? (prevOrder ? itemsOf(prevOrder) : items).map(idOf));
      const reached = new Set([...(t.reached ?? []), ...moved.filter((id) => created.includes(id))]);
      if (!isCancelled(input, status) && items.some((i) => created.includes(idOf(i)) && isCancelled(input, i['status']))) t.cancelled = true;
      const missing = created.filter((id) => !reached.has(id));
      if (t.cancelled) {
        reason = 'an item of the order was cancelled';
      } else if (missing.length > 0) {
        reason = `items not yet ${status}: ${missing.join(', ')}`;
      } else {
        fires = moved.length > 0;
        reason = `no order item moved to ${status}`;
      }
      t.reached = fires ? [] : [...reached];
    }
    t.itemStatuses = Object.fromEntries(items.map((i) => [idOf(i), String(i['status'] ?? '')]));
  }
  if (!fires) return none(reason);
  const limited = countLaunch(input, t);
  if (limited) return none(limited);
  return { launches: [{ context: boundContext(def, event), key: 'once' }] };
};

// ---------- orderChange ----------

const orderChange: Matcher = (input) => {
  const { options, event, def } = input;
  const order = event.order as unknown as Rec | undefined;
  if (!isRec(order)) return none('the event carries no order');
  const t = track(input, idOf(order));
  const prevOrder = event.previous?.order as unknown as Rec | undefined;
  const fields = optStrList(options['fields']);
  const cur = isRec(order['fields']) ? order['fields'] : {};
  let changed: boolean;
  let reason = 'the order did not change';
  if (fields && fields.length > 0) {
    const prev: Record<string, string> | undefined = prevOrder
      ? Object.fromEntries(fields.map((f) => [f, stableJson(isRec(prevOrder['fields']) ? prevOrder['fields'][f] : undefined)]))
      : t.fields;
    if (prev) changed = fields.some((f) => prev[f] !== stableJson(cur[f]));
    else if (event.changedFields) changed = fields.some((f) => event.changedFields!.includes(f));
    else changed = false;
    reason = prev || event.changedFields ? `none of the fields ${fields.join(', ')} changed` : 'no earlier value of the selected fields to compare with';
    t.fields = Object.fromEntries(fields.map((f) => [f, stableJson(cur[f])]));
  } else {
    // any change: every OrderChanged is one, unless a snapshot shows the order is unchanged
    const print = stableJson(order);
    const prev = prevOrder ? stableJson(prevOrder) : undefined;
    changed = prev !== print;
    t.print = print;
  }
  if (!changed) return none(reason);
  const limited = countLaunch(input, t);
  if (limited) return none(limited);
  return { launches: [{ context: boundContext(def, event), key: 'once' }] };
};

// ---------- itemStatus ----------

/** What "anything on the item changes" covers: everything but the embedded product and timestamps. */
function itemPrint(item: Rec): string {
  const { product: _p, statusChangedAt: _s, ...rest } = item;
  return stableJson(rest);
}

const itemStatus: Matcher = (input) => {
  const { options, event, def, args } = input;
  const category = String(args['category'] ?? '');
  const statuses = optStrList(options['statuses']);
  const order = event.order as unknown as Rec | undefined;
  const items = isRec(order) ? itemsOf(order) : isRec(event.item) ? [event.item as Rec] : [];
  if (items.length === 0) return none('the event carries no order item');
  const orderId = isRec(order) ? idOf(order) : String((event.item as Rec | undefined)?.['orderId'] ?? '');
  const t = track(input, orderId);
  const prevOrder = event.previous?.order as unknown as Rec | undefined;
  const prevItems = new Map(itemsOf(prevOrder).map((i) => [idOf(i), i]));
  if (isRec(event.previous?.item)) prevItems.set(idOf(event.previous.item as Rec), event.previous.item as Rec);
  const seen = (t.items ??= {});
  const launches: Launch[] = [];
  const reasons: string[] = [];
  for (const item of items) {
    const id = idOf(item);
    const print = itemPrint(item);
    const before = seen[id] ?? (prevItems.has(id) ? itemPrint(prevItems.get(id)!) : undefined);
    seen[id] = print;
    const st = item['status'];
    const inStatus = statuses && statuses.length > 0 ? statuses.includes(String(st)) : categoryOf(input, st) === category;
    if (!inStatus) {
      reasons.push(`item ${id} is ${String(st)}`);
      continue;
    }
    if (before === print) {
      reasons.push(`item ${id} did not change`);
      continue;
    }
    const product = isRec(item['product']) ? (item['product'] as Rec) : findProduct(event, item['productId']);
    const seg = productSegmentsPass(options, product);
    if (seg) {
      reasons.push(seg);
      continue;
    }
    launches.push({ context: boundContext(def, event, { item, product }), key: `item:${orderId}/${id}` });
  }
  return launches.length ? { launches } : none(reasons.join('; '));
};

export const ORDER_MATCHERS: Readonly<Record<string, Matcher>> = { orderStatus, orderChange, itemStatus };
