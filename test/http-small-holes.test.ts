/**
 * Small holes at the edge, over a real socket: an empty identifying header, a deep invalid body under a huge
 * max_json_depth, and a rate limit that unsigned junk must not be able to use up.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startTestGenHook, type TestGenHook } from './support/genhook.js';

const WEBHOOKS = `
github: action::GitHub $action$
acme: status::Acme $status$
`;

/** A raw POST, so an empty header value reaches the server exactly as written. */
function rawPost(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: Record<string, any> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? (JSON.parse(text) as Record<string, any>) : {} }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('an empty identifying header', () => {
  let server: TestGenHook;
  before(async () => {
    server = await startTestGenHook({ webhooks: WEBHOOKS });
  });
  after(() => server.close());

  test('X-GitHub-Event with no value identifies nothing: 404, no GitHub alert', async () => {
    const response = await rawPost(`${server.url}/webhook`, JSON.stringify({ action: 'opened' }), { 'x-github-event': '' });
    assert.equal(response.status, 404, JSON.stringify(response.json));
    assert.equal(response.json['error']['code'], 'unknown_source');
  });

  test('X-GitHub-Event of only spaces identifies nothing either', async () => {
    const response = await rawPost(`${server.url}/webhook`, JSON.stringify({ action: 'opened' }), { 'x-github-event': '   ' });
    assert.equal(response.status, 404, JSON.stringify(response.json));
  });

  test('a real X-GitHub-Event still identifies GitHub', async () => {
    const response = await rawPost(`${server.url}/webhook`, JSON.stringify({ action: 'opened' }), { 'x-github-event': 'issues' });
    assert.equal(response.status, 202, JSON.stringify(response.json));
    assert.equal(response.json['source'], 'github');
  });
});

describe('max_json_depth = 100000000', () => {
  let server: TestGenHook;
  before(async () => {
    server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { max_json_depth: 100_000_000, max_body_size: '2MB' } });
  });
  after(() => server.close());

  test('a 500,000-deep invalid body is 400 invalid_json, not 500', async () => {
    const body = '['.repeat(500_000) + 'x';
    const response = await rawPost(`${server.url}/webhook/acme`, body, {});
    assert.equal(response.status, 400, JSON.stringify(response.json));
    assert.equal(response.json['error']['code'], 'invalid_json');
    assert.match(response.json['error']['message'], /line 1, column 500001/);
  });

  test('a 200,000-deep valid body is answered without a 500', async () => {
    const body = `{"status":"deep","nested":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    const response = await rawPost(`${server.url}/webhook/acme`, body, {});
    assert.equal(response.status, 202, JSON.stringify(response.json));
  });

  test('the server still answers afterwards', async () => {
    const response = await rawPost(`${server.url}/webhook/acme`, JSON.stringify({ status: 'ok' }), {});
    assert.equal(response.status, 202);
  });
});

describe('<source>_rate_limit is charged after signature verification', () => {
  const secret = 'rate-secret';
  const sign = (body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  let server: TestGenHook;
  before(async () => {
    server = await startTestGenHook({
      webhooks: WEBHOOKS,
      settings: { github_secret: secret, github_rate_limit: '3/1d', trusted_proxies: '127.0.0.1' },
    });
  });
  after(() => server.close());

  const post = (body: string, from: string, signature?: string) =>
    rawPost(`${server.url}/webhook/github`, body, {
      'x-github-event': 'issues',
      'x-forwarded-for': from,
      ...(signature ? { 'x-hub-signature-256': signature } : {}),
    });

  test('unsigned junk from one address gets 401, then 429 for that address only; signed deliveries still pass', async () => {
    const junk = JSON.stringify({ action: 'junk' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await post(junk, '203.0.113.9', 'sha256=' + '0'.repeat(64))).status);
    // The first three forgeries are verified and refused; after that the address has used its share of
    // failed verifications and is refused cheaply, before any HMAC is computed.
    assert.deepEqual(statuses, [401, 401, 401, 429, 429, 429]);

    for (let i = 0; i < 3; i++) {
      const body = JSON.stringify({ action: `real-${i}` });
      const response = await post(body, '192.0.2.1', sign(body));
      assert.equal(response.status, 202, `signed delivery ${i} must not be limited by the junk: ${JSON.stringify(response.json)}`);
    }
    // Verified deliveries are what the limit counts: the fourth one in the window is 429.
    const body = JSON.stringify({ action: 'real-3' });
    const limited = await post(body, '192.0.2.1', sign(body));
    assert.equal(limited.status, 429);
    assert.equal(limited.json['error']['code'], 'rate_limited');
  });

  test('the cheap refusal says why, and is logged and counted', async () => {
    const response = await post(JSON.stringify({ action: 'junk' }), '203.0.113.9');
    assert.equal(response.status, 429);
    assert.equal(response.json['error']['code'], 'too_many_failed_verifications');
    assert.ok(server.logs.some((line) => line['code'] === 'too_many_failed_verifications'));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /genhook_webhooks_received_total\{[^}]*reason="too_many_failed_verifications"[^}]*\} [1-9]/);
  });
});
