import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientIp, normalizeIp, parseCidrList } from '../src/admit/index.js';

describe('parseCidrList()', () => {
  const allow = parseCidrList('10.0.0.0/8, 192.168.1.5, ::1, 2001:db8::/32');
  const cases: [string, boolean][] = [
    ['10.1.2.3', true],
    ['10.255.255.255', true],
    ['11.0.0.1', false],
    ['192.168.1.5', true],
    ['192.168.1.6', false],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::2', false],
    ['2001:db8::1', true],
    ['2001:DB8:ffff::1', true],
    ['2001:db9::1', false],
    ['::ffff:10.0.0.1', true],
    ['::FFFF:192.168.1.5', true],
    ['::ffff:a00:1', true],
    ['::ffff:11.0.0.1', false],
    ['[2001:db8::1]', true],
    ['10.0.0.1:8443', true],
    ['fe80::1%eth0', false],
    ['', false],
    ['not-an-ip', false],
    ['10.0.0.256', false],
  ];
  for (const [ip, expected] of cases) {
    it(`${expected ? 'allows' : 'refuses'} "${ip}"`, () => assert.equal(allow(ip), expected));
  }

  it('accepts space-separated lists and IPv4-mapped blocks', () => {
    const mapped = parseCidrList('::ffff:172.16.0.0/108 fd00::/8');
    assert.equal(mapped('172.16.5.5'), true);
    assert.equal(mapped('::ffff:172.16.5.5'), true);
    assert.equal(mapped('172.32.0.1'), false);
    assert.equal(mapped('fd12::1'), true);
    assert.equal(parseCidrList('0.0.0.0/0')('8.8.8.8'), true);
    assert.equal(parseCidrList('0.0.0.0/0')('2001:db8::1'), false);
  });

  for (const [text, entry] of [
    ['10.0.0.0/8, 300.1.1.1', '300.1.1.1'],
    ['10.0.0.0/33', '10.0.0.0/33'],
    ['::1/129', '::1/129'],
    ['10.0.0.0/x', '10.0.0.0/x'],
    ['10.0.0.0/', '10.0.0.0/'],
    ['example.com', 'example.com'],
    ['::ffff:10.0.0.0/64', '::ffff:10.0.0.0/64'],
  ]) {
    it(`refuses "${text}" naming "${entry}"`, () => {
      assert.throws(() => parseCidrList(text as string), { name: 'SettingError', code: 'invalid_cidr', message: new RegExp(`entry "${(entry as string).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"`) });
    });
  }
  it('refuses an empty list', () => assert.throws(() => parseCidrList(' , '), { code: 'invalid_cidr' }));
});

describe('normalizeIp()', () => {
  for (const [text, expected] of [
    ['::ffff:127.0.0.1', '127.0.0.1'],
    [' 10.0.0.1 ', '10.0.0.1'],
    ['10.0.0.1:443', '10.0.0.1'],
    ['[::1]:8080', '::1'],
    ['FE80::1%eth0', 'fe80::1'],
    ['garbage', undefined],
  ] as const) {
    it(`"${text}" -> ${String(expected)}`, () => assert.equal(normalizeIp(text), expected));
  }
});

describe('clientIp()', () => {
  const trustedProxies = parseCidrList('10.0.0.0/8, ::1');

  it('uses the socket peer when X-Forwarded-For is absent or nobody is trusted', () => {
    assert.equal(clientIp({ remoteAddress: '203.0.113.7' }), '203.0.113.7');
    assert.equal(clientIp({ remoteAddress: '::ffff:203.0.113.7', xForwardedFor: '1.2.3.4' }), '203.0.113.7');
    assert.equal(clientIp({ remoteAddress: '10.0.0.2', trustedProxies }), '10.0.0.2');
    assert.equal(clientIp({ remoteAddress: undefined, xForwardedFor: '1.2.3.4', trustedProxies }), undefined);
  });

  it('ignores a spoofed X-Forwarded-For from an untrusted peer', () => {
    assert.equal(clientIp({ remoteAddress: '203.0.113.7', xForwardedFor: '10.0.0.5', trustedProxies }), '203.0.113.7');
  });

  it('behind trusted proxies, takes the right-most untrusted hop', () => {
    const cases: [string, string][] = [
      ['198.51.100.1', '198.51.100.1'],
      ['198.51.100.1, 10.0.0.9', '198.51.100.1'],
      // The client prepended a forged hop: it is to the left of the real one and is ignored.
      ['6.6.6.6, 198.51.100.1, 10.0.0.9', '198.51.100.1'],
      ['10.0.0.1, 6.6.6.6,198.51.100.1', '198.51.100.1'],
      ['[2001:db8::7]:1234', '2001:db8::7'],
      ['198.51.100.1:5555', '198.51.100.1'],
      ['::ffff:198.51.100.1', '198.51.100.1'],
      // All hops trusted: the left-most is the best we know.
      ['10.1.1.1, 10.2.2.2', '10.1.1.1'],
      // Garbage where the client should be is returned as-is, so allowlists refuse it.
      ['198.51.100.1, unknown', 'unknown'],
      ['', '10.0.0.2'],
    ];
    for (const [xForwardedFor, expected] of cases) {
      assert.equal(clientIp({ remoteAddress: '::ffff:10.0.0.2', xForwardedFor, trustedProxies }), expected, xForwardedFor);
    }
  });

  it('a spoofed hop never reaches an allowlist through a trusted proxy', () => {
    const allow = parseCidrList('192.0.2.0/24');
    const ip = clientIp({ remoteAddress: '10.0.0.2', xForwardedFor: '192.0.2.10, 203.0.113.50', trustedProxies });
    assert.equal(ip, '203.0.113.50');
    assert.equal(allow(ip ?? ''), false);
  });
});
