import type { BackoffOptions } from './backoff.js';
import type { BreakerOptions } from './breaker.js';
import type { ResolvedOptions } from './dispatcher-options.js';

/** Options that are settings; `now`, `random`, `logger`, `sourceLeases` and `authPause` are wiring and never count as a change. */
export type DeliverySetting = Exclude<keyof ResolvedOptions, 'now' | 'random' | 'logger' | 'sourceLeases' | 'authPause'>;

/**
 * What a {@link Dispatcher.reconfigure} changed: option names only, never values (the password is one).
 *
 * @example
 * ```
 * { changed: ['url', 'password'], isClientReplaced: true, isBreakerReset: true, mode: 'sl1' }
 * ```
 */
export interface Reconfiguration {
  readonly changed: readonly DeliverySetting[];
  /** A new SL1 client (pool) took over; the old one closes once its requests in progress settle. */
  readonly isClientReplaced: boolean;
  /** A fresh, closed breaker took over (whatever state the old one was in). */
  readonly isBreakerReset: boolean;
  readonly mode: 'sl1' | 'log';
  /** New credentials or a new SL1: they are unverified again (one probe first), and an auth pause ends. */
  readonly isAuthReset: boolean;
}

/** What an SL1 client is built from: a change to any of them needs a new pool. */
const CLIENT_SETTINGS = ['url', 'username', 'password', 'maxConcurrent', 'processingTimeoutMs'] as const satisfies readonly DeliverySetting[];

/**
 * The breaker's judgement is about one endpoint reached one way. New breaker options, a new URL (the old
 * one may have been the fault) or a new timeout (too short a timeout opens the breaker by itself) each
 * deserve a fresh, closed breaker rather than waiting out an open one. New credentials do not: 401/403
 * never count as breaker failures.
 */
const BREAKER_RESET_SETTINGS = ['breaker', 'url', 'processingTimeoutMs'] as const satisfies readonly DeliverySetting[];

/** SL1's verdict on credentials holds for those credentials at that SL1 only. */
const AUTH_RESET_SETTINGS = ['url', 'username', 'password'] as const satisfies readonly DeliverySetting[];

const COMPARED: Readonly<Record<DeliverySetting, (a: ResolvedOptions, b: ResolvedOptions) => boolean>> = {
  url: (a, b) => a.url === b.url,
  username: (a, b) => a.username === b.username,
  password: (a, b) => a.password === b.password,
  maxConcurrent: (a, b) => a.maxConcurrent === b.maxConcurrent,
  perSourceConcurrency: (a, b) => isSameMap(a.perSourceConcurrency, b.perSourceConcurrency),
  queueMaxSize: (a, b) => a.queueMaxSize === b.queueMaxSize,
  queueMaxBytes: (a, b) => a.queueMaxBytes === b.queueMaxBytes,
  processingTimeoutMs: (a, b) => a.processingTimeoutMs === b.processingTimeoutMs,
  retryMaxAttempts: (a, b) => a.retryMaxAttempts === b.retryMaxAttempts,
  backoff: (a, b) => isSameBackoff(a.backoff, b.backoff),
  maxRetryAfterMs: (a, b) => a.maxRetryAfterMs === b.maxRetryAfterMs,
  maxAlertAgeMs: (a, b) => a.maxAlertAgeMs === b.maxAlertAgeMs,
  expiryCheckIntervalMs: (a, b) => a.expiryCheckIntervalMs === b.expiryCheckIntervalMs,
  breaker: (a, b) => isSameBreaker(a.breaker, b.breaker),
  authRetryIntervalMs: (a, b) => a.authRetryIntervalMs === b.authRetryIntervalMs,
};

/** Pure: which settings differ, and so whether the client and the breaker must be replaced. */
export function diffDispatcherOptions(previous: ResolvedOptions, next: ResolvedOptions): Reconfiguration {
  const changed = (Object.keys(COMPARED) as DeliverySetting[]).filter((key) => !COMPARED[key](previous, next));
  const has = (keys: readonly DeliverySetting[]) => keys.some((key) => changed.includes(key));
  return {
    changed,
    isClientReplaced: has(CLIENT_SETTINGS) && (previous.url !== undefined || next.url !== undefined),
    isBreakerReset: has(BREAKER_RESET_SETTINGS),
    mode: next.url === undefined ? 'log' : 'sl1',
    isAuthReset: has(AUTH_RESET_SETTINGS),
  };
}

function isSameMap(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  return a.size === b.size && [...a].every(([key, value]) => b.get(key) === value);
}

function isSameBackoff(a: Omit<BackoffOptions, 'random'>, b: Omit<BackoffOptions, 'random'>): boolean {
  return a.baseMs === b.baseMs && a.maxMs === b.maxMs && a.jitter === b.jitter;
}

function isSameBreaker(a: BreakerOptions | false, b: BreakerOptions | false): boolean {
  if (a === false || b === false) return a === b;
  return (
    a.errorThresholdPercentage === b.errorThresholdPercentage &&
    a.volumeThreshold === b.volumeThreshold &&
    a.rollingWindowMs === b.rollingWindowMs &&
    a.resetTimeoutMs === b.resetTimeoutMs
  );
}
