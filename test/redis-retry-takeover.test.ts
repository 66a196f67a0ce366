/**
 * An alert waiting for its retry backoff when its replica dies (kill -9, never restarted): another replica
 * takes it over after redis_claim_idle and goes on from where the dead one was — it is not lost, it is not
 * sent before the backoff the dead one chose, and retry_max_attempts still counts the dead one's attempts.
 * Real `genhook serve` processes, a real redis-server, a fake SL1 (a real HTTP server) answering 503.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { decodeAlertJson } from '../src/alert.js';
import type { DeadLetterEntry } from '../src/dead-letter/index.js';
import { redisKeys } from '../src/queue/redis-keys.js';
import { serveChild, writeConfigDir, type ServingChild } from './support/child.js';
import { eventually } from './support/eventually.js';
import { startFakeSl1, type FakeSl1 } from './support/fake-sl1.js';
import { send } from './support/genhook.js';
import { redisSkip, startTestRedis } from './support/redis-server.js';

async function replica(url: string, sl1: FakeSl1): Promise<ServingChild> {
  const { settingsFile, webhooksFile } = await writeConfigDir(
    {
      watch_config: false, sl1_api_url: sl1.url, sl1_username: 'u', sl1_password: 'p', redis_url: url, redis_claim_idle: '1s',
      retry_max_attempts: 3, retry_base_delay: '3s', retry_max_delay: '3s', breaker_volume_threshold: 1000,
    },
    'app: n::App alert $n$\n',
  );
  return serveChild(settingsFile, webhooksFile);
}

test('Redis mode: a retry waiting in a replica that dies is taken over with its attempts and backoff', { skip: redisSkip }, async () => {
  const redis = await startTestRedis();
  const sl1 = await startFakeSl1();
  sl1.respondWith(503);
  const url = `${redis.url.replace(/\/0$/, '')}/3`;
  const keys = redisKeys('genhook:');
  const client = new Redis(url, { lazyConnect: true });
  await client.connect();
  const replicas: ServingChild[] = [];
  try {
    const first = await replica(url, sl1);
    replicas.push(first);
    assert.equal((await send(`${first.url}/webhook/app`, { n: 1 })).status, 202);
    await sl1.waitForRequests(1);
    // The survivor starts after the first replica took the alert, so only a takeover can bring it there.
    const survivor = await replica(url, sl1);
    replicas.push(survivor);
    // Two attempts failed and the retry is recorded in Redis next to the alert: the replica now sits in its backoff.
    const progress = await eventually('the second failed attempt recorded', async () => {
      const fields = await client.hgetall(keys.progress);
      const value = Object.values(fields)[0];
      return value?.startsWith('2:') ? value : undefined;
    });
    const notBefore = Number(progress.split(':')[1]);
    assert.equal(sl1.requests.length, 2);
    first.child.kill('SIGKILL');
    await first.exited;

    // The survivor claims it (redis_claim_idle), keeps the dead replica's backoff, makes the one attempt left and gives up.
    const dead = await eventually('the alert dead-lettered by the survivor', async () => {
      const rows = (await client.xrange(keys.deadLetters, '-', '+')) as [string, string[]][];
      const text = rows[0]?.[1][1];
      return text === undefined ? undefined : (decodeAlertJson(text) as DeadLetterEntry);
    }, { timeoutMs: 30_000 });
    assert.equal(dead.reason, 'retries_exhausted');
    assert.equal(dead.attempts, 3, 'retry_max_attempts = 3 counts the attempts made before the takeover');
    assert.equal(sl1.requests.length, 3, 'SL1 got 3 requests in all, not 2 + 3');
    assert.ok(sl1.requests[2]!.at >= notBefore, `the third request (${sl1.requests[2]!.at}) waited for the backoff the dead replica set (${notBefore})`);
    assert.match(survivor.output(), /claimed alerts another replica left unfinished/);
    assert.equal(await client.hlen(keys.progress), 0, 'its progress left Redis with it');
    assert.equal(await client.xlen(keys.stream), 0);
  } finally {
    for (const { child } of replicas) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    client.disconnect();
    await sl1.close();
    await redis.stop();
  }
});
