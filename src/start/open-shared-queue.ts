/**
 * Step 1b, with redis_url: the queue shared by every replica (Redis Streams), its genhook_redis_* metrics,
 * and the feeder that moves its alerts into this replica's dispatcher. Without redis_url nothing happens
 * here and the local journal is the queue.
 */
import type { Alert } from '../alert.js';
import type { RuntimeConfig } from '../config/index.js';
import type { Dispatcher } from '../deliver/dispatcher.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { createRedisMetrics, type RedisMetrics } from '../ops/redis-metrics.js';
import type { QueueFeeder } from '../queue/feeder.js';
import type { RedisBackend } from '../queue/redis-backend.js';
import { RedisLeases } from '../queue/redis-leases.js';
import { createSharedAuthPauseStore, type SharedAuthPauseStore } from '../queue/shared-auth-pause.js';
import { createFeeder, openSharedQueue } from '../queue/shared-queue.js';
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
  let redisMetrics: RedisMetrics | undefined;
  const backend = await openSharedQueue({
    url,
    prefix: settings.redis_prefix,
    claimIdleMs: settings.redis_claim_idle,
    dataDir,
    maxSize: settings.queue_max_size,
    dedupWindowMs: settings.dedup_window,
    observer: {
      onCommand: (command, seconds, isOk) => {
        redisMetrics?.commandSeconds.observe({ command }, seconds);
        if (!isOk) redisMetrics?.errors.inc({ command });
      },
      onClaimed: (count) => redisMetrics?.claimed.inc(count),
      onConsumersRemoved: (names) => {
        redisMetrics?.consumersRemoved.inc(names.length);
        logger.info({ consumers: names }, 'removed from the Redis consumer group: replicas idle 10 x redis_claim_idle that held nothing (gone for good)');
      },
    },
  });
  redisMetrics = createRedisMetrics(metrics.registry, {
    isConnected: () => backend.isConnected,
    pending: async () => (await backend.stats()).pending,
    held: () => backend.heldCount,
  });
  const metricsNow = redisMetrics;
  const leases = new RedisLeases({
    redis: backend.redis,
    keys: backend.keys,
    // The longest one attempt may take, plus a margin: a lease of a replica that died frees itself after this.
    ttlMs: () => Math.min(settings.processing_timeout, settings.sl1_timeout) + 5000,
    logger,
    onWait: (source) => metricsNow.leaseWaits.inc({ source }),
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

/** The feeder of this replica: holds a few alerts beyond its delivery slots, the rest stays in Redis for any replica. */
export function buildFeeder(
  shared: SharedQueueRuntime,
  dispatcher: Dispatcher,
  config: () => RuntimeConfig,
  logger: Logger,
  /** Told of each alert this replica takes for delivery (the console's recent alerts). */
  onTaken: (alert: Alert) => void = () => undefined,
): QueueFeeder {
  return createFeeder(shared.backend, {
    deliver: (alert, carried) => {
      const isTaken = dispatcher.offer(alert, carried);
      if (isTaken) onTaken(alert);
      return isTaken;
    },
    holdMax: () => Math.min(config().settings.queue_max_size, config().settings.max_worker_threads * 2),
    claimIdleMs: config().settings.redis_claim_idle,
    logger,
    onRedelivery: (count) => shared.metrics.redelivered.inc(count),
    onLost: (count) => shared.metrics.lost.inc(count),
  });
}

/**
 * Alerts the local journal held from a run without redis_url go to the shared queue, then leave the
 * journal; returns what is left to deliver locally (all of it when Redis refused them as too many).
 */
export async function moveToShared(shared: SharedQueueRuntime, journal: Storage['journal'], pending: readonly Alert[], logger: Logger): Promise<readonly Alert[]> {
  if (pending.length === 0) return pending;
  const moved = await shared.backend.offer(pending.map((alert) => ({ alert })));
  if (moved.kind !== 'stored') {
    logger.warn({ count: pending.length }, 'the shared Redis queue is full: alerts the local journal held are delivered from here');
    return pending;
  }
  for (const alert of pending) journal.complete(alert.id);
  logger.info({ count: pending.length }, 'alerts the local journal still held moved to the shared Redis queue');
  return [];
}
