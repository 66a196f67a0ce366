/**
 * The webhook routes' node:http edge (src/receive/webhook-edge.ts) in front of the Hono app: the answers it
 * writes itself (draining, a GenHook bug), the URLs it leaves to Hono (answered the same), and the
 * request-duration metric counted once per request either way.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { startFakeSl1, type FakeSl1 } from './support/fake-sl1.js';
import { startTestGenHook, type TestGenHook } from './support/genhook.js';
import { parseExposition } from './support/metrics-text.js';

const WEBHOOKS = 'acme: status::Acme is $status$\n';

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: Record<string, any>;
}

/** One request over its own socket with node:http, so Host and Connection are seen as sent and as answered. */
function rawPost(url: string, path: string, body: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text === '' ? {} : (JSON.parse(text) as Record<string, any>) });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function requestCounts(server: TestGenHook): Promise<ReturnType<typeof parseExposition>> {
  const response = await fetch(`${server.url}/metrics`);
  return parseExposition(await response.text());
}

let server: TestGenHook;

before(async () => {
  server = await startTestGenHook({ webhooks: WEBHOOKS });
});
after(() => server.close());

test('webhook edge - a URL Hono must decode or normalise is answered as the plain one, counted under its route once', async () => {
  const before = (await requestCounts(server)).value('genhook_http_request_duration_seconds_count', { route: '/webhook/:source', status_class: '2xx' });
  const plain = await rawPost(server.url, '/webhook/acme', '{"status":"up"}', { 'x-request-id': 'edge-plain' });
  const escaped = await rawPost(server.url, '/webhook/%61cme', '{"status":"up"}', { 'x-request-id': 'edge-escaped' });
  const upperHost = await rawPost(server.url, '/webhook/acme', '{"status":"up"}', { host: 'GenHook.Example', 'x-request-id': 'edge-host' });
  for (const [answer, id] of [[plain, 'edge-plain'], [escaped, 'edge-escaped'], [upperHost, 'edge-host']] as const) {
    assert.equal(answer.status, 202, JSON.stringify(answer.json));
    assert.equal(answer.json['source'], 'acme');
    assert.equal(answer.json['status'], 'queued');
    assert.equal(answer.headers['x-request-id'], id);
    assert.equal(answer.headers['content-type'], 'application/json');
  }
  const after = (await requestCounts(server)).value('genhook_http_request_duration_seconds_count', { route: '/webhook/:source', status_class: '2xx' });
  assert.equal(after - before, 3, 'each request observed once, whichever edge answered it');
});

test('webhook edge - POST /webhook is counted under its own route; a trailing slash is no webhook route', async () => {
  const before = await requestCounts(server);
  const identified = await rawPost(server.url, '/webhook', '{}');
  assert.equal(identified.status, 404);
  assert.equal(identified.json['error']?.['code'], 'unknown_source');
  assert.ok(identified.headers['x-request-id']);
  const slash = await rawPost(server.url, '/webhook/acme/', '{"status":"up"}');
  assert.equal(slash.status, 404);
  assert.equal(slash.json['error']?.['code'], 'not_found');
  const after = await requestCounts(server);
  const count = (m: typeof after, route: string) => m.value('genhook_http_request_duration_seconds_count', { route, status_class: '4xx' });
  assert.equal(count(after, '/webhook') - count(before, '/webhook'), 1);
  assert.equal(count(after, 'unmatched') - count(before, 'unmatched'), 1);
});

test('webhook edge - a GenHook bug on the webhook route is a 500 internal_error with the request id, logged with its path', async () => {
  const { metrics } = server.genhook;
  const counter = metrics.webhooksReceived;
  const original = counter.inc.bind(counter);
  const before = (await requestCounts(server)).value('genhook_http_request_duration_seconds_count', { route: '/webhook/:source', status_class: '5xx' });
  counter.inc = () => {
    throw new Error('counter broke');
  };
  let answer: RawAnswer;
  let escaped: RawAnswer;
  try {
    // Unknown source: refused, and counting the refusal throws.
    answer = await rawPost(server.url, '/webhook/nosuch?x=1', '{}', { 'x-request-id': 'edge-bug' });
    escaped = await rawPost(server.url, '/webhook/no%73uch', '{}', { 'x-request-id': 'edge-bug-routed' });
  } finally {
    counter.inc = original;
  }
  for (const [got, id] of [[answer, 'edge-bug'], [escaped, 'edge-bug-routed']] as const) {
    assert.equal(got.status, 500);
    assert.deepEqual(got.json, { error: { code: 'internal_error', message: 'GenHook failed to handle this request; it is logged' } });
    assert.equal(got.headers['x-request-id'], id);
  }
  const logged = server.logs.filter((line) => line['msg'] === 'request failed inside GenHook');
  assert.deepEqual(logged.map((line) => line['path']).slice(-2), ['/webhook/nosuch', '/webhook/no%73uch'], 'the path as sent, without the query');
  assert.equal((logged.at(-1)?.['err'] as { message?: string } | undefined)?.message, 'counter broke');
  const after = (await requestCounts(server)).value('genhook_http_request_duration_seconds_count', { route: '/webhook/:source', status_class: '5xx' });
  assert.equal(after - before, 2);
});

test('webhook edge - while draining a webhook is 503 shutting_down with Retry-After and Connection: close', async () => {
  let sl1: FakeSl1 | undefined;
  let draining: TestGenHook | undefined;
  try {
    sl1 = await startFakeSl1();
    sl1.hang();
    draining = await startTestGenHook({ webhooks: WEBHOOKS, settings: { sl1_api_url: `${sl1.url}/api/alert`, sl1_timeout: '30s' } });
    const held = await rawPost(draining.url, '/webhook/acme', '{"status":"down"}');
    assert.equal(held.status, 202);
    await sl1.waitForRequests(1);
    // The alert in flight keeps the drain (and the listener) open for the grace period.
    const stopping = draining.genhook.shutdown(1500);
    const answer = await rawPost(draining.url, '/webhook/acme', '{"status":"up"}', { 'x-request-id': 'edge-drain' });
    assert.equal(answer.status, 503);
    assert.equal(answer.json['error']?.['code'], 'shutting_down');
    assert.equal(answer.headers['retry-after'], '5');
    assert.equal(answer.headers['connection'], 'close');
    assert.equal(answer.headers['x-request-id'], 'edge-drain');
    await stopping;
  } finally {
    await sl1?.close();
  }
});
