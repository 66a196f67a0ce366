/** `genhook serve`: one GenHook, or the primary of `workers` GenHooks; signals stop or reload it. */
import { loadServingConfig, resolvePaths } from '../config/index.js';
import { createLogger } from '../ops/logger.js';
import { checkWorkers, runPrimary, startGenHook, workerCount, workerIndex } from '../server.js';
import type { ConfigFiles } from './flags.js';
import { EXIT } from '../errors/index.js';

export async function serveCommand(files: ConfigFiles): Promise<number> {
  const index = workerIndex();
  if (index === undefined) {
    const { config } = await loadServingConfig(files);
    const count = workerCount(config.settings.workers);
    checkWorkers(count, config.settings.redis_url, config.settingsFile);
    if (count > 1) {
      const { settings } = config;
      const logger = createLogger({ level: settings.log_level, pretty: settings.log_pretty });
      return runPrimary({ count, dataDir: resolvePaths(config).dataDir, logger });
    }
  }
  const genhook = await startGenHook({ ...files, workerIndex: index });
  let signals = 0;
  const stop = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      // Everything acknowledged is already journaled (fsync'ed), so leaving now loses nothing.
      genhook.logger.warn({ signal }, 'second signal: exiting now; queued alerts stay in the journal');
      process.exit(EXIT.failed);
    }
    genhook.logger.info({ signal }, 'signal received: stopping');
    genhook.shutdown().then(
      () => process.exit(EXIT.ok),
      (error: unknown) => {
        genhook.logger.error({ err: error }, 'shutdown failed');
        process.exit(EXIT.failed);
      },
    );
  };
  process.on('SIGTERM', stop);
  // A worker's Ctrl-C (sent to the whole process group) is the primary's to handle: it asks each worker to drain.
  process.on('SIGINT', index === undefined ? stop : () => undefined);
  // SIGHUP: re-read settings.ini and webhooks.ini; an invalid result is logged and the running config stays.
  process.on('SIGHUP', () => {
    genhook.logger.info({ signal: 'SIGHUP' }, 'signal received: reloading the configuration');
    genhook.reload('sighup').catch((error: unknown) => genhook.logger.error({ err: error }, 'configuration reload failed'));
  });
  return new Promise<number>(() => {
    // Runs until a signal ends the process.
  });
}
