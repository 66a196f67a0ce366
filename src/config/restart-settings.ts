/**
 * Settings the running server read once at start (the listener, the journal and dead-letter file, the log
 * destination, the dedup cache). A reload that changes one keeps the old value and says so;
 * every other setting, and every webhooks.ini line, takes effect at once. Delivery settings (SL1 URL and
 * credentials, timeouts, retries, max age, breaker, max_worker_threads, <source>_max_concurrent, queue_max_size) are not here:
 * a reload hands them to the running dispatcher (Dispatcher.reconfigure, wired in src/server.ts).
 */
import type { RuntimeConfig } from './runtime.js';
import type { SettingsKey } from './settings-spec.js';

export const RESTART_SETTINGS = [
  'server_port', 'server_host', 'ssl_enabled', 'ssl_cert_path', 'ssl_key_path',
  'data_dir', 'dead_letter_file', 'journal_mode',
  'log_file', 'log_max_size', 'log_rotation', 'log_max_files', 'log_pretty',
  'dedup_window', 'dedup_max_entries',
  'redis_url', 'redis_prefix', 'redis_claim_idle', 'workers',
] as const satisfies readonly SettingsKey[];

/** Names of the restart-only settings that differ between two configs. */
export function settingsNeedingRestart(running: RuntimeConfig, next: RuntimeConfig): string[] {
  return RESTART_SETTINGS.filter((key) => running.settings[key] !== next.settings[key]);
}
