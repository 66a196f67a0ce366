/**
 * The dead letters of every replica sharing one Redis, for `genhook dlq list|replay`: one plain connection
 * (no consumer group), read with XRANGE and trimmed with XDEL once SL1 accepted a replayed entry.
 */
import { Redis } from 'ioredis';
import type { DeadLetterEntry } from '../dead-letter/index.js';
import { redisKeys } from './redis-keys.js';
import { redactUrl } from './shared-queue.js';

export interface RedisDeadLetterRow {
  /** The entry's id in the stream (what remove() takes). */
  readonly streamId: string;
  readonly entry: DeadLetterEntry;
}

export interface RedisDeadLetters {
  readonly key: string;
  list(): Promise<RedisDeadLetterRow[]>;
  remove(streamIds: readonly string[]): Promise<number>;
  close(): Promise<void>;
}

export async function openRedisDeadLetters(url: string, prefix: string): Promise<RedisDeadLetters> {
  const key = redisKeys(prefix).deadLetters;
  const redis = new Redis(url, { lazyConnect: true, protocol: 2, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 10_000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    throw Object.assign(new Error(`cannot reach Redis at ${redactUrl(url)} (redis_url): ${(error as Error).message}`), { code: 'redis_unreachable' });
  }
  return {
    key,
    async list() {
      const rows = (await redis.xrange(key, '-', '+')) as [string, string[]][];
      const out: RedisDeadLetterRow[] = [];
      for (const [streamId, fields] of rows) {
        const index = fields.indexOf('e');
        const text = index >= 0 && index % 2 === 0 ? fields[index + 1] : undefined;
        if (text === undefined) continue;
        try {
          out.push({ streamId, entry: JSON.parse(text) as DeadLetterEntry });
        } catch {
          // Not GenHook's: left for a person with redis-cli.
        }
      }
      return out;
    },
    remove: (streamIds) => (streamIds.length === 0 ? Promise.resolve(0) : redis.xdel(key, ...streamIds)),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
