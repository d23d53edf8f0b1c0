import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST, runCli, useTempProjects } from '../helpers/cli.js';

const GOOD = `flow welcome {
  on CustomerRegistered
  steps { send email "welcome" }
}
`;
const BAD = `flow welcome {
  on CustomerRegistered
  steps { send email "welcom" }
}
`;

const project = useTempProjects();

describe('runnel check', () => {
  it('exits 0 on a clean project and says what it checked', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'flows/welcome.flow': GOOD });
    const r = runCli(['check', '.'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Checked 1 file: 0 errors, 0 warnings.');
  });

  it('exits 1 with path:line:col, code, frame, caret and did-you-mean on an error', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'flows/welcome.flow': BAD });
    const r = runCli(['check'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('flows/welcome.flow:3:22 - error RN0204: unknown email template "welcom"');
    expect(r.stdout).toContain('3 |   steps { send email "welcom" }');
    expect(r.stdout).toMatch(/\n {2}\| {22}\^{8} not declared in runnel.json/);
    expect(r.stdout).toContain('help: did you mean "welcome"?');
  });

  it('prints the JSON of contracts.md with --format json', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'welcome.flow': BAD });
    const r = runCli(['check', 'welcome.flow', '--format', 'json'], dir);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { diagnostics: Array<Record<string, unknown>> };
    expect(out.diagnostics).toEqual([
      expect.objectContaining({
        file: 'welcome.flow',
        line: 3,
        column: 22,
        endLine: 3,
        endColumn: 30,
        severity: 'error',
        code: 'RN0204',
        message: 'unknown email template "welcom"',
        suggestions: ['welcome'],
      }),
    ]);
  });

  it('lists every block id, written or derived, with --format json', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'w.flow': 'flow w {\n  on CustomerRegistered\n  wait 1d\n  steps hello { send email "welcome" }\n}\n' });
    const out = JSON.parse(runCli(['check', '--format', 'json'], dir).stdout) as { flows: Array<{ id: string; blocks: Array<Record<string, unknown>> }> };
    expect(out.flows).toHaveLength(1);
    expect(out.flows[0]!.id).toBe('w');
    const [wait, steps] = out.flows[0]!.blocks;
    expect(wait).toMatchObject({ kind: 'wait', explicit: false, line: 3, column: 3 });
    expect(wait!['id']).toMatch(/^wait_[0-9a-z]{6}$/);
    expect(steps).toEqual({ id: 'hello', kind: 'steps', explicit: true, line: 4, column: 3 });
  });

  it('uses the nearest runnel.json above a file', () => {
    const dir = project({
      'runnel.json': MANIFEST,
      'sub/runnel.json': JSON.stringify({ templates: { email: ['welcom'] } }),
      'sub/deep/welcome.flow': BAD,
    });
    expect(runCli(['check', 'sub/deep/welcome.flow'], dir).code).toBe(0);
    expect(runCli(['check', '.'], dir).code).toBe(0);
  });

  it('keeps a nested project out of its parent', () => {
    const nested = JSON.stringify({ templates: { email: ['welcome'] } });
    const dir = project({ 'runnel.json': MANIFEST, 'z.flow': GOOD, 'sub/runnel.json': nested, 'sub/b.flow': GOOD });
    // Same flow id in two projects: no RN0409; each file checked once, against its own manifest.
    const r = runCli(['check', '.'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Checked 2 files: 0 errors');
    expect(runCli(['check', 'z.flow'], dir).code).toBe(0);
  });

  it('checks files outside any project one by one (flow ids are per project)', () => {
    const dir = project({ 'a/x.flow': 'flow same {\n  on NewOrder\n  stop\n}\n', 'b/y.flow': 'flow same {\n  on NewOrder\n  stop\n}\n' });
    const r = runCli(['check', 'a/x.flow', 'b/y.flow'], dir);
    expect(r.stdout).not.toContain('RN0409');
    expect(r.code).toBe(0);
  });

  it('does not crash on a manifest whose values have the wrong types', () => {
    const bad = JSON.stringify({ webhooks: { allowedHosts: 'x' }, budgets: { sms: 5 }, folders: { a: 'vip' }, timezone: 'Mars/Base', segments: 'vip' });
    const dir = project({ 'runnel.json': bad, 'a.flow': 'flow a {\n  on NewOrder\n  steps s { webhook post "https://x.example.com/h" { } }\n}\n' });
    const r = runCli(['check'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('RN0501');
    expect(r.stdout).toContain('error RN0214: unknown time zone "Mars/Base"');
  });

  it('checks a file outside any project against an empty manifest', () => {
    const dir = project({ 'welcome.flow': GOOD });
    const r = runCli(['check', 'welcome.flow'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not in a project (no runnel.json above it)');
  });

  it('reports manifest errors with a location in runnel.json', () => {
    const dir = project({ 'runnel.json': '{"segmnts": ["vip"]}', 'a.flow': 'flow a {\n  on NewOrder\n  stop\n}\n' });
    const r = runCli(['check'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('runnel.json:1:2 - error RN0501');
    expect(r.stdout).toContain('segments');
  });

  it('reports invalid JSON in runnel.json', () => {
    const dir = project({ 'runnel.json': '{"segments": ["vip",]}' });
    const r = runCli(['check'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error RN0502');
  });

  it('finds duplicate flow ids across the files of a project', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'a.flow': GOOD, 'b.flow': GOOD });
    const r = runCli(['check'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('b.flow:1:6 - error RN0409: flow id `welcome` is already used');
  });

  it('exits 2 on usage errors', () => {
    const dir = project({});
    expect(runCli(['check', 'nope.flow'], dir).code).toBe(2);
    expect(runCli(['check', '--format', 'xml'], dir).code).toBe(2);
    expect(runCli(['check', '--bogus'], dir).code).toBe(2);
    expect(runCli(['frobnicate'], dir).code).toBe(2);
    const bare = runCli([], dir);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/Usage: runnel/);
  });

  it('has --help for every command', () => {
    const dir = project({});
    for (const args of [['--help'], ['check', '--help'], ['fmt', '--help']]) {
      const r = runCli(args, dir);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/Usage: runnel/);
    }
  });
});

describe('runnel fmt', () => {
  const MESSY = 'flow welcome {\n on CustomerRegistered\n      steps {send email "welcome"}  // hi\n}\n';

  it('--check lists files that would change and exits 1, writing nothing', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'welcome.flow': MESSY });
    const r = runCli(['fmt', '--check'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('welcome.flow\n');
    expect(readFileSync(join(dir, 'welcome.flow'), 'utf8')).toBe(MESSY);
  });

  it('formats in place, keeps comments, then --check passes', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'welcome.flow': MESSY });
    expect(runCli(['fmt'], dir).code).toBe(0);
    const text = readFileSync(join(dir, 'welcome.flow'), 'utf8');
    expect(text).toContain('// hi');
    expect(text).toContain('  on CustomerRegistered\n');
    expect(runCli(['fmt', '--check'], dir).code).toBe(0);
  });

  it('leaves a file with syntax errors untouched and exits 1', () => {
    const broken = 'flow a {\n  on NewOrder\n  steps { send email }\n';
    const dir = project({ 'a.flow': broken });
    const r = runCli(['fmt', 'a.flow'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('a.flow: not formatted');
    expect(readFileSync(join(dir, 'a.flow'), 'utf8')).toBe(broken);
  });
});
