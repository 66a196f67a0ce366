/** The HTTP edge over a real socket: every kind of answer a provider or a person can get. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { send, startTestGenHook, type TestGenHook } from './support/genhook.js';

const WEBHOOKS = `
github.pull_request: action,pull_request{title,user{login}},repository{name}::GitHub $action$ on $repository.name$: "$pull_request.title$" by $pull_request.user.login$
acme: status,service{name},checks{name}::Acme $service.name$ is $status$ (checks: $checks.name$; first $checks[0].name$)
deploy.finished[env=prod|staging]: env,version::Deploy $version$ finished in $env$
`;

let server: TestGenHook;

before(async () => {
  server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { max_body_size: '4KB', missing_value: '?' } });
});
after(() => server.close());

test('POST /webhook/:source - a source that only has an INI line works with no code', async () => {
  const response = await server.post('/webhook/acme', {
    status: 'degraded',
    service: { name: 'billing' },
    checks: [{ name: 'db' }, { name: 'queue' }],
  });
  assert.equal(response.status, 202, response.text);
  assert.equal(response.json['source'], 'acme');
  assert.equal(response.json['status'], 'queued');
  assert.match(response.json['id'], /^acme:/);
  assert.ok(response.headers.get('x-request-id'));
  const logged = server.logs.find((line) => line['alertId'] === response.json['id'] && line['delivered'] === false);
  assert.equal(logged?.['message'], 'Acme billing is degraded (checks: db, queue; first db)');
  assert.equal(logged?.['reqId'], response.headers.get('x-request-id'), 'the request id travels with the alert');
});

test('POST /webhook - identifies GitHub from its headers and picks the event line', async () => {
  const response = await server.post(
    '/webhook',
    { action: 'opened', pull_request: { title: 'Fix', user: { login: 'octocat' } }, repository: { name: 'hello' } },
    { 'x-github-event': 'pull_request', 'x-github-delivery': 'edge-1', 'x-request-id': 'req-edge-1' },
  );
  assert.equal(response.status, 202, response.text);
  assert.deepEqual(response.json, { id: 'github:edge-1', source: 'github', event: 'pull_request.opened', status: 'queued' });
  assert.equal(response.headers.get('x-request-id'), 'req-edge-1');
  const logged = server.logs.find((line) => line['alertId'] === 'github:edge-1' && line['delivered'] === false);
  assert.equal(logged?.['message'], 'GitHub opened on hello: "Fix" by octocat');
});

test('POST /webhook - a redelivery with the same delivery id is 200 duplicate, no second alert', async () => {
  const body = { action: 'closed', pull_request: { title: 'A', user: { login: 'b' } }, repository: { name: 'c' } };
  const headers = { 'x-github-event': 'pull_request', 'x-github-delivery': 'edge-dup' };
  assert.equal((await server.post('/webhook', body, headers)).status, 202);
  const again = await server.post('/webhook', body, headers);
  assert.equal(again.status, 200);
  assert.equal(again.json['status'], 'duplicate');
});

test('answers - known source without a matching line is 200 ignored, with the reason', async () => {
  const response = await server.post('/webhook/github', { zen: 'hi', action: 'created' }, { 'x-github-event': 'star' });
  assert.equal(response.status, 200);
  assert.equal(response.json['status'], 'ignored');
  assert.match(response.json['reason'], /no line in webhooks\.ini for github\.star\.created/);
});

test('answers - a line condition that does not hold is 200 ignored naming the condition', async () => {
  const ok = await server.post('/webhook/deploy', { event: 'finished', env: 'prod', version: '1.2' });
  assert.equal(ok.status, 202, ok.text);
  const filtered = await server.post('/webhook/deploy', { event: 'finished', env: 'dev', version: '1.3' });
  assert.equal(filtered.status, 200);
  assert.equal(filtered.json['status'], 'ignored');
  assert.match(filtered.json['reason'], /env=prod\|staging/);
});

test('answers - unknown source is 404 with the list of known sources', async () => {
  const response = await server.post('/webhook/nosuch', { a: 1 });
  assert.equal(response.status, 404);
  assert.equal(response.json['error']['code'], 'unknown_source');
  assert.deepEqual(response.json['error']['knownSources'], ['acme', 'deploy', 'github']);
  const unidentified = await server.post('/webhook', { hello: 'world' });
  assert.equal(unidentified.status, 404);
  assert.match(unidentified.json['error']['message'], /post to \/webhook\/<source>/);
});

test('answers - a body that is not JSON is 400 naming the byte offset', async () => {
  const response = await server.post('/webhook/acme', '{"status": "ok", "service": tru');
  assert.equal(response.status, 400);
  assert.equal(response.json['error']['code'], 'invalid_json');
  assert.match(response.json['error']['message'], /byte \d+|offset \d+/);
  assert.equal(typeof response.json['error']['offset'], 'number');
});

test('answers - an unreadable content type is 415, an oversized body 413, an unknown route 404', async () => {
  const png = await server.post('/webhook/acme', new Uint8Array([137, 80, 78, 71]), { 'content-type': 'image/png' });
  assert.equal(png.status, 415);
  assert.equal(png.json['error']['code'], 'unsupported_media_type');
  const big = await server.post('/webhook/acme', JSON.stringify({ status: 'x'.repeat(10_000) }));
  assert.equal(big.status, 413);
  assert.equal(big.json['error']['code'], 'body_too_large');
  const nowhere = await send(`${server.url}/nowhere`, '', {}, 'GET');
  assert.equal(nowhere.status, 404);
  assert.equal(nowhere.json['error']['code'], 'not_found');
});

test('answers - every answer of the webhook route carries the X-Request-Id it was sent (202, 200 duplicate and ignored, 400, 404, 413, 415)', async () => {
  const body = { action: 'opened', pull_request: { title: 'T', user: { login: 'u' } }, repository: { name: 'r' } };
  const github = (id: string) => ({ 'x-github-event': 'pull_request', 'x-github-delivery': 'edge-rid', 'x-request-id': id });
  const answers = [
    ['202', await server.post('/webhook', body, github('rid-202'))],
    ['200 duplicate', await server.post('/webhook', body, github('rid-200-duplicate'))],
    ['200 ignored', await server.post('/webhook/github', { zen: 'hi' }, { 'x-github-event': 'star', 'x-request-id': 'rid-200-ignored' })],
    ['400', await server.post('/webhook/acme', '{"status": tru', { 'x-request-id': 'rid-400' })],
    ['404', await server.post('/webhook/nosuch', { a: 1 }, { 'x-request-id': 'rid-404' })],
    ['413', await server.post('/webhook/acme', JSON.stringify({ status: 'x'.repeat(10_000) }), { 'x-request-id': 'rid-413' })],
    ['415', await server.post('/webhook/acme', new Uint8Array([1, 2]), { 'content-type': 'image/png', 'x-request-id': 'rid-415' })],
  ] as const;
  for (const [name, response] of answers) {
    assert.equal(String(response.status), name.split(' ')[0], `${name}: ${response.text}`);
    assert.equal(response.headers.get('x-request-id'), `rid-${name.replace(' ', '-')}`, name);
  }
  assert.equal(answers[1][1].json['status'], 'duplicate');
  assert.equal(answers[2][1].json['status'], 'ignored');
});

test('GET /health and /ready - probes answer JSON', async () => {
  const health = await send(`${server.url}/health`, '', {}, 'GET');
  assert.deepEqual(health.json, { status: 'ok', sl1_auth_paused: false });
  const ready = await send(`${server.url}/ready`, '', {}, 'GET');
  assert.equal(ready.status, 200);
  assert.equal(ready.json['status'], 'ready');
  assert.equal(ready.json['breaker'], 'closed');
  assert.equal(ready.json['mode'], 'log');
  assert.equal(ready.json['journal']['writable'], true);
});
