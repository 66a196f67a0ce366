/**
 * The SL1 auth pause across replicas: a 401 at one GenHook pauses every GenHook on the same Redis (SL1
 * locks the account whichever replica logs in), and an operator's resume at one resumes them all.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeSl1 } from './support/fake-sl1.js';
import { startTestGenHook, waitUntil } from './support/genhook.js';
import { redisSkip, startTestRedis, type TestRedis } from './support/redis-server.js';

const LINE = 'app: n::App alert $n$\n';
let redis: TestRedis | undefined;
before(async () => {
  if (redisSkip === undefined) redis = await startTestRedis();
});
after(async () => redis?.stop());

test('a 401 at one replica pauses the others; a resume at one resumes them all', { skip: redisSkip }, async () => {
  const sl1 = await startFakeSl1();
  sl1.reject(401, { error: 'bad credentials' });
  const settings = { sl1_api_url: sl1.url, sl1_username: 'genhook', sl1_password: 'wrong', redis_url: `redis://127.0.0.1:${redis!.port}/3`, log_level: 'info' };
  const a = await startTestGenHook({ webhooks: LINE, settings });
  const b = await startTestGenHook({ webhooks: LINE, settings });
  try {
    assert.equal((await a.post('/webhook/app', { n: 1 })).status, 202);
    await waitUntil(() => a.genhook.dispatcher.authState.phase === 'paused', 'A paused by its 401');
    await waitUntil(() => b.genhook.dispatcher.authState.phase === 'paused', 'B paused by the 401 A got');
    for (let n = 2; n <= 4; n++) assert.equal((await b.post('/webhook/app', { n })).status, 202);
    await waitUntil(() => b.genhook.dispatcher.size + a.genhook.dispatcher.size === 4, 'four alerts held');
    assert.equal(sl1.requests.length, 1, 'one failed login in all: B never tried the refused credentials');
    assert.ok(b.logs.some((line) => line['msg'] === 'SL1 refused the credentials at another GenHook: delivery pauses here too'));

    sl1.respondWith(201);
    a.genhook.dispatcher.resumeAuth('operator');
    await sl1.waitFor(4);
    await waitUntil(() => b.genhook.dispatcher.authState.phase === 'verified', 'B delivering again');
    assert.deepEqual(sl1.received.map((req) => req.body?.['message']).sort(), ['App alert 1', 'App alert 2', 'App alert 3', 'App alert 4']);
  } finally {
    await Promise.all([a.close(), b.close()]);
    await sl1.close();
  }
});
