/**
 * Dead letters with redis_url: every replica's go to one Redis stream, and `genhook dlq list|replay` read
 * it (replay removes exactly what SL1 accepted).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './support/child.js';
import { startFakeSl1 } from './support/fake-sl1.js';
import { eventually } from './support/eventually.js';
import { startTestGenHook, waitUntil } from './support/genhook.js';
import { redisSkip, startTestRedis } from './support/redis-server.js';

test('genhook dlq list|replay - with redis_url they read and trim the Redis dead-letter stream', { skip: redisSkip }, async () => {
  const redis = await startTestRedis();
  const sl1 = await startFakeSl1();
  sl1.reject(400, { error: 'bad aligned_resource' });
  const server = await startTestGenHook({ webhooks: 'app: n::App alert $n$\n', settings: { sl1_api_url: sl1.url, sl1_username: 'genhook', sl1_password: 'secret', redis_url: `redis://127.0.0.1:${redis.port}/4` } });
  try {
    for (const n of [1, 2]) assert.equal((await server.post('/webhook/app', { n })).status, 202);
    await waitUntil(() => server.logs.filter((line) => line['msg'] === 'alert dead-lettered').length === 2, 'two dead letters');
    const files = ['--settings', join(server.dir, 'settings.ini'), '--webhooks', join(server.dir, 'webhooks.ini')];
    let list = await runCli(['dlq', 'list', ...files]);
    for (let i = 0; i < 50 && !list.stderr.startsWith('2 dead-lettered'); i++) list = await runCli(['dlq', 'list', ...files]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stderr, /^2 dead-lettered alerts in Redis redis:\/\/127\.0\.0\.1:\d+\/4 \(genhook:\{q\}:dead\)/);
    assert.match(list.stdout, /\tpermanent\tattempts=1\tstatus=400\tApp alert 1\n/);

    sl1.respondWith(201);
    const id = /^(\S+)\t.*App alert 2$/m.exec(list.stdout)?.[1];
    assert.ok(id);
    const replay = await runCli(['dlq', 'replay', '--id', id, ...files]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /sent 1, accepted 1, failed 0, not sent 0, remaining in Redis .* 1/);
    assert.deepEqual(sl1.received.map((req) => req.body?.['message']), ['App alert 2']);
    const after = await runCli(['dlq', 'list', ...files]);
    assert.match(after.stderr, /^1 dead-lettered alert in Redis/);
    assert.match(after.stdout, /App alert 1/);
  } finally {
    await server.close();
    await sl1.close();
    await redis.stop();
  }
});

test('genhook dlq replay - with redis_url: at max_worker_threads once the first is accepted, and a stop at the first 401', { skip: redisSkip }, async () => {
  const redis = await startTestRedis();
  const sl1 = await startFakeSl1();
  sl1.reject(400, { error: 'bad aligned_resource' });
  const server = await startTestGenHook({
    webhooks: 'app: n::App alert $n$\n',
    settings: { sl1_api_url: sl1.url, sl1_username: 'genhook', sl1_password: 'secret', max_worker_threads: 2, redis_url: `redis://127.0.0.1:${redis.port}/7` },
  });
  try {
    for (let n = 1; n <= 6; n++) assert.equal((await server.post('/webhook/app', { n })).status, 202);
    const files = ['--settings', join(server.dir, 'settings.ini'), '--webhooks', join(server.dir, 'webhooks.ini')];
    await eventually('six dead letters in Redis', async () => ((await runCli(['dlq', 'list', ...files])).stderr.startsWith('6 dead-lettered') ? true : undefined));

    // 401: one request, nothing more, all six kept.
    sl1.reject(401, { error: 'bad credentials' });
    let before = sl1.requests.length;
    const refused = await runCli(['dlq', 'replay', '--all', '--yes', ...files]);
    assert.equal(refused.code, 1);
    assert.equal(sl1.requests.length - before, 1, 'one failed login, not six');
    assert.match(refused.stderr, /SL1 refused the credentials \(401\): stopped so the account is not locked; 5 not sent/);
    assert.match(refused.stdout, /sent 1, accepted 0, failed 1, not sent 5, remaining in Redis .* 6/);

    // Accepted: the first alone, then two at a time (each held until a second is in flight, or 5 s).
    before = sl1.requests.length;
    sl1.behave(async (req) => {
      if (req.n > before + 1) await eventually('a second request in flight', () => (sl1.concurrent >= 2 ? true : undefined), { timeoutMs: 5000 }).catch(() => undefined);
      return { status: 201 };
    });
    const replay = await runCli(['dlq', 'replay', '--all', '--yes', ...files]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.equal(sl1.requests.length - before, 6);
    const during = sl1.maxConcurrentBy((req) => (req.n > before ? 'replay' : undefined)).get('replay');
    assert.equal(during, 2, 'max_worker_threads at once, never more');
    const [first, second] = sl1.requests.filter((req) => req.n > before);
    assert.ok(first?.endSeq !== undefined && second !== undefined && first.endSeq < second.startSeq, 'the first goes alone, to check the credentials');
    assert.match(replay.stdout, /sent 6, accepted 6, failed 0, not sent 0, remaining in Redis .* 0/);
  } finally {
    await server.close();
    await sl1.close();
    await redis.stop();
  }
});
