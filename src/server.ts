/**
 * The composition root: the only module that imports across stages. `startGenHook` runs the start steps
 * in pipeline order (src/start/): open storage, build the dispatcher, build the app, listen, watch.
 */
import type { Dispatcher as UndiciDispatcher } from 'undici';
import { ConfigStore, exposureWarnings, loadServingConfig, resolvePaths, type ReloadResult, type ReloadTrigger, type RuntimeConfig } from './config/index.js';
import type { Dispatcher } from './deliver/dispatcher.js';
import { formatConfigIssue } from './errors/index.js';
import { createLogger, type Logger } from './ops/logger.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { RecentAlerts } from './ops/recent-alerts.js';
import { SnsCertificateStore } from './receive/sns-certificates.js';
import { buildApp } from './start/build-app.js';
import { applyDeliverySettings, buildDispatcher, LOG_MODE_WARNING } from './start/build-dispatcher.js';
import { listen } from './start/listen.js';
import { openStorage } from './start/open-storage.js';
import { moveToShared, openShared } from './start/open-shared-queue.js';
import { feedDelivery } from './start/feed-delivery.js';
import { createJournalBackend } from './queue/journal-backend.js';
import { HeldAlerts } from './queue/held-alerts.js';
import { retryingDeadLetters, type DeadLetterEntry, type RetryingDeadLetters } from './dead-letter/index.js';
import { DedupCache } from './admit/index.js';
import { watchConfig } from './start/watch.js';
import { workerDataDir } from './start/workers.js';
import { join } from 'node:path';

export interface GenHookOptions {
  readonly settingsFile: string;
  readonly webhooksFile: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Tests pass their own logger; otherwise one is built from the settings. */
  readonly logger?: Logger;
  /** Set in a `workers` process: its files live in `<data_dir>/worker-<index>`. */
  readonly workerIndex?: number | undefined;
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
  /** The Hono app (its route table is what /openapi.json describes). */
  readonly app: ReturnType<typeof buildApp>;
  /** Re-reads settings.ini and webhooks.ini; an invalid configuration is refused and the running one stays. */
  reload(trigger?: ReloadTrigger): Promise<ReloadResult>;
  /** SIGTERM: answer 503 to new webhooks, drain for up to `graceMs`, close. True when everything drained. */
  shutdown(graceMs?: number): Promise<boolean>;
}

export async function startGenHook(options: GenHookOptions): Promise<GenHook> {
  const startedAt = Date.now();
  const files = { settingsFile: options.settingsFile, webhooksFile: options.webhooksFile, env: options.env ?? {} };
  const initial = await loadServingConfig(files);
  // Values read once here are the restart-only settings (see src/config/restart-settings.ts).
  const { config } = initial;
  const { settings } = config;
  const configured = resolvePaths(config);
  const workerDir = workerDataDir(configured.dataDir, options.workerIndex);
  const paths = options.workerIndex === undefined ? configured : { ...configured, dataDir: workerDir, journalFile: join(workerDir, 'journal.log') };
  const baseLogger = options.logger ?? createServerLogger(config, paths.logFile);
  // Lines of the `workers` processes say which worker (and pid) wrote them.
  const logger = options.workerIndex === undefined ? baseLogger : baseLogger.child({ worker: options.workerIndex, pid: process.pid });
  for (const warning of initial.warnings) logger.warn({ file: warning.file, line: warning.line }, formatConfigIssue(warning));
  const metrics = createMetrics();
  metrics.prepareSources(config.rules.sources());
  const store = new ConfigStore({ files, initial, logger, metrics });

  const recent = new RecentAlerts(settings.recent_alerts);
  // Filled from the journal's seen records, so a delivery replayed after a restart is still a duplicate.
  const dedup = new DedupCache({ windowMs: settings.dedup_window, maxEntries: settings.dedup_max_entries });
  const { journal, pending, backlog, deadLetter, dataDirLock } = await openStorage(paths, {
    durability: settings.journal_mode,
    dedup,
    pendingMax: { count: settings.queue_max_size, bytes: settings.queue_max_bytes },
    logger,
    onAppended: (alerts) => {
      for (const alert of alerts) recent.queued(alert);
    },
  });
  const shared = settings.redis_url === undefined ? undefined : await openShared(settings.redis_url, config, paths.dataDir, metrics, logger).catch(async (error: unknown) => {
    await dataDirLock.release();
    throw error;
  });
  const deadLetterRetry = retryingDeadLetters(deadLetter);
  // The queue backend: this GenHook's journal, or with redis_url the queue every replica shares. One path either
  // way: the edge offers to it, the feeder reserves from it into the dispatcher, the hooks record each end in it.
  const local = createJournalBackend({
    journal,
    deadLetter: { append: (entry) => appendDeadLetter(deadLetterRetry, entry, logger) },
    recovered: shared === undefined ? pending : [],
    backlog: shared === undefined ? backlog : [],
    maxSize: () => store.config.settings.queue_max_size,
    maxBytes: () => store.config.settings.queue_max_bytes,
    dedupWindowMs: settings.dedup_window,
    seen: dedup,
    logger,
  });
  const queue = shared?.backend ?? local;
  // What the feeder takes from the queue and the dispatcher's hooks record the end of: built first, given to both.
  const held = new HeldAlerts(queue, logger);
  const dispatcher = buildDispatcher(config, { metrics, logger, recent, held, sourceLeases: shared?.leases, authPause: shared?.authPause });
  const feeder = feedDelivery(held, dispatcher, () => store.config, logger, shared, (alert) => recent.queued(alert));
  metrics.attachProbes({
    queueDepth: () => new Map(Object.entries(dispatcher.perSource())),
    queueCapacity: () => store.config.settings.queue_max_size,
    queueBytes: () => dispatcher.bytes,
    queueCapacityBytes: () => store.config.settings.queue_max_bytes,
    journalPending: () => journal.size,
    deliveryConcurrency: () => store.config.settings.max_worker_threads,
    sl1AuthPaused: () => dispatcher.authState.phase === 'paused',
  });
  if (!settings.sl1_api_url) logger.warn(LOG_MODE_WARNING);
  for (const warning of exposureWarnings(config)) logger.warn(warning.details, warning.message);
  if (shared !== undefined) await moveToShared(shared, journal, pending, backlog, logger);
  else if (pending.length > 0) logger.info({ count: pending.length }, 'replaying alerts the journal still holds');
  // Alerts recovered beyond the queue's bounds are delivered from here as room frees (in memory or not, they were accepted here).
  if (shared === undefined && backlog.length > 0) {
    logger.warn({ count: backlog.length, queueMaxSize: settings.queue_max_size, queueMaxBytes: settings.queue_max_bytes }, 'journal: alerts beyond queue_max_size or queue_max_bytes stay journaled and are fed in as room frees');
  }

  let isDraining = false;
  const isDrainingNow = (): boolean => isDraining;
  const snsCertificates = new SnsCertificateStore(options.snsCertificateDispatcher ? { dispatcher: options.snsCertificateDispatcher } : {});
  const app = buildApp({ store, journal, queue, dedup, backlog: { get size() { return local.backlogSize; } }, deadLetterHealth: () => deadLetterRetry.health, dispatcher, metrics, logger, recent, snsCertificates, deadLetterPath: deadLetter.path, isDraining: isDrainingNow, startedAt, shared: shared && { backend: shared.backend, held }, workerIndex: options.workerIndex });
  const listener = await listen(app.fetch, config);
  logger.info({ url: listener.url, sources: config.rules.sources(), mode: settings.sl1_api_url ? 'sl1' : 'log' }, 'GenHook listening');
  // Only once listening: a start that fails (port in use, bad certificate) leaves nothing running that keeps the process alive.
  await feeder.start();

  const watching = watchConfig(files, store, logger);
  store.onApply((next, _previous, trigger) => {
    metrics.prepareSources(next.config.rules.sources());
    logger.level = next.config.settings.log_level;
    recent.setLimit(next.config.settings.recent_alerts);
    applyDeliverySettings(dispatcher, next.config, logger);
    // SIGHUP and POST /admin/reload are an operator saying "try again"; a file save alone is not.
    if (trigger === 'sighup' || trigger === 'admin') dispatcher.resumeAuth('operator');
    if (!isDraining) watching.set(next.config.settings.watch_config);
  });
  watching.set(settings.watch_config);

  return {
    url: listener.url,
    port: listener.port,
    config: () => store.config,
    metrics,
    dispatcher,
    logger,
    app,
    reload: (trigger = 'admin') => store.reload(trigger),
    async shutdown(graceMs = store.config.settings.shutdown_grace_period) {
      isDraining = true;
      watching.set(false);
      logger.info({ graceMs, waiting: dispatcher.size, inFlight: dispatcher.inFlight }, 'shutting down: draining queued alerts');
      await feeder.stop(); // no new alerts taken from the queue; what this GenHook holds is delivered or left for recovery
      const drained = await dispatcher.drain(graceMs);
      deadLetterRetry.stop();
      await listener.close();
      await dispatcher.close();
      await held.settle();
      await shared?.authPause.close();
      await shared?.backend.close();
      await snsCertificates.close();
      await journal.close();
      await deadLetter.close();
      await dataDirLock.release();
      logger.info({ drained, leftInJournal: journal.size }, drained ? 'shutdown complete' : 'shutdown: grace period over; the rest stays in the journal');
      return drained;
    },
  };
}

/** A dead-letter append that fails is retried (the alert stays queued and journaled) until it is written or shutdown stops it. */
async function appendDeadLetter(deadLetters: RetryingDeadLetters, entry: DeadLetterEntry, logger: Logger): Promise<void> {
  const isWritten = await deadLetters.append(entry, (error, attempt) => {
    logger.error({ err: error, attempt, reqId: entry.requestId, alertId: entry.id, source: entry.source, event: entry.event }, 'dead-letter file not writable; the alert stays queued and journaled and is retried');
  });
  // Shutting down: still journaled, dead-lettered again after the restart.
  if (!isWritten) throw new Error('dead-letter file not written before shutdown; the alert stays journaled');
}

function createServerLogger(config: RuntimeConfig, logFile: string | undefined): Logger {
  const { settings } = config;
  return createLogger({
    level: settings.log_level,
    file: logFile,
    maxSizeBytes: settings.log_max_size,
    rotation: settings.log_rotation,
    maxFiles: settings.log_max_files,
    pretty: settings.log_pretty,
  });
}

/** `workers = N`: the cluster primary and the per-worker facts `genhook serve` needs (see src/start/workers.ts). */
export { checkWorkers, runPrimary, StartError, workerCount, workerIndex } from './start/workers.js';
