/**
 * What the enqueue edge says and counts, the same whichever queue stores the alerts (this GenHook's journal or
 * the queue shared through Redis): the 503s for something not stored, the per-alert "queued"/skipped
 * bookkeeping, and the 200/202 bodies.
 */
import type { HttpErrorCode } from '../errors/index.js';
import type { PlannedAlert, SkippedItem } from '../intake/index.js';
import type { LazyLogger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { Claim, ClaimFailure } from './delivery-claims.js';
import { errorAnswer, jsonAnswer, type WebhookAnswer } from './webhook-answer.js';
import type { RouteDeps } from './webhook-deps.js';

const busy = (code: HttpErrorCode, message: string, retryAfterSeconds: number): ClaimFailure => ({
  code,
  message,
  headers: { 'retry-after': String(retryAfterSeconds) },
});

export const QUEUE_FULL = busy('queue_full', 'the alert queue is full (queue_max_size); retry later', 30);
export const QUEUE_BYTES_FULL = busy('queue_full', 'the alert queue holds as many bytes as it may (queue_max_bytes); retry later', 30);
export const SHARED_QUEUE_FULL = busy('queue_full', 'the alert queue is full (queue_max_size across all replicas); retry later', 30);
export const JOURNAL_UNAVAILABLE = busy('journal_unavailable', 'GenHook could not store the webhook durably; retry later', 10);
export const REDIS_UNAVAILABLE = busy('redis_unavailable', 'GenHook could not store the webhook in Redis; retry later', 5);

/** A refusal for something not stored (nothing was accepted); the claim's waiters get the same answer. */
export function refuseUnstored(source: string, failure: ClaimFailure, metrics: Metrics, claim?: Claim): WebhookAnswer {
  claim?.failed(failure);
  metrics.webhooksReceived.inc({ source, event: '', outcome: 'rejected', reason: failure.code });
  return errorAnswer(failure.code, failure.message, failure.headers ? { headers: failure.headers } : {});
}

export function noteSkipped(item: SkippedItem, source: string, metrics: Metrics, log: LazyLogger): void {
  metrics.webhooksReceived.inc({ source, event: item.ruleName ?? '', outcome: item.outcome, reason: '' });
  log.info({ source, event: item.event, outcome: item.outcome, reason: item.reason, alertId: item.id }, `webhook ${item.outcome}`);
}

/** Counts and logs one stored alert: its "queued" line, and its holes (at info once a minute per line). */
export function noteQueued(planned: PlannedAlert, source: string, deps: RouteDeps, log: LazyLogger): void {
  const { metrics } = deps;
  const { alert } = planned;
  metrics.webhooksReceived.inc({ source, event: planned.ruleName, outcome: 'queued', reason: '' });
  if (planned.warnings.length > 0) metrics.renderWarnings.inc({ source }, planned.warnings.length);
  if (planned.missing.length > 0 || planned.warnings.length > 0) {
    if (planned.missing.length > 0) metrics.missingFields.inc({ source }, planned.missing.length);
    // A hole is an alert SL1 policies may mis-match: visible at info, but once a minute per line at most.
    const held = deps.holeLog.take(planned.ruleName, deps.now());
    const detail = { alertId: alert.id, source, event: alert.event, rule: planned.ruleName, missing: planned.missing, ...(planned.warnings.length > 0 ? { filterWarnings: planned.warnings } : {}) };
    if (held) log.info({ ...detail, ...(held.suppressed > 0 ? { suppressedSinceLast: held.suppressed } : {}) }, 'alert rendered with fields missing from the payload');
    else log.debug(detail, 'alert rendered with fields missing from the payload');
  }
  log.info({ alertId: alert.id, source, event: alert.event, rule: planned.ruleName }, 'webhook queued');
}

/** 200: nothing new was stored; `duplicate` when every item was one, else `ignored`, with the first reason. */
export function answerNothingQueued(source: string, skipped: readonly SkippedItem[]): WebhookAnswer {
  const first = skipped[0];
  const status = skipped.every((item) => item.outcome === 'duplicate') && skipped.length > 0 ? 'duplicate' : 'ignored';
  return jsonAnswer(200, { status, source, ...(first ? { event: first.event ?? null, reason: first.reason } : {}), ...(skipped.length > 1 ? { skipped } : {}) });
}

/** 202: the alerts are stored; they reach SL1 or the dead letters from here, even across a crash. */
export function answerQueued(source: string, queued: readonly PlannedAlert[], skipped: readonly SkippedItem[]): WebhookAnswer {
  const [first] = queued;
  if (queued.length === 1 && first) {
    const { alert } = first;
    return jsonAnswer(202, { id: alert.id, source, event: alert.event ?? null, status: 'queued', ...(skipped.length > 0 ? { skipped } : {}) });
  }
  return jsonAnswer(202, {
    status: 'queued',
    source,
    alerts: queued.map(({ alert }) => ({ id: alert.id, event: alert.event ?? null })),
    ...(skipped.length > 0 ? { skipped } : {}),
  });
}
