/**
 * Consumers of replicas that never come back: removed from the consumer group once they have read nothing
 * for 10 × redis_claim_idle and hold nothing — never while they still hold entries nobody has claimed
 * (XGROUP DELCONSUMER would drop those entries from the pending list, and with them the alerts).
 * A real redis-server; the "dead" replicas are backends closed without completing what they held.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { CONSUMER_GROUP } from '../src/queue/redis-keys.js';
import { CONSUMER_IDLE_FACTOR, createRedisBackend, type RedisBackend } from '../src/queue/redis-backend.js';
import { eventually } from './support/eventually.js';
import { makeTestAlert } from './support/fake-sl1.js';
import { redisSkip, startTestRedis, type TestRedis } from './support/redis-server.js';

const CLAIM_IDLE_MS = 100;
let db = 0;

interface ConsumerInfo {
  readonly name: string;
  readonly pending: number;
  readonly idle: number;
}

async function consumers(redis: Redis, stream: string): Promise<ConsumerInfo[]> {
  const rows = (await redis.call('XINFO', 'CONSUMERS', stream, CONSUMER_GROUP)) as (string | number)[][];
  return rows.map((row) => {
    const fields = new Map<string, string | number>();
    for (let i = 0; i + 1 < row.length; i += 2) fields.set(String(row[i]), row[i + 1]!);
    return { name: String(fields.get('name')), pending: Number(fields.get('pending')), idle: Number(fields.get('idle')) };
  });
}

describe('consumers of replicas gone for good', { skip: redisSkip }, () => {
  let server: TestRedis;
  const opened: RedisBackend[] = [];
  before(async () => {
    server = await startTestRedis();
  });
  after(async () => {
    await Promise.all(opened.map((backend) => backend.close()));
    await server.stop();
  });

  const open = async (consumer: string, url: string, observer?: { onConsumersRemoved?(names: readonly string[]): void }): Promise<RedisBackend> => {
    const backend = await createRedisBackend({ url, consumer, claimIdleMs: CLAIM_IDLE_MS, maxSize: 100, dedupWindowMs: 60_000, ...(observer ? { observer } : {}) });
    opened.push(backend);
    return backend;
  };

  test('an idle consumer holding nothing is removed; one holding entries stays until they are claimed, then goes', async () => {
    const url = `redis://127.0.0.1:${server.port}/${++db}`;
    const removedSeen: string[] = [];
    const survivor = await open('survivor', url, { onConsumersRemoved: (names) => removedSeen.push(...names) });
    assert.equal(survivor.consumerIdleMaxMs, CONSUMER_IDLE_FACTOR * CLAIM_IDLE_MS, 'the documented bound: 10 x redis_claim_idle');
    await survivor.offer([1, 2, 3].map((n) => ({ alert: makeTestAlert({ id: `a${n}`, message: `alert ${n}` }) })));

    // "holder" takes two alerts and dies holding them; "empty" read once (nothing left for it) and dies too.
    const holder = await open('holder', url);
    assert.equal((await holder.reserve(2, 50)).length, 2);
    await holder.close();
    const empty = await open('empty', url);
    const rest = await empty.reserve(5, 50);
    assert.equal(rest.length, 1);
    await empty.complete(rest[0]!);
    await empty.close();

    // Both past the bound (the survivor has only offered so far, so it is no consumer yet).
    const bound = survivor.consumerIdleMaxMs;
    await eventually('both dead consumers idle past the bound', async () => {
      const rows = await consumers(survivor.redis, survivor.keys.stream);
      return rows.filter((row) => row.name !== 'survivor').every((row) => row.idle > bound);
    });
    assert.deepEqual(await survivor.reapConsumers(), ['empty'], 'only the consumer that holds nothing is removed');
    const left = await consumers(survivor.redis, survivor.keys.stream);
    assert.deepEqual(left.map((row) => [row.name, row.pending]), [['holder', 2]]);

    // claim() takes the holder's entries over (idle > redis_claim_idle) and removes it in the same round.
    const claimed = await survivor.claim(10);
    assert.deepEqual(claimed.map((item) => item.alert.id).sort(), ['a1', 'a2'], 'nothing the dead consumer held was dropped');
    assert.deepEqual((await consumers(survivor.redis, survivor.keys.stream)).map((row) => row.name), ['survivor']);
    assert.deepEqual(removedSeen.sort(), ['empty', 'holder']);
    for (const item of claimed) await survivor.complete(item);
    assert.equal((await survivor.stats()).pending, 0);
    // The reaper never removes itself, however idle.
    await eventually('the survivor idle past the bound', async () => (await consumers(survivor.redis, survivor.keys.stream))[0]!.idle > bound);
    assert.deepEqual(await survivor.reapConsumers(), []);
  });

  test('a live consumer is never removed: it reads (or is recreated by its next read) and keeps what it holds', async () => {
    const url = `redis://127.0.0.1:${server.port}/${++db}`;
    const reaper = await open('reaper', url);
    const live = await open('live', url);
    await reaper.offer([{ alert: makeTestAlert({ id: 'x', message: 'x' }) }]);
    const held = await live.reserve(1, 50);
    assert.equal(held.length, 1);
    await eventually('the live consumer idle past the bound', async () =>
      (await consumers(reaper.redis, reaper.keys.stream)).find((row) => row.name === 'live')!.idle > reaper.consumerIdleMaxMs,
    );
    // Idle but holding an alert (waiting for a retry, say): it stays, and so does its entry.
    assert.deepEqual(await reaper.reapConsumers(), []);
    await live.complete(held[0]!);
    // Holding nothing any more and still idle: removed; its next read simply makes it again.
    assert.deepEqual(await reaper.reapConsumers(), ['live']);
    await reaper.offer([{ alert: makeTestAlert({ id: 'y', message: 'y' }) }]);
    const next = await live.reserve(1, 200);
    assert.deepEqual(next.map((item) => item.alert.id), ['y']);
    assert.ok((await consumers(reaper.redis, reaper.keys.stream)).some((row) => row.name === 'live' && row.pending === 1));
    await live.complete(next[0]!);
  });
});
