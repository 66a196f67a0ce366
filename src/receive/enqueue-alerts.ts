/**
 * The enqueue edge of an accepted webhook: claim its delivery keys (a concurrent request with the same id waits
 * for this one), note what was skipped, then offer the alerts to the queue backend — this GenHook's journal
 * (fsync, group commit, the delivery keys seen in the same write) or, with redis_url, the queue every replica
 * shares — and only once it stored them answer 202. Delivery takes them from the queue (queue/feeder.ts).
 * Once this answers 202, the alert reaches SL1 or the dead letters, even across a crash.
 */
import type { PlannedAlert, SkippedItem } from '../intake/index.js';
import type { LazyLogger } from '../ops/logger.js';
import type { OfferResult } from '../queue/backend.js';
import { claimDeliveries } from './claim-deliveries.js';
import {
  answerNothingQueued, answerQueued, JOURNAL_UNAVAILABLE, noteQueued, noteSkipped, QUEUE_BYTES_FULL, QUEUE_FULL, REDIS_UNAVAILABLE,
  refuseUnstored, SHARED_QUEUE_FULL,
} from './enqueue-answers.js';
import type { Claim } from './delivery-claims.js';
import type { WebhookAnswer } from './webhook-answer.js';
import type { RouteDeps } from './webhook-deps.js';

export async function enqueueAlerts(
  source: string,
  planned: readonly PlannedAlert[],
  skippedAtDoor: readonly SkippedItem[],
  deps: RouteDeps,
  log: LazyLogger,
): Promise<WebhookAnswer> {
  const { metrics } = deps;
  const claiming = claimDeliveries(planned, deps);
  const claimed = claiming instanceof Promise ? await claiming : claiming;
  if ('failure' in claimed) {
    log.warn({ source, code: claimed.failure.code }, 'webhook refused: a concurrent delivery of the same id could not be stored');
    return refuseUnstored(source, claimed.failure, metrics);
  }
  const { alerts, claim } = claimed;
  const skipped = [...skippedAtDoor, ...claimed.duplicates];
  for (const item of skipped) noteSkipped(item, source, metrics, log);
  if (alerts.length === 0) {
    claim.stored();
    return answerNothingQueued(source, skipped);
  }
  return store(source, alerts, skipped, claim, deps, log);
}

async function store(
  source: string,
  alerts: readonly PlannedAlert[],
  skippedBefore: readonly SkippedItem[],
  claim: Claim,
  deps: RouteDeps,
  log: LazyLogger,
): Promise<WebhookAnswer> {
  const { metrics, queue } = deps;
  const isShared = queue.kind === 'redis';
  let result: OfferResult;
  try {
    // `<source>_rate_limit`, held across replicas; this replica's own limiter has charged it already.
    const rateLimit = deps.config().sources.get(source)?.rateLimit;
    if (rateLimit !== undefined && queue.chargeRate !== undefined) {
      const rate = await queue.chargeRate(source, rateLimit);
      if (!rate.ok) {
            log.info({ source }, 'webhook refused: over its rate limit across replicas');
        const message = `source ${source} is over its rate limit (${source}_rate_limit, across all replicas); retry later`;
        return refuseUnstored(source, { code: 'rate_limited', message, headers: { 'retry-after': String(rate.retryAfterSeconds) } }, metrics, claim);
      }
    }
    result = await queue.offer(alerts.map((planned) => ({ alert: planned.alert, dedupKeys: planned.dedupKeys })));
  } catch (error) {
    log.error({ source, err: error }, isShared ? 'webhook refused: Redis could not store it; nothing was accepted' : 'webhook refused: the journal could not be written; nothing was accepted');
    return refuseUnstored(source, isShared ? REDIS_UNAVAILABLE : JOURNAL_UNAVAILABLE, metrics, claim);
  }
  if (result.kind === 'full') {
    const limit = result.limit ?? 'count';
    metrics.queueFull.inc({ source, limit });
    const setting = limit === 'bytes' ? 'queue_max_bytes' : 'queue_max_size';
    const { dispatcher } = deps;
    log.warn({ source, limit: setting, shared: isShared, waiting: dispatcher.size, inFlight: dispatcher.inFlight, heldBytes: dispatcher.bytes }, `webhook refused: queue full (${setting}${isShared ? ' across all replicas' : ''})`);
    return refuseUnstored(source, isShared ? SHARED_QUEUE_FULL : limit === 'bytes' ? QUEUE_BYTES_FULL : QUEUE_FULL, metrics, claim);
  }
  // Durable now: from here a redelivery of these ids is a duplicate here too, and requests waiting on them can say so.
  const at = deps.now();
  for (const planned of alerts) for (const key of planned.dedupKeys) deps.dedup.record(key, at);
  claim.stored();
  const queued: PlannedAlert[] = [];
  const skipped: SkippedItem[] = [...skippedBefore];
  for (const planned of alerts) {
    const { alert } = planned;
    if (result.duplicates.has(alert.id)) {
      // Another replica (or this one, before a restart) stored this delivery id within dedup_window.
      const duplicate: SkippedItem = { outcome: 'duplicate', event: alert.event, reason: 'delivery already received (by this or another GenHook)', ruleName: planned.ruleName, id: alert.id };
      skipped.push(duplicate);
      noteSkipped(duplicate, source, metrics, log);
      continue;
    }
    queued.push(planned);
    noteQueued(planned, source, deps, log);
  }
  if (queued.length > 0) return answerQueued(source, queued, skipped);
  return answerNothingQueued(source, skipped);
}
