/**
 * Step 0, read the configuration: settings.ini and webhooks.ini compiled once (a mistake stops the start with
 * file and line), where this GenHook's files are, its logger and metrics, and the config store reloads go through.
 */
import { ConfigStore, exposureWarnings, loadServingConfig, resolvePaths, type ConfigFiles, type GenHookPaths, type RuntimeConfig } from '../config/index.js';
import { formatConfigIssue } from '../errors/index.js';
import { createLogger, type Logger } from '../ops/logger.js';
import { createMetrics, type Metrics } from '../ops/metrics.js';
import { LOG_MODE_WARNING } from './build-dispatcher.js';

/** Where the configuration comes from, and what a caller may set beside it (startGenHook's options). */
export interface ConfigSources {
  readonly settingsFile: string;
  readonly webhooksFile: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Tests pass their own logger; otherwise one is built from the settings. */
  readonly logger?: Logger;
  /** Set in a `workers` process: its files live in `<data_dir>/worker-<index>`. */
  readonly workerIndex?: number | undefined;
}

export interface OpenedConfig {
  readonly files: ConfigFiles;
  /** The configuration at start; the restart-only settings are read from it once (see src/config/restart-settings.ts). */
  readonly config: RuntimeConfig;
  /** The running configuration, replaced by each reload that compiles. */
  readonly store: ConfigStore;
  readonly paths: GenHookPaths;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export async function openConfig(sources: ConfigSources): Promise<OpenedConfig> {
  const files = { settingsFile: sources.settingsFile, webhooksFile: sources.webhooksFile, env: sources.env ?? {} };
  const initial = await loadServingConfig(files);
  const { config } = initial;
  const paths = resolvePaths(config, sources.workerIndex);
  const baseLogger = sources.logger ?? createServerLogger(config, paths.logFile);
  // Lines of the `workers` processes say which worker (and pid) wrote them.
  const logger = sources.workerIndex === undefined ? baseLogger : baseLogger.child({ worker: sources.workerIndex, pid: process.pid });
  for (const warning of initial.warnings) logger.warn({ file: warning.file, line: warning.line }, formatConfigIssue(warning));
  const metrics = createMetrics();
  metrics.prepareSources(config.rules.sources());
  const store = new ConfigStore({ files, initial, logger, metrics });
  return { files, config, store, paths, logger, metrics };
}

/** Said once the storage is open: log mode (no sl1_api_url), and settings that expose GenHook or its credentials. */
export function warnAtStart(config: RuntimeConfig, logger: Logger): void {
  if (!config.settings.sl1_api_url) logger.warn(LOG_MODE_WARNING);
  for (const warning of exposureWarnings(config)) logger.warn(warning.details, warning.message);
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
