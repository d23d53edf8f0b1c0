/**
 * A flow's counters (`GET /v1/flows/:id/stats`): journeys entered, their current status and
 * reason, per block how many journeys entered it and passed it, and the did-not-enter reasons.
 * The embedded store counts them from its records (statsFromRecords); the Redis store keeps them
 * as counters written with each commit and refusal, which must add up to the same. Browser-safe.
 */
import type { ActivityStep, InstanceRecord, NotEnteredRecord } from './store.js';

export interface FlowStats {
  /** Journeys that entered the flow (every version). */
  entered: number;
  /** Journeys by `<status>/<reason>` now. */
  statuses: Record<string, number>;
  /**
   * By block id: steps run there (entered), and of those, the ones after which the journey went on
   * (a later step) or ended well right there (completed).
   */
  blocks: Record<string, { entered: number; passed: number }>;
  /** Refusals by reason. */
  didNotEnter: Record<string, number>;
}

export function emptyFlowStats(): FlowStats {
  return { entered: 0, statuses: {}, blocks: {}, didNotEnter: {} };
}

/** The flow's stats from its instances, their activity and the did-not-enter records. */
export function statsFromRecords(flow: string, instances: Iterable<InstanceRecord>, activityOf: (id: string) => readonly ActivityStep[], notEntered: Iterable<NotEnteredRecord>): FlowStats {
  const out = emptyFlowStats();
  for (const inst of instances) {
    if (inst.flow !== flow) continue;
    out.entered++;
    bump(out.statuses, `${inst.status}/${inst.reason}`, 1);
    const steps = activityOf(inst.id);
    steps.forEach((s, i) => {
      const b = (out.blocks[s.block] ??= { entered: 0, passed: 0 });
      b.entered++;
      if (i < steps.length - 1 || inst.status === 'completed') b.passed++;
    });
  }
  for (const n of notEntered) if (n.flow === flow) bump(out.didNotEnter, n.reason, 1);
  return sortedStats(out);
}

export function bump(counts: Record<string, number>, key: string, by: number): void {
  const n = (counts[key] ?? 0) + by;
  if (n === 0) delete counts[key];
  else counts[key] = n;
}

/** The same stats with every table's keys in order (stable output whatever order the store counted in). */
export function sortedStats(s: FlowStats): FlowStats {
  const sorted = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { entered: s.entered, statuses: sorted(s.statuses), blocks: sorted(s.blocks), didNotEnter: sorted(s.didNotEnter) };
}
