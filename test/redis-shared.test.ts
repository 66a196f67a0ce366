/**
 * GenHooks sharing one real Redis (in this process, each with its own data_dir): a redelivery that reaches
 * another replica is answered duplicate; Redis down means 503 + Retry-After and /ready false, never a 2xx;
 * kill -9 of Redis and a restart from its AOF lose nothing that was answered 2xx.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeSl1, type FakeSl1 } from './support/fake-sl1.js';
import { startTestGenHook, waitUntil, type TestGenHook } from './support/genhook.js';
import { scrape } from './support/metrics-text.js';
import { redisSkip, startTestRedis, type TestRedis } from './support/redis-server.js';
import { eventually } from './support/eventually.js';

const LINE = 'app: n::App alert $n$\n';
let db = 0;

async function replicas(redis: TestRedis, sl1: FakeSl1, count: number, settings: Record<string, string | number> = {}): Promise<TestGenHook[]> {
  const url = `redis://127.0.0.1:${redis.port}/${++db}`;
  const started: TestGenHook[] = [];
  for (let i = 0; i < count; i++) {
    started.push(await startTestGenHook({ webhooks: LINE, settings: { sl1_api_url: sl1.url, redis_url: url, redis_claim_idle: '1s', retry_base_delay: '50ms', log_level: 'info', ...settings } }));
  }
  return started;
}

describe('GenHooks sharing one Redis', { skip: redisSkip }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => redis.stop());

  test('a provider redelivery sent to another replica is answered duplicate and reaches SL1 once', async () => {
    const sl1 = await startFakeSl1();
    const [a, b] = await replicas(redis, sl1, 2);
    try {
      assert.ok(a && b);
      const first = await a.post('/webhook/app', { n: 1 }, { 'x-delivery-id': 'evt-1' });
      assert.equal(first.status, 202, first.text);
      const again = await b.post('/webhook/app', { n: 1 }, { 'x-delivery-id': 'evt-1' });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.json['status'], 'duplicate');
      const other = await b.post('/webhook/app', { n: 2 }, { 'x-delivery-id': 'evt-2' });
      assert.equal(other.status, 202);
      await sl1.waitFor(2);
      assert.deepEqual(sl1.received.map((req) => req.body?.['message']).sort(), ['App alert 1', 'App alert 2']);
      const ready = (await (await fetch(`${b.url}/ready`)).json()) as Record<string, any>;
      assert.equal(ready['redis']?.['connected'], true);
      const metrics = await scrape(b.url);
      assert.equal(metrics.value('genhook_redis_connected'), 1);
      assert.ok(metrics.value("genhook_redis_command_duration_seconds_count", { command: "offer" }) >= 1);
      await waitUntil(() => a.genhook.dispatcher.size + a.genhook.dispatcher.inFlight + b.genhook.dispatcher.size + b.genhook.dispatcher.inFlight === 0, 'idle');
      assert.equal(sl1.received.length, 2, 'no delivery twice');
    } finally {
      await Promise.all([a?.close(), b?.close()]);
      await sl1.close();
    }
  });

  test('Redis down: webhooks get 503 + Retry-After and /ready is 503, nothing is answered 2xx; back up, they are accepted and delivered', async () => {
    const sl1 = await startFakeSl1();
    const [a] = await replicas(redis, sl1, 1);
    try {
      assert.ok(a);
      assert.equal((await a.post('/webhook/app', { n: 1 })).status, 202);
      await sl1.waitFor(1);
      await redis.kill();
      const refused = await a.post('/webhook/app', { n: 2 });
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.json['error']?.['code'] ?? refused.json['code'], 'redis_unavailable');
      assert.ok(Number(refused.headers.get('retry-after')) > 0);
      const ready = await fetch(`${a.url}/ready`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as Record<string, any>)['redis']?.['connected'], false);
      await redis.start();
      await waitUntil(() => a.genhook.metrics !== undefined && a.logs.length > 0, 'logs');
      // Refused (503, nothing stored) until the replica has reconnected, then accepted: no 2xx before that.
      const accepted = await eventually('a webhook accepted once Redis is back', async () => {
        const answer = await a.post('/webhook/app', { n: 3 });
        if (answer.status !== 503) return answer;
        return undefined;
      }, { intervalMs: 50 });
      assert.equal(accepted.status, 202, accepted.text);
      await sl1.waitFor(2);
      assert.deepEqual(sl1.received.map((req) => req.body?.['message']), ['App alert 1', 'App alert 3']);
    } finally {
      await a?.close();
      await sl1.close();
    }
  });
  test('the shared queue answers and notes an accepted alert as the journal does: x-request-id on the 202, its hole logged and counted', async () => {
    const sl1 = await startFakeSl1();
    const [a] = await replicas(redis, sl1, 1);
    try {
      assert.ok(a);
      const answer = await a.post('/webhook/app', { other: 1 }, { 'x-request-id': 'req-hole-1' });
      assert.equal(answer.status, 202, answer.text);
      assert.equal(answer.headers.get('x-request-id'), 'req-hole-1');
      assert.deepEqual(Object.keys(answer.json), ['id', 'source', 'event', 'status']);
      const hole = a.logs.find((line) => line['msg'] === 'alert rendered with fields missing from the payload');
      assert.ok(hole, 'the hole is logged at info on the shared queue too');
      assert.deepEqual(hole['missing'], ['n']);
      assert.equal((await scrape(a.url)).value('genhook_template_missing_fields_total', { source: 'app' }), 1);
      await sl1.waitFor(1);
    } finally {
      await a?.close();
      await sl1.close();
    }
  });
  test('<source>_rate_limit holds across replicas: 3/1m over two replicas refuses the fourth with 429 + Retry-After', async () => {
    const sl1 = await startFakeSl1();
    const [a, b] = await replicas(redis, sl1, 2, { app_rate_limit: '3/1m' });
    try {
      assert.ok(a && b);
      const statuses = [];
      for (const [server, n] of [[a, 1], [b, 2], [a, 3], [b, 4]] as const) statuses.push((await server.post('/webhook/app', { n })).status);
      assert.deepEqual(statuses, [202, 202, 202, 429], 'each replica alone would have allowed all four');
      const refused = await a.post('/webhook/app', { n: 5 });
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      await sl1.waitFor(3);
    } finally {
      await Promise.all([a?.close(), b?.close()]);
      await sl1.close();
    }
  });
});
