/**
 * The outbox worker's acknowledgement hooks for polled sources (a stream read in a consumer group):
 * `ack` only after the ledger recorded the outcome, `forget` for effects let go unsettled.
 */
import { describe, expect, it } from 'vitest';
import type { EffectRecord } from '../../../runtime/store/store.js';
import { InMemoryDeliveryLedger } from '../../../runtime/server/webhooks/ledger.js';
import { WebhookOutbox, type PollSource } from '../../../runtime/server/webhooks/outbox-worker.js';
import { waitFor, webhook } from './helpers.js';

function source(batch: EffectRecord[]): PollSource & { acked: string[]; forgotten: string[] } {
  let given = false;
  const s = {
    acked: [] as string[],
    forgotten: [] as string[],
    async poll() {
      if (given) return [];
      given = true;
      return batch;
    },
    ack(effects: EffectRecord[]) {
      s.acked.push(...effects.map((e) => e.key));
    },
    forget(effects: EffectRecord[]) {
      s.forgotten.push(...effects.map((e) => e.key));
    },
  };
  return s;
}

describe('WebhookOutbox with an acknowledging source', () => {
  it('acks delivered, dead and already-settled keys; forgets keys leased elsewhere and those given back at stop; never acks what the ledger did not record', async () => {
    const ok = webhook('https://a.example.com/ok');
    const gone = webhook('https://a.example.com/gone');
    const before = webhook('https://a.example.com/before');
    const leased = webhook('https://a.example.com/leased');
    const unrecorded = webhook('https://a.example.com/unrecorded');
    const slow = webhook('https://a.example.com/slow');
    const ledger = new InMemoryDeliveryLedger();
    await ledger.markDelivered(before.key);
    await ledger.claim(leased.key, 'someone-else', 60_000);
    const markDelivered = ledger.markDelivered.bind(ledger);
    ledger.markDelivered = async (key) => {
      if (key === unrecorded.key) throw new Error('ledger down');
      return markDelivered(key);
    };
    const src = source([ok, gone, before, leased, unrecorded, slow]);
    const o = new WebhookOutbox({
      ledger,
      source: src,
      delivery: { allowPrivate: true },
      pollIntervalMs: 5,
      baseDelayMs: 60_000,
      deliver: async (e) => {
        if (e.key === gone.key) return { outcome: 'permanent', reason: 'HTTP 410', status: 410 };
        if (e.key === slow.key) return { outcome: 'retryable', reason: 'HTTP 503', status: 503 };
        return { outcome: 'delivered', status: 200 };
      },
      onError: () => {},
    });
    o.start();
    await waitFor(() => src.acked.length === 3 && src.forgotten.length === 1);
    expect(src.acked.sort()).toEqual([ok.key, gone.key, before.key].sort());
    expect(src.forgotten).toEqual([leased.key]);
    const r = await o.stop({ deadlineMs: 100 });
    expect(r.abandoned.map((e) => e.key)).toEqual([slow.key]);
    // "unrecorded" was delivered but the ledger never said so: not acknowledged, let go.
    expect(src.acked).not.toContain(unrecorded.key);
    expect(src.forgotten.sort()).toEqual([leased.key, unrecorded.key, slow.key].sort());
  });
});
