/**
 * Step 1b, open the queue: the one backend the edge offers to and the feeder reserves from. This GenHook's
 * journal, or with redis_url the Redis queue every replica shares (with its leases and shared auth pause).
 * Then what the journal still held at start is placed: moved to Redis, or delivered from the journal.
 */
import type { DedupCache } from '../admit/index.js';
import type { RuntimeConfig } from '../config/index.js';
import { retryingDeadLetters, type DeadLetterEntry, type RetryingDeadLetters } from '../dead-letter/index.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { createJournalBackend, type LocalQueueBackend } from '../queue/journal-backend.js';
import type { RedisBackend } from '../queue/redis-backend.js';
import { moveToShared, openShared, type SharedQueueRuntime } from './open-shared-queue.js';
import type { Storage } from './open-storage.js';

export interface OpenedQueue {
  /** Where accepted alerts wait: the Redis backend with redis_url, else the journal one. */
  readonly backend: RedisBackend | LocalQueueBackend;
  /** The journal backend (with redis_url it holds nothing: what the journal held moved to Redis). */
  readonly local: LocalQueueBackend;
  /** Set with redis_url. */
  readonly shared: SharedQueueRuntime | undefined;
  /** The dead-letter file, its failed appends retried until written or shutdown stops them. */
  readonly deadLetters: RetryingDeadLetters;
}

export interface QueueWiring {
  /** Read at start and on each reload (queue_max_size and queue_max_bytes follow a reload). */
  readonly config: () => RuntimeConfig;
  readonly dataDir: string;
  readonly dedup: DedupCache;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export async function openQueue(storage: Storage, { config, dataDir, dedup, metrics, logger }: QueueWiring): Promise<OpenedQueue> {
  const { journal, pending, backlog, deadLetter, dataDirLock } = storage;
  const { settings } = config();
  const shared = settings.redis_url === undefined ? undefined : await openShared(settings.redis_url, config(), dataDir, metrics, logger).catch(async (error: unknown) => {
    await dataDirLock.release();
    throw error;
  });
  const deadLetters = retryingDeadLetters(deadLetter);
  const local = createJournalBackend({
    journal,
    deadLetter: { append: (entry) => appendDeadLetter(deadLetters, entry, logger) },
    recovered: shared === undefined ? pending : [],
    backlog: shared === undefined ? backlog : [],
    maxSize: () => config().settings.queue_max_size,
    maxBytes: () => config().settings.queue_max_bytes,
    seen: dedup,
    logger,
  });
  return { backend: shared?.backend ?? local, local, shared, deadLetters };
}

/** What the journal held at start: with redis_url it moves to the shared queue; else it is delivered from here. */
export async function placeRecoveredAlerts({ shared }: OpenedQueue, { journal, pending, backlog }: Storage, config: RuntimeConfig, logger: Logger): Promise<void> {
  const { settings } = config;
  if (shared !== undefined) {
    await moveToShared(shared, journal, pending, backlog, logger);
    return;
  }
  if (pending.length > 0) logger.info({ count: pending.length }, 'replaying alerts the journal still holds');
  // Alerts recovered beyond the queue's bounds are delivered from here as room frees (in memory or not, they were accepted here).
  if (backlog.length > 0) {
    logger.warn({ count: backlog.length, queueMaxSize: settings.queue_max_size, queueMaxBytes: settings.queue_max_bytes }, 'journal: alerts beyond queue_max_size or queue_max_bytes stay journaled and are fed in as room frees');
  }
}

/** A dead-letter append that fails is retried (the alert stays queued and journaled) until it is written or shutdown stops it. */
async function appendDeadLetter(deadLetters: RetryingDeadLetters, entry: DeadLetterEntry, logger: Logger): Promise<void> {
  const isWritten = await deadLetters.append(entry, (error, attempt) => {
    logger.error({ err: error, attempt, reqId: entry.requestId, alertId: entry.id, source: entry.source, event: entry.event }, 'dead-letter file not writable; the alert stays queued and journaled and is retried');
  });
  // Shutting down: still journaled, dead-lettered again after the restart.
  if (!isWritten) throw new Error('dead-letter file not written before shutdown; the alert stays journaled');
}
