import type { Alert } from '../alert.js';
import { backoffDelay } from './backoff.js';
import { createBreaker, isBreakerOpenError, type Breaker, type BreakerState } from './breaker.js';
import { classifyError, classifyResponse, type Outcome } from './classify.js';
import { AlertExpiredError, DeliveryFailure } from './errors.js';
import type { DeadLetterReason, DeliveryLogger, DispatcherHooks, ResolvedOptions } from './dispatcher-options.js';
import type { Sl1Client, Sl1Response } from './sl1-client.js';

/** One accepted alert and what its attempts so far have taught us. */
export interface Entry {
  readonly alert: Alert;
  readonly log: DeliveryLogger;
  readonly expiresAt: number;
  attempts: number;
  firstAttemptAt: number | undefined;
  lastAttemptAt: number | undefined;
  /** Backoff: no attempt before this (injected clock). */
  notBefore: number;
  /** Breaker generation in which the breaker turned this alert away; it waits for the next one. */
  blockedGen: number;
  last: { status?: number; bodyExcerpt?: string; em7Headers?: Readonly<Record<string, string>> };
}

/** What one trip through the queues produced. `held`: not attempted (paused, breaker open), go back and wait. */
export type Turn =
  | { readonly kind: 'delivered'; readonly status: number; readonly durationMs: number }
  | { readonly kind: 'held'; readonly rejected: boolean }
  | { readonly kind: 'expired' }
  | { readonly kind: 'closed' }
  | { readonly kind: 'failed'; readonly failure: DeliveryFailure; readonly isProbe: boolean };

export type Readiness = 'ready' | 'expired' | 'closed';

/**
 * The per-attempt half of the dispatcher: the gate an alert passes before each attempt (pause, breaker,
 * backoff, expiry), the SL1 call itself, and the hooks and log lines about it. Queues and counts live in
 * dispatcher.ts.
 */
export class AttemptRunner {
  readonly breaker: Breaker;
  readonly #o: ResolvedOptions;
  readonly #hooks: DispatcherHooks;
  readonly #signal: AbortSignal;
  readonly #sl1: Sl1Client | undefined;
  readonly #onInFlight: (entry: Entry, delta: number) => void;
  readonly #waiters = new Set<() => void>();
  #paused = false;
  /** Bumped on every breaker transition; see Entry.blockedGen. */
  #gen = 0;
  /** The one held alert let through per half-open period (others wait, so a probe does not become a stampede). */
  #probeHolder: Entry | undefined;

  constructor(
    options: ResolvedOptions,
    hooks: DispatcherHooks,
    signal: AbortSignal,
    io: { sl1: Sl1Client | undefined; onInFlight: (entry: Entry, delta: number) => void },
  ) {
    this.#o = options;
    this.#hooks = hooks;
    this.#signal = signal;
    this.#sl1 = io.sl1;
    this.#onInFlight = io.onInFlight;
    this.breaker = createBreaker(options.breaker, (state) => this.#onBreakerState(state));
  }

  get isPaused(): boolean {
    return this.#paused;
  }

  setPaused(paused: boolean): void {
    this.#paused = paused;
    this.#o.logger.info({ paused }, paused ? 'delivery paused' : 'delivery resumed');
    this.wakeAll();
  }

  createEntry(alert: Alert): Entry {
    const log = this.#o.logger.child({ reqId: alert.requestId, alertId: alert.id, source: alert.source, event: alert.event });
    return {
      alert, log, expiresAt: alert.receivedAt + this.#o.maxAlertAgeMs,
      attempts: 0, firstAttemptAt: undefined, lastAttemptAt: undefined, notBefore: 0, blockedGen: -1, last: {},
    };
  }

  /** Wakes every alert waiting in awaitTurn so it re-checks its conditions. */
  wakeAll(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves when the alert may be attempted, has expired, or the dispatcher closed. */
  async awaitTurn(entry: Entry): Promise<Readiness> {
    for (;;) {
      if (this.#signal.aborted) return 'closed';
      const now = this.#o.now();
      if (now >= entry.expiresAt) return 'expired';
      let waitMs: number;
      const state = this.breaker.state;
      if (this.#paused || state === 'open' || (entry.blockedGen === this.#gen && state !== 'closed')) waitMs = Number.POSITIVE_INFINITY;
      else if (entry.notBefore > now) waitMs = entry.notBefore - now;
      else if (state === 'half_open' && this.#probeHolder !== undefined && this.#probeHolder !== entry) {
        waitMs = Number.POSITIVE_INFINITY;
      } else {
        if (state === 'half_open') this.#probeHolder = entry;
        return 'ready';
      }
      // Capped so held alerts notice expiry by the injected clock even when nothing else happens.
      await this.#sleep(Math.min(waitMs, entry.expiresAt - now, this.#o.expiryCheckIntervalMs));
    }
  }

  /** Runs in a global slot: one real attempt, or a quick `held`/`expired`/`closed` without touching SL1. */
  async attempt(entry: Entry): Promise<Turn> {
    if (this.#signal.aborted) return { kind: 'closed' };
    if (this.#o.now() >= entry.expiresAt) return { kind: 'expired' };
    if (this.#paused || this.breaker.state === 'open') return { kind: 'held', rejected: false };
    this.#onInFlight(entry, 1);
    try {
      const response = await this.breaker.run((isProbe) => this.#send(entry, isProbe));
      return { kind: 'delivered', status: response.status, durationMs: response.durationMs };
    } catch (err) {
      if (isBreakerOpenError(err)) {
        entry.blockedGen = this.#gen;
        return { kind: 'held', rejected: true };
      }
      if (err instanceof DeliveryFailure) return { kind: 'failed', failure: err, isProbe: err.isProbe };
      if (this.#signal.aborted) return { kind: 'closed' };
      throw err;
    } finally {
      this.#onInFlight(entry, -1);
    }
  }

  /** After each trip: the probe token goes back; if it was never used, another held alert may take it. */
  releaseProbe(entry: Entry, turn: Turn): void {
    if (this.#probeHolder !== entry) return;
    this.#probeHolder = undefined;
    if (turn.kind === 'expired' || (turn.kind === 'held' && !turn.rejected)) this.wakeAll();
  }

  /** p-retry's shouldRetry: sets the backoff (or Retry-After) and reports it. */
  async planRetry(entry: Entry, error: Error, retryNumber: number): Promise<boolean> {
    if (!(error instanceof DeliveryFailure) || error.outcome.kind !== 'retryable') return false;
    if (this.#signal.aborted) return false; // closing: the failure was our own abort
    const backoff = backoffDelay(retryNumber, { ...this.#o.backoff, random: this.#o.random });
    const delayMs = Math.max(backoff, error.outcome.retryAfterMs ?? 0);
    entry.notBefore = this.#o.now() + delayMs;
    entry.log.info({ outcome: 'retry', attempt: entry.attempts, delayMs, reason: error.outcome.reason }, 'SL1 delivery will be retried');
    await this.#call('onRetry', { alert: entry.alert, attempt: entry.attempts, delayMs, reason: error.outcome.reason });
    return true;
  }

  async finishDelivered(entry: Entry, turn: { status: number; durationMs: number }): Promise<void> {
    await this.#call('onDelivered', {
      alert: entry.alert, attempts: entry.attempts, status: turn.status, durationMs: turn.durationMs,
      firstAttemptAt: entry.firstAttemptAt ?? this.#o.now(),
    });
  }

  async finishDeadLetter(entry: Entry, err: unknown): Promise<void> {
    let reason: DeadLetterReason = 'permanent';
    let isAuth = false;
    if (err instanceof AlertExpiredError) reason = 'expired';
    else if (err instanceof DeliveryFailure && err.outcome.kind === 'retryable') reason = 'retries_exhausted';
    else if (err instanceof DeliveryFailure && err.outcome.kind === 'permanent') isAuth = err.outcome.isAuth;
    else entry.log.error({ err }, 'unexpected delivery error; dead-lettering the alert');
    const message = err instanceof Error ? err.message : String(err);
    entry.log.warn({ outcome: 'dead_letter', reason, attempts: entry.attempts, status: entry.last.status, error: message }, 'alert dead-lettered');
    await this.#call('onDeadLetter', {
      alert: entry.alert, reason, attempts: entry.attempts, firstAttemptAt: entry.firstAttemptAt,
      lastAttemptAt: entry.lastAttemptAt, ...entry.last, isAuth, error: message,
    });
  }

  /** Log mode (no sl1_api_url): the alert becomes one log line and is released. */
  async logInstead(entry: Entry): Promise<void> {
    const { message, fields } = entry.alert;
    entry.log.info({ delivered: false, message, fields }, 'alert (log mode, not delivered)');
    await this.#call('onLogged', { alert: entry.alert });
  }

  async #send(entry: Entry, isProbe: boolean): Promise<Sl1Response> {
    const sl1 = this.#sl1;
    if (sl1 === undefined) throw new Error('no SL1 client in log mode');
    const at = this.#o.now();
    entry.attempts++;
    entry.firstAttemptAt ??= at;
    entry.lastAttemptAt = at;
    await this.#call('onAttempt', { alert: entry.alert, attempt: entry.attempts });
    const started = performance.now();
    let outcome: Outcome;
    let response: Sl1Response | undefined;
    try {
      response = await sl1.send(entry.alert, this.#signal);
      outcome = classifyResponse(response.status, response.headers, { now: this.#o.now(), maxRetryAfterMs: this.#o.maxRetryAfterMs });
      entry.last = { status: response.status, bodyExcerpt: response.bodyExcerpt, em7Headers: response.em7Headers };
    } catch (err) {
      outcome = classifyError(err);
      entry.last = {};
    }
    const durationMs = response?.durationMs ?? performance.now() - started;
    await this.#call('onSl1Response', { status: response?.status ?? 0, durationMs });
    this.#logOutcome(entry, outcome, durationMs, isProbe);
    if (outcome.kind === 'delivered' && response !== undefined) return response;
    throw new DeliveryFailure(outcome as Exclude<Outcome, { kind: 'delivered' }>, isProbe);
  }

  #logOutcome(entry: Entry, outcome: Outcome, durationMs: number, isProbe: boolean): void {
    const fields = { outcome: outcome.kind, attempt: entry.attempts, isProbe, durationMs: Math.round(durationMs), ...entry.last };
    delete fields.bodyExcerpt; // payload echo: kept for the dead-letter file, not for every log line
    if (fields.em7Headers !== undefined && Object.keys(fields.em7Headers).length === 0) delete fields.em7Headers;
    if (outcome.kind === 'delivered') entry.log.info(fields, 'alert delivered to SL1');
    else if (outcome.kind === 'retryable') entry.log.warn({ ...fields, reason: outcome.reason }, 'SL1 attempt failed');
    else if (outcome.isAuth) {
      entry.log.error({ ...fields, reason: outcome.reason, check: ['sl1_username', 'sl1_password'] },
        'SL1 refused the credentials: check sl1_username and sl1_password (not retried, so the account is not locked)');
    } else entry.log.warn({ ...fields, reason: outcome.reason }, 'SL1 rejected the alert; not retried');
  }

  #onBreakerState(state: BreakerState): void {
    this.#gen++;
    this.#probeHolder = undefined;
    const log = state === 'open' ? 'warn' : 'info';
    this.#o.logger[log]({ breaker: state }, `SL1 circuit breaker ${state}`);
    void this.#call('onBreakerState', state);
    this.wakeAll();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, ms));
      this.#waiters.add(wake);
    });
  }

  async #call<K extends keyof DispatcherHooks>(name: K, event: Parameters<NonNullable<DispatcherHooks[K]>>[0]): Promise<void> {
    const hook = this.#hooks[name] as ((e: typeof event) => void | Promise<void>) | undefined;
    if (hook === undefined) return;
    try {
      await hook.call(this.#hooks, event);
    } catch (err) {
      this.#o.logger.error({ err, hook: name }, `dispatcher hook ${name} failed`);
    }
  }
}
