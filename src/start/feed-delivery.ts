/**
 * Step 2b, feed delivery: the one path from the queue backend (this GenHook's journal, or Redis with redis_url)
 * to the dispatcher. The feeder recovers what this GenHook held when it stopped and reserves as the dispatcher
 * has room; what it hands over is held in `held`, where the dispatcher's hooks record each end (step 2).
 */
import type { Alert } from '../alert.js';
import type { RuntimeConfig } from '../config/index.js';
import type { Dispatcher } from '../deliver/dispatcher.js';
import type { Logger } from '../ops/logger.js';
import { QueueFeeder } from '../queue/feeder.js';
import type { HeldAlerts } from '../queue/held-alerts.js';
import type { SharedQueueRuntime } from './open-shared-queue.js';

/** The journal has nothing to claim and nobody to claim from it: its upkeep (touch) only needs to run now and then. */
const LOCAL_UPKEEP_MS = 60_000;

export function feedDelivery(
  held: HeldAlerts,
  dispatcher: Dispatcher,
  config: () => RuntimeConfig,
  logger: Logger,
  /** Set with redis_url: its metrics count redeliveries and alerts lost to another replica. */
  shared?: SharedQueueRuntime,
  /** Told of each alert this replica takes from Redis (the console's recent alerts; local ones are told when journaled). */
  onTaken: (alert: Alert) => void = () => undefined,
): QueueFeeder {
  const feeder = new QueueFeeder({
    held,
    deliver: (alert, priorProgress) => {
      const isTaken = dispatcher.offer(alert, priorProgress);
      if (isTaken && shared !== undefined) onTaken(alert);
      return isTaken;
    },
    // Locally the dispatcher holds every stored alert (the journal bounds them already); a replica holds only a
    // few beyond its delivery slots, the rest stays in Redis for any replica to take.
    holdMax: () => {
      const { settings } = config();
      return shared === undefined ? settings.queue_max_size : Math.min(settings.queue_max_size, settings.max_worker_threads * 2);
    },
    claimIdleMs: shared === undefined ? LOCAL_UPKEEP_MS : config().settings.redis_claim_idle,
    logger,
    ...(shared === undefined ? {} : { onRedelivery: (count: number) => shared.metrics.redelivered.inc(count), onLost: (count: number) => shared.metrics.lost.inc(count) }),
  });
  dispatcher.onRoom(() => feeder.roomFreed());
  return feeder;
}
