/**
 * Every key settings.ini accepts, as data: its parser, default and one sentence of documentation.
 * The README's settings reference is checked against this table by a test, so a key added here without
 * documentation fails the build.
 */
import { parseBoolean, parseDurationMs, parsePositiveInt, parseSizeBytes } from './units.js';

/** Turns the text of a value into its typed form, or explains the expected form. */
export interface ValueKind<T> {
  readonly parse: (text: string) => T | undefined;
  /** How the expected form reads in an error: `a duration such as 30s, 500ms or 2m`. */
  readonly expected: string;
}

export interface SettingSpec<T> {
  readonly kind: ValueKind<T>;
  readonly defaultValue: T;
  readonly doc: string;
  /** Other spellings the seed used (`max_threads` for `max_worker_threads`). */
  readonly aliases?: readonly string[];
  /** Never logged or dumped. */
  readonly isSecret?: boolean;
}

/** Node's timers hold at most 2^31-1 ms (24.8 days); a longer delay silently becomes 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const boundedDuration = (allowZero: boolean) => (text: string): number | undefined => {
  const ms = parseDurationMs(text);
  if (ms === undefined || ms > MAX_TIMER_MS) return undefined;
  return ms > 0 || (allowZero && ms === 0) ? ms : undefined;
};

export const durationKind: ValueKind<number> = {
  parse: boundedDuration(false),
  expected: 'a duration above 0 and at most 24d, such as 300, 30s, 500ms, 5m, 5 minutes or 1.5h',
};
/** A duration where 0 means "never" (`sl1_auth_retry_interval = 0`). */
export const durationOrOffKind: ValueKind<number> = {
  parse: boundedDuration(true),
  expected: 'a duration of at most 24d, such as 30s, 15m, 15 minutes or 1.5h, or 0',
};
export const sizeKind: ValueKind<number> = {
  parse: (text) => {
    const bytes = parseSizeBytes(text);
    return bytes !== undefined && bytes > 0 ? bytes : undefined;
  },
  expected: 'a size above 0 such as 1MB, 512KB or 100MB',
};
export const booleanKind: ValueKind<boolean> = { parse: parseBoolean, expected: 'true or false' };
export const positiveIntKind: ValueKind<number> = { parse: parsePositiveInt, expected: 'a whole number above 0' };
export const textKind: ValueKind<string> = { parse: (text) => text, expected: 'text' };
export const optionalTextKind: ValueKind<string | undefined> = {
  parse: (text) => (text === '' ? undefined : text),
  expected: 'text',
};
export const portKind: ValueKind<number> = {
  parse: (text) => {
    const port = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
    return Number.isInteger(port) && port >= 0 && port <= 65535 ? port : undefined;
  },
  expected: 'a TCP port from 0 to 65535',
};
export const percentKind: ValueKind<number> = {
  parse: (text) => {
    const value = Number(text.trim().replace(/%$/, ''));
    return text.trim() !== '' && Number.isInteger(value) && value > 0 && value <= 100 ? value : undefined;
  },
  expected: 'a whole percentage from 1 to 100, such as 50%',
};
export const urlKind: ValueKind<string | undefined> = {
  parse: (text) => {
    if (text === '') return undefined;
    try {
      const url = new URL(text);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
    } catch {
      return undefined;
    }
  },
  expected: 'an http:// or https:// URL such as https://sl1.example.com/api/alert',
};

/** Bounded so the in-memory list stays small: each entry holds at most ~2 KB. */
export const recentAlertsKind: ValueKind<number> = {
  parse: (text) => {
    const value = parsePositiveInt(text);
    return value !== undefined && value <= 10_000 ? value : undefined;
  },
  expected: 'a whole number from 1 to 10000',
};

export const redisUrlKind: ValueKind<string | undefined> = {
  parse: (text) => {
    if (text.trim() === '') return undefined;
    try {
      const url = new URL(text.trim());
      return url.protocol === 'redis:' || url.protocol === 'rediss:' ? url.toString() : undefined;
    } catch {
      return undefined;
    }
  },
  expected: 'a redis:// or rediss:// URL such as redis://redis.example.com:6379/0',
};

export const workersKind: ValueKind<number | 'auto'> = {
  parse: (text) => (text.trim().toLowerCase() === 'auto' ? 'auto' : parsePositiveInt(text)),
  expected: 'auto or a whole number above 0',
};

export function oneOf<const T extends string>(...words: readonly T[]): ValueKind<T> {
  return {
    parse: (text) => words.find((word) => word === text.trim().toLowerCase()),
    expected: `one of ${words.join(', ')}`,
  };
}

function setting<T>(kind: ValueKind<T>, defaultValue: T, doc: string, extra: Partial<SettingSpec<T>> = {}): SettingSpec<T> {
  return { kind, defaultValue, doc, ...extra };
}

export const SETTINGS_SPEC = {
  server_port: setting(portKind, 8080, 'Port GenHook listens on.'),
  server_host: setting(textKind, '0.0.0.0', 'Address GenHook binds to; 127.0.0.1 keeps it local.'),
  ssl_enabled: setting(booleanKind, false, 'Serve HTTPS instead of HTTP (needs ssl_cert_path and ssl_key_path).'),
  ssl_cert_path: setting(optionalTextKind, undefined, 'PEM certificate chain for HTTPS.'),
  ssl_key_path: setting(optionalTextKind, undefined, 'PEM private key for HTTPS.'),

  sl1_api_url: setting(urlKind, undefined, "Full URL of SL1's alert resource (https://sl1/api/alert); unset means log mode: alerts are logged, not sent."),
  sl1_username: setting(optionalTextKind, undefined, 'SL1 user for HTTP Basic auth.'),
  sl1_password: setting(optionalTextKind, undefined, 'SL1 password; better set as GENHOOK_SL1_PASSWORD.', { isSecret: true }),
  sl1_timeout: setting(durationKind, 30_000, 'Time one SL1 request may take before it counts as failed and is retried.'),
  sl1_auth_retry_interval: setting(durationOrOffKind, 900_000, 'After SL1 refused the credentials (401/403) and delivery paused, how long until one alert tries them again; 0 = only after a reload or POST /admin/delivery/resume.'),
  sl1_aligned_resource: setting(textKind, '/api/organization/0', 'Default aligned_resource of every alert (an organization or device); <source>_aligned_resource overrides it.'),

  max_worker_threads: setting(positiveIntKind, 50, 'Deliveries to SL1 in flight at once, across all sources.', { aliases: ['max_threads'] }),
  queue_max_size: setting(positiveIntKind, 10_000, 'Alerts that may wait for SL1; when full, webhooks get 503 with Retry-After.', { aliases: ['queue_size'] }),
  queue_max_bytes: setting(sizeKind, 64 * 1024 ** 2, 'Bytes of alerts (message and fields) that may wait in memory for SL1; past it webhooks get 503 with Retry-After, and alerts recovered from the journal beyond it wait there.'),
  processing_timeout: setting(durationKind, 60_000, 'Upper bound for one delivery attempt end to end.', { aliases: ['thread_timeout'] }),
  retry_max_attempts: setting(positiveIntKind, 3, 'Most SL1 requests one alert ever gets (retries and breaker/auth probes included) before it is dead-lettered.', { aliases: ['sl1_retry_attempts'] }),
  retry_base_delay: setting(durationKind, 1000, 'First retry delay; it doubles each attempt, with jitter.'),
  retry_max_delay: setting(durationKind, 60_000, 'Longest delay between two attempts.'),
  max_alert_age: setting(durationKind, 3_600_000, 'How long an alert may wait for SL1 in all before it is dead-lettered as expired.'),
  shutdown_grace_period: setting(durationOrOffKind, 30_000, 'On SIGTERM, time to drain queued alerts before exiting (the rest stay journaled).'),

  breaker_error_threshold: setting(percentKind, 50, 'Failure rate of SL1 calls that opens the circuit breaker.'),
  breaker_volume_threshold: setting(positiveIntKind, 5, 'Calls in the window before the breaker may open.'),
  breaker_window: setting(durationKind, 10_000, 'Rolling window over which the failure rate is measured.'),
  breaker_reset_timeout: setting(durationKind, 5000, 'How long the breaker stays open before a probe is let through.'),

  data_dir: setting(textKind, './data', 'Folder for the journal and, by default, the dead-letter file; created on start.'),
  dead_letter_file: setting(optionalTextKind, undefined, 'Dead-letter file path (default: dead-letter.jsonl inside data_dir).'),
  journal_mode: setting(oneOf('fsync', 'write', 'off'), 'fsync', 'fsync: every 2xx is on disk first (default); write: OS cache only; off: no journal (alerts can be lost on crash).'),

  redis_url: setting(redisUrlKind, undefined, 'Redis shared by every replica (redis://host:6379/0, rediss:// for TLS); unset means this GenHook queues in its own journal. Better set as GENHOOK_REDIS_URL when it holds a password.', { isSecret: true }),
  redis_prefix: setting(textKind, 'genhook:', 'Prefix of every Redis key GenHook uses; replicas of one GenHook must share it.'),
  redis_claim_idle: setting(durationKind, 30_000, 'An alert a replica held this long without a sign of life (it died or froze) is taken over by another replica.'),
  workers: setting(workersKind, 1, 'Processes serving the one port (auto: one per CPU core); more than 1 needs redis_url.'),

  log_level: setting(oneOf('trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'), 'info', 'Lowest level logged.'),
  log_file: setting(optionalTextKind, undefined, 'Write JSON logs to this file (rotated) instead of stdout.'),
  log_max_size: setting(sizeKind, 100 * 1024 ** 2, 'Rotate log_file when it reaches this size.'),
  log_rotation: setting(oneOf('daily', 'hourly', 'none'), 'daily', 'Also rotate log_file on this schedule.'),
  log_max_files: setting(positiveIntKind, 10, 'Rotated log files kept besides the active one; older ones are deleted.'),
  log_pretty: setting(oneOf('auto', 'true', 'false'), 'auto', 'Human-readable logs; auto means when stdout is a terminal.'),

  missing_value: setting(textKind, '', 'Text rendered for a field the payload lacks (or holds null).'),
  message_max_length: setting(positiveIntKind, 8192, 'Longest SL1 message in characters; a longer one is cut and ends in … (a payload field cannot grow an alert without bound).'),
  message_control_characters: setting(oneOf('replace', 'keep'), 'replace', 'replace: control characters other than newline and tab in the SL1 message become U+FFFD (CR line ends become newlines); keep: sent as the payload had them.'),
  max_body_size: setting(sizeKind, 1024 ** 2, 'Largest webhook body accepted; larger ones get 413.'),
  max_json_depth: setting(positiveIntKind, 64, 'Deepest JSON nesting accepted; deeper bodies get 400.'),
  dedup_window: setting(durationKind, 86_400_000, 'A provider delivery id seen again within this window gets 200 duplicate and no alert.'),
  dedup_max_entries: setting(positiveIntKind, 100_000, 'Delivery ids remembered at most (oldest forgotten first).'),
  trusted_proxies: setting(textKind, '', 'Comma-separated proxy addresses/CIDRs whose X-Forwarded-For is believed.'),
  admin_token: setting(optionalTextKind, undefined, 'Bearer token for /admin endpoints; unset turns them off.', { isSecret: true }),
  recent_alerts: setting(recentAlertsKind, 100, 'Alerts kept in memory (with their outcome) for the console and GET /admin/alerts/recent; at most 10000.'),
  sns_cert_dir: setting(optionalTextKind, undefined, "Folder of AWS SNS signing certificates placed ahead of time, each named by its SigningCertURL's file name (SimpleNotificationService-....pem); when set, certificates are read only from here and never fetched."),
  sns_auto_confirm: setting(booleanKind, false, 'Confirm AWS SNS subscriptions by calling their SubscribeURL (an outbound request).'),
  watch_config: setting(booleanKind, true, 'Reload webhooks.ini and settings.ini when they change on disk.'),
} as const;

export type SettingsKey = keyof typeof SETTINGS_SPEC;
type SpecValue<S> = S extends SettingSpec<infer T> ? T : never;
export type GlobalSettings = { readonly [K in SettingsKey]: SpecValue<(typeof SETTINGS_SPEC)[K]> };

/**
 * Per-source keys, written `<source>_<suffix>` (`github_secret`, `shopify_max_concurrent`).
 * Values stay text here; the stage that uses them validates them (compileSource in compile-source.ts).
 */
export const SOURCE_SETTING_DOCS = {
  max_concurrent: 'Deliveries of this source in flight at once (within max_worker_threads).',
  dedup: 'What makes a request a duplicate within dedup_window: id (the delivery id), body (a digest of the raw body) or both; default both when the source has a secret, id otherwise.',
  provider: 'Built-in provider rules this source follows when its name is not the provider name (github-enterprise_provider = github).',
  secret: 'Signing secret, token or shared secret; a source with a secret never accepts an unsigned request.',
  secret_previous: 'A second accepted secret, for rotation.',
  signature: "Verification scheme when not the provider's default: github, github-sha1, stripe, slack, shopify, meraki, sns, bearer, basic, none, or hmac-ALGO:HEADER:ENCODING[:PREFIX].",
  signature_tolerance: 'How old a signed timestamp may be (a duration): Stripe and Slack default 5m; AWS SNS defaults to dedup_window, so a replay older than what dedup remembers is refused.',
  username: 'User name for the basic signature scheme.',
  rate_limit: 'Requests allowed per window, such as 100/1m or 100 per 5 minutes (the window is a duration); more get 429 with Retry-After. With a secret, only verified requests count, and each client address may fail verification as often before it gets 429 too_many_failed_verifications.',
  allow_ips: 'Comma-separated addresses/CIDRs (IPv4 and IPv6) allowed to post to this source.',
  enabled: 'false answers 200 ignored for this source without removing its lines.',
  aligned_resource: "SL1 aligned_resource for this source's alerts (/api/organization/ID or /api/device/ID); a template like the SL1 fields.",
  event: 'Where the event is, overriding the provider: a path in the item (status), ^path in the whole body, or header:NAME; several separated by commas, the first usable wins.',
  split: 'Path of an array in the body; each element becomes one alert (the line, event and id read the element, $^path$ the whole body).',
  id: 'Delivery id (dedup key and alert id) of each item: a path, ^path or header:NAME, as for <source>_event.',
  sl1_: 'SL1 alert field for this source, as a template: aligned_resource, force_ytype, force_yid, force_yname, value, threshold or message_time (meraki_sl1_aligned_resource = $deviceSerial|lookup:devices$); any other name is an error.',
} as const;

export type SourceSettingSuffix = keyof typeof SOURCE_SETTING_DOCS;
