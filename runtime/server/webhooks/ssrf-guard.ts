/**
 * Where a webhook may go (Node only). A flow's webhook URL is written by a project author, but the
 * runtime runs next to internal services (Redis, cloud metadata, admin ports), so before each
 * delivery the runtime checks the target:
 *
 * - only `http:` and `https:`; no user name or password in the URL;
 * - optionally, only the hosts runnel.json lists (`webhooks.allowedHosts`);
 * - the host is resolved, and EVERY address it resolves to must be allowed: public, or private
 *   (loopback, RFC 1918, link-local, CGNAT, unique-local...) when the manifest sets
 *   `webhooks.allowPrivateNetworks`. Some addresses are never allowed: unspecified, multicast,
 *   broadcast, reserved and documentation ranges, and the cloud metadata endpoints.
 *
 * The addresses checked are returned so that the request connects to them and to nothing else
 * (deliver.ts passes a `lookup` that answers with them): a DNS answer that changes between the
 * check and the connection (DNS rebinding) cannot move the request to another address.
 *
 * Numeric hosts in odd forms (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`, `127%2E0%2E0%2E1`)
 * are normalized to dotted IPv4 by the WHATWG URL parser before they reach the checks; IPv6
 * addresses that embed an IPv4 one (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4
 * `2002::/16`) are judged by the embedded address.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, isIPv4, isIPv6 } from 'node:net';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to its addresses (the default: `dns.lookup` with `all`, in the system's order). */
export type LookupFn = (host: string) => Promise<ResolvedAddress[]>;

export interface TargetCheckOptions {
  /** runnel.json `webhooks.allowPrivateNetworks`: private, loopback and link-local addresses allowed. */
  allowPrivate: boolean;
  /** runnel.json `webhooks.allowedHosts`: when given, only these host names (case-insensitive). */
  allowedHosts?: readonly string[];
  lookup?: LookupFn;
  /** Abandons the DNS lookup (its answer is then ignored) when aborted. */
  signal?: AbortSignal;
}

/** Why a target was refused; `dns_error` is the only one worth retrying. */
export type TargetRefusal = 'invalid_url' | 'scheme' | 'credentials' | 'host_not_allowed' | 'forbidden_address' | 'dns_error';

export type TargetCheck =
  | {
      ok: true;
      /** The address to connect to (the first one the host resolved to). */
      address: string;
      family: 4 | 6;
      /** Every address the host resolved to, all checked, `address` first. */
      addresses: ResolvedAddress[];
      url: URL;
    }
  | { ok: false; reason: string; code: TargetRefusal };

/** What an address is, for webhooks: `private` ones are allowed by `allowPrivate`, `never` ones never. */
export type AddressClass = { kind: 'public' } | { kind: 'private' | 'never'; range: string };

export const defaultLookup: LookupFn = async (host) => {
  const found = await dnsLookup(host, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export async function checkWebhookTarget(raw: string, opts: TargetCheckOptions): Promise<TargetCheck> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('invalid_url', `"${clip(raw)}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return refuse('scheme', `webhooks use http: or https:, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    return refuse('credentials', 'webhook URLs may not carry a user name or password');
  }
  const host = bareHost(url.hostname);
  if (host === '') return refuse('invalid_url', `"${clip(raw)}" has no host`);
  const name = host.replace(/\.$/, '').toLowerCase();
  if (opts.allowedHosts && !opts.allowedHosts.some((h) => h.toLowerCase().replace(/\.$/, '') === name)) {
    return refuse('host_not_allowed', `webhook host "${name}" is not in runnel.json "webhooks.allowedHosts"`);
  }

  let resolved: ResolvedAddress[];
  if (isIP(host)) {
    resolved = [{ address: host, family: isIPv6(host) ? 6 : 4 }];
  } else {
    if (/^[\d.]+$/.test(name)) {
      // The URL parser turns every numeric form it accepts into dotted IPv4; anything numeric left is odd.
      return refuse('invalid_url', `"${name}" looks like a numeric address but is not a valid one`);
    }
    if (!opts.allowPrivate && (name === 'localhost' || name.endsWith('.localhost'))) {
      return refuse('forbidden_address', `webhook host "${name}" is a loopback name; ${PRIVATE_HELP}`);
    }
    try {
      resolved = await abortable((opts.lookup ?? defaultLookup)(host), opts.signal);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const code = (err as { code?: unknown }).code;
      return refuse('dns_error', `could not resolve webhook host "${name}"${typeof code === 'string' ? ` (${code})` : ''}`);
    }
    if (resolved.length === 0) return refuse('dns_error', `webhook host "${name}" resolved to no address`);
  }

  const addresses: ResolvedAddress[] = [];
  for (const r of resolved) {
    if (!isIP(r.address)) return refuse('dns_error', `webhook host "${name}" resolved to "${clip(r.address)}", which is not an IP address`);
    const c = classifyAddress(r.address);
    if (c.kind === 'never') {
      return refuse('forbidden_address', `${describe(name, r.address)} ${c.range}, which webhooks may never call`);
    }
    if (c.kind === 'private' && !opts.allowPrivate) {
      return refuse('forbidden_address', `${describe(name, r.address)} ${c.range}; ${PRIVATE_HELP}`);
    }
    const family: 4 | 6 = isIPv6(r.address) ? 6 : 4;
    if (!addresses.some((a) => a.address === r.address)) addresses.push({ address: r.address, family });
  }
  const first = addresses[0]!;
  return { ok: true, address: first.address, family: first.family, addresses, url };
}

const PRIVATE_HELP = 'private and local addresses are refused unless runnel.json sets "webhooks": { "allowPrivateNetworks": true }';

function describe(name: string, address: string): string {
  return name === address.toLowerCase() ? `webhook address ${address} is` : `webhook host "${name}" resolves to ${address},`;
}

function refuse(code: TargetRefusal, reason: string): TargetCheck {
  return { ok: false, code, reason };
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

/** `[::1]` → `::1` (URL.hostname keeps the brackets of an IPv6 literal). */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

// ------------------------------------------------------------------------------------ ranges

type Kind = 'private' | 'never';

/** Cloud metadata endpoints (AWS, GCP, Azure, ECS, Alibaba): never, even with allowPrivate. */
const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);

/** IPv4 ranges, most specific first: [first address, prefix length, kind, label]. */
const V4: Array<[string, number, Kind, string]> = [
  ['0.0.0.0', 8, 'never', 'the "this network" range 0.0.0.0/8'],
  ['10.0.0.0', 8, 'private', 'the private network 10.0.0.0/8'],
  ['100.64.0.0', 10, 'private', 'the carrier-grade NAT range 100.64.0.0/10'],
  ['127.0.0.0', 8, 'private', 'the loopback range 127.0.0.0/8'],
  ['169.254.0.0', 16, 'private', 'the link-local range 169.254.0.0/16'],
  ['172.16.0.0', 12, 'private', 'the private network 172.16.0.0/12'],
  ['192.0.0.0', 24, 'never', 'the IETF protocol range 192.0.0.0/24'],
  ['192.0.2.0', 24, 'never', 'the documentation range 192.0.2.0/24'],
  ['192.88.99.0', 24, 'never', 'the 6to4 relay range 192.88.99.0/24'],
  ['192.168.0.0', 16, 'private', 'the private network 192.168.0.0/16'],
  ['198.18.0.0', 15, 'private', 'the benchmarking range 198.18.0.0/15'],
  ['198.51.100.0', 24, 'never', 'the documentation range 198.51.100.0/24'],
  ['203.0.113.0', 24, 'never', 'the documentation range 203.0.113.0/24'],
  ['224.0.0.0', 4, 'never', 'the multicast range 224.0.0.0/4'],
  ['255.255.255.255', 32, 'never', 'the broadcast address 255.255.255.255'],
  ['240.0.0.0', 4, 'never', 'the reserved range 240.0.0.0/4'],
];

const V4_TABLE = V4.map(([base, len, kind, label]) => ({ base: v4ToInt(base), mask: len === 0 ? 0 : (~0 << (32 - len)) >>> 0, kind, label }));

/** IPv6 ranges (besides the ones embedding IPv4, handled in classifyV6): [address, prefix length, kind, label]. */
const V6: Array<[string, number, Kind, string]> = [
  ['64:ff9b:1::', 48, 'private', 'the local-use NAT64 range 64:ff9b:1::/48'],
  ['100::', 64, 'never', 'the discard range 100::/64'],
  ['2001::', 23, 'never', 'the IETF protocol range 2001::/23 (Teredo and others)'],
  ['2001:db8::', 32, 'never', 'the documentation range 2001:db8::/32'],
  ['3fff::', 20, 'never', 'the documentation range 3fff::/20'],
  ['fc00::', 7, 'private', 'the unique-local range fc00::/7'],
  ['fe80::', 10, 'private', 'the link-local range fe80::/10'],
  ['fec0::', 10, 'private', 'the site-local range fec0::/10'],
  ['ff00::', 8, 'never', 'the multicast range ff00::/8'],
];

const V6_TABLE = V6.map(([base, len, kind, label]) => ({ base: v6ToBytes(base)!, len, kind, label }));

/** Whether an IP address (v4 or v6, without brackets) is public, private or never allowed. */
export function classifyAddress(address: string): AddressClass {
  const ip = bareHost(address).replace(/%.*$/, '');
  if (isIPv4(ip)) return classifyV4(v4ToInt(ip), ip);
  const bytes = v6ToBytes(ip);
  if (!bytes) return { kind: 'never', range: 'an address that is not valid' };
  return classifyV6(bytes, ip.toLowerCase());
}

function classifyV4(n: number, text: string): AddressClass {
  if (METADATA.has(text)) return { kind: 'never', range: 'the cloud metadata service' };
  for (const r of V4_TABLE) {
    if (((n & r.mask) >>> 0) === r.base) return { kind: r.kind, range: r.label };
  }
  return { kind: 'public' };
}

function classifyV6(b: number[], text: string): AddressClass {
  if (METADATA.has(compressV6(b))) return { kind: 'never', range: 'the cloud metadata service' };
  const zeros = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  if (zeros(0, 16)) return { kind: 'never', range: 'the unspecified address ::' };
  if (zeros(0, 15) && b[15] === 1) return { kind: 'private', range: 'the loopback address ::1' };
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return embedded(b.slice(12, 16), 'IPv4-mapped');
  if (zeros(0, 12)) return { kind: 'never', range: 'the deprecated IPv4-compatible range ::/96' };
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return embedded(b.slice(12, 16), 'NAT64');
  if (b[0] === 0x20 && b[1] === 0x02) return embedded(b.slice(2, 6), '6to4');
  for (const r of V6_TABLE) {
    if (inPrefix(b, r.base, r.len)) return { kind: r.kind, range: r.label };
  }
  // Global unicast is 2000::/3; everything else is reserved.
  if ((b[0]! & 0xe0) !== 0x20) return { kind: 'never', range: `a reserved IPv6 range (${text} is outside 2000::/3)` };
  return { kind: 'public' };
}

/** An IPv6 address embedding an IPv4 one: judged by the IPv4 address. */
function embedded(v4: number[], how: string): AddressClass {
  const text = v4.join('.');
  const c = classifyV4(((v4[0]! << 24) | (v4[1]! << 16) | (v4[2]! << 8) | v4[3]!) >>> 0, text);
  return c.kind === 'public' ? c : { kind: c.kind, range: `${c.range} (${how} ${text})` };
}

function inPrefix(b: number[], base: number[], len: number): boolean {
  for (let i = 0; i < 16 && len > 0; i++, len -= 8) {
    const mask = len >= 8 ? 0xff : (0xff << (8 - len)) & 0xff;
    if ((b[i]! & mask) !== (base[i]! & mask)) return false;
  }
  return true;
}

function v4ToInt(ip: string): number {
  const [a, b, c, d] = ip.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** An IPv6 address as its 16 bytes, or null when it is not one. */
export function v6ToBytes(ip: string): number[] | null {
  if (!isIPv6(ip)) return null;
  let s = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = v4ToInt(v4[1]!);
    s = `${s.slice(0, v4.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = s.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8) return null;
  const out: number[] = [];
  for (const g of groups) {
    const v = parseInt(g, 16);
    out.push(v >> 8, v & 0xff);
  }
  return out;
}

/** 16 bytes as the compressed textual form (for the metadata list). */
function compressV6(b: number[]): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i > 1) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
