/**
 * The enqueue edge of an accepted webhook: claim its delivery keys (a concurrent request with the same id waits
 * for this one), note what was skipped, then store the alerts in this GenHook's journal — reserve room in the
 * dispatcher's bounded queue, append (fsync, group commit) with the delivery keys seen, and only then answer 202
 * and hand them to the dispatcher — or, with redis_url, in the queue every replica shares (enqueue-shared.ts).
 * Once this answers 202, the alert reaches SL1 or the dead letters, even across a crash.
 */
import type { Context } from 'hono';
import { alertBytes } from '../alert.js';
import type { PlannedAlert, SkippedItem } from '../intake/index.js';
import type { LazyLogger } from '../ops/logger.js';
import { claimDeliveries } from './claim-deliveries.js';
import { answerNothingQueued, answerQueued, JOURNAL_UNAVAILABLE, noteQueued, noteSkipped, QUEUE_BYTES_FULL, QUEUE_FULL, refuseUnstored } from './enqueue-answers.js';
import { enqueueShared } from './enqueue-shared.js';
import type { RouteDeps } from './webhook-deps.js';

export async function enqueueAlerts(
  c: Context,
  source: string,
  planned: readonly PlannedAlert[],
  skippedAtDoor: readonly SkippedItem[],
  deps: RouteDeps,
  log: LazyLogger,
  requestId: string,
): Promise<Response> {
  const { metrics, dispatcher } = deps;
  const claimed = await claimDeliveries(planned, deps);
  if ('failure' in claimed) {
    log.warn({ source, code: claimed.failure.code }, 'webhook refused: a concurrent delivery of the same id could not be stored');
    return refuseUnstored(c, source, claimed.failure, metrics);
  }
  const { alerts, claim } = claimed;
  const skipped = [...skippedAtDoor, ...claimed.duplicates];
  for (const item of skipped) noteSkipped(item, source, metrics, log);
  if (alerts.length === 0) {
    claim.stored();
    return answerNothingQueued(c, source, skipped);
  }
  if (deps.sharedQueue !== undefined) return enqueueShared(c, source, alerts, skipped, claim, deps.sharedQueue, deps, log, requestId);

  const bytes = alerts.reduce((sum, planned) => sum + alertBytes(planned.alert), 0);
  const reservation = dispatcher.reserve(alerts.length, bytes);
  if (!reservation) {
    const limit = dispatcher.fullBy(alerts.length, bytes) === 'bytes' ? 'bytes' : 'count';
    metrics.queueFull.inc({ source, limit });
    const setting = limit === 'bytes' ? 'queue_max_bytes' : 'queue_max_size';
    log.warn({ source, limit: setting, waiting: dispatcher.size, inFlight: dispatcher.inFlight, heldBytes: dispatcher.bytes, bytes }, `webhook refused: queue full (${setting})`);
    return refuseUnstored(c, source, limit === 'bytes' ? QUEUE_BYTES_FULL : QUEUE_FULL, metrics, claim);
  }
  const storedAt = deps.now();
  const seen = alerts.flatMap(({ dedupKeys }) => dedupKeys.map((key) => ({ key, at: storedAt })));
  try {
    await deps.journal.append(alerts.map((planned) => planned.alert), seen);
  } catch (error) {
    reservation.release();
    log.error({ source, err: error }, 'webhook refused: the journal could not be written; nothing was accepted');
    return refuseUnstored(c, source, JOURNAL_UNAVAILABLE, metrics, claim);
  }
  // Durable now: from here a redelivery of these ids is a duplicate, and requests waiting on them can say so.
  for (const { key, at } of seen) deps.dedup.record(key, at);
  claim.stored();
  for (const planned of alerts) {
    noteQueued(planned, source, deps, log);
    // After its "queued" line: in log mode offer() writes the alert's line synchronously.
    reservation.offer(planned.alert);
  }
  reservation.release();
  return answerQueued(c, source, alerts, skipped, requestId);
}
