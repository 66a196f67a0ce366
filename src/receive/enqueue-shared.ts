/**
 * Accepting into a queue shared by several GenHooks (Redis): one offer stores the alerts durably, records
 * their delivery ids for dedup in the same step and checks the shared bound, so a provider's redelivery
 * that reaches another replica is answered duplicate, and nothing is answered 2xx that is not stored.
 * When Redis cannot be reached the answer is 503 + Retry-After (nothing accepted, the provider retries).
 */
import type { Context } from 'hono';
import type { PlannedAlert, SkippedItem } from '../intake/index.js';
import type { LazyLogger } from '../ops/logger.js';
import type { OfferResult } from '../queue/backend.js';
import type { Claim } from './delivery-claims.js';
import { answerNothingQueued, answerQueued, noteQueued, noteSkipped, REDIS_UNAVAILABLE, refuseUnstored, SHARED_QUEUE_FULL } from './enqueue-answers.js';
import type { RouteDeps, SharedQueue } from './webhook-deps.js';

export async function enqueueShared(
  c: Context,
  source: string,
  alerts: readonly PlannedAlert[],
  skippedBefore: readonly SkippedItem[],
  claim: Claim,
  queue: SharedQueue,
  deps: RouteDeps,
  log: LazyLogger,
  requestId: string,
): Promise<Response> {
  const { metrics } = deps;
  // `<source>_rate_limit`, held across replicas; this replica's own limiter has charged it already.
  const rateLimit = deps.config().sources.get(source)?.rateLimit;
  let result: OfferResult;
  try {
    if (rateLimit !== undefined) {
      const rate = await queue.chargeRate(source, rateLimit);
      if (!rate.ok) {
        log.info({ source }, 'webhook refused: over its rate limit across replicas');
        const message = `source ${source} is over its rate limit (${source}_rate_limit, across all replicas); retry later`;
        return refuseUnstored(c, source, { code: 'rate_limited', message, headers: { 'retry-after': String(rate.retryAfterSeconds) } }, metrics, claim);
      }
    }
    result = await queue.offer(alerts.map((planned) => ({ alert: planned.alert, dedupKeys: planned.dedupKeys })));
  } catch (error) {
    log.error({ source, err: error }, 'webhook refused: Redis could not store it; nothing was accepted');
    return refuseUnstored(c, source, REDIS_UNAVAILABLE, metrics, claim);
  }
  if (result.kind === 'full') {
    metrics.queueFull.inc({ source, limit: 'count' });
    log.warn({ source }, 'webhook refused: the shared queue is full');
    return refuseUnstored(c, source, SHARED_QUEUE_FULL, metrics, claim);
  }
  // Durable in Redis: remember these delivery ids locally too (stored ones and Redis' duplicates).
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
  return queued.length === 0 ? answerNothingQueued(c, source, skipped) : answerQueued(c, source, queued, skipped, requestId);
}
