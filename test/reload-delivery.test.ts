/**
 * Delivery settings follow a reload of settings.ini without a restart: a new SL1 URL or password, lower
 * concurrency, log mode. Real GenHook, real settings file, fake SL1s on loopback; requests are held at the
 * fake by a gate until the test answers them, so nothing depends on timing.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startFakeSl1, type FakeReply, type FakeSl1 } from './support/fake-sl1.js';
import { send, startTestGenHook, waitUntil, type TestGenHook } from './support/genhook.js';

const TOKEN = 'reload-delivery-token';
const WEBHOOKS = 'acme: n::Acme $n$\nbeta: n::Beta $n$\n';

/** Rewrites settings.ini with `changes` (undefined removes a key) and reloads through POST /admin/reload. */
async function reloadWith(server: TestGenHook, changes: Readonly<Record<string, string | number | undefined>>): Promise<void> {
  const file = join(server.dir, 'settings.ini');
  const kept = (await readFile(file, 'utf8')).split('\n').filter((line) => line !== '' && !(line.split('=')[0]!.trim() in changes));
  const added = Object.entries(changes).flatMap(([key, value]) => (value === undefined ? [] : [`${key} = ${value}`]));
  await writeFile(file, [...kept, ...added].join('\n') + '\n');
  const reloaded = await send(`${server.url}/admin/reload`, '', { authorization: `Bearer ${TOKEN}` });
  assert.equal(reloaded.status, 200, reloaded.text);
  assert.deepEqual(reloaded.json['restartNeeded'], [], 'delivery settings need no restart');
}

/** Requests wait at the fake until `release` answers them. */
function gate(fake: FakeSl1) {
  const held: ((reply: FakeReply) => void)[] = [];
  fake.behave(() => new Promise<FakeReply>((resolve) => held.push(resolve)));
  return {
    release(reply: FakeReply = { status: 201 }) {
      for (const answer of held.splice(0)) answer(reply);
    },
  };
}

async function postMany(server: TestGenHook, source: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n++) {
    const response = await server.post(`/webhook/${source}`, { n });
    assert.equal(response.status, 202, response.text);
    ids.push(String(response.json['id']));
  }
  return ids;
}

/** SL1 accepts one alert first: until credentials are proven, GenHook sends one request at a time. */
async function proveCredentials(server: TestGenHook, fake: FakeSl1): Promise<void> {
  await postMany(server, 'beta', 1);
  await fake.waitFor(1);
}

const messages = (fake: FakeSl1) => fake.received.map((r) => String(r.body?.['message'])).sort();

async function withServer(settings: Record<string, string | number>, fakes: number, fn: (server: TestGenHook, ...fakes: FakeSl1[]) => Promise<void>): Promise<void> {
  const started = await Promise.all(Array.from({ length: fakes }, () => startFakeSl1()));
  const server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { admin_token: TOKEN, sl1_api_url: started[0]!.url, ...settings } });
  try {
    await fn(server, ...started);
  } finally {
    await server.close();
    await Promise.all(started.map((fake) => fake.close()));
  }
}

test('reload - new sl1_api_url while SL1 hangs: queued alerts reach the second SL1, none lost, none to the first after the switch', () =>
  withServer({ max_worker_threads: 2, retry_base_delay: '10ms', retry_max_delay: '20ms' }, 2, async (server, first, second) => {
    await proveCredentials(server, first);
    const held = gate(first);
    await postMany(server, 'acme', 5);
    await first.waitForRequests(3); // both workers stuck on the first SL1; three alerts wait behind them
    await reloadWith(server, { sl1_api_url: second.url });
    held.release({ status: 503 }); // the two stuck ones fail and are retried: to the second SL1
    await second.waitFor(5);
    assert.deepEqual(messages(second), ['Acme 0', 'Acme 1', 'Acme 2', 'Acme 3', 'Acme 4']);
    assert.equal(first.requests.length, 3, 'nothing reached the first SL1 after the switch');
    await waitUntil(() => server.genhook.dispatcher.size + server.genhook.dispatcher.inFlight === 0, 'the queue to empty');
    assert.ok(server.logs.some((line) => line['msg'] === 'delivery settings applied' && (line['changed'] as string[]).includes('url')));
    assert.ok(!server.logs.some((line) => /takes effect after a restart/.test(String(line['msg']))));
  }));

test('reload - new sl1_api_url while SL1 refuses connections and the breaker is open: the alerts go to the new SL1 at once', () =>
  withServer({ retry_max_attempts: 50, retry_base_delay: '10ms', breaker_volume_threshold: 2, breaker_reset_timeout: '1h' }, 2, async (server, first, second) => {
    await first.refuse();
    await postMany(server, 'acme', 3);
    await waitUntil(() => server.genhook.dispatcher.breakerState === 'open', 'the breaker to open');
    await reloadWith(server, { sl1_api_url: second.url });
    await second.waitFor(3); // an hour-long open breaker would hold them without the fresh one
    assert.deepEqual(messages(second), ['Acme 0', 'Acme 1', 'Acme 2']);
    const ready = await send(`${server.url}/ready`, '', {}, 'GET');
    assert.equal(ready.json['breaker'], 'closed');
  }));

test('reload - rotated sl1_password: the held alert and the next ones carry the new Basic credentials', () =>
  withServer({ sl1_username: 'genhook', sl1_password: 'old-pass' }, 1, async (server, sl1) => {
    // SL1's side was rotated first: it takes only the new password.
    sl1.behave((req) => ({ status: req.auth?.password === 'new-pass' ? 201 : 401 }));
    await postMany(server, 'acme', 1);
    await waitUntil(() => server.genhook.dispatcher.authState.phase === 'paused', 'the auth pause');
    await postMany(server, 'acme', 2);
    assert.equal(sl1.requests.length, 1, 'paused: the alerts after the refusal wait');
    await reloadWith(server, { sl1_password: 'new-pass' });
    await sl1.waitFor(3);
    assert.deepEqual(sl1.requests.map((r) => r.auth), [
      { username: 'genhook', password: 'old-pass' },
      { username: 'genhook', password: 'new-pass' },
      { username: 'genhook', password: 'new-pass' },
      { username: 'genhook', password: 'new-pass' },
    ]);
  }));

test('reload - the request in flight on the old connection pool completes; it is not aborted', () =>
  withServer({ sl1_username: 'genhook', sl1_password: 'old-pass' }, 1, async (server, sl1) => {
    const held = gate(sl1);
    const [first] = await postMany(server, 'acme', 1);
    await sl1.waitForRequests(1);
    await reloadWith(server, { sl1_password: 'new-pass', sl1_timeout: '20s' });
    await postMany(server, 'acme', 1);
    await sl1.waitForRequests(2); // sent through the new pool while the old one still holds its request
    held.release();
    await sl1.waitFor(2);
    assert.deepEqual(sl1.received.map((r) => r.auth?.password).sort(), ['new-pass', 'old-pass']);
    assert.equal(sl1.requests.length, 2, 'no retry: the first request was answered, not aborted');
    const delivered = () => server.logs.find((line) => line['alertId'] === first && line['msg'] === 'alert delivered to SL1');
    await waitUntil(() => delivered() !== undefined, 'the first alert to be delivered');
    assert.equal(delivered()?.['attempt'], 1);
  }));

test('reload - lower max_worker_threads live: once the requests in flight finish, the fake sees one at a time', () =>
  withServer({ max_worker_threads: 3 }, 1, async (server, sl1) => {
    await proveCredentials(server, sl1);
    const held = gate(sl1);
    await postMany(server, 'acme', 6);
    await sl1.waitForRequests(4);
    await reloadWith(server, { max_worker_threads: 1 });
    sl1.respondWith(201, { delayMs: 30 });
    held.release();
    await sl1.waitFor(7);
    const byPhase = sl1.maxConcurrentBy((r) => (r.n === 1 ? undefined : r.n <= 4 ? 'before' : 'after'));
    assert.equal(byPhase.get('before'), 3, 'three at once before the reload (so the check below can fail)');
    assert.equal(byPhase.get('after'), 1);
    const metrics = await server.genhook.metrics.registry.getSingleMetricAsString('genhook_delivery_workers');
    assert.match(metrics, /^genhook_delivery_workers 1$/m);
  }));

test('reload - lower <source>_max_concurrent live: that source drops to its new limit, others keep theirs', () =>
  withServer({ max_worker_threads: 20, acme_max_concurrent: 3 }, 1, async (server, sl1) => {
    await proveCredentials(server, sl1);
    const held = gate(sl1);
    await postMany(server, 'acme', 6);
    await sl1.waitForRequests(4);
    await reloadWith(server, { acme_max_concurrent: 1 });
    sl1.respondWith(201, { delayMs: 30 });
    held.release();
    await postMany(server, 'beta', 3);
    await sl1.waitFor(10);
    const acme = sl1.maxConcurrentBy((r) => (String(r.body?.['message']).startsWith('Acme') ? (r.n <= 4 ? 'before' : 'after') : undefined));
    assert.equal(acme.get('before'), 3);
    assert.equal(acme.get('after'), 1);
    const beta = sl1.maxConcurrentBy((r) => (String(r.body?.['message']).startsWith('Beta') ? 'beta' : undefined));
    assert.ok((beta.get('beta') ?? 0) > 1, 'beta has no limit of its own');
  }));

test('reload - sl1_api_url removed: queued alerts are logged instead (log mode), and new ones too', () =>
  withServer({ retry_base_delay: '1h', retry_max_delay: '1h' }, 1, async (server, sl1) => {
    sl1.respondWith(503);
    const ids = await postMany(server, 'acme', 2);
    await waitUntil(() => server.logs.filter((line) => line['msg'] === 'SL1 delivery will be retried').length === 2, 'two hour-long retries planned');
    await reloadWith(server, { sl1_api_url: undefined });
    ids.push(...(await postMany(server, 'beta', 1)));
    const logged = () => server.logs.filter((line) => line['msg'] === 'alert (log mode, not delivered)').map((line) => line['alertId']);
    await waitUntil(() => logged().length === 3, 'three alerts logged');
    assert.deepEqual(logged().sort(), [...ids].sort());
    assert.equal(sl1.requests.length, 2, 'no request to SL1 after the switch');
    assert.ok(server.logs.some((line) => String(line['msg']).startsWith('sl1_api_url is not set: log mode')));
    const ready = await send(`${server.url}/ready`, '', {}, 'GET');
    assert.equal(ready.json['mode'], 'log');
  }));
