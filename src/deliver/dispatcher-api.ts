/** What the rest of GenHook sees of delivery: offer alerts, read the counts, pause, drain, reconfigure, close. */
import type { Alert } from '../alert.js';
import type { AuthPauseState, AuthResetReason } from './auth-pause.js';
import type { BreakerState } from './breaker.js';
import type { DispatcherOptions } from './dispatcher-options.js';
import type { Reconfiguration } from './options-diff.js';
import type { FullBy, Reservation, SourceStats } from './queue-room.js';

export type { FullBy, Reservation, SourceStats } from './queue-room.js';

/** What an alert taken over from another holder brings along: its SL1 requests so far and when it may go again. */
export interface PriorProgress {
  readonly attempts: number;
  /** Epoch ms. */
  readonly notBefore: number;
}

export interface Dispatcher {
  /**
   * False when full (`queueMaxSize` or `queueMaxBytes` held: waiting + in flight + reserved) or closed: answer 503 + Retry-After.
   * `priorProgress`: attempts already made and the backoff set by an earlier holder (a replica this alert was taken over from).
   */
  offer(alert: Alert, priorProgress?: PriorProgress): boolean;
  /** Room for `n` more alerts of `bytes` in all (see `alertBytes`). */
  hasRoom(n?: number, bytes?: number): boolean;
  /** Which bound `n` alerts of `bytes` would cross, or undefined when they fit. */
  fullBy(n?: number, bytes?: number): FullBy | undefined;
  /** Sets room aside for `n` alerts of `bytes` in all, or undefined when there is none. */
  reserve(n?: number, bytes?: number): Reservation | undefined;
  /** Bytes held (waiting + in flight + reserved), as counted against `queueMaxBytes`. */
  readonly bytes: number;
  /** Called whenever an alert leaves (delivered, logged, dead-lettered): room may have freed. */
  onRoom(listener: () => void): void;
  /** Alerts waiting (not in flight). */
  readonly size: number;
  readonly inFlight: number;
  perSource(): Record<string, SourceStats>;
  readonly breakerState: BreakerState;
  /** Whether SL1 has accepted the credentials, and the pause after a 401/403 (see auth-pause.ts). */
  readonly authState: AuthPauseState;
  /**
   * Ends an SL1 auth pause (an operator's resume, SIGHUP, POST /admin/reload): the credentials count as
   * unverified again, so one alert goes first and the rest follow once SL1 accepts it.
   */
  resumeAuth(reason?: AuthResetReason): void;
  /** Stops starting attempts (those in flight finish); held alerts still expire. */
  pause(): void;
  resume(): void;
  readonly isPaused: boolean;
  /** True once every accepted alert is delivered, logged or dead-lettered; false if `timeoutMs` passes or close() comes first. */
  drain(timeoutMs: number): Promise<boolean>;
  /**
   * Applies new options to the running dispatcher, checked exactly like {@link createDispatcher}'s (a bad
   * one throws and changes nothing). Give the full options: an omitted setting goes back to its default;
   * `logger`, `now` and `random` (wiring, not settings) stay when omitted. Nothing queued is dropped.
   * - url, username, password, maxConcurrent (pool size), processingTimeoutMs: new sends go through a new
   *   SL1 client at once; the old pool closes once its requests in progress settle, none is aborted.
   * - retryMaxAttempts, backoff, maxRetryAfterMs, maxAlertAgeMs: the next decision about every alert,
   *   waiting ones included, uses them; a planned retry time stays as planned.
   * - breaker, url, processingTimeoutMs: a fresh closed breaker replaces the old one, open or not.
   * - maxConcurrent, perSourceConcurrency: live; lowering one lets attempts in flight finish, and no new one
   *   starts until the count is below the new limit. queueMaxSize: later offers are checked against it.
   * - url unset: log mode; alerts waiting are logged when a worker takes them. url set: SL1 mode.
   * - url, username, password: the credentials are unverified again (one alert first) and an auth pause ends.
   * - authRetryIntervalMs: the next probe of a running auth pause follows it.
   * After close() it does nothing.
   */
  reconfigure(options: DispatcherOptions): Reconfiguration;
  /** Aborts requests in flight, stops timers, destroys the pool. Alerts not finished stay in the journal. */
  close(): Promise<void>;
}
