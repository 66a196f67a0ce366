/**
 * Accepting into a queue shared by several GenHooks (Redis): one offer stores the alerts durably, records
 * their delivery ids for dedup in the same step and checks the shared bound, so a provider's redelivery
 * that reaches another replica is answered duplicate, and nothing is answered 2xx that is not stored.
 * When Redis cannot be reached the answer is 503 + Retry-After (nothing accepted, the provider retries).
 */
import type { Context } from 'hono';
import type { PlannedAlert, SkippedItem } from '../intake/index.js';
import type { LazyLogger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { OfferItem, OfferResult } from '../queue/backend.js';
import { sendError } from './respond.js';

export interface SharedQueue {
  offer(items: readonly OfferItem[]): Promise<OfferResult>;
  /** Charges one request to the source's rate shared by every replica; the wait in seconds when over it. */
  chargeRate(source: string, limit: { readonly max: number; readonly windowMs: number }): Promise<{ readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number }>;
}

/** How a refusal is answered; the same shape the edge's claim of delivery ids passes to waiting requests. */
export interface SharedFailure {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SharedEnqueueDeps {
  readonly queue: SharedQueue;
  readonly metrics: Metrics;
  /** Durable in Redis: remember these delivery ids locally too (stored ones and Redis' duplicates). */
  readonly record: (keys: readonly string[]) => void;
  /** Settles the edge's claim on these delivery ids, so concurrent requests with the same ids learn the outcome. */
  readonly settle: { stored(): void; failed(failure: SharedFailure): void };
  /** `<source>_rate_limit`, held across replicas; this replica's own limiter has charged it already. */
  readonly rateLimit?: { readonly max: number; readonly windowMs: number } | undefined;
}

const REDIS_UNAVAILABLE: SharedFailure = {
  status: 503,
  code: 'redis_unavailable',
  message: 'GenHook could not store the webhook in Redis; retry later',
  headers: { 'retry-after': '5' },
};
const SHARED_QUEUE_FULL: SharedFailure = {
  status: 503,
  code: 'queue_full',
  message: 'the alert queue is full (queue_max_size across all replicas); retry later',
  headers: { 'retry-after': '30' },
};

export async function enqueueShared(
  c: Context,
  source: string,
  alerts: readonly PlannedAlert[],
  skipped: readonly SkippedItem[],
  deps: SharedEnqueueDeps,
  log: LazyLogger,
): Promise<Response> {
  const { metrics } = deps;
  let result: OfferResult;
  const refuse = (failure: SharedFailure): Response => {
    deps.settle.failed(failure);
    metrics.webhooksReceived.inc({ source, event: '', outcome: 'rejected', reason: failure.code });
    return sendError(c, failure.status, failure.code, failure.message, failure.headers ? { headers: failure.headers } : {});
  };
  try {
    if (deps.rateLimit !== undefined) {
      const rate = await deps.queue.chargeRate(source, deps.rateLimit);
      if (!rate.ok) {
        log.info({ source }, 'webhook refused: over its rate limit across replicas');
        return refuse({
          status: 429,
          code: 'rate_limited',
          message: `source ${source} is over its rate limit (${source}_rate_limit, across all replicas); retry later`,
          headers: { 'retry-after': String(rate.retryAfterSeconds) },
        });
      }
    }
    result = await deps.queue.offer(alerts.map((planned) => ({ alert: planned.alert, dedupKeys: planned.dedupKeys })));
  } catch (error) {
    log.error({ source, err: error }, 'webhook refused: Redis could not store it; nothing was accepted');
    return refuse(REDIS_UNAVAILABLE);
  }
  if (result.kind === 'full') {
    metrics.queueFull.inc({ source });
    log.warn({ source }, 'webhook refused: the shared queue is full');
    return refuse(SHARED_QUEUE_FULL);
  }
  deps.record(alerts.flatMap((planned) => planned.dedupKeys));
  deps.settle.stored();
  const queued: PlannedAlert[] = [];
  const allSkipped: SkippedItem[] = [...skipped];
  for (const planned of alerts) {
    const { alert } = planned;
    if (result.duplicates.has(alert.id)) {
      // Another replica (or this one, before a restart) stored this delivery id within dedup_window.
      allSkipped.push({ outcome: 'duplicate', event: alert.event, reason: 'delivery already received (by this or another GenHook)', ruleName: planned.ruleName, id: alert.id });
      metrics.webhooksReceived.inc({ source, event: planned.ruleName, outcome: 'duplicate', reason: '' });
      log.info({ source, event: alert.event, outcome: 'duplicate', alertId: alert.id }, 'webhook duplicate');
      continue;
    }
    queued.push(planned);
    metrics.webhooksReceived.inc({ source, event: planned.ruleName, outcome: 'queued', reason: '' });
    if (planned.missing.length > 0) metrics.missingFields.inc({ source }, planned.missing.length);
    log.info({ alertId: alert.id, source, event: alert.event, rule: planned.ruleName }, 'webhook queued');
  }
  const [first] = queued;
  if (first === undefined) {
    const reason = allSkipped[0];
    return c.json({ status: 'duplicate', source, ...(reason ? { event: reason.event ?? null, reason: reason.reason } : {}), ...(allSkipped.length > 1 ? { skipped: allSkipped } : {}) }, 200);
  }
  if (queued.length === 1) {
    return c.json({ id: first.alert.id, source, event: first.alert.event ?? null, status: 'queued', ...(allSkipped.length > 0 ? { skipped: allSkipped } : {}) }, 202);
  }
  return c.json(
    { status: 'queued', source, alerts: queued.map(({ alert }) => ({ id: alert.id, event: alert.event ?? null })), ...(allSkipped.length > 0 ? { skipped: allSkipped } : {}) },
    202,
  );
}
