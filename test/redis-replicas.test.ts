/**
 * Three `genhook serve` processes on one real Redis, against a fake SL1 (a real HTTP server): the chaos
 * that replicas behind a load balancer must survive. What must hold: every alert answered 2xx reaches
 * SL1 (or the dead letters); duplicates only after a crash, a freeze or a Redis restart, and counted.
 * redis_claim_idle is 1 s here so takeovers happen within the test.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { serveChild, type ServingChild } from './support/child.js';
import { startFakeSl1, type FakeSl1 } from './support/fake-sl1.js';
import { send } from './support/genhook.js';
import { scrape } from './support/metrics-text.js';
import { redisSkip, startTestRedis, type TestRedis } from './support/redis-server.js';
import { eventually } from './support/eventually.js';
import { tempDir } from './support/temp-dir.js';

const LINE = 'app: n::App alert $n$\n';
let db = 0;

interface Cluster {
  readonly replicas: ServingChild[];
  close(): Promise<void>;
}

async function startReplicas(redis: TestRedis, sl1: FakeSl1, count: number, settings: Record<string, string | number> = {}): Promise<Cluster> {
  const url = `redis://127.0.0.1:${redis.port}/${++db}`;
  const replicas: ServingChild[] = [];
  for (let i = 0; i < count; i++) {
    const dir = await tempDir(`genhook-replica-${i}-`);
    const all = {
      server_host: '127.0.0.1', server_port: 0, data_dir: join(dir, 'data'), log_level: 'info', watch_config: false,
      sl1_api_url: sl1.url, redis_url: url, redis_claim_idle: '1s', max_worker_threads: 4,
      retry_base_delay: '50ms', retry_max_delay: '200ms', retry_max_attempts: 100, breaker_volume_threshold: 1000,
      ...settings,
    };
    await writeFile(join(dir, 'settings.ini'), Object.entries(all).map(([key, value]) => `${key} = ${value}`).join('\n') + '\n');
    await writeFile(join(dir, 'webhooks.ini'), LINE);
    replicas.push(await serveChild(join(dir, 'settings.ini'), join(dir, 'webhooks.ini')));
  }
  return {
    replicas,
    async close() {
      for (const { child } of replicas) {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGCONT');
          child.kill('SIGKILL');
        }
      }
      await Promise.all(replicas.map((replica) => replica.exited));
    },
  };
}

/** Posts alert `n` to `url`; resolves to n when answered 2xx, undefined otherwise (refused, connection reset). */
async function post(url: string, n: number): Promise<number | undefined> {
  try {
    const response = await send(`${url}/webhook/app`, { n });
    return response.status >= 200 && response.status < 300 ? n : undefined;
  } catch {
    return undefined;
  }
}

const messagesOf = (sl1: FakeSl1): string[] => sl1.received.map((req) => String(req.body?.['message']));

/** Resolves once SL1 accepted every one of `ns` at least once. */
async function allDelivered(sl1: FakeSl1, ns: readonly number[], timeoutMs = 30_000): Promise<void> {
  const wanted = new Set(ns.map((n) => `App alert ${n}`));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = new Set(messagesOf(sl1));
    const missing = [...wanted].filter((message) => !seen.has(message));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`not delivered after ${timeoutMs} ms: ${missing.length} of ${wanted.size} (${missing.slice(0, 5).join(', ')})`);
    await sl1.waitFor(sl1.received.length + 1, Math.max(1, deadline - Date.now())).catch(() => undefined);
  }
}

/** genhook_redis_claimed_total over the replicas still running: proof that a takeover happened. */
async function claimedBy(replicas: readonly ServingChild[]): Promise<number> {
  let total = 0;
  for (const replica of replicas) total += (await scrape(replica.url)).value('genhook_redis_claimed_total');
  return total;
}

/** Waits until a replica holds at least one alert from Redis. */
async function heldSome(replica: ServingChild, timeoutMs = 20_000): Promise<void> {
  await eventually('the replica to hold an alert', async () => Number((await send(`${replica.url}/ready`, '', {}, 'GET')).json['redis']?.['held']) > 0, { timeoutMs, intervalMs: 10 });
}

/** Waits until a replica holds nothing from Redis any more (its held alerts delivered or found claimed). */
async function heldNothing(replica: ServingChild, timeoutMs = 20_000): Promise<void> {
  await eventually('the replica to hold nothing', async () => (await send(`${replica.url}/ready`, '', {}, 'GET')).json['redis']?.['held'] === 0, { timeoutMs, intervalMs: 50 });
}

function duplicates(sl1: FakeSl1): number {
  const messages = messagesOf(sl1);
  return messages.length - new Set(messages).size;
}

describe('three GenHook processes on one Redis', { skip: redisSkip }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startTestRedis();
  });
  after(async () => redis.stop());

  test('kill -9 of one replica mid-burst, never restarted: every alert any replica answered 2xx reaches SL1', async () => {
    const sl1 = await startFakeSl1();
    sl1.respondWith(201, { delayMs: 30 });
    const cluster = await startReplicas(redis, sl1, 3);
    try {
      const [victim] = cluster.replicas;
      assert.ok(victim);
      const posts: Promise<number | undefined>[] = [];
      for (let n = 1; n <= 240; n++) {
        posts.push(post(cluster.replicas[n % 3]!.url, n));
        if (n === 120) {
          // Mid-burst: the victim holds alerts (reserved, in flight at SL1) when it dies.
          await sl1.waitForRequests(20);
          victim.child.kill('SIGKILL');
        }
      }
      const answers = await Promise.all(posts);
      const accepted = answers.filter((n): n is number => n !== undefined);
      assert.ok(answers.every((n, index) => n !== undefined || (index + 1) % 3 === 0), 'every post to a survivor was answered 2xx');
      assert.ok(accepted.some((n) => n % 3 === 0), 'the victim answered some 2xx before it died');
      await allDelivered(sl1, accepted);
      assert.ok((await claimedBy(cluster.replicas.slice(1))) > 0, 'the survivors took over what the victim held');
      console.log(`kill -9: ${accepted.length} answered 2xx, all delivered; ${duplicates(sl1)} delivered twice (in flight at the victim when it died)`);
      assert.ok(duplicates(sl1) <= 8, 'duplicates at most what the victim held (2 x max_worker_threads)');
    } finally {
      await cluster.close();
      await sl1.close();
    }
  });

  test('SIGSTOP of one replica beyond redis_claim_idle: the others deliver its alerts; after SIGCONT few are delivered twice, counted', async () => {
    const sl1 = await startFakeSl1();
    sl1.respondWith(201, { delayMs: 300 });
    const cluster = await startReplicas(redis, sl1, 3);
    try {
      const [frozen] = cluster.replicas;
      assert.ok(frozen);
      const answers = await Promise.all(Array.from({ length: 90 }, (_, i) => post(cluster.replicas[(i + 1) % 3]!.url, i + 1)));
      const accepted = answers.filter((n): n is number => n !== undefined);
      // Frozen while it holds alerts (in flight at SL1, or waiting for one of its slots): its /ready says how many.
      await heldSome(frozen);
      frozen.child.kill('SIGSTOP');
      // Survivors claim what it held once it has been silent for redis_claim_idle.
      await allDelivered(sl1, accepted);
      assert.ok((await claimedBy(cluster.replicas.slice(1))) > 0, 'the others claimed what the frozen one held');
      const beforeResume = sl1.received.length;
      frozen.child.kill('SIGCONT');
      // The resumed replica finds its alerts claimed; those already in flight or handed to delivery go twice.
      await heldNothing(frozen);
      const twice = duplicates(sl1);
      console.log(`SIGSTOP: ${accepted.length} answered 2xx, all delivered; ${twice} delivered twice (${sl1.received.length - beforeResume} after SIGCONT)`);
      assert.equal(accepted.length, 90);
      assert.ok(twice <= 8, `duplicates at most what the frozen replica held (2 x max_worker_threads), got ${twice}`);
    } finally {
      await cluster.close();
      await sl1.close();
    }
  });

  test('a source limited to 4 concurrent never has more than 4 in flight at SL1 across three replicas, even after one of them dies mid-burst', async () => {
    const sl1 = await startFakeSl1();
    // Each SL1 call outlasts the longest pause between lease polls (250 ms), so the limit is reached even on a loaded machine.
    sl1.respondWith(201, { delayMs: 500 });
    // Each replica alone would allow 4: without shared leases SL1 would see up to 12 at once.
    const cluster = await startReplicas(redis, sl1, 3, { app_max_concurrent: 4, max_worker_threads: 8, sl1_timeout: '2s' });
    try {
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => post(cluster.replicas[i % 3]!.url, i + 1)));
      const accepted = answers.filter((n): n is number => n !== undefined);
      assert.equal(accepted.length, 60);
      await sl1.waitForRequests(8);
      // One dies mid-burst: any lease it held expires (sl1_timeout + 5 s) and the others go on, still never above 4.
      cluster.replicas[0]!.child.kill('SIGKILL');
      await allDelivered(sl1, accepted);
      console.log(`max_concurrent 4 across 3 replicas: SL1 saw at most ${sl1.maxConcurrent} at once over ${sl1.requests.length} requests`);
      assert.equal(sl1.maxConcurrent, 4, 'the limit was reached (so the test could fail) and never passed');
    } finally {
      await cluster.close();
      await sl1.close();
    }
  });

  test('kill -9 of Redis and a restart from its AOF: nothing answered 2xx is lost', async () => {
    const own = await startTestRedis();
    const sl1 = await startFakeSl1();
    sl1.respondWith(503);
    const cluster = await startReplicas(own, sl1, 3);
    try {
      const accepted: number[] = [];
      for (let n = 1; n <= 60; n++) {
        const ok = await post(cluster.replicas[n % 3]!.url, n);
        if (ok !== undefined) accepted.push(ok);
      }
      assert.equal(accepted.length, 60);
      await own.kill();
      await own.start();
      sl1.respondWith(201);
      await allDelivered(sl1, accepted);
      console.log(`Redis kill -9: ${accepted.length} answered 2xx before, all delivered after the AOF restart; ${duplicates(sl1)} delivered twice`);
    } finally {
      await cluster.close();
      await sl1.close();
      await own.stop();
    }
  });
});
