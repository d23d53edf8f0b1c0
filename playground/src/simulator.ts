/**
 * The simulator: events and customer profiles as JSON Lines (checked against schemas/ as they are
 * typed), a generator (scripts/demo-data.ts, the day `npm run demo` replays), a virtual clock, and
 * runtime/engine/simulate.ts run in the worker. Shows each customer's timeline with the activity
 * statuses and reasons of seed 000, and the effects.
 */
import type { monaco } from './monaco-setup.js';
import type { CompilerClient } from './client.js';
import { linesEditor, setLineMarkers } from './editor.js';
import type { CustomerTimeline, ServiceProject, SimulationSummary } from './protocol.js';

export const STATUS_TEXT: Record<string, string> = {
  in_progress: 'In progress',
  completed: 'Completed',
  stopped: 'Stopped',
  error: 'Error',
};

/** Seed 000's words for the reason codes of contracts.md. */
export const REASON_TEXT: Record<string, string> = {
  in_step: 'In a step',
  waiting: 'Waiting in a delay block',
  all_steps_done: 'All steps executed',
  final_condition_failed: 'Failed a condition check at the final step',
  launch_limit_reached: 'Trigger frequency limit reached',
  relevance_expired: 'Step relevance period expired',
  launch_limit: 'Frequency limit not met',
  launch_condition_failed: 'Failed launch condition check',
  outside_segment: 'Outside segment restriction',
  flow_stopped: 'Flow was stopped',
  wait_block_deleted: 'Wait block was deleted',
  dynamic_wait_missing: 'Dynamic wait value missing',
  exit_event: 'Left on an exit event',
  historical_too_old: 'Historical event older than 7 days at upload',
  condition_not_applied: 'Did not meet the launch conditions',
  flow_inactive: 'The flow was not active',
  trigger_mismatch: 'The event did not match the trigger',
  duplicate_event: 'Duplicate event (same id)',
  invalid_event: 'Invalid event',
};

const HOUR = 3_600_000;
/** How far the clock slider reaches past the first event. */
const SLIDER_DAYS = 30;
/** Customers drawn at once (the filter finds the others). */
const MAX_SHOWN = 150;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing`);
  return e as T;
}

function firstTime(events: string): number | undefined {
  let first: number | undefined;
  for (const line of events.split('\n')) {
    const m = /"(?:receivedAt|at)"\s*:\s*"([^"]+)"/.exec(line);
    const t = m ? Date.parse(m[1]!) : NaN;
    if (Number.isFinite(t) && (first === undefined || t < first)) first = t;
  }
  return first;
}

/** `2026-11-24T10:00` (datetime-local, read as UTC) ↔ ISO. */
function toLocalInput(iso: string): string {
  return iso ? new Date(Date.parse(iso)).toISOString().slice(0, 16) : '';
}

export class Simulator {
  private editors: { events: monaco.editor.IStandaloneCodeEditor; customers: monaco.editor.IStandaloneCodeEditor } | undefined;
  /** The texts, while the editors are not made yet (they are, when the panel is first shown). */
  private pending = { events: '', customers: '' };
  private readonly until = byId<HTMLInputElement>('until');
  private readonly slider = byId<HTMLInputElement>('until-slider');
  private readonly timeline = byId<HTMLElement>('timeline');
  private readonly summary = byId<HTMLElement>('sim-summary');
  private readonly effects = byId<HTMLElement>('effects');
  private readonly filter = byId<HTMLInputElement>('customer-filter');
  private validateTimer: ReturnType<typeof setTimeout> | undefined;
  private runTimer: ReturnType<typeof setTimeout> | undefined;
  private last: SimulationSummary | undefined;
  /** Called after each run with the counters; and when the inputs change (to keep the state). */
  onResult: ((r: SimulationSummary) => void) | undefined;
  onChange: (() => void) | undefined;

  constructor(
    private readonly worker: () => CompilerClient,
    private readonly project: () => ServiceProject,
  ) {
    byId('generate').addEventListener('click', () => void this.generate());
    byId('run').addEventListener('click', () => void this.run());
    this.slider.addEventListener('input', () => {
      const first = firstTime(this.eventsText());
      const v = Number(this.slider.value);
      if (first === undefined || v >= Number(this.slider.max)) this.until.value = '';
      else this.until.value = toLocalInput(new Date(first + v * HOUR).toISOString());
      this.syncSlider();
      this.onChange?.();
      clearTimeout(this.runTimer);
      this.runTimer = setTimeout(() => void this.run(), 200);
    });
    this.until.addEventListener('change', () => {
      this.syncSlider();
      this.onChange?.();
    });
    this.filter.addEventListener('input', () => this.last && this.render(this.last));
    byId('clock-end').addEventListener('click', () => {
      this.until.value = '';
      this.syncSlider();
      this.onChange?.();
      void this.run();
    });
  }

  /** The panel is shown: its editors are made (once). */
  show(): void {
    if (this.editors) return;
    const events = linesEditor(byId('events-editor'), 'simulator/events.jsonl', this.pending.events);
    const customers = linesEditor(byId('customers-editor'), 'simulator/customers.jsonl', this.pending.customers);
    this.editors = { events, customers };
    for (const [ed, kind] of [
      [events, 'events'],
      [customers, 'customers'],
    ] as const) {
      ed.onDidChangeModelContent(() => {
        this.scheduleValidation();
        if (kind === 'events') this.updateSlider();
        this.onChange?.();
      });
    }
    void this.validate();
  }

  get events(): monaco.editor.IStandaloneCodeEditor {
    this.show();
    return this.editors!.events;
  }

  get customers(): monaco.editor.IStandaloneCodeEditor {
    this.show();
    return this.editors!.customers;
  }

  eventsText(): string {
    return this.editors ? this.editors.events.getValue() : this.pending.events;
  }

  customersText(): string {
    return this.editors ? this.editors.customers.getValue() : this.pending.customers;
  }

  set(events: string, customers: string, until: string): void {
    this.pending = { events, customers };
    if (this.editors) {
      this.editors.events.setValue(events);
      this.editors.customers.setValue(customers);
    }
    this.until.value = toLocalInput(until);
    this.updateSlider();
    this.timeline.replaceChildren();
    this.effects.replaceChildren();
    this.summary.textContent = events.trim() ? 'Press Run to simulate these events.' : 'No events yet: write some, or generate a day of the shop.';
    this.last = undefined;
  }

  /** The clock as ISO, or '' for "until every wait is over". */
  untilIso(): string {
    return this.until.value ? `${this.until.value}:00Z` : '';
  }

  private updateSlider(): void {
    this.slider.max = String(SLIDER_DAYS * 24);
    this.syncSlider();
  }

  private syncSlider(): void {
    const first = firstTime(this.eventsText());
    const iso = this.untilIso();
    if (!iso || first === undefined) this.slider.value = this.slider.max;
    else this.slider.value = String(Math.max(0, Math.min(Number(this.slider.max), Math.round((Date.parse(iso) - first) / HOUR))));
    byId('clock-label').textContent = iso ? `${iso.replace('T', ' ').replace(':00Z', '')} UTC` : 'until every wait is over';
  }

  private scheduleValidation(): void {
    clearTimeout(this.validateTimer);
    this.validateTimer = setTimeout(() => void this.validate(), 150);
  }

  async validate(): Promise<number> {
    let total = 0;
    if (!this.editors) return total;
    for (const [ed, kind, label] of [
      [this.editors.events, 'events', 'events-status'],
      [this.editors.customers, 'customers', 'customers-status'],
    ] as const) {
      const model = ed.getModel();
      if (!model) continue;
      const text = model.getValue();
      const r = await this.worker().request({ type: 'validateLines', kind, text });
      if (model.getValue() !== text) continue;
      setLineMarkers(model, r.problems);
      const lines = text.split('\n').filter((l) => l.trim()).length;
      const bad = new Set(r.problems.map((p) => p.line)).size;
      total += bad;
      const status = byId(label);
      status.textContent = `${lines} line${lines === 1 ? '' : 's'}${bad ? `, ${bad} not valid` : ''}`;
      status.className = bad ? 'count bad' : 'count';
    }
    return total;
  }

  async generate(): Promise<void> {
    const n = Math.max(1, Math.min(2000, Number(byId<HTMLInputElement>('gen-count').value) || 25));
    const seed = Number(byId<HTMLInputElement>('gen-seed').value) || 1;
    this.summary.textContent = 'Generating…';
    const r = await this.worker().request({ type: 'generate', customers: n, seed });
    this.set(r.events, r.customers, r.until);
    this.summary.textContent = `Generated a day of the shop: ${r.events.split('\n').filter(Boolean).length} events, ${n} customers. Press Run.`;
    this.onChange?.();
  }

  async run(): Promise<SimulationSummary> {
    this.summary.textContent = 'Simulating…';
    byId('run').setAttribute('disabled', '');
    try {
      const until = this.untilIso();
      const r = await this.worker().request({ type: 'simulate', project: this.project(), events: this.eventsText(), customers: this.customersText(), ...(until ? { until } : {}) });
      this.last = r.result;
      this.render(r.result);
      this.onResult?.(r.result);
      return r.result;
    } finally {
      byId('run').removeAttribute('disabled');
    }
  }

  private render(r: SimulationSummary): void {
    const parts = [
      `${r.customers.length} customer${r.customers.length === 1 ? '' : 's'}`,
      `${r.effects.length} effect${r.effects.length === 1 ? '' : 's'}`,
      `${r.notEntered.length} did not enter`,
      `${r.flows.length} flow${r.flows.length === 1 ? '' : 's'} in ${Math.round(r.ms)} ms`,
    ];
    this.summary.replaceChildren(el('span', {}, parts.join(' · ')));
    const problems = [...r.errors, ...r.warnings, ...r.skipped.map((p) => `${p} has errors: its flows were left out`)];
    if (problems.length) this.summary.append(el('ul', { class: 'sim-problems' }, ...problems.map((p) => el('li', {}, p))));

    const q = this.filter.value.trim().toLowerCase();
    const shown = r.customers.filter((c) => !q || c.customer.toLowerCase().includes(q) || c.entries.some((e) => e.flow.toLowerCase().includes(q)));
    this.timeline.replaceChildren(...shown.slice(0, MAX_SHOWN).map(customerCard));
    if (shown.length > MAX_SHOWN) this.timeline.append(el('p', { class: 'note' }, `${shown.length - MAX_SHOWN} more: filter by customer id or flow to see them.`));

    const rows = r.effects.slice(0, 500).map((e) => {
      const what = Object.entries(e)
        .filter(([k]) => !['at', 'flow', 'version', 'customer', 'block', 'action', 'key', 'instance'].includes(k))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(' ');
      return el('tr', {}, ...[e['at'], e['customer'], e['flow'], e['block'], e['action'], what].map((x) => el('td', {}, String(x ?? ''))));
    });
    this.effects.replaceChildren(el('thead', {}, el('tr', {}, ...['at (UTC)', 'customer', 'flow', 'block', 'action', 'what'].map((h) => el('th', {}, h)))), el('tbody', {}, ...rows));
    byId('effects-count').textContent = String(r.effects.length);
  }
}

function customerCard(c: CustomerTimeline): HTMLElement {
  const statuses = c.instances.map((i) =>
    el(
      'li',
      { class: `instance status-${i.status}`, 'data-flow': i.flow, 'data-status': i.status, 'data-reason': i.reason },
      el('span', { class: 'flow' }, i.flow),
      el('span', { class: `badge status-${i.status}` }, STATUS_TEXT[i.status] ?? i.status),
      el('span', { class: 'reason', title: i.reason }, `${REASON_TEXT[i.reason] ?? i.reason}${i.waitingUntil ? ` until ${i.waitingUntil}` : ''}${i.message ? ` (${i.message})` : ''}`),
      el('code', { class: 'reason-code' }, i.reason),
    ),
  );
  const entries = c.entries.map((e) =>
    el(
      'li',
      { class: `entry kind-${e.kind}` },
      el('time', {}, e.at.replace('T', ' ').replace('Z', '')),
      el('span', { class: 'flow' }, e.flow),
      el('span', { class: 'text' }, e.kind === 'not_entered' ? `${e.text}: ${REASON_TEXT[e.reason ?? ''] ?? e.reason}` : e.kind === 'status' ? `${STATUS_TEXT[e.status ?? ''] ?? e.status}: ${REASON_TEXT[e.reason ?? ''] ?? e.reason}` : e.text),
    ),
  );
  return el('section', { class: 'customer', 'data-customer': c.customer }, el('h4', {}, `customer ${c.customer}`), el('ul', { class: 'instances' }, ...statuses), el('ol', { class: 'entries' }, ...entries));
}
