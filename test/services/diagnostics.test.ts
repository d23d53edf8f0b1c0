/** diagnostics: the file's diagnostics in the worker's flat shape, with offsets. */
import { describe, expect, it } from 'vitest';
import { diagnostics, type EditorProject } from '../../compiler/services/index.js';
import { checkProject } from '../../compiler/project.js';
import { flow, projectOf, PATH, SHOP_MANIFEST } from './helpers.js';

describe('diagnostics', () => {
  it('flat, with offsets, notes, help and suggestions', () => {
    const text = flow('steps a {\n    send email "welcom"\n  }');
    const [d, ...rest] = diagnostics(projectOf(text), PATH);
    expect(rest).toEqual([]);
    const start = text.indexOf('"welcom"');
    expect(d).toEqual({
      code: 'RN0204',
      severity: 'error',
      message: 'unknown email template "welcom"',
      start,
      end: start + '"welcom"'.length,
      label: 'not declared in runnel.json',
      notes: [expect.stringMatching(/^declared email templates: welcome, /)],
      help: 'did you mean "welcome"?',
      suggestions: [{ title: 'replace with "welcome"', start, end: start + 8, newText: '"welcome"' }],
    });
  });

  it('the same diagnostics as checkProject, in source order', () => {
    const text = 'flow f {\n  on NewOrdr\n  wait 12h1d\n  if order.totl > "x" {\n    stop\n  }\n}\n';
    const mine = diagnostics(projectOf(text), PATH);
    const theirs = checkProject({ manifest: { path: 'runnel.json', text: SHOP_MANIFEST }, files: [{ path: PATH, text }] }).files[0]!.diagnostics;
    expect(mine.map((d) => [d.code, d.start, d.end, d.message])).toEqual(theirs.map((d) => [d.code, d.span.start, d.span.end, d.message]));
    expect(mine.length).toBeGreaterThanOrEqual(2);
  });

  it('syntax errors, several per file', () => {
    const ds = diagnostics(projectOf('flow f {\n  on NewOrder\n  if order. {\n  }\n  steps { send }\n}\n'), PATH);
    expect(ds.filter((d) => d.code === 'RN0104').length).toBeGreaterThanOrEqual(2);
  });

  it('project-wide rules: a flow id used in two files', () => {
    const project: EditorProject = {
      manifest: null,
      files: [
        { path: 'a.flow', text: 'flow same {\n  on NewOrder\n  stop\n}\n' },
        { path: 'b.flow', text: 'flow same {\n  on NewOrder\n  stop\n}\n' },
      ],
    };
    expect(diagnostics(project, 'a.flow')).toEqual([]);
    expect(diagnostics(project, 'b.flow').map((d) => d.code)).toEqual(['RN0409']);
  });

  it('runnel.json by its path: the manifest problems', () => {
    const project: EditorProject = { manifest: { path: 'runnel.json', text: '{"segmnts": ["vip"]}' }, files: [] };
    const ds = diagnostics(project, 'runnel.json');
    expect(ds.map((d) => d.code)).toEqual(['RN0501']);
    expect(ds[0]!.help).toMatch(/segments/);
  });

  it('a path that is not in the project', () => {
    expect(diagnostics(projectOf(flow('stop')), 'other.flow')).toEqual([]);
  });

  it('a clean file', () => {
    expect(diagnostics(projectOf(flow('steps a {\n    send email "welcome"\n  }')), PATH)).toEqual([]);
  });
});
