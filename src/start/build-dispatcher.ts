/**
 * Step 2, build the dispatcher: delivery settings from the config, and every delivery outcome wired to the
 * queue backend (through the held alerts: the journal, or Redis with redis_url), metrics and logs. Delivered,
 * logged or dead-lettered alerts leave the queue.
 */
import { sl1Target, type RuntimeConfig } from '../config/index.js';
import { toDeadLetterEntry } from '../dead-letter/index.js';
import { createDispatcher, type Dispatcher } from '../deliver/dispatcher.js';
import type { AuthPauseStore } from '../deliver/auth-pause.js';
import type { DispatcherHooks, DispatcherOptions, SourceLeases } from '../deliver/dispatcher-options.js';
import type { Logger } from '../ops/logger.js';
import { statusClass, type Metrics } from '../ops/metrics.js';
import type { RecentAlerts } from '../ops/recent-alerts.js';
import type { HeldAlerts } from '../queue/held-alerts.js';

export interface DeliveryWiring {
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly recent: RecentAlerts;
  /** The alerts taken from the queue backend (by the feeder, step 2b): each one's end is recorded there. */
  readonly held: HeldAlerts;
  /** Set with redis_url: <source>_max_concurrent holds across replicas. */
  readonly sourceLeases?: SourceLeases | undefined;
  /** Set with redis_url: the SL1 auth pause every replica shares. */
  readonly authPause?: AuthPauseStore | undefined;
}

export const LOG_MODE_WARNING = 'sl1_api_url is not set: log mode, alerts are written to the log and not sent to SL1';

export function buildDispatcher(config: RuntimeConfig, wiring: DeliveryWiring): Dispatcher {
  return createDispatcher({ ...toDispatcherOptions(config, wiring.logger), sourceLeases: wiring.sourceLeases, ...(wiring.authPause === undefined ? {} : { authPause: wiring.authPause }) }, deliveryHooks(wiring));
}

/** The queue and delivery gauges /metrics reads at each scrape (capacities follow a reload). */
export function attachQueueProbes(metrics: Metrics, dispatcher: Dispatcher, journal: { readonly size: number }, config: () => RuntimeConfig): void {
  metrics.attachProbes({
    queueDepth: () => new Map(Object.entries(dispatcher.perSource())),
    queueCapacity: () => config().settings.queue_max_size,
    queueBytes: () => dispatcher.bytes,
    queueCapacityBytes: () => config().settings.queue_max_bytes,
    journalPending: () => journal.size,
    deliveryConcurrency: () => config().settings.max_worker_threads,
    sl1AuthPaused: () => dispatcher.authState.phase === 'paused',
  });
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

function deliveryHooks({ metrics, recent, held }: DeliveryWiring): DispatcherHooks {
  return {
    onDelivered: ({ alert, attempts, status }) => {
      recent.settled(alert.id, 'delivered', { attempts, status });
      void held.complete(alert);
      metrics.delivered.inc({ source: alert.source, mode: 'sl1' });
      metrics.deliveryLatency.observe({ source: alert.source }, (Date.now() - alert.receivedAt) / 1000);
    },
    onLogged: ({ alert }) => {
      recent.settled(alert.id, 'logged');
      void held.complete(alert);
      metrics.delivered.inc({ source: alert.source, mode: 'log' });
    },
    onDeadLetter: async (event) => {
      const { alert } = event;
      recent.settled(alert.id, 'dead_lettered', { attempts: event.attempts, status: event.status, reason: `${event.reason}: ${event.error}` });
      recent.failed(alert.source, alert.id, `dead-lettered (${event.reason}): ${event.error}`);
      // The entry and the alert's leaving the queue are one step (the file append then the journal's done
      // record, or one Redis MULTI); unrecorded, the alert is dead-lettered again after a restart or a claim.
      const isRecorded = await held.deadLetter(alert, toDeadLetterEntry(alert, event));
      if (isRecorded) metrics.deadLetters.inc({ source: alert.source, reason: event.reason });
    },
    onRetry: ({ alert, attempt, delayMs, reason }) => {
      // Shared queue: the retry's state goes with the alert, for a replica that takes it over.
      void held.noteRetry(alert, { attempts: attempt, notBefore: Date.now() + delayMs });
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
