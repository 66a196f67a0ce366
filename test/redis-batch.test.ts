/**
 * Redis calls batched (group commit): calls made in the same event-loop turn or while a batch is in flight share one
 * command, and each caller still gets its own result. The pure batcher first, then the Redis queue's offers
 * and completions batched on a real redis-server: each offer is refused, deduplicated or stored as if it
 * had been sent alone, in call order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RedisBatch } from '../src/queue/redis-batch.js';
import { createRedisBackend, type RedisBackend } from '../src/queue/redis-backend.js';
import { makeTestAlert } from './support/fake-sl1.js';
import { redisSkip, startTestRedis, type TestRedis } from './support/redis-server.js';

interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('RedisBatch', () => {
  test('calls of one tick share a batch; calls made while it is in flight go in the next; each gets its own result', async () => {
    const batches: number[][] = [];
    const first = gate();
    const batch = new RedisBatch<number, string>({
      maxItems: 100,
      send: async (items) => {
        batches.push([...items]);
        if (batches.length === 1) await first.opened;
        return items.map((n) => `r${n}`);
      },
    });
    const early = [batch.call(1), batch.call(2)];
    await new Promise((resolve) => setImmediate(resolve));
    const late = [batch.call(3), batch.call(4), batch.call(5)];
    first.open();
    assert.deepEqual(await Promise.all([...early, ...late]), ['r1', 'r2', 'r3', 'r4', 'r5']);
    assert.deepEqual(batches, [[1, 2], [3, 4, 5]]);
  });

  test('calls from callbacks of one event-loop turn share a batch', async () => {
    const batches: number[][] = [];
    const batch = new RedisBatch<number, number>({ maxItems: 100, send: async (items) => (batches.push([...items]), items) });
    const calls = await new Promise<Promise<number>[]>((resolve) => {
      const made: Promise<number>[] = [];
      setImmediate(() => made.push(batch.call(1)));
      setImmediate(() => resolve([...made, batch.call(2)]));
    });
    assert.deepEqual(await Promise.all(calls), [1, 2]);
    assert.deepEqual(batches, [[1, 2]]);
  });

  test('a batch holds maxItems at most; a failed batch rejects its own callers only', async () => {
    const batches: number[][] = [];
    const batch = new RedisBatch<number, number>({
      maxItems: 2,
      send: async (items) => {
        batches.push([...items]);
        if (items.includes(3)) throw new Error('redis down');
        return items.map((n) => n * 10);
      },
    });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => batch.call(n)));
    assert.deepEqual(batches, [[1, 2], [3, 4], [5]]);
    assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)), [10, 20, 'redis down', 'redis down', 50]);
  });
});

describe('Redis queue offers and completions, batched', { skip: redisSkip }, () => {
  let server: TestRedis;
  const opened: RedisBackend[] = [];
  let db = 0;
  before(async () => {
    server = await startTestRedis();
  });
  after(async () => {
    await Promise.all(opened.map((backend) => backend.close()));
    await server.stop();
  });
  const open = async (maxSize: number): Promise<RedisBackend> => {
    const backend = await createRedisBackend({ url: `redis://127.0.0.1:${server.port}/${++db}`, consumer: 'c1', claimIdleMs: 60_000, maxSize, dedupWindowMs: 60_000 });
    opened.push(backend);
    return backend;
  };

  test('offers of one tick are each full, duplicate or stored as if sent alone, in call order', async () => {
    const backend = await open(4);
    const offers = await Promise.all([
      backend.offer([{ alert: makeTestAlert({ id: 'a1' }), dedupKeys: ['k1'] }, { alert: makeTestAlert({ id: 'a2' }), dedupKeys: ['k2', 'k3'] }]),
      backend.offer([{ alert: makeTestAlert({ id: 'a3' }), dedupKeys: ['k1'] }, { alert: makeTestAlert({ id: 'a4' }), dedupKeys: ['k4', 'k3'] }]),
      backend.offer(['a5', 'a6', 'a9'].map((id) => ({ alert: makeTestAlert({ id }) }))),
      backend.offer([{ alert: makeTestAlert({ id: 'a7' }), dedupKeys: ['k5'] }]),
      backend.offer([{ alert: makeTestAlert({ id: 'a8' }), dedupKeys: ['k6'] }, { alert: makeTestAlert({ id: 'a10' }) }]),
    ]);
    // 2 stored; the second's two are duplicates of the first's keys (k1; k3), counted against the bound as offered
    // (2 + 2 <= 4); 2 + 3 > 4: full; 2 + 1 fits; 3 + 2 > 4: full.
    assert.deepEqual(offers.map((o) => (o.kind === 'stored' ? [...o.duplicates].sort() : o.kind)), [[], ['a3', 'a4'], 'full', [], 'full']);
    const reserved = await backend.reserve(10, 50);
    assert.deepEqual(reserved.map((item) => item.alert.id), ['a1', 'a2', 'a7']);
    // A key of a refused offer was not set: offered again once there is room, k6 is new.
    await Promise.all(reserved.map((item) => backend.complete(item)));
    assert.equal((await backend.stats()).pending, 0, 'completions of one tick all acked and deleted');
    const again = await backend.offer([{ alert: makeTestAlert({ id: 'a8' }), dedupKeys: ['k6'] }]);
    assert.deepEqual(again, { kind: 'stored', duplicates: new Set() });
  });
});
