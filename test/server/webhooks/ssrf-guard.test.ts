/**
 * The webhook target check: every forbidden form is refused with a reason saying why, public
 * targets pass (with an injected lookup: no real DNS), and every address a name resolves to counts.
 */
import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkWebhookTarget, classifyAddress, v6ToBytes, type LookupFn, type ResolvedAddress } from '../../../runtime/server/webhooks/ssrf-guard.js';

const resolvesTo =
  (...addresses: string[]): LookupFn =>
  async () =>
    addresses.map((address): ResolvedAddress => ({ address, family: address.includes(':') ? 6 : 4 }));

const noLookup: LookupFn = async (host) => {
  throw new Error(`unexpected lookup of ${host}`);
};

async function refused(url: string, opts: { allowPrivate?: boolean; lookup?: LookupFn } = {}): Promise<string> {
  const r = await checkWebhookTarget(url, { allowPrivate: opts.allowPrivate ?? false, lookup: opts.lookup ?? noLookup });
  if (r.ok) throw new Error(`${url} was allowed (${r.address})`);
  return r.reason;
}

describe('checkWebhookTarget: refused', () => {
  // [url, what the reason must say]
  const table: Array<[string, RegExp]> = [
    // loopback, in every numeric form the URL parser accepts
    ['http://127.0.0.1/hook', /127\.0\.0\.1 is the loopback range 127\.0\.0\.0\/8; private and local addresses are refused unless runnel\.json sets "webhooks": \{ "allowPrivateNetworks": true \}/],
    ['http://127.255.255.254:8080/', /loopback/],
    ['http://2130706433/', /127\.0\.0\.1 is the loopback range/],
    ['http://0177.0.0.1/', /127\.0\.0\.1 is the loopback range/],
    ['http://0x7f.1/', /127\.0\.0\.1 is the loopback range/],
    ['http://0x7f000001/', /loopback/],
    ['http://017700000001/', /loopback/],
    ['http://127.1/', /127\.0\.0\.1 is the loopback range/],
    ['http://127.0.0.1./', /loopback/],
    ['http://127%2E0%2E0%2E1/', /loopback/],
    ['http://①②⑦.0.0.1/', /loopback/],
    // private networks
    ['http://10.0.0.1/', /the private network 10\.0\.0\.0\/8/],
    ['https://172.16.0.1/', /the private network 172\.16\.0\.0\/12/],
    ['https://172.31.255.255/', /the private network 172\.16\.0\.0\/12/],
    ['http://192.168.1.10/', /the private network 192\.168\.0\.0\/16/],
    ['http://100.64.0.1/', /carrier-grade NAT range 100\.64\.0\.0\/10/],
    ['http://198.18.0.1/', /benchmarking/],
    // link-local and the cloud metadata service
    ['http://169.254.1.1/', /link-local range 169\.254\.0\.0\/16/],
    ['http://169.254.169.254/latest/meta-data/', /cloud metadata service, which webhooks may never call/],
    ['http://[fd00:ec2::254]/', /cloud metadata service/],
    // unspecified, multicast, broadcast, reserved, documentation
    ['http://0.0.0.0/', /"this network" range 0\.0\.0\.0\/8, which webhooks may never call/],
    ['http://0/', /0\.0\.0\.0\/8/],
    ['http://0.1.2.3/', /0\.0\.0\.0\/8/],
    ['http://224.0.0.1/', /multicast range 224\.0\.0\.0\/4/],
    ['http://239.255.255.250/', /multicast/],
    ['http://255.255.255.255/', /broadcast address 255\.255\.255\.255/],
    ['http://240.0.0.1/', /reserved range 240\.0\.0\.0\/4/],
    ['http://192.0.2.1/', /documentation range 192\.0\.2\.0\/24/],
    // IPv6
    ['http://[::1]/', /loopback address ::1/],
    ['http://[::]/', /unspecified address ::/],
    ['http://[fe80::1]/', /link-local range fe80::\/10/],
    ['http://[febf:ffff::1]/', /link-local range fe80::\/10/],
    ['http://[fc00::1]/', /unique-local range fc00::\/7/],
    ['http://[fd12:3456:789a::1]/', /unique-local range fc00::\/7/],
    ['http://[ff02::1]/', /multicast range ff00::\/8/],
    ['http://[fec0::1]/', /site-local/],
    ['http://[2001:db8::1]/', /documentation range 2001:db8::\/32/],
    ['http://[2001::1]/', /Teredo/],
    ['http://[100::1]/', /discard/],
    ['http://[4000::1]/', /reserved IPv6 range/],
    // IPv6 embedding IPv4: judged as the IPv4 address
    ['http://[::ffff:127.0.0.1]/', /loopback range 127\.0\.0\.0\/8 \(IPv4-mapped 127\.0\.0\.1\)/],
    ['http://[0:0:0:0:0:ffff:7f00:1]/', /IPv4-mapped 127\.0\.0\.1/],
    ['http://[::ffff:10.1.1.1]/', /private network 10\.0\.0\.0\/8 \(IPv4-mapped 10\.1\.1\.1\)/],
    ['http://[::ffff:169.254.169.254]/', /cloud metadata service/],
    ['http://[64:ff9b::7f00:1]/', /loopback range 127\.0\.0\.0\/8 \(NAT64 127\.0\.0\.1\)/],
    ['http://[64:ff9b::10.0.0.1]/', /NAT64 10\.0\.0\.1/],
    ['http://[64:ff9b:1::1]/', /local-use NAT64/],
    ['http://[2002:7f00:1::1]/', /6to4 127\.0\.0\.1/],
    ['http://[2002:c0a8:101::1]/', /6to4 192\.168\.1\.1/],
    ['http://[::127.0.0.1]/', /IPv4-compatible/],
    // loopback names (refused before any lookup)
    ['http://localhost/', /"localhost" is a loopback name/],
    ['http://LOCALHOST./', /"localhost" is a loopback name/],
    ['http://api.localhost:3000/', /"api\.localhost" is a loopback name/],
    // schemes, credentials, malformed
    ['ftp://example.com/x', /http: or https:, not ftp:/],
    ['file:///etc/passwd', /not file:/],
    ['gopher://example.com:70/_x', /not gopher:/],
    ['javascript:alert(1)', /not javascript:/],
    ['data:text/plain,hi', /not data:/],
    ['http://user:secret@example.com/', /may not carry a user name or password/],
    ['https://token@example.com/', /may not carry a user name or password/],
    ['not a url', /is not a valid URL/],
    ['http://1.2.3.4.5/', /is not a valid URL/],
    ['http://0x7g.1/', /is not a valid URL/],
    ['http://[fe80::1%25eth0]/', /is not a valid URL/],
  ];

  for (const [url, reason] of table) {
    it(`${url}`, async () => {
      expect(await refused(url)).toMatch(reason);
    });
  }

  it('a name resolving to a private address', async () => {
    expect(await refused('https://internal.example.com/x', { lookup: resolvesTo('10.0.0.7') })).toMatch(
      /webhook host "internal\.example\.com" resolves to 10\.0\.0\.7, the private network 10\.0\.0\.0\/8/,
    );
  });

  it('a name resolving to public AND private addresses (every address counts, not just the first)', async () => {
    expect(await refused('https://mixed.example.com/', { lookup: resolvesTo('93.184.216.34', '127.0.0.1') })).toMatch(/resolves to 127\.0\.0\.1, the loopback range/);
    expect(await refused('https://mixed.example.com/', { lookup: resolvesTo('2606:4700::1', 'fd00::1') })).toMatch(/resolves to fd00::1, the unique-local range/);
  });

  it('a name resolving to an IPv4-mapped or NAT64 private address', async () => {
    expect(await refused('https://m.example.com/', { lookup: resolvesTo('::ffff:169.254.169.254') })).toMatch(/cloud metadata/);
    expect(await refused('https://m.example.com/', { lookup: resolvesTo('64:ff9b::a9fe:a9fe') })).toMatch(/cloud metadata/);
  });

  it('a name that does not resolve is a dns_error (worth retrying), not a refusal', async () => {
    const fail: LookupFn = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const r = await checkWebhookTarget('https://gone.example.com/', { allowPrivate: false, lookup: fail });
    expect(r).toEqual({ ok: false, code: 'dns_error', reason: 'could not resolve webhook host "gone.example.com" (ENOTFOUND)' });
    const none = await checkWebhookTarget('https://empty.example.com/', { allowPrivate: false, lookup: resolvesTo() });
    expect(none).toMatchObject({ ok: false, code: 'dns_error' });
  });

  it('a lookup answering something that is not an IP address', async () => {
    const r = await checkWebhookTarget('https://odd.example.com/', { allowPrivate: false, lookup: resolvesTo('localhost') });
    expect(r).toMatchObject({ ok: false, code: 'dns_error' });
  });

  it('hosts outside allowedHosts', async () => {
    const r = await checkWebhookTarget('https://evil.example.org/', { allowPrivate: false, allowedHosts: ['hooks.example.com'], lookup: resolvesTo('93.184.216.34') });
    expect(r).toEqual({ ok: false, code: 'host_not_allowed', reason: 'webhook host "evil.example.org" is not in runnel.json "webhooks.allowedHosts"' });
    const ok = await checkWebhookTarget('https://HOOKS.example.com./x', { allowPrivate: false, allowedHosts: ['hooks.example.com'], lookup: resolvesTo('93.184.216.34') });
    expect(ok.ok).toBe(true);
  });

  it('refusal codes', async () => {
    const code = async (url: string): Promise<string> => {
      const r = await checkWebhookTarget(url, { allowPrivate: false, lookup: noLookup });
      return r.ok ? 'ok' : r.code;
    };
    expect(await code('nope')).toBe('invalid_url');
    expect(await code('ftp://x.example/')).toBe('scheme');
    expect(await code('http://a:b@x.example/')).toBe('credentials');
    expect(await code('http://10.0.0.1/')).toBe('forbidden_address');
  });
});

describe('checkWebhookTarget: allowed', () => {
  it('a public name: pins the first address and returns every checked one', async () => {
    const r = await checkWebhookTarget('https://hooks.example.com/orders?x=1', { allowPrivate: false, lookup: resolvesTo('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '93.184.216.34') });
    expect(r).toMatchObject({
      ok: true,
      address: '93.184.216.34',
      family: 4,
      addresses: [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      ],
    });
    if (r.ok) expect(r.url.href).toBe('https://hooks.example.com/orders?x=1');
  });

  const literals: Array<[string, string]> = [
    ['http://8.8.8.8/', '8.8.8.8'],
    ['http://134744072/', '8.8.8.8'],
    ['http://0x8.0x8.0x8.0x8/', '8.8.8.8'],
    ['https://[2606:4700:4700::1111]/', '2606:4700:4700::1111'],
    ['https://[::ffff:8.8.8.8]/', '::ffff:808:808'],
    ['https://[64:ff9b::808:808]/', '64:ff9b::808:808'],
    ['https://[2002:808:808::1]/', '2002:808:808::1'],
    ['http://172.32.0.1/', '172.32.0.1'],
    ['http://100.128.0.1/', '100.128.0.1'],
    ['http://169.255.0.1/', '169.255.0.1'],
  ];
  for (const [url, address] of literals) {
    it(`${url} (no lookup for a numeric host)`, async () => {
      expect(await checkWebhookTarget(url, { allowPrivate: false, lookup: noLookup })).toMatchObject({ ok: true, address });
    });
  }
});

describe('checkWebhookTarget: allowPrivate', () => {
  const allow = (url: string, lookup: LookupFn = noLookup) => checkWebhookTarget(url, { allowPrivate: true, lookup });

  it('lets private, loopback, link-local and unique-local addresses through', async () => {
    for (const url of ['http://127.0.0.1:8080/', 'http://10.1.2.3/', 'http://192.168.0.5/', 'http://169.254.10.10/', 'http://100.64.1.1/', 'http://[::1]/', 'http://[fd00::5]/', 'http://[fe80::1]/', 'http://[::ffff:10.0.0.1]/']) {
      expect(await allow(url), url).toMatchObject({ ok: true });
    }
    expect(await allow('http://localhost:3000/', resolvesTo('127.0.0.1', '::1'))).toMatchObject({ ok: true, address: '127.0.0.1' });
  });

  it('still refuses the metadata service, unspecified, multicast, broadcast and reserved addresses', async () => {
    for (const url of ['http://169.254.169.254/', 'http://[::ffff:169.254.169.254]/', 'http://169.254.170.2/', 'http://[fd00:ec2::254]/', 'http://0.0.0.0/', 'http://[::]/', 'http://224.0.0.1/', 'http://255.255.255.255/', 'http://240.1.1.1/', 'http://[ff02::1]/']) {
      const r = await allow(url);
      expect(r.ok, url).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/never call/);
    }
  });
});

describe('classifyAddress', () => {
  const privateV4 = new BlockList();
  for (const [net, len] of [
    ['10.0.0.0', 8],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['100.64.0.0', 10],
    ['0.0.0.0', 8],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    privateV4.addSubnet(net, len, 'ipv4');
  }

  it('agrees with net.BlockList on the IPv4 ranges (random addresses)', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        if (privateV4.check(ip, 'ipv4')) expect(classifyAddress(ip).kind).not.toBe('public');
      }),
      { numRuns: 2000 },
    );
  });

  it('judges IPv4-mapped and NAT64 addresses as their IPv4 address', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        const kind = classifyAddress(ip).kind;
        expect(classifyAddress(`::ffff:${ip}`).kind).toBe(kind);
        expect(classifyAddress(`64:ff9b::${ip}`).kind).toBe(kind);
      }),
      { numRuns: 1000 },
    );
  });

  it('parses every IPv6 address into 16 bytes', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const b = v6ToBytes(ip);
        expect(b).not.toBeNull();
        expect(b).toHaveLength(16);
        expect(b!.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)).toBe(true);
      }),
    );
    expect(v6ToBytes('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect(v6ToBytes('fe80::1')).toEqual([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(v6ToBytes('1.2.3.4')).toBeNull();
  });

  it('public examples', () => {
    for (const ip of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e']) {
      expect(classifyAddress(ip), ip).toEqual({ kind: 'public' });
    }
  });
});
