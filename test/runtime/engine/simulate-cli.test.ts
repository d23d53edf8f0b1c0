/** `runnel simulate` in-process on examples/shop; determinism of the output. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli, useTempProjects } from '../../helpers/cli.js';
import { REPO } from '../../helpers/flow-files.js';
import { jsonl } from './helpers.js';

const EVENTS = jsonl([
  { id: 'r1', type: 'CustomerRegistered', customer: 'ann', at: '2026-06-01T08:00:00Z', profile: { email: 'ann@example.com', emailStatus: 'valid', firstName: 'Ann', fields: { marketingConsent: true } } },
  { id: 'r2', type: 'CustomerRegistered', customer: 'bob', at: '2026-06-01T09:00:00Z' },
  { id: 'r1', type: 'CustomerRegistered', customer: 'ann', at: '2026-06-01T10:00:00Z' },
  {
    id: 's1',
    type: 'SubscriptionStatusChanged',
    customer: 'ann',
    at: '2026-06-01T08:05:00Z',
    profile: { subscriptions: [{ brand: 'shop', channel: 'email', topic: null, status: 'pending' }] },
  },
]) + '{oops\n';

describe('runnel simulate', () => {
  const project = useTempProjects();

  it('runs examples/shop on an events file and prints the JSON of contracts.md, identical on a second run', () => {
    const dir = project({ 'events.jsonl': EVENTS });
    const args = ['simulate', join(REPO, 'examples/shop'), '--events', join(dir, 'events.jsonl'), '--json'];
    const r = runCli(args, dir);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { effects: Array<Record<string, unknown>>; activity: Array<Record<string, unknown>>; notEntered: Array<Record<string, unknown>> };
    const welcome = out.effects.filter((e) => e['flow'] === 'welcome');
    expect(welcome.map((e) => [e['customer'], e['block'], e['action']])).toEqual([
      ['ann', 'welcome', 'promo'],
      ['ann', 'welcome', 'send'],
      ['ann', 'welcome', 'set'],
      ['ann', 'newsletter', 'segment_add'],
    ]);
    expect(welcome[1]).toMatchObject({ at: '2026-06-01T08:00:00Z', channel: 'email', template: 'welcome', params: { firstName: 'Ann' }, version: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // The double opt-in: the confirmation at once, the reminder a day later (still pending).
    expect(out.effects.filter((e) => e['flow'] === 'confirm_subscription').map((e) => [e['at'], e['template']])).toEqual([
      ['2026-06-01T08:05:00Z', 'confirm-subscription'],
      ['2026-06-02T08:05:00Z', 'confirm-subscription-reminder'],
    ]);
    expect(out.notEntered).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ flow: 'welcome', customer: 'bob', event: 'r2', reason: 'condition_not_applied' }),
        expect.objectContaining({ flow: 'welcome', customer: 'ann', event: 'r1', reason: 'duplicate_event' }),
        expect.objectContaining({ flow: null, reason: 'invalid_event', message: expect.stringContaining('line 5') }),
      ]),
    );
    expect(out.activity.find((a) => a['flow'] === 'welcome')).toMatchObject({ customer: 'ann', status: 'completed', reason: 'all_steps_done', waitingUntil: null });
    const keys = out.effects.map((e) => e['key']);
    expect(new Set(keys).size).toBe(keys.length);
    expect(runCli(args, dir).stdout).toBe(r.stdout);
  });

  it('prints a readable timeline per customer without --json', () => {
    const dir = project({ 'events.jsonl': EVENTS });
    const r = runCli(['simulate', join(REPO, 'examples/shop'), '--events', join(dir, 'events.jsonl')], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('customer ann\n');
    expect(r.stdout).toMatch(/2026-06-01T08:00:00Z\s+welcome: welcome: send channel=email template=welcome/);
    expect(r.stdout).toContain('customer bob\n');
  });

  it('--until stops the clock: the reminder is still waiting', () => {
    const dir = project({ 'events.jsonl': EVENTS });
    const r = runCli(['simulate', join(REPO, 'examples/shop'), '--events', join(dir, 'events.jsonl'), '--until', '2026-06-01T12:00:00Z', '--json'], dir);
    const out = JSON.parse(r.stdout) as { activity: Array<Record<string, unknown>> };
    expect(out.activity.find((a) => a['flow'] === 'confirm_subscription')).toMatchObject({ status: 'in_progress', reason: 'waiting', waitingUntil: '2026-06-02T08:05:00Z' });
  });

  it('usage errors exit 2: no --events, an unreadable events file, a bad --until', () => {
    const dir = project({ 'events.jsonl': EVENTS });
    const shop = join(REPO, 'examples/shop');
    expect(runCli(['simulate', shop], dir).code).toBe(2);
    expect(runCli(['simulate', shop, '--events', join(dir, 'missing.jsonl')], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot read') });
    expect(runCli(['simulate', shop, '--events', join(dir, 'events.jsonl'), '--until', 'soon'], dir).code).toBe(2);
    expect(runCli(['simulate', '--help'], dir)).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: runnel simulate') });
  });
});
