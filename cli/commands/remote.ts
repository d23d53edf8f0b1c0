/**
 * Commands that talk to a running `runnel serve` over its HTTP API (docs/openapi.json):
 * `runnel deploy` (drafts), `runnel launch|pause|resume|stop <flow>`, `runnel activity`.
 * The server and token come from --server/--token or RUNNEL_SERVER/RUNNEL_TOKEN.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { UsageError, collectProjects, displayPath } from '../files.js';
import { EXIT, type CliIO } from '../io.js';

export const REMOTE_HELP = `Usage:
  runnel deploy <paths...>              save each flow of these files as its flow's draft (prints the diagnostics)
  runnel launch <flow> [--deploy <file>] launch the flow's draft (after deploying <file> first, if given)
  runnel pause|resume|stop <flow>       change a running flow
  runnel activity [--flow <id>] [--q <text>] [--limit <n>] [--json]
                                        journeys of the last 30 days as a timeline (q: customer id, email, phone or name)

Options (all): --server <url> (default $RUNNEL_SERVER or http://127.0.0.1:8080), --token <t> (default $RUNNEL_TOKEN)
Exit status: 0 done, 1 the server refused (errors in a draft, no such flow...), 2 usage error or no connection.
`;

/** How many answers of GET /v1/activity one `runnel activity` reads at most (each reads a bounded number of journeys). */
const ACTIVITY_REQUESTS = 20;

interface Conn {
  server: string;
  token: string;
}

async function call(conn: Conn, method: string, path: string, body?: { type: string; text: string }): Promise<{ status: number; json: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(new URL(path, conn.server), {
      method,
      headers: { authorization: `Bearer ${conn.token}`, ...(body ? { 'content-type': body.type } : {}) },
      ...(body ? { body: body.text } : {}),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new UsageError(`cannot reach ${conn.server}: ${(e as Error).message}`);
  }
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { error: text.slice(0, 500) };
  }
  return { status: res.status, json };
}

function connection(values: { server?: string | undefined; token?: string | undefined }): Conn {
  const server = values.server ?? process.env['RUNNEL_SERVER'] ?? 'http://127.0.0.1:8080';
  const token = values.token ?? process.env['RUNNEL_TOKEN'] ?? '';
  if (!token) throw new UsageError('no API token: pass --token or set RUNNEL_TOKEN');
  try {
    new URL(server);
  } catch {
    throw new UsageError(`--server must be a URL, not ${server}`);
  }
  return { server, token };
}

/** The flow ids a source file holds (`flow <id> "..."` at the start of a line). */
function flowIds(text: string): string[] {
  return [...text.matchAll(/^\s*flow\s+([a-z][a-z0-9_]*)\b/gm)].map((m) => m[1]!);
}

async function deploy(conn: Conn, paths: string[], io: CliIO): Promise<number> {
  // Each file goes with its path in its project (runnel.json's folder restrictions apply to it).
  const files = collectProjects(paths, io.cwd).flatMap((p) => [...p.requested].filter((f) => f.endsWith('.flow')).map((abs) => ({ abs, inProject: relative(p.root ?? io.cwd, abs).split(sep).join('/') })));
  if (!files.length) throw new UsageError('no .flow file in the paths given');
  let failed = 0;
  for (const { abs, inProject } of files) {
    const file = displayPath(abs, io.cwd);
    const text = readFileSync(abs, 'utf8');
    const ids = flowIds(text);
    if (ids.length !== 1) {
      io.stderr(`${file}: deploy needs one flow a file (found ${ids.length})\n`);
      failed++;
      continue;
    }
    const r = await call(conn, 'PUT', `/v1/flows/${ids[0]}/draft?path=${encodeURIComponent(inProject)}`, { type: 'text/plain', text });
    if (r.status === 200) io.stdout(`${file}: flow ${ids[0]}: draft saved, no errors\n`);
    else {
      failed++;
      const ds = (r.json['diagnostics'] as Array<Record<string, unknown>> | undefined) ?? [];
      for (const d of ds) io.stderr(`${file}:${d['line']}:${d['column']} - ${d['severity']} ${d['code']}: ${d['message']}\n`);
      for (const p of (r.json['problems'] as string[] | undefined) ?? []) io.stderr(`${file}: ${p}\n`);
      if (!ds.length && !(r.json['problems'] as string[] | undefined)?.length) io.stderr(`${file}: ${r.status}: ${String(r.json['error'] ?? 'refused')}\n`);
    }
  }
  return failed ? EXIT.inputErrors : EXIT.ok;
}

function timeline(entries: Array<Record<string, unknown>>): string {
  const lines: string[] = [];
  for (const a of entries) {
    const until = a['waitingUntil'] ? ` until ${a['waitingUntil']}` : '';
    lines.push(`${a['enteredAt']}  ${a['customer']}  ${a['flow']}: ${a['status']} ${a['reason']}${until}${a['message'] ? ` (${a['message']})` : ''}`);
    for (const s of (a['steps'] as Array<Record<string, unknown>>) ?? []) {
      lines.push(`  ${String(s['at']).padEnd(20)}  ${s['kind']} ${s['block']}${s['until'] ? ` until ${s['until']}` : ''}${s['variant'] ? ` variant ${s['variant']}` : ''}  (version ${String(s['version']).slice(0, 12)})`);
    }
  }
  return lines.join('\n') + (lines.length ? '\n' : 'no activity\n');
}

/** Runs one of the remote commands. */
export async function runRemote(command: string, argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      deploy: { type: 'string' },
      flow: { type: 'string' },
      q: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.stdout(REMOTE_HELP), EXIT.ok;
  const conn = connection(values);
  switch (command) {
    case 'deploy':
      if (!positionals.length) throw new UsageError('say what to deploy: runnel deploy <paths...>');
      return deploy(conn, positionals, io);
    case 'launch':
    case 'pause':
    case 'resume':
    case 'stop': {
      const [flow, ...more] = positionals;
      if (!flow || more.length) throw new UsageError(`say which flow: runnel ${command} <flow>`);
      if (values.deploy !== undefined && command === 'launch') {
        const d = await deploy(conn, [values.deploy], io);
        if (d !== EXIT.ok) return d;
      }
      const r = await call(conn, 'POST', `/v1/flows/${encodeURIComponent(flow)}/${command}`);
      if (r.status !== 200) {
        io.stderr(`runnel ${command}: ${r.status}: ${String(r.json['error'] ?? 'refused')}\n`);
        return r.status === 401 || r.status === 403 ? EXIT.usage : EXIT.inputErrors;
      }
      io.stdout(`flow ${flow}: ${r.json['status']} (version ${String(r.json['version']).slice(0, 12)})\n`);
      return EXIT.ok;
    }
    case 'activity': {
      const q = new URLSearchParams();
      if (values.flow) q.set('flow', values.flow);
      if (values.q) q.set('q', values.q);
      if (values.limit) q.set('limit', values.limit);
      const limit = values.limit ? Number(values.limit) : 100;
      // The server answers a page at a time, each reading a bounded number of journeys: follow its cursor until enough came.
      const entries: Array<Record<string, unknown>> = [];
      for (let requests = 1; ; requests++) {
        const r = await call(conn, 'GET', `/v1/activity?${q}`);
        if (r.status !== 200) {
          io.stderr(`runnel activity: ${r.status}: ${String(r.json['error'] ?? 'refused')}\n`);
          return r.status === 401 || r.status === 403 ? EXIT.usage : EXIT.inputErrors;
        }
        entries.push(...(r.json['activity'] as Array<Record<string, unknown>>));
        const next = r.json['next'];
        if (typeof next !== 'string' || entries.length >= limit) break;
        if (requests >= ACTIVITY_REQUESTS) {
          io.stderr(`runnel activity: stopped after ${ACTIVITY_REQUESTS} pages of the server with ${entries.length} of ${limit} entries; the history goes on (narrow the search with --flow or --q)\n`);
          break;
        }
        q.set('before', next);
        q.set('limit', String(limit - entries.length));
      }
      io.stdout(values.json ? JSON.stringify(entries, null, 2) + '\n' : timeline(entries));
      return EXIT.ok;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}
