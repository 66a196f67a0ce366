/**
 * The dead letters of every replica sharing one Redis: a stream of entries (field `e`, the JSON of a
 * DeadLetterEntry). The queue backend appends to it in the same MULTI that acks the alert; the console,
 * the admin API and `genhook dlq list|replay` read it with XRANGE and trim it with XDEL once SL1 accepted
 * a replayed entry. `openRedisDeadLetters` is the CLI's: one plain connection, no consumer group.
 */
import type { Redis } from 'ioredis';
import { encodeAlertJson, type Alert } from '../alert.js';
import type { DeadLetterEntry } from '../dead-letter/index.js';
import { jsonFieldOf, openRedisConnection, redactUrl, timed, type RedisObserver } from './redis-connection.js';
import { redisKeys } from './redis-keys.js';

export interface RedisDeadLetterRow {
  /** The entry's id in the stream (what remove() takes). */
  readonly streamId: string;
  readonly entry: DeadLetterEntry;
}

/** Dead letters, oldest first. A foreign or torn entry is shown by nobody; it stays for a person with redis-cli. */
export async function readDeadLetterStream(redis: Redis, key: string, observer?: RedisObserver): Promise<RedisDeadLetterRow[]> {
  const rows = (await timed(observer, 'dlq_list', () => redis.xrange(key, '-', '+'))) as [string, string[]][];
  const out: RedisDeadLetterRow[] = [];
  for (const [streamId, fields] of rows) {
    const entry = jsonFieldOf<DeadLetterEntry>(fields, 'e');
    if (entry !== undefined) out.push({ streamId, entry });
  }
  return out;
}

/** Puts dead-lettered alerts back on the queue (a replay through the replicas) and removes them from the dead letters, in one MULTI. */
export async function requeueFromDeadLetters(
  redis: Redis,
  keys: { readonly stream: string; readonly deadLetters: string },
  rows: readonly { readonly streamId: string; readonly alert: Alert }[],
  observer?: RedisObserver,
): Promise<void> {
  if (rows.length === 0) return;
  const multi = redis.multi();
  for (const { streamId, alert } of rows) multi.xadd(keys.stream, '*', 'a', encodeAlertJson(alert)).xdel(keys.deadLetters, streamId);
  await timed(observer, 'dlq_requeue', () => multi.exec());
}

export interface RedisDeadLetters {
  readonly key: string;
  list(): Promise<RedisDeadLetterRow[]>;
  remove(streamIds: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

export async function openRedisDeadLetters(url: string, prefix: string): Promise<RedisDeadLetters> {
  const key = redisKeys(prefix).deadLetters;
  const redis = openRedisConnection(url, { name: 'genhook:dlq', commandTimeoutMs: 10_000, reconnect: false });
  try {
    await redis.connect();
  } catch (error) {
    throw Object.assign(new Error(`cannot reach Redis at ${redactUrl(url)} (redis_url): ${(error as Error).message}`), { code: 'redis_unreachable' });
  }
  return {
    key,
    list: () => readDeadLetterStream(redis, key),
    remove: (streamIds) => (streamIds.length === 0 ? Promise.resolve(0) : redis.xdel(key, ...streamIds)),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
