import type { Alert } from '../alert.js';
import type { DeadLetterReason } from '../dead-letter/dead-letter-file.js';
import type { BackoffOptions } from './backoff.js';
import type { AuthPauseState, AuthPauseStore } from './auth-pause.js';
import type { BreakerOptions, BreakerState } from './breaker.js';
import { assertNonNegative, assertPositiveInteger, describeExpected, DeliveryOptionError } from './errors.js';

/** The part of pino the dispatcher uses; a pino logger fits as is. */
export interface DeliveryLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: Record<string, unknown>): DeliveryLogger;
  /** pino's; when present, an alert's child logger is only made for a line at an enabled level. */
  isLevelEnabled?(level: string): boolean;
}

/**
 * @example
 * ```
 * createDispatcher({ url: 'https://sl1.example.com/api/alert', username: 'genhook', password: 's3cret',
 *   perSourceConcurrency: { github: 5 } }, { onDeadLetter: writeDeadLetter });
 * ```
 */
export interface DispatcherOptions {
  /** Full URL of SL1's /api/alert. Undefined: log mode, alerts are logged and not sent. */
  readonly url?: string | undefined;
  /** @default '' */
  readonly username?: string;
  /** @default '' */
  readonly password?: string;
  /** Attempts in flight to SL1 at once, all sources together; also the keep-alive pool size. @default 50 */
  readonly maxConcurrent?: number;
  /** Attempts in flight per source; a source not named here is limited only by `maxConcurrent`. @default {} */
  readonly perSourceConcurrency?: Readonly<Record<string, number>>;
  /** Alerts held at once, waiting plus in flight plus reserved; `offer` refuses beyond it. @default 10000 */
  readonly queueMaxSize?: number;
  /**
   * Bytes of alerts held at once (see `alertBytes`), waiting plus in flight plus reserved; `offer` refuses beyond it,
   * except that an empty dispatcher always takes one alert, so an alert bigger than the bound is not stuck forever.
   * @default 67108864 (64 MiB)
   */
  readonly queueMaxBytes?: number;
  /** Bound on one attempt, connect to last byte of the answer. @default 10000 */
  readonly processingTimeoutMs?: number;
  /** Real attempts per alert before it is dead-lettered as `retries_exhausted`. @default 3 */
  readonly retryMaxAttempts?: number;
  /** Backoff between attempts; `random` is taken from the `random` option. @default { baseMs: 1000, maxMs: 30000, jitter: 'equal' } */
  readonly backoff?: Omit<BackoffOptions, 'random'>;
  /** Longest `Retry-After` honoured. @default 60000 */
  readonly maxRetryAfterMs?: number;
  /** Age (now - alert.receivedAt) past which an alert is dead-lettered as `expired`. @default 3600000 */
  readonly maxAlertAgeMs?: number;
  /** How often alerts held by a pause or an open breaker are checked for expiry. @default 1000 */
  readonly expiryCheckIntervalMs?: number;
  /** Circuit breaker settings, or `false` for none. @default {} (the breaker's own defaults) */
  readonly breaker?: BreakerOptions | false;
  /**
   * After SL1 refused the credentials (401/403), how long until one probe may try them again; 0 means only
   * after new credentials or {@link Dispatcher.resumeAuth}. @default 900000 (15 minutes)
   */
  readonly authRetryIntervalMs?: number;
  /** Where the SL1 auth pause lives (wiring: replicas may share one). @default a store in memory */
  readonly authPause?: AuthPauseStore;
  /** Epoch ms. @default Date.now */
  readonly now?: () => number;
  /** Uniform in [0, 1), for backoff jitter. @default Math.random */
  readonly random?: () => number;
  /** @default a logger that drops everything */
  readonly logger?: DeliveryLogger;
  /**
   * Leases that hold a source's perSourceConcurrency across every GenHook sharing one Redis; without them
   * the limit holds in this process only. Wiring, not a setting. @default undefined
   */
  readonly sourceLeases?: SourceLeases | undefined;
}

/** A lease per delivery of a limited source, shared by replicas; a holder that dies loses its lease when it expires. */
export interface SourceLeases {
  /** Resolves once one of the source's `limit` leases is this attempt's (or `signal` aborted: then `release` does nothing). */
  acquire(source: string, limit: number, signal: AbortSignal): Promise<{ release(): void }>;
}

/** Defined once, with the dead-letter file that records it (deliver → dead-letter is the pipeline's direction). */
export type { DeadLetterReason };

export interface DeadLetterEvent {
  readonly alert: Alert;
  readonly reason: DeadLetterReason;
  /** Real attempts made (breaker rejections are not attempts). */
  readonly attempts: number;
  /** Undefined when the alert expired before any attempt. */
  readonly firstAttemptAt: number | undefined;
  readonly lastAttemptAt: number | undefined;
  /** Status of the last SL1 answer; undefined when the last attempt got none. */
  readonly status?: number;
  readonly bodyExcerpt?: string;
  readonly em7Headers?: Readonly<Record<string, string>>;
  /** 401/403: the credentials were refused. */
  readonly isAuth: boolean;
  /** Human explanation of the last failure, for the dead-letter file. */
  readonly error: string;
}

/** All optional; async ones are awaited. An alert counts as done only once onDelivered/onDeadLetter/onLogged resolved. */
export interface DispatcherHooks {
  onAttempt?(event: { readonly alert: Alert; readonly attempt: number }): void | Promise<void>;
  onDelivered?(event: {
    readonly alert: Alert;
    readonly attempts: number;
    readonly status: number;
    readonly durationMs: number;
    readonly firstAttemptAt: number;
  }): void | Promise<void>;
  onRetry?(event: { readonly alert: Alert; readonly attempt: number; readonly delayMs: number; readonly reason: string }): void | Promise<void>;
  onDeadLetter?(event: DeadLetterEvent): void | Promise<void>;
  /** Every SL1 answer, for metrics; status 0 when none came (network error, timeout). */
  onSl1Response?(event: { readonly status: number; readonly durationMs: number }): void | Promise<void>;
  onBreakerState?(state: BreakerState): void | Promise<void>;
  /** The SL1 auth pause changed (paused, probing, resumed). */
  onAuthState?(state: AuthPauseState): void | Promise<void>;
  /** Log mode only: the alert was written to the log instead of SL1. */
  onLogged?(event: { readonly alert: Alert }): void | Promise<void>;
}

export interface ResolvedOptions {
  readonly url: string | undefined;
  readonly username: string;
  readonly password: string;
  readonly maxConcurrent: number;
  readonly perSourceConcurrency: ReadonlyMap<string, number>;
  readonly queueMaxSize: number;
  readonly queueMaxBytes: number;
  readonly processingTimeoutMs: number;
  readonly retryMaxAttempts: number;
  readonly backoff: Omit<BackoffOptions, 'random'>;
  readonly maxRetryAfterMs: number;
  readonly maxAlertAgeMs: number;
  readonly expiryCheckIntervalMs: number;
  readonly breaker: BreakerOptions | false;
  readonly authRetryIntervalMs: number;
  readonly authPause: AuthPauseStore | undefined;
  readonly now: () => number;
  readonly random: () => number;
  readonly logger: DeliveryLogger;
  readonly sourceLeases: SourceLeases | undefined;
}

const silentLogger: DeliveryLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

/** Checked once, at construction, so a bad value fails at startup and names itself. */
export function resolveDispatcherOptions(options: DispatcherOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    url: options.url,
    username: options.username ?? '',
    password: options.password ?? '',
    maxConcurrent: options.maxConcurrent ?? 50,
    perSourceConcurrency: new Map(Object.entries(options.perSourceConcurrency ?? {})),
    queueMaxSize: options.queueMaxSize ?? 10_000,
    queueMaxBytes: options.queueMaxBytes ?? 64 * 1024 ** 2,
    processingTimeoutMs: options.processingTimeoutMs ?? 10_000,
    retryMaxAttempts: options.retryMaxAttempts ?? 3,
    backoff: options.backoff ?? {},
    maxRetryAfterMs: options.maxRetryAfterMs ?? 60_000,
    maxAlertAgeMs: options.maxAlertAgeMs ?? 3_600_000,
    expiryCheckIntervalMs: options.expiryCheckIntervalMs ?? 1000,
    breaker: options.breaker ?? {},
    authRetryIntervalMs: options.authRetryIntervalMs ?? 900_000,
    authPause: options.authPause,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
    logger: options.logger ?? silentLogger,
    sourceLeases: options.sourceLeases,
  };
  assertPositiveInteger('maxConcurrent', resolved.maxConcurrent);
  assertPositiveInteger('queueMaxSize', resolved.queueMaxSize);
  assertPositiveInteger('queueMaxBytes', resolved.queueMaxBytes);
  assertPositiveInteger('processingTimeoutMs', resolved.processingTimeoutMs);
  assertPositiveInteger('retryMaxAttempts', resolved.retryMaxAttempts);
  assertPositiveInteger('maxAlertAgeMs', resolved.maxAlertAgeMs);
  assertPositiveInteger('expiryCheckIntervalMs', resolved.expiryCheckIntervalMs);
  assertNonNegative('maxRetryAfterMs', resolved.maxRetryAfterMs);
  assertNonNegative('authRetryIntervalMs', resolved.authRetryIntervalMs);
  for (const [source, limit] of resolved.perSourceConcurrency) {
    assertPositiveInteger(`perSourceConcurrency.${source}`, limit);
  }
  if (resolved.url !== undefined && typeof resolved.url !== 'string') {
    throw new DeliveryOptionError(describeExpected('url', 'a string or undefined', resolved.url));
  }
  return resolved;
}
