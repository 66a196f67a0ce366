/**
 * Step 2, build the dispatcher: delivery settings from the config, and every delivery outcome wired to the
 * journal, the dead-letter file, metrics and logs. Delivered, logged or dead-lettered alerts leave the journal.
 */
import { sl1Target, type RuntimeConfig } from '../config/index.js';
import { toDeadLetterEntry, type DeadLetterFile, type RetryingDeadLetters } from '../dead-letter/index.js';
import { createDispatcher, type Dispatcher } from '../deliver/dispatcher.js';
import type { AuthPauseStore } from '../deliver/auth-pause.js';
import type { DispatcherHooks, DispatcherOptions, SourceLeases } from '../deliver/dispatcher-options.js';
import type { Journal } from '../enqueue/index.js';
import type { Alert } from '../alert.js';
import type { Logger } from '../ops/logger.js';
import { statusClass, type Metrics } from '../ops/metrics.js';
import type { RecentAlerts } from '../ops/recent-alerts.js';
import type { QueueFeeder } from '../queue/feeder.js';

export interface DeliveryWiring {
  readonly journal: Journal;
  readonly deadLetter: DeadLetterFile;
  /** When set, a dead-letter append that fails is retried (the alert stays queued and journaled) instead of left for the next start. */
  readonly deadLetterRetry?: RetryingDeadLetters;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly recent: RecentAlerts;
  /** Set with redis_url: outcomes are recorded in the shared queue instead of the local journal. */
  readonly feeder?: () => QueueFeeder | undefined;
  /** Set with redis_url: <source>_max_concurrent holds across replicas. */
  readonly sourceLeases?: SourceLeases | undefined;
  /** Set with redis_url: the SL1 auth pause every replica shares. */
  readonly authPause?: AuthPauseStore | undefined;
}

export const LOG_MODE_WARNING = 'sl1_api_url is not set: log mode, alerts are written to the log and not sent to SL1';

export function buildDispatcher(config: RuntimeConfig, wiring: DeliveryWiring): Dispatcher {
  return createDispatcher({ ...toDispatcherOptions(config, wiring.logger), sourceLeases: wiring.sourceLeases, ...(wiring.authPause === undefined ? {} : { authPause: wiring.authPause }) }, deliveryHooks(wiring));
}

/** Offers the alerts the journal still held; what does not fit waits in the journal for the next start. */
export function replayPending(dispatcher: Dispatcher, pending: readonly Alert[], logger: Logger): void {
  if (pending.length === 0) return;
  logger.info({ count: pending.length }, 'replaying alerts the journal still holds');
  const refused = pending.filter((alert) => !dispatcher.offer(alert)).length;
  if (refused > 0) logger.warn({ count: refused }, 'journal: recovered alerts refused by the queue; they stay journaled for the next start');
}

/** SL1 target, credentials, retries, breaker and concurrency follow a reload; queued alerts stay queued. */
export function applyDeliverySettings(dispatcher: Dispatcher, next: RuntimeConfig, logger: Logger): void {
  try {
    const change = dispatcher.reconfigure(toDispatcherOptions(next, logger));
    if (change.changed.length === 0) return;
    logger.info(
      { changed: change.changed, clientReplaced: change.isClientReplaced, breakerReset: change.isBreakerReset, mode: change.mode },
      'delivery settings applied',
    );
    if (change.changed.includes('url') && change.mode === 'log') logger.warn(LOG_MODE_WARNING);
  } catch (error) {
    // The settings were validated when compiled; this catches what only the dispatcher checks (a fractional breaker percentage).
    logger.error({ err: error }, 'delivery settings not applied: the running ones stay; fix settings.ini and reload');
  }
}

/** The dispatcher's options from the settings; built at start and again on every reload. */
function toDispatcherOptions(config: RuntimeConfig, logger: Logger): DispatcherOptions {
  const { settings } = config;
  const perSourceConcurrency: Record<string, number> = {};
  for (const source of config.sources.values()) {
    if (source.maxConcurrent !== undefined) perSourceConcurrency[source.name] = source.maxConcurrent;
  }
  return {
    // Credentials written inside sl1_api_url count when sl1_username/sl1_password leave them unset.
    ...sl1Target(settings),
    maxConcurrent: settings.max_worker_threads,
    perSourceConcurrency,
    queueMaxSize: settings.queue_max_size,
    queueMaxBytes: settings.queue_max_bytes,
    processingTimeoutMs: Math.min(settings.processing_timeout, settings.sl1_timeout),
    retryMaxAttempts: settings.retry_max_attempts,
    backoff: { baseMs: settings.retry_base_delay, maxMs: settings.retry_max_delay },
    maxAlertAgeMs: settings.max_alert_age,
    authRetryIntervalMs: settings.sl1_auth_retry_interval,
    breaker: {
      errorThresholdPercentage: settings.breaker_error_threshold,
      volumeThreshold: settings.breaker_volume_threshold,
      rollingWindowMs: settings.breaker_window,
      resetTimeoutMs: settings.breaker_reset_timeout,
    },
    logger,
  };
}

function deliveryHooks({ journal, deadLetter, deadLetterRetry, metrics, logger, recent, feeder = () => undefined }: DeliveryWiring): DispatcherHooks {
  const complete = (alert: Alert): void => {
    const shared = feeder();
    if (shared === undefined) journal.complete(alert.id);
    else void shared.complete(alert);
  };
  return {
    onDelivered: ({ alert, attempts, status }) => {
      recent.settled(alert.id, 'delivered', { attempts, status });
      complete(alert);
      metrics.delivered.inc({ source: alert.source, mode: 'sl1' });
      metrics.deliveryLatency.observe({ source: alert.source }, (Date.now() - alert.receivedAt) / 1000);
    },
    onLogged: ({ alert }) => {
      recent.settled(alert.id, 'logged');
      complete(alert);
      metrics.delivered.inc({ source: alert.source, mode: 'log' });
    },
    onDeadLetter: async (event) => {
      const { alert } = event;
      recent.settled(alert.id, 'dead_lettered', { attempts: event.attempts, status: event.status, reason: `${event.reason}: ${event.error}` });
      recent.failed(alert.source, alert.id, `dead-lettered (${event.reason}): ${event.error}`);
      const shared = feeder();
      if (shared !== undefined) {
        // One MULTI moves it to the dead-letter stream and out of the queue; unrecorded, it is claimed again later.
        await shared.deadLetter(alert, toDeadLetterEntry(alert, event));
        metrics.deadLetters.inc({ source: alert.source, reason: event.reason });
        return;
      }
      if (deadLetterRetry !== undefined) {
        const isWritten = await deadLetterRetry.append(toDeadLetterEntry(alert, event), (error, attempt) => {
          logger.error(
            { err: error, attempt, reqId: alert.requestId, alertId: alert.id, source: alert.source, event: alert.event },
            'dead-letter file not writable; the alert stays queued and journaled and is retried',
          );
        });
        if (!isWritten) return; // shutting down: still journaled, dead-lettered again after the restart
        journal.complete(alert.id);
        metrics.deadLetters.inc({ source: alert.source, reason: event.reason });
        return;
      }
      try {
        await deadLetter.append(toDeadLetterEntry(alert, event));
      } catch (error) {
        // Keep it journaled: it is replayed on the next start rather than lost.
        logger.error(
          { err: error, reqId: alert.requestId, alertId: alert.id, source: alert.source, event: alert.event },
          'dead-letter file not writable; the alert stays in the journal',
        );
        return;
      }
      journal.complete(alert.id);
      metrics.deadLetters.inc({ source: alert.source, reason: event.reason });
    },
    onRetry: ({ alert, attempt, delayMs, reason }) => {
      // Shared queue: the retry's state goes with the alert, for a replica that takes it over.
      void feeder()?.noteRetry(alert, { attempts: attempt, notBefore: Date.now() + delayMs });
      recent.settled(alert.id, 'retrying', { attempts: attempt, reason });
      recent.failed(alert.source, alert.id, `attempt ${attempt} failed: ${reason}`);
      metrics.retries.inc({ source: alert.source });
    },
    onSl1Response: ({ status, durationMs }) => {
      const label = statusClass(status);
      metrics.sl1Requests.inc({ status_class: label });
      metrics.sl1Duration.observe({ status_class: label }, durationMs / 1000);
    },
    onBreakerState: (state) => {
      // The dispatcher logs the transition itself: one line per change.
      metrics.setBreakerState(state);
    },
  };
}
