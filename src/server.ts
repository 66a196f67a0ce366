/**
 * The composition root: the only module that imports across stages. It loads the configuration, opens the
 * journal and dead-letter file, wires the dispatcher's outcomes to them and to metrics, replays what the
 * journal still holds, and serves the Hono app over HTTP or HTTPS.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import type { Dispatcher as UndiciDispatcher } from 'undici';
import { ConfigStore, createAdminOperations, loadServingConfig, mountAdminRoutes, watchConfigFiles, type ConfigWatcher, type ReloadResult, type ReloadTrigger } from './admin/index.js';
import { formatConfigIssue } from './config/errors.js';
import type { Alert } from './alert.js';
import type { RuntimeConfig } from './config/runtime.js';
import { createDispatcher, type Dispatcher } from './deliver/dispatcher.js';
import type { DispatcherHooks, DispatcherOptions } from './deliver/dispatcher-options.js';
import { createApp, type ReadinessReport } from './http/app.js';
import { SnsCertificateStore } from './http/sns-certificates.js';
import { createLogger, type Logger } from './ops/logger.js';
import { createMetrics, statusClass, type Metrics } from './ops/metrics.js';
import { RecentAlerts } from './ops/recent-alerts.js';
import { DedupCache } from './security/index.js';
import { acquireDataDirLock, createDeadLetterFile, openJournal, toDeadLetterEntry, type DeadLetterFile, type Journal } from './store/index.js';

export interface GenHookOptions {
  readonly settingsFile: string;
  readonly webhooksFile: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Tests pass their own logger; otherwise one is built from the settings. */
  readonly logger?: Logger;
  /**
   * Connection pool for fetching AWS SNS signing certificates. Only tests set it (to reach a local HTTPS
   * server); the URL checks run the same, and the default verifies TLS against the system's CAs.
   */
  readonly snsCertificateDispatcher?: UndiciDispatcher;
}

export interface GenHook {
  readonly url: string;
  readonly port: number;
  readonly config: () => RuntimeConfig;
  readonly metrics: Metrics;
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  /** Re-reads settings.ini and webhooks.ini; an invalid configuration is refused and the running one stays. */
  reload(trigger?: ReloadTrigger): Promise<ReloadResult>;
  /** SIGTERM: answer 503 to new webhooks, drain for up to `graceMs`, close. True when everything drained. */
  shutdown(graceMs?: number): Promise<boolean>;
}

/** Paths in settings.ini are relative to the settings file, so a config directory can be moved whole. */
export function settingsPath(config: RuntimeConfig, path: string): string {
  return resolve(dirname(resolve(config.settingsFile)), path);
}

export async function startGenHook(options: GenHookOptions): Promise<GenHook> {
  const startedAt = Date.now();
  const files = { settingsFile: options.settingsFile, webhooksFile: options.webhooksFile, env: options.env ?? {} };
  const initial = await loadServingConfig(files);
  const { config, warnings } = initial;
  // Values read once here are the restart-only settings (see src/admin/restart-settings.ts).
  const { settings } = config;
  const logger =
    options.logger ??
    createLogger({
      level: settings.log_level,
      file: settings.log_file ? settingsPath(config, settings.log_file) : undefined,
      maxSizeBytes: settings.log_max_size,
      rotation: settings.log_rotation,
      maxFiles: settings.log_max_files,
      pretty: settings.log_pretty,
    });
  for (const warning of warnings) logger.warn({ file: warning.file, line: warning.line }, formatConfigIssue(warning));

  const dataDir = settingsPath(config, settings.data_dir);
  await mkdir(dataDir, { recursive: true });
  // Before the journal is opened: a second GenHook on this data_dir would compact away the first one's alerts.
  const dataDirLock = await acquireDataDirLock(dataDir);
  if (dataDirLock.tookOverFrom !== undefined) {
    logger.warn({ file: dataDirLock.path, previous: dataDirLock.tookOverFrom }, 'data_dir lock of a GenHook that is gone taken over');
  }
  const { journal, pending, recovery } = await openJournal({ dir: dataDir, durability: settings.journal_mode, logger }).catch(async (error: unknown) => {
    await dataDirLock.release();
    throw error;
  });
  for (const skipped of recovery.skipped) {
    logger.warn({ offset: skipped.offset, reason: skipped.reason, file: `${dataDir}/journal.log` }, 'journal record skipped (corrupt or torn)');
  }
  const recent = new RecentAlerts(settings.recent_alerts);
  const deadLetter = createDeadLetterFile({
    path: settings.dead_letter_file ? settingsPath(config, settings.dead_letter_file) : `${dataDir}/dead-letter.jsonl`,
  });

  let dispatcher: Dispatcher | undefined;
  const metrics = createMetrics(() =>
    dispatcher === undefined
      ? undefined
      : {
          queueDepth: () => new Map(Object.entries(dispatcher?.perSource() ?? {})),
          queueCapacity: () => store.config.settings.queue_max_size,
          journalPending: () => journal.size,
          workers: () => store.config.settings.max_worker_threads,
        },
  );
  metrics.prepareSources(config.rules.sources());
  let watcher: ConfigWatcher | undefined;
  const store: ConfigStore = new ConfigStore({
    files,
    initial,
    logger,
    metrics,
    onApply: (next) => {
      metrics.prepareSources(next.config.rules.sources());
      logger.level = next.config.settings.log_level;
      recent.setLimit(next.config.settings.recent_alerts);
      applyDeliverySettings(next.config);
      if (!isDraining) setWatching(next.config.settings.watch_config);
    },
  });
  /** SL1 target, credentials, retries, breaker and concurrency follow a reload; queued alerts stay queued. */
  const applyDeliverySettings = (next: RuntimeConfig): void => {
    if (dispatcher === undefined) return;
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
  };
  const setWatching = (isOn: boolean): void => {
    if (isOn === (watcher !== undefined)) return;
    if (!isOn) {
      watcher?.close();
      watcher = undefined;
      return;
    }
    watcher = watchConfigFiles({
      // Lookup tables named at start are watched too; one added later is read on the next reload.
      files: [files.settingsFile, files.webhooksFile, ...store.config.lookupFiles],
      onChange: () => void store.reload('file').catch((error: unknown) => logger.error({ err: error }, 'configuration reload failed')),
      onError: (error) => logger.error({ err: error }, 'watching the configuration files failed; reload with SIGHUP or POST /admin/reload'),
    });
  };
  const journalHealth = { isWritable: true };
  dispatcher = createGenHookDispatcher(config, { journal, deadLetter, metrics, logger, recent });

  if (!settings.sl1_api_url) logger.warn(LOG_MODE_WARNING);
  if (pending.length > 0) {
    logger.info({ count: pending.length }, 'replaying alerts the journal still holds');
    const refused = pending.filter((alert) => !dispatcher?.offer(alert)).length;
    if (refused > 0) logger.warn({ count: refused }, 'journal holds more alerts than queue_max_size; the rest wait in the journal for the next start');
  }

  let isDraining = false;
  const snsCertificates = new SnsCertificateStore(options.snsCertificateDispatcher ? { dispatcher: options.snsCertificateDispatcher } : {});
  const dedup = new DedupCache({ windowMs: settings.dedup_window, maxEntries: settings.dedup_max_entries });
  const trackedJournal: Journal = {
    get size() {
      return journal.size;
    },
    get stats() {
      return journal.stats;
    },
    append: async (alerts) => {
      try {
        await journal.append(alerts);
        journalHealth.isWritable = true;
        for (const alert of Array.isArray(alerts) ? alerts : [alerts]) recent.queued(alert as Alert);
      } catch (error) {
        journalHealth.isWritable = false;
        throw error;
      }
    },
    complete: (id) => journal.complete(id),
    close: () => journal.close(),
  };
  const liveDispatcher = dispatcher;
  const app = createApp({
    config: () => store.config,
    dedup,
    journal: trackedJournal,
    dispatcher: liveDispatcher,
    metrics,
    logger,
    now: Date.now,
    isDraining: () => isDraining,
    snsCertificates,
    readiness: (): ReadinessReport => {
      const hasRoom = liveDispatcher.hasRoom();
      return {
        isReady: !isDraining && journalHealth.isWritable && hasRoom,
        checks: {
          draining: isDraining,
          config: { settings: store.config.settingsFile, webhooks: store.config.webhooksFile, sources: store.config.rules.sources().length },
          journal: { writable: journalHealth.isWritable, pending: journal.size },
          queue: { waiting: liveDispatcher.size, inFlight: liveDispatcher.inFlight, capacity: store.config.settings.queue_max_size, hasRoom },
          breaker: liveDispatcher.breakerState,
          mode: store.config.settings.sl1_api_url ? 'sl1' : 'log',
        },
      };
    },
    mount: (routes) =>
      mountAdminRoutes(routes, {
        store,
        logger,
        operations: createAdminOperations({
          store,
          dispatcher: liveDispatcher,
          journal: trackedJournal,
          journalHealth,
          metrics,
          recent,
          deadLetterPath: deadLetter.path,
          isDraining: () => isDraining,
          startedAt,
        }),
      }),
  });

  const server = await listen(app.fetch, config);
  const port = (server.address() as AddressInfo).port;
  const scheme = settings.ssl_enabled ? 'https' : 'http';
  const url = `${scheme}://${settings.server_host === '0.0.0.0' ? '127.0.0.1' : settings.server_host}:${port}`;
  logger.info({ url, sources: config.rules.sources(), mode: settings.sl1_api_url ? 'sl1' : 'log' }, 'GenHook listening');
  setWatching(settings.watch_config);

  return {
    url,
    port,
    config: () => store.config,
    metrics,
    dispatcher: liveDispatcher,
    logger,
    reload: (trigger = 'admin') => store.reload(trigger),
    async shutdown(graceMs = store.config.settings.shutdown_grace_period) {
      isDraining = true;
      setWatching(false);
      logger.info({ graceMs, waiting: liveDispatcher.size, inFlight: liveDispatcher.inFlight }, 'shutting down: draining queued alerts');
      const drained = await liveDispatcher.drain(graceMs);
      await closeServer(server);
      await liveDispatcher.close();
      await snsCertificates.close();
      await journal.close();
      await deadLetter.close();
      await dataDirLock.release();
      logger.info({ drained, leftInJournal: journal.size }, drained ? 'shutdown complete' : 'shutdown: grace period over; the rest stays in the journal');
      return drained;
    },
  };
}

interface DispatcherWiring {
  readonly journal: Journal;
  readonly deadLetter: DeadLetterFile;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly recent: RecentAlerts;
}

const LOG_MODE_WARNING = 'sl1_api_url is not set: log mode, alerts are written to the log and not sent to SL1';

/** The dispatcher's options from the settings; built at start and again on every reload. */
function toDispatcherOptions(config: RuntimeConfig, logger: Logger): DispatcherOptions {
  const { settings } = config;
  const perSourceConcurrency: Record<string, number> = {};
  for (const source of config.sources.values()) {
    if (source.maxConcurrent !== undefined) perSourceConcurrency[source.name] = source.maxConcurrent;
  }
  return {
    url: settings.sl1_api_url,
    username: settings.sl1_username ?? '',
    password: settings.sl1_password ?? '',
    maxConcurrent: settings.max_worker_threads,
    perSourceConcurrency,
    queueMaxSize: settings.queue_max_size,
    processingTimeoutMs: Math.min(settings.processing_timeout, settings.sl1_timeout),
    retryMaxAttempts: settings.retry_max_attempts,
    backoff: { baseMs: settings.retry_base_delay, maxMs: settings.retry_max_delay },
    maxAlertAgeMs: settings.max_alert_age,
    breaker: {
      errorThresholdPercentage: settings.breaker_error_threshold,
      volumeThreshold: settings.breaker_volume_threshold,
      rollingWindowMs: settings.breaker_window,
      resetTimeoutMs: settings.breaker_reset_timeout,
    },
    logger,
  };
}

/** Every delivery outcome ends in the journal: delivered, logged or dead-lettered alerts leave it. */
function createGenHookDispatcher(config: RuntimeConfig, wiring: DispatcherWiring): Dispatcher {
  return createDispatcher(toDispatcherOptions(config, wiring.logger), deliveryHooks(wiring));
}

function deliveryHooks({ journal, deadLetter, metrics, logger, recent }: DispatcherWiring): DispatcherHooks {
  return {
    onDelivered: ({ alert, attempts, status }) => {
      recent.settled(alert.id, 'delivered', { attempts, status });
      journal.complete(alert.id);
      metrics.delivered.inc({ source: alert.source, mode: 'sl1' });
      metrics.deliveryLatency.observe({ source: alert.source }, (Date.now() - alert.receivedAt) / 1000);
    },
    onLogged: ({ alert }) => {
      recent.settled(alert.id, 'logged');
      journal.complete(alert.id);
      metrics.delivered.inc({ source: alert.source, mode: 'log' });
    },
    onDeadLetter: async (event) => {
      const { alert } = event;
      recent.settled(alert.id, 'dead_lettered', { attempts: event.attempts, status: event.status, reason: `${event.reason}: ${event.error}` });
      recent.failed(alert.source, alert.id, `dead-lettered (${event.reason}): ${event.error}`);
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
    onRetry: ({ alert, attempt, reason }) => {
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
      metrics.setBreakerState(state);
      const level = state === 'open' ? 'warn' : 'info';
      logger[level]({ breaker: state }, `SL1 circuit breaker ${state}`);
    },
  };
}

/**
 * Slow senders may not hold a connection for Node's default 300 s: providers post a complete webhook in well
 * under a second, so a request that takes longer than this is a slow-loris, not a webhook.
 */
const REQUEST_TIMEOUTS = { requestTimeout: 30_000, headersTimeout: 15_000 } as const;

async function listen(fetch: Parameters<typeof serve>[0]['fetch'], config: RuntimeConfig): Promise<ServerType> {
  const { settings } = config;
  const transport = settings.ssl_enabled
    ? {
        createServer: createHttpsServer,
        serverOptions: {
          ...REQUEST_TIMEOUTS,
          cert: await readFile(settingsPath(config, settings.ssl_cert_path ?? '')),
          key: await readFile(settingsPath(config, settings.ssl_key_path ?? '')),
        },
      }
    : { serverOptions: REQUEST_TIMEOUTS };
  return new Promise((resolvePromise, reject) => {
    const server = serve({ fetch, port: settings.server_port, hostname: settings.server_host, ...transport }, () => resolvePromise(server));
    server.once('error', reject);
  });
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolvePromise) => {
    server.close(() => resolvePromise());
    if ('closeAllConnections' in server) server.closeAllConnections();
  });
}
