/**
 * The composition root: with the start steps it runs (src/start/), the only code that builds the stages and
 * wires them to each other; in src/ only cli.ts imports it. `startGenHook` runs the steps in pipeline order,
 * one call each: read the config, open storage, open the queue, build the dispatcher and what feeds it, build
 * the app, listen, watch; `shutdown` undoes them in reverse.
 */
import type { Dispatcher as UndiciDispatcher } from 'undici';
import { DedupCache } from './admit/index.js';
import type { ReloadResult, ReloadTrigger, RuntimeConfig } from './config/index.js';
import type { Dispatcher } from './deliver/dispatcher.js';
import type { Logger } from './ops/logger.js';
import type { Metrics } from './ops/metrics.js';
import { RecentAlerts } from './ops/recent-alerts.js';
import { HeldAlerts } from './queue/held-alerts.js';
import { SnsCertificateStore } from './receive/sns-certificates.js';
import { buildApp } from './start/build-app.js';
import { attachQueueProbes, buildDispatcher } from './start/build-dispatcher.js';
import { feedDelivery } from './start/feed-delivery.js';
import { listen } from './start/listen.js';
import { openConfig, warnAtStart, type ConfigSources } from './start/open-config.js';
import { openQueue, placeRecoveredAlerts } from './start/open-queue.js';
import { openStorage } from './start/open-storage.js';
import { shutDown } from './start/shutdown.js';
import { applyReloads, watchConfig } from './start/watch.js';

export interface GenHookOptions extends ConfigSources {
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
  readonly app: ReturnType<typeof buildApp>['app'];
  /** Re-reads settings.ini and webhooks.ini; an invalid configuration is refused and the running one stays. */
  reload(trigger?: ReloadTrigger): Promise<ReloadResult>;
  /** SIGTERM: answer 503 to new webhooks, drain for up to `graceMs`, close. True when everything drained. */
  shutdown(graceMs?: number): Promise<boolean>;
}

export async function startGenHook(options: GenHookOptions): Promise<GenHook> {
  const startedAt = Date.now();
  // Values read from `config` (the one at start) are the restart-only settings (see src/config/restart-settings.ts).
  const { files, config, store, paths, logger, metrics } = await openConfig(options);
  const { settings } = config;
  const recent = new RecentAlerts(settings.recent_alerts);
  // Filled from the journal's seen records, so a delivery replayed after a restart is still a duplicate.
  const dedup = new DedupCache({ windowMs: settings.dedup_window, maxEntries: settings.dedup_max_entries });
  const storage = await openStorage(paths, {
    durability: settings.journal_mode,
    dedup,
    pendingMax: { count: settings.queue_max_size, bytes: settings.queue_max_bytes },
    logger,
    onAppended: (alerts) => {
      for (const alert of alerts) recent.queued(alert);
    },
  });
  // One path either way: the edge offers to the queue, the feeder reserves from it into the dispatcher, and
  // the dispatcher's hooks record each end through the held alerts (built first, given to both).
  const queue = await openQueue(storage, { config: () => store.config, dataDir: paths.dataDir, dedup, metrics, logger });
  const held = new HeldAlerts(queue.backend, logger);
  const dispatcher = buildDispatcher(config, { metrics, logger, recent, held, sourceLeases: queue.shared?.leases, authPause: queue.shared?.authPause });
  const feeder = feedDelivery(held, dispatcher, () => store.config, logger, queue.shared, (alert) => recent.queued(alert));
  attachQueueProbes(metrics, dispatcher, storage.journal, () => store.config);
  warnAtStart(config, logger);
  await placeRecoveredAlerts(queue, storage, config, logger);

  let isDraining = false;
  const isDrainingNow = (): boolean => isDraining;
  const snsCertificates = new SnsCertificateStore(options.snsCertificateDispatcher ? { dispatcher: options.snsCertificateDispatcher } : {});
  const http = buildApp({ store, storage, queue, held, dedup, dispatcher, metrics, logger, recent, snsCertificates, isDraining: isDrainingNow, startedAt, workerIndex: options.workerIndex });
  const listener = await listen(http, config);
  logger.info({ url: listener.url, sources: config.rules.sources(), mode: settings.sl1_api_url ? 'sl1' : 'log' }, 'GenHook listening');
  // Only once listening: a start that fails (port in use, bad certificate) leaves nothing running that keeps the process alive.
  await feeder.start();

  const watching = watchConfig(files, store, logger);
  applyReloads(store, { dispatcher, metrics, logger, recent, watching, isDraining: isDrainingNow });
  watching.set(settings.watch_config);

  return {
    url: listener.url,
    port: listener.port,
    config: () => store.config,
    metrics,
    dispatcher,
    logger,
    app: http.app,
    reload: (trigger = 'admin') => store.reload(trigger),
    shutdown(graceMs = store.config.settings.shutdown_grace_period) {
      isDraining = true;
      return shutDown({ storage, queue, held, dispatcher, feeder, snsCertificates, listener, watching, logger }, graceMs);
    },
  };
}

/** `workers = N`: the cluster primary and the per-worker facts `genhook serve` needs (see src/start/workers.ts). */
export { checkWorkers, runPrimary, StartError, workerCount, workerIndex } from './start/workers.js';
