import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST, runCli, useTempProjects } from '../helpers/cli.js';
import { SHOP } from './helpers.js';
import { verifyFlow } from '../../compiler/bytecode/verify.js';
import { disassemble } from '../../compiler/bytecode/disasm.js';

const project = useTempProjects();
/** A copy of examples/shop in a temporary folder (removed after the test, like any project). */
function shopCopy(): string {
  const dir = project({});
  cpSync(SHOP, join(dir, 'shop'), { recursive: true });
  return dir;
}

interface BuildManifest {
  flows: Array<{ id: string; file: string; source: string; version: string; triggers: string[]; blocks: Array<{ id: string; kind: string }> }>;
}

const GOOD = `flow welcome {
  on CustomerRegistered
  steps hello { send email "welcome" }
  wait later 1d
  steps again { send email "reminder" }
}
`;

describe('runnel build', () => {
  it('writes a verified .flowb per flow and manifest.json', () => {
    const dir = shopCopy();
    const r = runCli(['build', 'shop', '-o', 'out'], dir);
    expect(r.stderr).toContain('Built 13 flows from 13 files.');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('wrote out/welcome.flowb (');
    expect(r.stdout).toContain('wrote out/manifest.json');
    const manifest = JSON.parse(readFileSync(join(dir, 'out/manifest.json'), 'utf8')) as BuildManifest;
    expect(manifest.flows.map((f) => f.id)).toEqual([...manifest.flows.map((f) => f.id)].sort());
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['manifest.json', ...manifest.flows.map((f) => f.file)].sort());
    for (const f of manifest.flows) {
      const p = verifyFlow(new Uint8Array(readFileSync(join(dir, 'out', f.file))));
      expect(p.hash).toBe(f.version);
      expect(f.blocks).toEqual(p.blocks.map((b) => ({ id: (p.constants[b.id] as { value: string }).value, kind: b.kind })));
    }
    const cart = manifest.flows.find((f) => f.id === 'abandoned_cart')!;
    expect(cart).toMatchObject({ file: 'abandoned_cart.flowb', source: 'flows/abandoned_cart.flow', triggers: ['CustomerLeftSite'] });
    expect(cart.version).toMatch(/^[0-9a-f]{64}$/);
    expect(cart.blocks.slice(0, 2)).toEqual([
      { id: 'for_order', kind: 'wait_event' },
      { id: expect.stringMatching(/^stop_[0-9a-z]{6}$/), kind: 'stop' },
    ]);
    expect(manifest.flows.find((f) => f.id === 'order_to_crm')!.triggers).toEqual(['OrderStatusChanged']);
    expect(manifest.flows.find((f) => f.id === 'birthday')!.triggers).toEqual(['every day at 09:00 for segment "newsletter"']);
    // runnel.json limits flows/vip to the vip segment.
    const vip = verifyFlow(new Uint8Array(readFileSync(join(dir, 'out/vip_welcome.flowb'))));
    expect(vip.constants[vip.flow.segment!]).toEqual({ tag: 'string', value: 'vip' });
  });

  it('builds the same bytes twice', () => {
    const dir = shopCopy();
    expect(runCli(['build', 'shop', '-o', 'a'], dir).code).toBe(0);
    expect(runCli(['build', 'shop', '-o', 'b'], dir).code).toBe(0);
    for (const f of readdirSync(join(dir, 'a'))) expect(readFileSync(join(dir, 'b', f)).equals(readFileSync(join(dir, 'a', f)))).toBe(true);
  });

  it('builds only the files asked for', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'flows/welcome.flow': GOOD, 'flows/other.flow': GOOD.replace('flow welcome', 'flow other') });
    const r = runCli(['build', 'flows/other.flow', '-o', 'out'], dir);
    expect(r.code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'out/manifest.json'), 'utf8')) as BuildManifest;
    expect(manifest.flows.map((f) => f.id)).toEqual(['other']);
    expect(manifest.flows[0]!.blocks.map((b) => b.id)).toEqual(['hello', 'later', 'again', expect.stringMatching(/^end_/)]);
  });

  it('prints the diagnostics like check and writes nothing when a file has errors', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'flows/welcome.flow': GOOD.replace('"reminder"', '"remindr"') });
    const r = runCli(['build', '-o', 'out'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('flows/welcome.flow:5:28 - error RN0204: unknown email template "remindr"');
    // Exactly what `runnel check` prints.
    expect(r.stdout).toBe(runCli(['check'], dir).stdout);
    expect(r.stderr).toContain('Checked 1 file: 1 error, 0 warnings. Nothing was built.');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('refuses a flow it cannot compile even when the checker passed it', () => {
    // 9:00..09:00 is an empty window that the checker (comparing the text) lets through.
    const dir = project({ 'runnel.json': MANIFEST, 'w.flow': GOOD.replace('wait later 1d', 'wait later within 9:00..09:00') });
    const r = runCli(['build', 'w.flow', '-o', 'out'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/empty/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('builds with warnings, and shows them', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'w.flow': GOOD.replace('wait later 1d', 'stop\n  wait later 1d') });
    const r = runCli(['build', 'w.flow', '-o', 'out'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('warning RN0403');
    expect(r.stderr).toContain('(1 warning)');
    const manifest = JSON.parse(readFileSync(join(dir, 'out/manifest.json'), 'utf8')) as BuildManifest;
    // Unreachable blocks are left out.
    expect(manifest.flows[0]!.blocks.map((b) => b.kind)).toEqual(['steps', 'stop', 'end']);
  });

  it('is a usage error without -o, and has help', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'w.flow': GOOD });
    const r = runCli(['build', 'w.flow'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('-o <dir>');
    const h = runCli(['build', '--help'], dir);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Usage: runnel build [paths...] -o <dir>');
    expect(runCli(['--help'], dir).stdout).toContain('build [paths...] -o <dir>');
  });
});

describe('runnel disasm', () => {
  it('prints a built flow as the disassembler does', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'w.flow': GOOD });
    expect(runCli(['build', '.', '-o', 'out'], dir).code).toBe(0);
    const bytes = new Uint8Array(readFileSync(join(dir, 'out/welcome.flowb')));
    const r = runCli(['disasm', 'out/welcome.flowb'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(disassemble(verifyFlow(bytes), bytes.length));
    expect(r.stdout).toContain('flow welcome');
    expect(r.stdout).toMatch(/@1 later {2}wait_fixed 1d\n {6}keeps \(nothing\)\n {6}-> @2 again/);
  });

  it('refuses corrupt input with the offset and the reason', () => {
    const dir = project({ 'runnel.json': MANIFEST, 'w.flow': GOOD });
    expect(runCli(['build', '.', '-o', 'out'], dir).code).toBe(0);
    const path = join(dir, 'out/welcome.flowb');
    const bytes = readFileSync(path);
    bytes[60] ^= 0xff;
    writeFileSync(path, bytes);
    const r = runCli(['disasm', 'out/welcome.flowb'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^out\/welcome\.flowb: offset 12: content hash mismatch/);
    writeFileSync(path, bytes.subarray(0, 30));
    expect(runCli(['disasm', 'out/welcome.flowb'], dir).stderr).toBe('out/welcome.flowb: offset 30: truncated: the header takes 44 bytes, the file has 30\n');
    writeFileSync(path, 'flow welcome {}');
    expect(runCli(['disasm', 'out/welcome.flowb'], dir).stderr).toBe('out/welcome.flowb: offset 0: not a runnel flow: the file does not start with "RNFB"\n');
  });

  it('is a usage error without a readable file, and has help', () => {
    const dir = project({ 'runnel.json': MANIFEST });
    expect(runCli(['disasm', 'nope.flowb'], dir)).toMatchObject({ code: 2, stderr: 'runnel disasm: cannot read nope.flowb: no such file\n' });
    expect(runCli(['disasm'], dir).code).toBe(2);
    const h = runCli(['disasm', '--help'], dir);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Usage: runnel disasm <file.flowb>');
  });
});
