/** The progress bar of `runnel simulate`: on a terminal's stderr for large inputs only, cleared at the end. */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import { countLines, progressText } from '../../cli/progress.js';
import { useTempProjects } from '../helpers/cli.js';
import { REPO } from '../helpers/flow-files.js';

function run(args: string[], cwd: string, stderrIsTTY: boolean) {
  let stdout = '';
  let stderr = '';
  const code = main(args, { cwd, color: false, stderrIsTTY, stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}

describe('progress bar', () => {
  const project = useTempProjects();

  it('draws the fraction done', () => {
    expect(progressText(0, 200)).toBe(`[${'.'.repeat(30)}]   0% 0/200 events`);
    expect(progressText(100, 200)).toBe(`[${'#'.repeat(15)}${'.'.repeat(15)}]  50% 100/200 events`);
    expect(progressText(45_000, 100_000)).toContain(' 45% 45,000/100,000 events');
  });

  it('counts lines with or without a final newline', () => {
    expect([countLines(''), countLines('a'), countLines('a\n'), countLines('a\nb'), countLines('a\nb\n')]).toEqual([0, 1, 1, 2, 2]);
  });

  it('shows on a terminal for a large events file, is cleared at the end, and never mixes into stdout', () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(JSON.stringify({ id: `e${i}`, type: 'CustomerRegistered', customer: `c${i % 500}`, at: new Date(Date.UTC(2026, 5, 1) + i * 1000).toISOString() }));
    const dir = project({ 'events.jsonl': lines.join('\n') + '\n' });
    const args = ['simulate', join(REPO, 'examples/shop'), '--events', join(dir, 'events.jsonl'), '--json'];
    const tty = run(args, dir, true);
    expect(tty.code).toBe(0);
    expect(tty.stderr).toContain('  5% 1,000/20,000 events');
    expect(tty.stderr).toContain(' 95% 19,000/20,000 events');
    expect(tty.stderr.endsWith('\r\x1b[2K')).toBe(true);
    const plain = run(args, dir, false);
    expect(plain.stderr).toBe('');
    expect(plain.stdout).toBe(tty.stdout);
  });

  it('stays quiet for a small file even on a terminal', () => {
    const dir = project({ 'events.jsonl': '{"id":"e1","type":"CustomerRegistered","customer":"c1","at":"2026-06-01T08:00:00Z"}\n' });
    expect(run(['simulate', join(REPO, 'examples/shop'), '--events', join(dir, 'events.jsonl')], dir, true).stderr).toBe('');
  });
});
