/**
 * Opens the queue shared through Redis (redis_url): the backend under this GenHook's consumer name. Fails with a message naming redis_url when Redis
 * cannot be reached at start (a process manager restarts GenHook; nothing was accepted yet).
 */
import { consumerNameFor } from './consumer-name.js';
import { redactUrl } from './redis-connection.js';
import { createRedisBackend, type RedisBackend, type RedisObserver } from './redis-backend.js';

export class SharedQueueError extends Error {
  override readonly name = 'SharedQueueError';
  readonly code = 'redis_unreachable';
}

export interface SharedQueueOptions {
  readonly url: string;
  readonly prefix: string;
  readonly claimIdleMs: number;
  readonly dataDir: string;
  readonly maxSize: number;
  readonly dedupWindowMs: number;
  readonly observer?: RedisObserver;
}

export async function openSharedQueue(options: SharedQueueOptions): Promise<RedisBackend> {
  const consumer = await consumerNameFor(options.dataDir);
  try {
    return await createRedisBackend({ ...options, consumer });
  } catch (error) {
    const where = redactUrl(options.url);
    throw new SharedQueueError(`cannot reach Redis at ${where} (redis_url): ${(error as Error).message}; start Redis or fix redis_url`, { cause: error });
  }
}

/** The URL without its password, for messages and logs (kept here for its callers). */
export { redactUrl };
