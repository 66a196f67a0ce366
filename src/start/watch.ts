/**
 * Step 5, watch: reload on a change of settings.ini or webhooks.ini while `watch_config` is on, and apply each
 * reload that compiled to the running parts.
 */
import { watchConfigFiles, type ConfigFiles, type ConfigStore, type ConfigWatcher } from '../config/index.js';
import type { Dispatcher } from '../deliver/dispatcher.js';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import type { RecentAlerts } from '../ops/recent-alerts.js';
import { applyDeliverySettings } from './build-dispatcher.js';

export interface ConfigWatching {
  /** Starts or stops watching; a no-op when already in that state. */
  set(isOn: boolean): void;
}

export function watchConfig(files: ConfigFiles, store: ConfigStore, logger: Logger): ConfigWatching {
  let watcher: ConfigWatcher | undefined;
  return {
    set(isOn) {
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
    },
  };
}

export interface ReloadWiring {
  readonly dispatcher: Dispatcher;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly recent: RecentAlerts;
  readonly watching: ConfigWatching;
  /** True once shutdown began: a reload then does not start watching again. */
  readonly isDraining: () => boolean;
}

/** What a reload that compiled changes in the running parts (the store swaps the config itself). */
export function applyReloads(store: ConfigStore, { dispatcher, metrics, logger, recent, watching, isDraining }: ReloadWiring): void {
  store.onApply((next, _previous, trigger) => {
    metrics.prepareSources(next.config.rules.sources());
    logger.level = next.config.settings.log_level;
    recent.setLimit(next.config.settings.recent_alerts);
    applyDeliverySettings(dispatcher, next.config, logger);
    // SIGHUP and POST /admin/reload are an operator saying "try again"; a file save alone is not.
    if (trigger === 'sighup' || trigger === 'admin') dispatcher.resumeAuth('operator');
    if (!isDraining()) watching.set(next.config.settings.watch_config);
  });
}
