/**
 * Real Redis servers for tests and benches: each test file starts what it needs in `beforeAll` and
 * stops it in `afterAll`. Every server is our own child process, on a free loopback port, in a
 * temporary folder: nothing is shared with a Redis the machine may run.
 *
 *   const redis = await startRedis();               // one server, no persistence
 *   const aof = await startRedis({ aof: true });     // appendonly yes, appendfsync always
 *   await aof.kill(); await aof.restart();           // kill -9, then start again on the same folder
 *   const cluster = await startRedisCluster();       // three masters, no replicas, cluster_state:ok
 *
 * redis-server and redis-cli are looked up on PATH and in /usr/bin; when missing and we are root
 * with apt-get, Debian's `redis-server` package is installed, else a clear error says what to
 * install. A test never skips for want of Redis.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RedisBinaries {
  server: string;
  cli: string;
}

function findOnPath(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/local/bin'];
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

let binaries: RedisBinaries | undefined;

/** redis-server and redis-cli, installed with apt-get when missing and we may; else throws what to install. */
export function redisBinaries(): RedisBinaries {
  if (binaries) return binaries;
  let server = findOnPath('redis-server');
  let cli = findOnPath('redis-cli');
  if (!server || !cli) {
    const root = typeof process.getuid === 'function' && process.getuid() === 0;
    const apt = findOnPath('apt-get');
    if (root && apt) {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const update = spawnSync(apt, ['update', '-q'], { env, encoding: 'utf8', timeout: 300_000 });
      const install = update.status === 0 ? spawnSync(apt, ['install', '-y', '-q', 'redis-server'], { env, encoding: 'utf8', timeout: 300_000 }) : update;
      if (install.status !== 0) throw new Error(`Redis tests need redis-server and redis-cli; \`apt-get install -y redis-server\` failed:\n${install.stderr || install.stdout}`);
      server = findOnPath('redis-server');
      cli = findOnPath('redis-cli');
    }
    if (!server || !cli) {
      throw new Error(
        'Redis tests need redis-server and redis-cli (Redis 7 or later) on PATH or in /usr/bin. Install them: ' +
          '`apt-get install redis-server` (Debian/Ubuntu), `brew install redis` (macOS), or build Redis from https://redis.io/downloads/.',
      );
    }
  }
  binaries = { server, cli };
  return binaries;
}

/** A free TCP port on 127.0.0.1 (and, for cluster nodes, `port + 10000` free as well: the cluster bus). */
export async function freePort(opts: { withBus?: boolean } = {}): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    if (!opts.withBus) return port;
    if (port + 10000 > 65535) continue;
    if (await portIsFree(port + 10000)) return port;
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Sends one inline command over a fresh connection; resolves with the raw reply text. */
export function rawCommand(port: number, command: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer from 127.0.0.1:${port} to ${command}`));
    }, timeoutMs);
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.on('connect', () => sock.write(`${command}\r\n`));
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      // Simple and bulk replies end with CRLF; a bulk reply `$n\r\n...\r\n` is complete once its body is.
      const m = /^\$(\d+)\r\n/.exec(buf);
      if ((m && buf.length >= m[0].length + Number(m[1]) + 2) || (!m && buf.endsWith('\r\n'))) {
        clearTimeout(timer);
        sock.end();
        resolve(m ? buf.slice(m[0].length, m[0].length + Number(m[1])) : buf.trimEnd());
      }
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, proc?: () => string | undefined): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const dead = proc?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${what}: timed out after ${timeoutMs} ms`);
    await sleep(25);
  }
}

export interface RedisServerOptions {
  /** appendonly yes with appendfsync always (what a crash test needs); default: no persistence at all. */
  aof?: boolean;
  /** Extra redis-server arguments (`['--maxmemory', '10mb']`). */
  args?: string[];
  /** A cluster node (`--cluster-enabled yes`). */
  cluster?: boolean;
}

export interface RedisServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** Its working folder (AOF, nodes.conf, log). */
  readonly dir: string;
  /** Whether the process is running. */
  readonly running: boolean;
  /** SHUTDOWN NOSAVE-like stop (SIGTERM), waits for the process to end. */
  stop(): Promise<void>;
  /** kill -9, waits for the process to end: a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (after stop or kill), waits until it answers PING. */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
}

class ServerProcess implements RedisServer {
  readonly host = '127.0.0.1' as const;
  readonly url: string;
  private proc: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private exitInfo: string | undefined;
  private stderr = '';

  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: string[],
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  get running(): boolean {
    return this.proc !== undefined && this.exitInfo === undefined;
  }

  async start(): Promise<void> {
    const { server } = redisBinaries();
    this.exitInfo = undefined;
    this.stderr = '';
    const proc = spawn(server, this.args, { cwd: this.dir, stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    proc.stderr!.on('data', (d: Buffer) => void (this.stderr += d.toString('utf8')));
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        this.exitInfo = `redis-server exited (${signal ?? `code ${code}`}) ${this.stderr.trim()}`.trim();
        resolve();
      });
      proc.once('error', (e) => {
        this.exitInfo = `redis-server could not start: ${e.message}`;
        resolve();
      });
    });
    // Do not keep the test process alive for it.
    proc.unref();
    await waitFor(`redis-server on port ${this.port}`, async () => (await rawCommand(this.port, 'PING')) === '+PONG', 15_000, () => this.exitInfo);
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    if (!this.proc || this.exitInfo !== undefined) return;
    // Keep the event loop alive until it has ended (it was unref'ed so as not to hold the process).
    this.proc.ref();
    this.proc.kill(sig);
    await this.exited;
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function serverArgs(port: number, opts: RedisServerOptions): string[] {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--daemonize', 'no', '--protected-mode', 'no', '--dir', '.', '--maxmemory-policy', 'noeviction', '--logfile', 'redis.log'];
  args.push('--appendonly', opts.aof ? 'yes' : 'no');
  if (opts.aof) args.push('--appendfsync', 'always');
  if (opts.cluster) args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000');
  args.push(...(opts.args ?? []));
  return args;
}

/** Starts a redis-server of our own on a free loopback port; resolves once it answers PING. */
export async function startRedis(opts: RedisServerOptions = {}): Promise<RedisServer> {
  redisBinaries();
  let lastError: unknown;
  // A port found free may be taken before redis-server binds it: try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort({ withBus: opts.cluster ?? false });
    const dir = mkdtempSync(join(tmpdir(), 'runnel-redis-'));
    const s = new ServerProcess(port, dir, serverArgs(port, opts));
    try {
      await s.start();
      return s;
    } catch (e) {
      lastError = e;
      await s.dispose();
    }
  }
  throw lastError;
}

export interface RedisCluster {
  readonly nodes: RedisServer[];
  /** `[{ host, port }]` of every master (what cluster clients take as seeds). */
  readonly seeds: Array<{ host: string; port: number }>;
  /** Stops every node and removes their folders. */
  dispose(): Promise<void>;
}

/**
 * A Redis Cluster of `masters` (default 3) masters and no replicas on free loopback ports, created
 * with `redis-cli --cluster create`; resolves once every node reports cluster_state:ok.
 */
export async function startRedisCluster(opts: { masters?: number; args?: string[] } = {}): Promise<RedisCluster> {
  const n = opts.masters ?? 3;
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < n; i++) nodes.push(await startRedis({ cluster: true, ...(opts.args ? { args: opts.args } : {}) }));
    const { cli } = redisBinaries();
    const create = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(cli, ['--cluster', 'create', ...nodes.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout!.on('data', (d: Buffer) => void (out += d.toString('utf8')));
      p.stderr!.on('data', (d: Buffer) => void (out += d.toString('utf8')));
      p.once('exit', (code) => resolve({ code, out }));
    });
    if (create.code !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.out}`);
    for (const s of nodes) {
      await waitFor(`cluster_state:ok on port ${s.port}`, async () => (await rawCommand(s.port, 'CLUSTER INFO')).includes('cluster_state:ok'), 30_000);
    }
    // Every node must know every other's slots before clients ask it for the map.
    await waitFor(
      'cluster slots agreed by every node',
      async () => {
        const views = await Promise.all(nodes.map((s) => rawCommand(s.port, 'CLUSTER INFO')));
        return views.every((v) => v.includes(`cluster_known_nodes:${n}`) && v.includes('cluster_slots_ok:16384'));
      },
      30_000,
    );
  } catch (e) {
    await Promise.all(nodes.map((s) => s.dispose()));
    throw e;
  }
  return {
    nodes,
    seeds: nodes.map((s) => ({ host: s.host, port: s.port })),
    dispose: async () => {
      await Promise.all(nodes.map((s) => s.dispose()));
    },
  };
}

