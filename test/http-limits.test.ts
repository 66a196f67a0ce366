/**
 * Per-source limits over a real socket: the rate limit answers 429 with Retry-After, the IP allowlist
 * answers 403, and X-Forwarded-For counts only when the socket peer is a configured trusted proxy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGenHook, type TestGenHook } from './support/genhook.js';

const WEBHOOKS = `
acme: status::Acme $status$
open: status::Open $status$
`;

describe('<source>_rate_limit', () => {
  let server: TestGenHook;
  // A day-long window: the third request is refused whatever the clock reads, so nothing here is timed.
  before(async () => {
    server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { acme_rate_limit: '2/1d' } });
  });
  after(() => server.close());

  test('requests over the limit get 429, Retry-After and a JSON error naming the setting', async () => {
    assert.equal((await server.post('/webhook/acme', { status: 'a' })).status, 202);
    assert.equal((await server.post('/webhook/acme', { status: 'b' })).status, 202);
    const limited = await server.post('/webhook/acme', { status: 'c' });
    assert.equal(limited.status, 429, limited.text);
    assert.equal(limited.json['error']['code'], 'rate_limited');
    assert.match(limited.json['error']['message'], /acme_rate_limit/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After is whole seconds, got ${limited.headers.get('retry-after')}`);
    assert.equal(server.logs.filter((line) => line['msg'] === 'webhook queued').length, 2, 'the refused request made no alert');
  });

  test('the limit is per source: another source is not affected', async () => {
    assert.equal((await server.post('/webhook/open', { status: 'x' })).status, 202);
  });
});

describe('<source>_allow_ips without trusted proxies', () => {
  let server: TestGenHook;
  before(async () => {
    server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { acme_allow_ips: '10.0.0.0/8, 2001:db8::/32' } });
  });
  after(() => server.close());

  test('127.0.0.1 is refused with 403 naming the setting', async () => {
    const response = await server.post('/webhook/acme', { status: 'x' });
    assert.equal(response.status, 403, response.text);
    assert.equal(response.json['error']['code'], 'ip_not_allowed');
    assert.match(response.json['error']['message'], /127\.0\.0\.1.*acme_allow_ips/);
  });

  test('a spoofed X-Forwarded-For from an untrusted peer is ignored: still 403', async () => {
    for (const xff of ['10.1.2.3', '10.1.2.3, 10.9.9.9', '2001:db8::1']) {
      const response = await server.post('/webhook/acme', { status: 'x' }, { 'x-forwarded-for': xff });
      assert.equal(response.status, 403, `X-Forwarded-For: ${xff}`);
    }
  });

  test('a source without an allowlist accepts the same peer', async () => {
    assert.equal((await server.post('/webhook/open', { status: 'x' })).status, 202);
  });
});

describe('trusted_proxies = 127.0.0.1', () => {
  let server: TestGenHook;
  before(async () => {
    server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { trusted_proxies: '127.0.0.1', acme_allow_ips: '10.0.0.0/8' } });
  });
  after(() => server.close());

  test('X-Forwarded-For written by the trusted proxy names the client: 10.1.2.3 is allowed', async () => {
    const response = await server.post('/webhook/acme', { status: 'x' }, { 'x-forwarded-for': '10.1.2.3' });
    assert.equal(response.status, 202, response.text);
  });

  test('without X-Forwarded-For the proxy itself is the client: 403', async () => {
    assert.equal((await server.post('/webhook/acme', { status: 'x' })).status, 403);
  });

  test('a client-forged left-most entry does not help: the right-most untrusted hop decides', async () => {
    const response = await server.post('/webhook/acme', { status: 'x' }, { 'x-forwarded-for': '10.1.2.3, 203.0.113.9' });
    assert.equal(response.status, 403);
    assert.match(response.json['error']['message'], /203\.0\.113\.9/);
  });

  test('a hop that is not an address is refused, not replaced by the proxy address', async () => {
    const response = await server.post('/webhook/acme', { status: 'x' }, { 'x-forwarded-for': 'unknown' });
    assert.equal(response.status, 403);
  });
});
