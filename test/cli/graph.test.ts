import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST, runCli, useTempProjects } from '../helpers/cli.js';
import { REPO } from '../helpers/flow-files.js';
import { checkXml } from '../graph/helpers.js';

const FLOW = `flow welcome "Welcome" {
  on CustomerRegistered
  steps hello { send email "welcome" }
  wait 2d
  if customer.fields.tier == gold {
    steps { send sms "promo" }
  }
}
`;
const TWO = `flow first {
  on CustomerRegistered
  steps a { send email "welcome" }
}

flow second {
  on CustomerRegistered
  steps b { send email "reminder" }
}
`;
const BAD = `flow welcome {
  on CustomerRegistered
  steps { send email "welcom" }
}
`;

const project = useTempProjects();

describe('runnel graph', () => {
  it('draws an SVG by default, every block id on it', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'flows/welcome.flow': FLOW });
    const r = runCli(['graph', 'flows/welcome.flow'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    checkXml(r.stdout);
    expect(r.stdout).toContain('data-block="hello"');
    expect(r.stdout).toMatch(/data-block="wait_[0-9a-z]{6}"/);
    expect(r.stdout).toMatch(/data-block="if_[0-9a-z]{6}"/);
    expect(r.stdout).toContain('>wait 2d</text>');
  });

  it('prints Mermaid and DOT', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'welcome.flow': FLOW });
    const mermaid = runCli(['graph', 'welcome.flow', '--format', 'mermaid'], dir);
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout).toContain('flowchart TD\n');
    expect(mermaid.stdout).toContain('on_1 --> hello\n');
    expect(mermaid.stdout).toMatch(/if_[0-9a-z]{6} -->\|"then"\| steps_[0-9a-z]{6}/);
    const dot = runCli(['graph', 'welcome.flow', '--format=dot'], dir);
    expect(dot.code).toBe(0);
    expect(dot.stdout).toMatch(/^digraph "welcome" \{\n/);
    expect(dot.stdout).toContain('"on_1" -> "hello";');
  });

  it('draws the example flows', () => {
    const r = runCli(['graph', 'examples/shop/flows/winback.flow', '--format', 'mermaid'], REPO);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('offer_test -->|"20% control"| end_');
  });

  it('draws every flow of a file, or the one --flow names', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'two.flow': TWO });
    const all = runCli(['graph', 'two.flow', '--format', 'mermaid'], dir);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('subgraph f1 ["flow first"]');
    expect(all.stdout).toContain('subgraph f2 ["flow second"]');
    const svg = runCli(['graph', 'two.flow'], dir);
    expect(svg.stdout.match(/class="runnel-flow"/g)).toHaveLength(2);
    const one = runCli(['graph', 'two.flow', '--format', 'mermaid', '--flow', 'second'], dir);
    expect(one.code).toBe(0);
    expect(one.stdout).not.toContain('first');
    expect(one.stdout).toContain('on_1 --> b\n');
    const none = runCli(['graph', 'two.flow', '--flow', 'third'], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('two.flow has no flow `third` (it has: first, second)');
  });

  it('writes to a file with -o', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'welcome.flow': FLOW });
    const r = runCli(['graph', 'welcome.flow', '-o', 'out.svg'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('wrote out.svg\n');
    checkXml(readFileSync(join(dir, 'out.svg'), 'utf8'));
    expect(runCli(['graph', 'welcome.flow', '-o', 'no/such/dir/out.svg'], dir).code).toBe(2);
  });

  it('prints the diagnostics of a file with errors on stderr, draws nothing and exits 1', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'welcome.flow': BAD });
    const r = runCli(['graph', 'welcome.flow', '-o', 'out.svg'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('welcome.flow:3:22 - error RN0204: unknown email template "welcom"');
    expect(r.stderr).toContain('Checked 1 file: 1 error, 0 warnings. Nothing was drawn.');
    expect(existsSync(join(dir, 'out.svg'))).toBe(false);
  });

  it('exits 2 on usage errors', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'welcome.flow': FLOW, 'flows/other.flow': FLOW.replace('welcome', 'other') });
    const bad = runCli(['graph', 'welcome.flow', '--format', 'png'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('runnel graph: --format must be svg, mermaid or dot, not png');
    expect(runCli(['graph'], dir).code).toBe(2);
    expect(runCli(['graph', 'nope.flow'], dir).code).toBe(2);
    expect(runCli(['graph', 'flows'], dir).code).toBe(2);
    expect(runCli(['graph', 'welcome.flow', 'flows/other.flow'], dir).code).toBe(2);
    expect(runCli(['graph', 'welcome.flow', '--bogus'], dir).code).toBe(2);
  });

  it('has --help, and is listed in the main help', () => {
    const dir = project({});
    const r = runCli(['graph', '--help'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: runnel graph <file.flow>/);
    expect(r.stdout).toContain('--format <svg|mermaid|dot>');
    expect(runCli(['--help'], dir).stdout).toMatch(/\n {2}graph <file.flow> /);
  });
});
