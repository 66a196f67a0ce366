/** Step 5, watch: reload on a change of settings.ini or webhooks.ini while `watch_config` is on. */
import { watchConfigFiles, type ConfigFiles, type ConfigStore, type ConfigWatcher } from '../config/index.js';
import type { Logger } from '../ops/logger.js';

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
