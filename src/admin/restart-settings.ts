/**
 * Settings the running server read once at start (the listener, the journal, the dispatcher's pool, queue,
 * retry and breaker, the log destination, the dedup cache). A reload that changes one keeps the old value
 * and says so; every other setting, and every webhooks.ini line, takes effect at once.
 */
import type { RuntimeConfig } from '../config/runtime.js';
import type { SettingsKey } from '../config/settings-spec.js';

export const RESTART_SETTINGS = [
  'server_port', 'server_host', 'ssl_enabled', 'ssl_cert_path', 'ssl_key_path',
  'data_dir', 'dead_letter_file', 'journal_mode',
  'max_worker_threads', 'queue_max_size',
  'sl1_api_url', 'sl1_username', 'sl1_password', 'sl1_timeout', 'processing_timeout',
  'retry_max_attempts', 'retry_base_delay', 'retry_max_delay', 'max_alert_age',
  'breaker_error_threshold', 'breaker_volume_threshold', 'breaker_window', 'breaker_reset_timeout',
  'log_file', 'log_max_size', 'log_rotation', 'log_pretty',
  'dedup_window', 'dedup_max_entries',
] as const satisfies readonly SettingsKey[];

/** Names of the restart-only settings that differ between two configs (`<source>_max_concurrent` included). */
export function settingsNeedingRestart(running: RuntimeConfig, next: RuntimeConfig): string[] {
  const changed: string[] = RESTART_SETTINGS.filter((key) => running.settings[key] !== next.settings[key]);
  const names = new Set([...running.sources.keys(), ...next.sources.keys()]);
  for (const name of [...names].sort()) {
    if (running.sources.get(name)?.maxConcurrent !== next.sources.get(name)?.maxConcurrent) changed.push(`${name}_max_concurrent`);
  }
  return changed;
}
