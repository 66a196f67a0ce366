/**
 * Part of step 1b (open-queue.ts), with redis_url: the queue shared by every replica (Redis Streams), its genhook_redis_* metrics,
 * leases and shared auth pause. Without redis_url nothing happens here and the local journal is the queue.
 */
import type { Alert } from '../alert.js';
import type { RuntimeConfig } from '../config/index.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { createRedisMetrics, type RedisMetrics } from '../ops/redis-metrics.js';
import type { RedisBackend } from '../queue/redis-backend.js';
import { RedisLeases } from '../queue/redis-leases.js';
import { createSharedAuthPauseStore, type SharedAuthPauseStore } from '../queue/shared-auth-pause.js';
import { openSharedQueue } from '../queue/shared-queue.js';
import type { BacklogEntry } from '../enqueue/index.js';
import type { Storage } from './open-storage.js';

export interface SharedQueueRuntime {
  readonly backend: RedisBackend;
  readonly metrics: RedisMetrics;
  readonly leases: RedisLeases;
  /** The SL1 auth pause, shared: a 401/403 at one replica pauses them all. */
  readonly authPause: SharedAuthPauseStore;
}

export async function openShared(url: string, config: RuntimeConfig, dataDir: string, metrics: Metrics, logger: Logger): Promise<SharedQueueRuntime> {
  const { settings } = config;
  const redisMetrics = createRedisMetrics(metrics.registry);
  const backend = await openSharedQueue({
    url,
    prefix: settings.redis_prefix,
    claimIdleMs: settings.redis_claim_idle,
    dataDir,
    maxSize: settings.queue_max_size,
    dedupWindowMs: settings.dedup_window,
    observer: {
      onCommand: (command, seconds, isOk) => {
        redisMetrics.commandSeconds.observe({ command }, seconds);
        if (!isOk) redisMetrics.errors.inc({ command });
      },
      onClaimed: (count) => redisMetrics.claimed.inc(count),
      onConsumersRemoved: (names) => {
        redisMetrics.consumersRemoved.inc(names.length);
        logger.info({ consumers: names }, 'removed from the Redis consumer group: replicas idle 10 x redis_claim_idle that held nothing (gone for good)');
      },
    },
  });
  redisMetrics.attachProbes({
    isConnected: () => backend.isConnected,
    pending: async () => (await backend.stats()).pending,
    held: () => backend.heldCount,
  });
  const leases = new RedisLeases({
    redis: backend.redis,
    keys: backend.keys,
    // The longest one attempt may take, plus a margin: a lease of a replica that died frees itself after this.
    ttlMs: () => Math.min(settings.processing_timeout, settings.sl1_timeout) + 5000,
    logger,
    onWait: (source) => redisMetrics.leaseWaits.inc({ source }),
  });
  const authPause = await createSharedAuthPauseStore({
    redis: backend.redis,
    subscriber: backend.redis.duplicate({ enableOfflineQueue: true }),
    key: backend.keys.authPause,
    who: backend.consumer,
    retryIntervalMs: () => settings.sl1_auth_retry_interval,
    logger,
  }).catch(async (error: unknown) => {
    await backend.close();
    throw error;
  });
  return { backend, metrics: redisMetrics, leases, authPause };
}

/**
 * Alerts the local journal held from a run without redis_url go to the shared queue, then leave the journal;
 * those recovered beyond the bounds are read back a chunk at a time, so memory stays bounded. When Redis
 * refuses them (full) they stay journaled and move at the next start.
 */
export async function moveToShared(shared: SharedQueueRuntime, journal: Storage['journal'], pending: readonly Alert[], backlog: readonly BacklogEntry[], logger: Logger): Promise<void> {
  let moved = 0;
  const move = async (alerts: readonly Alert[]): Promise<boolean> => {
    if (alerts.length === 0) return true;
    const result = await shared.backend.offer(alerts.map((alert) => ({ alert })));
    if (result.kind !== 'stored') return false;
    for (const alert of alerts) journal.complete(alert.id);
    moved += alerts.length;
    return true;
  };
  let isMoving = await move(pending);
  for (let at = 0; isMoving && at < backlog.length; at += MOVE_CHUNK) {
    const read = await Promise.all(backlog.slice(at, at + MOVE_CHUNK).map((entry) => journal.read(entry.id)));
    isMoving = await move(read.filter((alert): alert is Alert => alert !== undefined));
  }
  if (moved > 0) logger.info({ count: moved }, 'alerts the local journal still held moved to the shared Redis queue');
  if (!isMoving) logger.warn({ count: pending.length + backlog.length - moved }, 'the shared Redis queue is full: alerts the local journal still holds stay journaled and move at the next start');
}

const MOVE_CHUNK = 100;
