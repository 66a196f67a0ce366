/**
 * The operational admin API the console uses, against a real GenHook and a fake SL1: dead letters listed,
 * opened, replayed into the live queue (SL1 receives them) and deleted; recent alerts with outcomes; per-source
 * counts and last error; status with the last reload's errors.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { SL1_DEFAULT_BODY } from '../src/deliver/sl1-client.js';
import { withFakeSl1 } from './support/fake-sl1.js';
import { send, startTestGenHook, type TestGenHook, type TestResponse } from './support/genhook.js';
import { redisSkip, startTestRedis } from './support/redis-server.js';
import { eventually } from './support/eventually.js';

const TOKEN = 'ops-token-123';
const WEBHOOKS = 'acme: status,service{name}::Acme $service.name$ is $status$\n';

function admin(server: TestGenHook, method: string, path: string, body?: object | string): Promise<TestResponse> {
  return send(`${server.url}/admin${path}`, body ?? '', { authorization: `Bearer ${TOKEN}` }, method);
}

/** Re-asks until `done` holds; the timeout only guards against a hang. */
async function until(what: string, ask: () => Promise<TestResponse>, done: (answer: TestResponse) => boolean): Promise<TestResponse> {
  let last: TestResponse | undefined;
  return eventually(what, async () => {
    last = await ask();
    return done(last) ? last : undefined;
  }, { timeoutMs: 10_000 }).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; last answer ${last?.status} ${last?.text}`);
  });
}

test('dead letters: list, open, replay to SL1, delete; recent alerts and source counts follow', async () => {
  await withFakeSl1(async (fake) => {
    fake.reject(400, { error: 'bad aligned_resource' });
    const server = await startTestGenHook({
      webhooks: WEBHOOKS,
      settings: { admin_token: TOKEN, sl1_api_url: fake.url, sl1_username: 'u', sl1_password: 'p', retry_base_delay: '10ms', recent_alerts: 5 },
    });
    try {
      const posted = await server.post('/webhook/acme', { status: 'down', service: { name: 'api' } });
      assert.equal(posted.status, 202);
      const id = String(posted.json['id']);

      const list = await until('the dead letter', () => admin(server, 'GET', '/dead-letters'), (answer) => answer.json['total'] === 1);
      const [row] = list.json['entries'];
      assert.equal(row.id, id);
      assert.equal(row.reason, 'permanent');
      assert.equal(row.status, 400);
      assert.equal(row.attempts, 1);
      assert.equal(row.message, 'Acme api is down');
      assert.match(row.deadLetteredAt, /^\d{4}-\d\d-\d\dT/);

      const one = await admin(server, 'GET', `/dead-letters/${encodeURIComponent(id)}`);
      assert.equal(one.status, 200);
      assert.equal(one.json['entry']['bodyExcerpt'], JSON.stringify({ error: 'bad aligned_resource' }));
      assert.deepEqual(one.json['sl1Request'], { ...SL1_DEFAULT_BODY, message: 'Acme api is down' });
      assert.equal((await admin(server, 'GET', '/dead-letters/nope')).status, 404);

      const recent = await admin(server, 'GET', '/alerts/recent');
      assert.equal(recent.json['limit'], 5);
      assert.deepEqual(
        recent.json['alerts'].map((alert: Record<string, unknown>) => [alert['id'], alert['outcome'], alert['status'], alert['attempts']]),
        [[id, 'dead_lettered', 400, 1]],
      );
      // The counter moves once the dead-letter write has resolved, a moment after the line is readable in the file.
      const acmeOf = (answer: TestResponse) => answer.json['sources']?.find((source: { name: string }) => source.name === 'acme');
      const sources = await until('the dead-letter count', () => admin(server, 'GET', '/sources'), (answer) => acmeOf(answer)?.counts?.deadLettered === 1);
      const acme = acmeOf(sources);
      assert.deepEqual(acme.counts, { received: 1, queued: 1, delivered: 0, deadLettered: 1, missingFields: 0 });
      assert.match(acme.lastError.message, /dead-lettered \(permanent\)/);
      assert.equal(acme.lastError.alertId, id);

      // Replay: SL1 accepts now; the alert goes through the live queue and leaves the file.
      fake.respondWith(200);
      const before = fake.received.length;
      const replayed = await admin(server, 'POST', `/dead-letters/${encodeURIComponent(id)}/replay`);
      assert.equal(replayed.status, 200, replayed.text);
      assert.deepEqual(replayed.json, { status: 'requeued', requeued: 1, refused: 0, remaining: 0 });
      await fake.waitFor(before + 1);
      assert.equal(fake.received.at(-1)?.body?.['message'], 'Acme api is down');
      await until('the replayed alert delivered', () => admin(server, 'GET', '/alerts/recent'), (answer) => answer.json['alerts'][0]?.outcome === 'delivered');
      assert.equal((await admin(server, 'GET', '/dead-letters')).json['total'], 0);

      // Delete: another dead letter, removed without sending.
      fake.reject(422);
      const second = await server.post('/webhook/acme', { status: 'flapping', service: { name: 'db' } });
      const secondId = String(second.json['id']);
      await until('the second dead letter', () => admin(server, 'GET', '/dead-letters'), (answer) => answer.json['total'] === 1);
      const sent = fake.requests.length;
      const deleted = await admin(server, 'DELETE', `/dead-letters/${encodeURIComponent(secondId)}`);
      assert.deepEqual(deleted.json, { status: 'deleted', id: secondId, removed: 1, remaining: 0 });
      assert.equal(fake.requests.length, sent, 'delete sends nothing');
      assert.equal((await admin(server, 'DELETE', `/dead-letters/${encodeURIComponent(secondId)}`)).status, 404);

      assert.equal((await admin(server, 'POST', '/dead-letters/replay', { ids: ['nope'] })).status, 404);
      assert.equal((await admin(server, 'POST', '/dead-letters/replay', { ids: [] })).status, 400);
      assert.equal((await admin(server, 'POST', '/dead-letters/replay', '{"all":')).status, 400);
      assert.deepEqual((await admin(server, 'POST', '/dead-letters/replay', { all: true })).json, { status: 'requeued', requeued: 0, refused: 0, remaining: 0 });
      assert.equal((await admin(server, 'GET', '/dead-letters?limit=0')).status, 400);
    } finally {
      await server.close();
    }
  });
});

test('GET /admin/status: breaker, queue, journal, dead letters and the last reload with its file:line errors', async () => {
  const server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { admin_token: TOKEN } });
  try {
    const status = await admin(server, 'GET', '/status');
    assert.equal(status.status, 200);
    assert.equal(status.json['mode'], 'log');
    assert.deepEqual(status.json['breaker'], { state: 'closed' });
    assert.equal(status.json['queue']['capacity'], 10_000);
    assert.equal(status.json['journal']['writable'], true);
    assert.equal(status.json['deadLetters']['count'], 0);
    assert.deepEqual([status.json['lastReload']['trigger'], status.json['lastReload']['ok']], ['start', true]);
    assert.deepEqual(status.json['sl1Auth'], { paused: false, phase: 'unverified', status: null, detail: null, since: null, nextProbeAt: null });

    await writeFile(join(server.dir, 'webhooks.ini'), 'acme: status::Acme $status\n');
    assert.equal((await admin(server, 'POST', '/reload')).status, 422);
    const after = await admin(server, 'GET', '/status');
    const reload = after.json['lastReload'];
    assert.deepEqual([reload.trigger, reload.ok], ['admin', false]);
    assert.equal(reload.issues[0].line, 1);
    assert.match(reload.issues[0].text, /webhooks\.ini:1:/);

    // Log mode: a replay would only log the alerts, so it is refused.
    const replay = await admin(server, 'POST', '/dead-letters/replay', { all: true });
    assert.equal(replay.status, 409);
    assert.equal(replay.json['error']['code'], 'log_mode');
  } finally {
    await server.close();
  }
});

test('GET /admin/status: SL1 refusing the credentials shows as an auth pause with its status', async () => {
  await withFakeSl1(async (fake) => {
    fake.reject(401, { error: 'bad credentials' });
    const server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { admin_token: TOKEN, sl1_api_url: fake.url, sl1_username: 'u', sl1_password: 'p' } });
    try {
      await server.post('/webhook/acme', { status: 'down', service: { name: 'api' } });
      const paused = await until('the auth pause', () => admin(server, 'GET', '/status'), (answer) => answer.json['sl1Auth']?.['paused'] === true);
      assert.equal(paused.json['sl1Auth']['status'], 401);
      assert.equal(paused.json['sl1Auth']['phase'], 'paused');
      assert.match(paused.json['sl1Auth']['since'], /^\d{4}-/);
    } finally {
      await server.close();
    }
  });
});

test('with redis_url the dead letters are the shared stream: listed, replayed through the shared queue, deleted', { skip: redisSkip }, async () => {
  const redis = await startTestRedis();
  try {
    await withFakeSl1(async (fake) => {
      fake.reject(400, { error: 'bad' });
      const server = await startTestGenHook({
        webhooks: WEBHOOKS,
        settings: { admin_token: TOKEN, sl1_api_url: fake.url, sl1_username: 'u', sl1_password: 'p', redis_url: `redis://127.0.0.1:${redis.port}/0`, redis_claim_idle: '1s', retry_base_delay: '10ms' },
      });
      try {
        const first = await server.post('/webhook/acme', { status: 'down', service: { name: 'api' } });
        const second = await server.post('/webhook/acme', { status: 'slow', service: { name: 'db' } });
        assert.deepEqual([first.status, second.status], [202, 202]);
        const list = await until('two dead letters in Redis', () => admin(server, 'GET', '/dead-letters'), (answer) => answer.json['total'] === 2);
        assert.match(String(list.json['file']), /^redis stream .*dead/);
        assert.deepEqual(list.json['entries'].map((row: { message: string }) => row.message).sort(), ['Acme api is down', 'Acme db is slow']);
        const status = await admin(server, 'GET', '/status');
        assert.equal(status.json['deadLetters']['count'], 2);
        const recent = await admin(server, 'GET', '/alerts/recent');
        assert.deepEqual(recent.json['alerts'].map((alert: { outcome: string }) => alert.outcome), ['dead_lettered', 'dead_lettered'], 'the replica that delivered records them');

        fake.respondWith(200);
        const before = fake.received.length;
        // Re-rendered from the body the stream kept, with the line as it is after a reload.
        await writeFile(join(server.dir, 'webhooks.ini'), 'acme: status,service{name}::Acme again: $service.name$ $status$\n');
        assert.equal((await admin(server, 'POST', '/reload')).status, 200);
        const replayed = await admin(server, 'POST', `/dead-letters/${encodeURIComponent(String(first.json['id']))}/replay?rerender=true`);
        assert.deepEqual(replayed.json, { status: 'requeued', requeued: 1, refused: 0, remaining: 1, notRerendered: [] });
        await fake.waitFor(before + 1);
        assert.equal(fake.received.at(-1)?.body?.['message'], 'Acme again: api down');
        const deleted = await admin(server, 'DELETE', `/dead-letters/${encodeURIComponent(String(second.json['id']))}`);
        assert.deepEqual(deleted.json, { status: 'deleted', id: String(second.json['id']), removed: 1, remaining: 0 });
        assert.equal((await admin(server, 'GET', '/dead-letters')).json['total'], 0);
      } finally {
        await server.close();
      }
    });
  } finally {
    await redis.stop();
  }
});

test('dead letters: replay re-rendered with today\'s lines (POST …/replay?rerender=true, {"all":true,"rerender":true})', async () => {
  await withFakeSl1(async (fake) => {
    fake.reject(400, { error: 'bad aligned_resource' });
    const server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { admin_token: TOKEN, sl1_api_url: fake.url, sl1_username: 'u', sl1_password: 'p' } });
    try {
      const posted = await server.post('/webhook/acme', { status: 'down', service: { name: 'api' } });
      const id = String(posted.json['id']);
      await until('the dead letter', () => admin(server, 'GET', '/dead-letters'), (answer) => answer.json['total'] === 1);
      // Dead-lettered before GenHook kept request bodies: cannot be re-rendered.
      const old = { id: 'acme:old', requestId: 'r', source: 'acme', message: 'Acme old', fields: {}, receivedAt: new Date().toISOString(), reason: 'permanent', attempts: 1, deadLetteredAt: new Date().toISOString() };
      await writeFile(join(server.dir, 'data', 'dead-letter.jsonl'), `${JSON.stringify(old)}\n`, { flag: 'a' });
      await writeFile(join(server.dir, 'webhooks.ini'), 'acme: status,service{name}::Fixed: $service.name$ went $status$\n');
      assert.equal((await admin(server, 'POST', '/reload')).status, 200);
      fake.respondWith(201);

      assert.equal((await admin(server, 'POST', `/dead-letters/${encodeURIComponent(id)}/replay?rerender=maybe`)).status, 400);
      const replayed = await admin(server, 'POST', `/dead-letters/${encodeURIComponent(id)}/replay?rerender=true`);
      assert.equal(replayed.status, 200, replayed.text);
      assert.deepEqual(replayed.json, { status: 'requeued', requeued: 1, refused: 0, remaining: 1, notRerendered: [] });
      await fake.waitFor(1);
      assert.equal(fake.received[0]?.body?.['message'], 'Fixed: api went down');

      const rest = await admin(server, 'POST', '/dead-letters/replay', { all: true, rerender: true });
      assert.equal(rest.status, 200, rest.text);
      assert.equal(rest.json['requeued'], 0);
      assert.equal(rest.json['remaining'], 1);
      assert.deepEqual(rest.json['notRerendered'].map((item: { id: string; noPayload: boolean }) => [item.id, item.noPayload]), [['acme:old', true]]);
      assert.match(rest.json['notRerendered'][0].reason, /no stored payload/);
      assert.equal((await admin(server, 'POST', '/dead-letters/replay', { all: true, rerender: 'yes' })).status, 400);
    } finally {
      await server.close();
    }
  });
});
