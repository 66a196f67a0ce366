/**
 * Where GenHook keeps its files. Paths in settings.ini are relative to the settings file, so a config
 * directory can be moved whole; `serve` and `genhook dlq` resolve them here, the same way.
 */
import { dirname, join, resolve } from 'node:path';
import type { RuntimeConfig } from './runtime.js';

export interface GenHookPaths {
  /** `data_dir`: the journal and, by default, the dead-letter file. */
  readonly dataDir: string;
  readonly journalFile: string;
  /** `dead_letter_file`, or `<data_dir>/dead-letter.jsonl`. */
  readonly deadLetterFile: string;
  /** `log_file`, or undefined for stdout. */
  readonly logFile: string | undefined;
}

/** A path from settings.ini, resolved against the folder of the settings file. */
export function settingsPath(config: RuntimeConfig, path: string): string {
  return resolve(dirname(resolve(config.settingsFile)), path);
}

/**
 * `workerIndex` is set in a `workers` process: its data folder (journal, lock) is `<data_dir>/worker-<index>`;
 * the dead-letter file and the log file stay the ones settings.ini names.
 */
export function resolvePaths(config: RuntimeConfig, workerIndex?: number): GenHookPaths {
  const { settings } = config;
  const configuredDir = settingsPath(config, settings.data_dir);
  const dataDir = workerIndex === undefined ? configuredDir : join(configuredDir, `worker-${workerIndex}`);
  return {
    dataDir,
    journalFile: join(dataDir, 'journal.log'),
    deadLetterFile: settings.dead_letter_file ? settingsPath(config, settings.dead_letter_file) : join(configuredDir, 'dead-letter.jsonl'),
    logFile: settings.log_file ? settingsPath(config, settings.log_file) : undefined,
  };
}
