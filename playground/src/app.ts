/**
 * The playground page: a project in tabs (runnel.json and .flow files) in Monaco, the compiler in
 * a web worker for the markers and the editor's questions, a second one (started once the first
 * markers are up) for the graph and the simulator. The project lives in the URL and in local
 * storage.
 */
import { monaco } from './monaco-setup.js';
import { CompilerClient } from './client.js';
import { ProjectEditor, type MarkersEvent } from './editor.js';
import { GraphPanel } from './graph-panel.js';
import { Simulator } from './simulator.js';
import { decodeState, encodeState, examples, loadStored, MANIFEST_PATH, stateOfExample, store, type PlaygroundState } from './state.js';
import type { PlaygroundDiagnostic } from './protocol.js';

function byId<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`#${id} is missing`);
  return e as T;
}

declare global {
  interface Window {
    __playground: unknown;
  }
}

export function start(): void {
  performance.mark('runnel:script-start');
  // The compiler worker starts once the editor is on screen: on a small machine its start would
  // otherwise slow down the editor's (the updates sent before wait in its queue).
  const typing = new CompilerClient('runnel-check', true);
  const status = byId('status');
  const setStatus = (text: string, bad = false) => {
    status.textContent = text;
    status.classList.toggle('bad', bad);
  };

  // The second worker draws and simulates; it starts after the first markers, so that it does not
  // compete with the editor's start for the machine.
  let backgroundWorker: CompilerClient | undefined;
  const background = (): CompilerClient => (backgroundWorker ??= new CompilerClient('runnel-graph'));

  const editor = new ProjectEditor(byId('editor'), typing);
  performance.mark('runnel:editor-created');
  const graph = new GraphPanel(byId('graph'), byId('graph-note'));
  const simulator = new Simulator(background, () => editor.project());
  editor.formatError = (message) => setStatus(`Not formatted: ${message}`, true);

  const EXAMPLES = examples();
  const select = byId<HTMLSelectElement>('example');
  select.append(new Option('(this project)', ''), ...EXAMPLES.map((e) => new Option(`examples/${e.name}`, e.name)));

  let state: PlaygroundState;
  let loading = false;
  let firstMarkers = true;

  function initialState(): PlaygroundState {
    const fromUrl = decodeState(location.hash);
    if (fromUrl) return fromUrl;
    const stored = loadStored();
    if (stored) return stored;
    const shop = EXAMPLES.find((e) => e.name === 'shop') ?? EXAMPLES[0];
    return shop ? stateOfExample(shop) : { name: 'project', files: [{ path: 'main.flow', text: '' }], active: 'main.flow', events: '', customers: '', until: '' };
  }

  function load(s: PlaygroundState): void {
    loading = true;
    state = s;
    editor.load(s.files, s.active);
    simulator.set(s.events, s.customers, s.until);
    select.value = EXAMPLES.some((e) => e.name === s.name) ? s.name : '';
    renderTabs();
    requestGraph(0);
    loading = false;
  }

  // ------------------------------------------------------------------ saving

  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  function scheduleSave(): void {
    if (loading) return;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(save, 800);
  }
  function save(): PlaygroundState {
    state = { ...state, files: editor.files(), active: editor.activePath(), events: simulator.eventsText(), customers: simulator.customersText(), until: simulator.untilIso() };
    store(state);
    return state;
  }

  window.addEventListener('hashchange', () => {
    const s = decodeState(location.hash);
    // Our own updates of the address (replaceState) fire no hashchange: this is a link pasted in.
    if (s) load(s);
  });

  select.addEventListener('change', () => {
    const e = EXAMPLES.find((x) => x.name === select.value);
    if (!e) return;
    load(stateOfExample(e));
    save();
  });

  byId('share').addEventListener('click', async () => {
    const s = save();
    const url = `${location.href.split('#')[0]}#${encodeState(s)}`;
    try {
      await navigator.clipboard.writeText(url);
      setStatus('Link copied: it opens this project.');
    } catch {
      setStatus('The address bar has the link to this project.');
    }
  });

  byId('format').addEventListener('click', () => {
    void editor.editor.getAction('editor.action.formatDocument')?.run();
  });

  // ------------------------------------------------------------------ tabs and problems

  function counts(ds: readonly PlaygroundDiagnostic[] | undefined): { errors: number; warnings: number } {
    return { errors: ds?.filter((d) => d.severity === 'error').length ?? 0, warnings: ds?.filter((d) => d.severity === 'warning').length ?? 0 };
  }

  let tabsShown = '';
  function renderTabs(): void {
    const tabs = byId('tabs');
    const active = editor.activePath();
    const key = JSON.stringify([active, editor.paths().map((p) => [p, counts(editor.diagnostics[p])])]);
    if (key === tabsShown) return;
    tabsShown = key;
    const buttons = editor.paths().map((path) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.setAttribute('role', 'tab');
      b.dataset['path'] = path;
      b.className = path === active ? 'active' : '';
      // `flows/` says nothing when every flow is in it.
    b.textContent = path.replace(/^flows\//, '');
    b.title = path;
      const { errors, warnings } = counts(editor.diagnostics[path]);
      if (errors || warnings) {
        const badge = document.createElement('span');
        badge.className = errors ? 'badge' : 'badge warn';
        badge.textContent = String(errors || warnings);
        badge.title = `${errors} error(s), ${warnings} warning(s)`;
        b.append(badge);
      }
      if (path !== MANIFEST_PATH) {
        const close = document.createElement('span');
        close.className = 'close';
        close.textContent = '×';
        close.title = `Delete ${path}`;
        close.addEventListener('click', (e) => {
          e.stopPropagation();
          if (!confirm(`Delete ${path}?`)) return;
          editor.removeModel(path);
          if (active === path) editor.open(editor.paths()[0] ?? MANIFEST_PATH);
          renderTabs();
          scheduleSave();
        });
        b.append(close);
      }
      b.addEventListener('click', () => editor.open(path));
      return b;
    });
    const add = document.createElement('button');
    add.type = 'button';
    add.className = 'add';
    add.textContent = '+ flow';
    add.title = 'Add a .flow file';
    add.addEventListener('click', () => {
      const name = prompt('New file (path ending in .flow):', 'flows/new.flow');
      if (!name || !name.endsWith('.flow') || editor.model(name)) return;
      const id = (name.split('/').pop() ?? 'new').replace(/\.flow$/, '').replace(/[^A-Za-z0-9_]/g, '_');
      editor.addModel(name, `flow ${id} {\n  on CustomerRegistered\n\n  steps hello {\n    \n  }\n}\n`);
      editor.open(name);
      renderTabs();
      scheduleSave();
    });
    tabs.replaceChildren(...buttons, add);
    // The active tab in sight (the bar scrolls sideways; only it, never the page).
    const current = buttons.find((b) => b.dataset['path'] === active);
    if (current && (current.offsetLeft < tabs.scrollLeft || current.offsetLeft + current.offsetWidth > tabs.scrollLeft + tabs.clientWidth))
      tabs.scrollLeft = current.offsetLeft - 8;
  }

  let problemsShown = '';
  function renderProblems(): void {
    const path = editor.activePath();
    const model = editor.model(path);
    const ds = editor.diagnostics[path] ?? [];
    const key = JSON.stringify([path, ds.map((d) => [d.code, d.start, d.message, d.help])]);
    if (key === problemsShown) return;
    problemsShown = key;
    const list = byId('problems');
    list.replaceChildren(
      ...ds.map((d) => {
        const row = document.createElement('div');
        row.className = `problem sev-${d.severity}`;
        const pos = model?.getPositionAt(d.start);
        const where = document.createElement('span');
        where.className = 'where';
        where.textContent = pos ? `${pos.lineNumber}:${pos.column}` : '';
        const code = document.createElement('span');
        code.className = 'code';
        code.textContent = d.code;
        const msg = document.createElement('span');
        msg.className = 'message';
        msg.textContent = d.message;
        row.append(where, code, msg);
        if (d.help) {
          const help = document.createElement('span');
          help.className = 'help';
          help.textContent = d.help;
          row.append(help);
        }
        row.addEventListener('click', () => editor.reveal(path, d.start));
        return row;
      }),
    );
  }

  // ------------------------------------------------------------------ markers → status, tabs, graph

  editor.on('markers', (e: MarkersEvent) => {
    if (firstMarkers) {
      firstMarkers = false;
      performance.mark('runnel:first-markers');
      // Now the rest: the graph (and its worker), JSON's language service for runnel.json.
      requestGraph(0);
      setTimeout(() => editor.enableJson(), 500);
    }
    let errors = 0;
    let warnings = 0;
    for (const ds of Object.values(e.diagnostics)) {
      const c = counts(ds);
      errors += c.errors;
      warnings += c.warnings;
    }
    window.dispatchEvent(new CustomEvent('runnel:markers', { detail: { path: e.path, version: e.version, checkMs: e.checkMs, ...e.times, at: e.times.set } }));
    setStatus(`${editor.paths().length} files · ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} · checked in ${e.checkMs.toFixed(1)} ms`, errors > 0);
    renderTabs();
    renderProblems();
  });

  editor.on('change', () => {
    requestGraph(400);
    scheduleSave();
  });
  editor.on('active', () => {
    renderTabs();
    renderProblems();
    requestGraph(0);
    scheduleSave();
  });
  editor.on('cursor', (path, offset) => graph.cursor(path, offset));
  graph.onSelect = (flow, block) => {
    const span = graph.blockSpan(flow, block);
    if (span) editor.reveal(editor.activePath(), span.start);
  };
  simulator.onChange = scheduleSave;
  simulator.onResult = (r) => graph.setCounters(r.counters);

  // The graph: after a pause in typing, in the background worker.
  let graphTimer: ReturnType<typeof setTimeout> | undefined;
  let graphSeq = 0;
  function requestGraph(delay: number): void {
    // Not before the first markers: they ask for it then (see above).
    if (firstMarkers) return;
    clearTimeout(graphTimer);
    graphTimer = setTimeout(async () => {
      const path = editor.activePath();
      const seq = ++graphSeq;
      if (!path.endsWith('.flow')) {
        graph.show(path, undefined, [], 'The graph shows the flows of the .flow file in the editor.');
        return;
      }
      const r = await background().request({ type: 'graph', path, project: editor.project() });
      if (seq !== graphSeq) return;
      graph.show(r.path, r.svg, r.blocks, r.error);
      const model = editor.editor.getModel();
      const pos = editor.editor.getPosition();
      if (model && pos) graph.cursor(path, model.getOffsetAt(pos));
      window.dispatchEvent(new CustomEvent('runnel:graph', { detail: { path } }));
    }, delay);
  }

  // Side panels.
  for (const b of document.querySelectorAll<HTMLButtonElement>('.side-tabs button')) {
    b.addEventListener('click', () => {
      for (const x of document.querySelectorAll('.side-tabs button')) x.classList.toggle('active', x === b);
      for (const p of document.querySelectorAll('.side-pane .panel')) p.classList.toggle('active', p.id === `panel-${b.dataset['panel']}`);
      if (b.dataset['panel'] === 'simulate') simulator.show();
    });
  }

  load(initialState());
  editor.editor.focus();
  requestAnimationFrame(() => {
    performance.mark('runnel:editor-ready');
    document.body.dataset['ready'] = 'true';
    setTimeout(() => typing.start(), 0);
  });
  // For the browser tests and the benchmark (and the curious, from the console).
  window.__playground = { monaco, editor, graph, simulator, save, load, examples: EXAMPLES, stateOfExample };
}
