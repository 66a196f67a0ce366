import type { Alert } from '../alert.js';
import {
  acquireAuth,
  createMemoryAuthPauseStore,
  decideAuth,
  settleAuth,
  type AuthPauseState,
  type AuthPauseStore,
  type AuthResetReason,
  type AuthResult,
  type AuthTicket,
} from './auth-pause.js';
import { backoffDelay } from './backoff.js';
import { createBreaker, isBreakerOpenError, type Breaker, type BreakerOptions, type BreakerState } from './breaker.js';
import { classifyError, classifyResponse, type Outcome } from './classify.js';
import { AlertExpiredError, DeliveryFailure } from './errors.js';
import type { DeadLetterReason, DeliveryLogger, DispatcherHooks, ResolvedOptions } from './dispatcher-options.js';
import type { Sl1Client, Sl1Response } from './sl1-client.js';
import { AlertEntry, NOTHING_YET, type Entry } from './entry.js';

export type { Entry } from './entry.js';

/**
 * What one trip through the queues produced. `held`: not attempted (paused, breaker open), go back and wait.
 * `log`: the dispatcher is in log mode now (sl1_api_url was unset by a reload), so the alert is logged instead.
 */
export type Turn =
  | { readonly kind: 'delivered'; readonly status: number; readonly durationMs: number }
  | { readonly kind: 'log' }
  | { readonly kind: 'held'; readonly rejected: boolean }
  | { readonly kind: 'expired' }
  | { readonly kind: 'closed' }
  | { readonly kind: 'failed'; readonly failure: DeliveryFailure; readonly isProbe: boolean };

export type Readiness = 'ready' | 'expired' | 'closed';

/** What {@link AttemptRunner.reconfigure} swaps; `breaker` only when a fresh one should take over. */
export interface RunnerUpdate {
  readonly options: ResolvedOptions;
  readonly sl1: Sl1Client | undefined;
  readonly breaker?: Breaker | undefined;
}

/** The auth-pause error line repeats at most this often (every refused probe would otherwise log one). */
const AUTH_PAUSE_LOG_INTERVAL_MS = 60_000;

/**
 * The per-attempt half of the dispatcher: the gate an alert passes before each attempt (pause, SL1 auth
 * pause, breaker, backoff, expiry), the SL1 call itself, and the hooks and log lines about it. Queues and counts live in
 * dispatcher.ts. Options, client and breaker are read at each decision, so a reload reaches alerts
 * already waiting.
 */
export class AttemptRunner {
  #breaker: Breaker;
  #o: ResolvedOptions;
  readonly #hooks: DispatcherHooks;
  readonly #signal: AbortSignal;
  #sl1: Sl1Client | undefined;
  readonly #onInFlight: (entry: Entry, delta: number) => void;
  readonly #waiters = new Set<() => void>();
  #paused = false;
  /** Bumped on every breaker transition; see Entry.blockedGen. */
  #gen = 0;
  /** The one held alert let through per half-open period (others wait, so a probe does not become a stampede). */
  #probeHolder: Entry | undefined;
  readonly #auth: AuthPauseStore;
  readonly #countWaiting: () => number;
  #authLoggedAt = Number.NEGATIVE_INFINITY;

  constructor(
    options: ResolvedOptions,
    hooks: DispatcherHooks,
    signal: AbortSignal,
    io: { sl1: Sl1Client | undefined; onInFlight: (entry: Entry, delta: number) => void; countWaiting: () => number },
  ) {
    this.#o = options;
    this.#hooks = hooks;
    this.#signal = signal;
    this.#sl1 = io.sl1;
    this.#onInFlight = io.onInFlight;
    this.#countWaiting = io.countWaiting;
    this.#breaker = this.createBreaker(options.breaker);
    this.#auth = options.authPause ?? createMemoryAuthPauseStore();
    const unsubscribe = this.#auth.subscribe((state, previous) => this.#onAuthState(state, previous));
    signal.addEventListener('abort', unsubscribe, { once: true });
  }

  get authState(): AuthPauseState {
    return this.#auth.read();
  }

  /** New credentials or an operator's word: the pause ends, and one probe goes before the rest. */
  resetAuth(reason: AuthResetReason): void {
    const before = this.#auth.read();
    this.#auth.apply({ type: 'reset', reason });
    if (before.phase === 'paused') {
      this.#o.logger.info(
        { reason, pausedSince: new Date(before.pausedAt ?? 0).toISOString() },
        reason === 'credentials'
          ? 'SL1 credentials changed: delivery resumes (one alert goes first to check them)'
          : 'SL1 auth pause lifted by an operator: delivery resumes (one alert goes first to check the credentials)',
      );
    }
  }

  get breaker(): Breaker {
    return this.#breaker;
  }

  /** A breaker that reports to this runner only while installed; built apart so a bad option fails before anything changes. */
  createBreaker(options: BreakerOptions | false): Breaker {
    const breaker: Breaker = createBreaker(options, (state) => {
      if (this.#breaker === breaker) this.#onBreakerState(state);
    });
    return breaker;
  }

  /**
   * From now on every decision uses `options` and sends through `sl1`. Alerts waiting keep their planned
   * time (backoff, Retry-After) but their expiry and next retry decision follow the new limits. A new
   * `breaker` replaces the old one, which is shut down with its state: an open breaker is gone at once and
   * the held alerts go to the new (closed) one; a probe still in flight finishes without deciding anything.
   */
  reconfigure(update: RunnerUpdate): void {
    const previousInterval = this.#o.authRetryIntervalMs;
    this.#o = update.options;
    if (update.options.authRetryIntervalMs !== previousInterval) {
      this.#auth.apply({ type: 'interval_changed', retryIntervalMs: update.options.authRetryIntervalMs });
    }
    this.#sl1 = update.sl1;
    const { breaker } = update;
    if (breaker !== undefined && breaker !== this.#breaker) {
      const previous = this.#breaker;
      this.#breaker = breaker;
      previous.shutdown();
      this.#gen++;
      this.#probeHolder = undefined;
      if (previous.state !== 'closed') {
        this.#o.logger.info({ breaker: 'closed', previous: previous.state }, 'SL1 circuit breaker replaced by a closed one (delivery settings reloaded)');
        void this.#call('onBreakerState', 'closed');
      }
    }
    this.wakeAll(); // every waiting alert re-checks its expiry, the mode and the breaker now
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
    return new AlertEntry(alert, this.#o.logger);
  }

  /**
   * awaitTurn's first check for a fresh alert, without waiting or side effects: true when it would be
   * 'ready' at once (SL1 mode, not paused, breaker closed, not expired), so the alert can wait as plain
   * data for a slot. attempt() checks all of it again once a slot takes the alert.
   */
  isReadyAtOnce(entry: Entry): boolean {
    if (this.#signal.aborted || this.#sl1 === undefined || this.#paused || this.breaker.state !== 'closed') return false;
    const now = this.#o.now();
    if (decideAuth(this.#auth.read(), now).kind !== 'send') return false;
    return now < this.#expiresAt(entry) && entry.notBefore <= now;
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
      const expiresAt = this.#expiresAt(entry);
      if (now >= expiresAt) return 'expired';
      // Log mode has no SL1 to pause for, back off from or protect: the worker logs the alert at once.
      if (this.#sl1 === undefined) return 'ready';
      let waitMs: number;
      const state = this.breaker.state;
      const auth = decideAuth(this.#auth.read(), now);
      if (this.#paused || state === 'open' || (entry.blockedGen === this.#gen && state !== 'closed')) waitMs = Number.POSITIVE_INFINITY;
      else if (auth.kind === 'wait') waitMs = auth.until === undefined ? Number.POSITIVE_INFINITY : auth.until - now;
      else if (entry.notBefore > now) waitMs = entry.notBefore - now;
      else if (state === 'half_open' && this.#probeHolder !== undefined && this.#probeHolder !== entry) {
        waitMs = Number.POSITIVE_INFINITY;
      } else {
        if (state === 'half_open') this.#probeHolder = entry;
        return 'ready';
      }
      // Capped so held alerts notice expiry by the injected clock even when nothing else happens.
      await this.#sleep(Math.min(waitMs, expiresAt - now, this.#o.expiryCheckIntervalMs));
    }
  }

  /** Runs in a global slot: one real attempt, or a quick `held`/`expired`/`closed` without touching SL1. */
  async attempt(entry: Entry): Promise<Turn> {
    if (this.#signal.aborted) return { kind: 'closed' };
    if (this.#o.now() >= this.#expiresAt(entry)) return { kind: 'expired' };
    if (this.#sl1 === undefined) return { kind: 'log' };
    if (this.#paused || this.breaker.state === 'open') return { kind: 'held', rejected: false };
    // Across replicas (redis_url) a limited source also needs one of its shared leases; this process's own
    // limit already holds, so waiting here keeps at most that many global slots.
    const limit = this.#o.perSourceConcurrency.get(entry.source);
    const lease = limit === undefined ? undefined : await this.#o.sourceLeases?.acquire(entry.source, limit, this.#signal);
    if (this.#signal.aborted) {
      lease?.release();
      return { kind: 'closed' };
    }
    const ticket = acquireAuth(this.#auth, this.#o.now());
    if ('kind' in ticket) {
      lease?.release();
      return { kind: 'held', rejected: false };
    }
    let isSent = false;
    this.#onInFlight(entry, 1);
    try {
      const response = await this.breaker.run((isProbe) => {
        isSent = true;
        return this.#send(entry, isProbe, ticket);
      });
      return { kind: 'delivered', status: response.status, durationMs: response.durationMs };
    } catch (err) {
      if (isBreakerOpenError(err)) {
        entry.blockedGen = this.#gen;
        return { kind: 'held', rejected: true };
      }
      if (err instanceof DeliveryFailure && err.outcome.kind === 'permanent' && err.outcome.isAuth) {
        // Not the alert's fault: it waits for the pause to end, unless it has had all its requests.
        if (entry.attempts < this.#o.retryMaxAttempts) return { kind: 'held', rejected: false };
      }
      if (err instanceof DeliveryFailure) return { kind: 'failed', failure: err, isProbe: err.isProbe };
      if (this.#signal.aborted) return { kind: 'closed' };
      throw err;
    } finally {
      // The breaker turned it away before any request: the probe token goes back unused.
      if (!isSent) settleAuth(this.#auth, ticket, { kind: 'unknown' }, this.#o.now(), this.#o.authRetryIntervalMs);
      this.#onInFlight(entry, -1);
      lease?.release();
    }
  }

  /** After each trip: the probe token goes back; if it was never used, another held alert may take it. */
  releaseProbe(entry: Entry, turn: Turn): void {
    if (this.#probeHolder !== entry) return;
    this.#probeHolder = undefined;
    if (turn.kind === 'expired' || (turn.kind === 'held' && !turn.rejected)) this.wakeAll();
  }

  /**
   * p-retry's shouldRetry: sets the backoff (or Retry-After) and reports it. The limit counts the alert's
   * real SL1 requests (breaker probes and auth probes included), not p-retry's attempts, so
   * retry_max_attempts is the most requests any alert ever gets.
   */
  async planRetry(entry: Entry, error: Error): Promise<boolean> {
    if (!(error instanceof DeliveryFailure) || error.outcome.kind !== 'retryable') return false;
    // Checked here, not as p-retry's `retries`, so a reload's retry_max_attempts reaches alerts already waiting.
    if (entry.attempts >= this.#o.retryMaxAttempts) return false;
    if (this.#signal.aborted) return false; // closing: the failure was our own abort
    const backoff = backoffDelay(entry.attempts, { ...this.#o.backoff, random: this.#o.random });
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

  async #send(entry: Entry, isProbe: boolean, ticket: AuthTicket): Promise<Sl1Response> {
    const at = this.#o.now();
    entry.attempts++;
    entry.firstAttemptAt ??= at;
    entry.lastAttemptAt = at;
    await this.#call('onAttempt', { alert: entry.alert, attempt: entry.attempts });
    const started = performance.now();
    let outcome: Outcome;
    let response: Sl1Response | undefined;
    try {
      // Read after the hook, right before sending: a client replaced meanwhile is never used again.
      const sl1 = this.#sl1;
      if (sl1 === undefined) throw new Error('no SL1 client in log mode');
      response = await sl1.send(entry.alert, this.#signal);
      outcome = classifyResponse(response.status, response.headers, { now: this.#o.now(), maxRetryAfterMs: this.#o.maxRetryAfterMs });
      entry.last = { status: response.status, bodyExcerpt: response.bodyExcerpt, em7Headers: response.em7Headers };
    } catch (err) {
      outcome = classifyError(err);
      entry.last = NOTHING_YET;
    }
    const durationMs = response?.durationMs ?? performance.now() - started;
    settleAuth(this.#auth, ticket, authResultOf(outcome, response), this.#o.now(), this.#o.authRetryIntervalMs);
    await this.#call('onSl1Response', { status: response?.status ?? 0, durationMs });
    this.#logOutcome(entry, outcome, durationMs, isProbe, response?.headers['location']);
    if (outcome.kind === 'delivered' && response !== undefined) return response;
    throw new DeliveryFailure(outcome as Exclude<Outcome, { kind: 'delivered' }>, isProbe);
  }

  #logOutcome(entry: Entry, outcome: Outcome, durationMs: number, isProbe: boolean, location?: string | readonly string[]): void {
    // The common line (delivered, at info) is usually below log_level: skip building its fields.
    if (outcome.kind === 'delivered' && entry.log.isLevelEnabled?.('info') === false) return;
    const fields = { outcome: outcome.kind, attempt: entry.attempts, isProbe, durationMs: Math.round(durationMs), ...entry.last };
    delete fields.bodyExcerpt; // payload echo: kept for the dead-letter file, not for every log line
    if (fields.em7Headers !== undefined && Object.keys(fields.em7Headers).length === 0) delete fields.em7Headers;
    if (outcome.kind === 'delivered') {
      // "What did we send?": the text SL1's event policies match on, and where SL1 says it put it.
      const sent = { message: entry.alert.message.slice(0, 200), ...(location === undefined ? {} : { location: String(location) }) };
      entry.log.info({ ...fields, ...sent }, 'alert delivered to SL1');
    }
    else if (outcome.kind === 'retryable') entry.log.warn({ ...fields, reason: outcome.reason }, 'SL1 attempt failed');
    else if (outcome.isAuth) {
      // The one error line about it is the pause's (see #onAuthState); this says what became of the alert.
      const isHeld = entry.attempts < this.#o.retryMaxAttempts;
      entry.log.info({ ...fields, reason: outcome.reason, held: isHeld },
        isHeld ? 'SL1 refused the credentials; alert held until delivery resumes' : 'SL1 refused the credentials on the last attempt this alert may have');
    } else entry.log.warn({ ...fields, reason: outcome.reason }, 'SL1 rejected the alert; not retried');
  }

  #onAuthState(state: AuthPauseState, previous: AuthPauseState): void {
    const now = this.#o.now();
    const isNewRefusal = state.phase === 'paused' && state.refusedAt !== previous.refusedAt;
    if (isNewRefusal && now - this.#authLoggedAt >= AUTH_PAUSE_LOG_INTERVAL_MS) {
      this.#authLoggedAt = now;
      const nextProbe = state.probeAt === undefined ? 'only after a reload or POST /admin/delivery/resume' : `one probe at ${new Date(state.probeAt).toISOString()}`;
      this.#o.logger.error(
        {
          sl1Auth: 'paused', status: state.status, em7StatusMessage: state.detail, held: this.#countWaiting(),
          pausedSince: new Date(state.pausedAt ?? now).toISOString(),
          nextProbeAt: state.probeAt === undefined ? null : new Date(state.probeAt).toISOString(),
          check: ['sl1_username', 'sl1_password', 'GENHOOK_SL1_PASSWORD'],
        },
        `SL1 refused the credentials (${state.status}${state.detail === undefined ? '' : `, ${state.detail}`}): all delivery to SL1 is paused so the account is not locked. ` +
          `Fix sl1_username / sl1_password (or GENHOOK_SL1_PASSWORD) and reload (SIGHUP or POST /admin/reload), or POST /admin/delivery/resume; ` +
          `alerts are held in the journal; next try: ${nextProbe}`,
      );
    }
    if (previous.phase === 'paused' && state.phase === 'verified') {
      this.#o.logger.info({ sl1Auth: 'verified' }, 'SL1 accepted the credentials: the auth pause is over, delivery resumes');
    }
    void this.#call('onAuthState', state);
    this.wakeAll();
  }

  #onBreakerState(state: BreakerState): void {
    this.#gen++;
    this.#probeHolder = undefined;
    const log = state === 'open' ? 'warn' : 'info';
    this.#o.logger[log]({ breaker: state }, `SL1 circuit breaker ${state}`);
    void this.#call('onBreakerState', state);
    this.wakeAll();
  }

  /** From the current maxAlertAgeMs, so a reload's max_alert_age reaches alerts already waiting. */
  #expiresAt(entry: Entry): number {
    return entry.alert.receivedAt + this.#o.maxAlertAgeMs;
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

function authResultOf(outcome: Outcome, response: Sl1Response | undefined): AuthResult {
  if (outcome.kind === 'permanent' && outcome.isAuth && response !== undefined) {
    return { kind: 'refused', status: response.status, detail: response.em7Headers['x-em7-status-message'] };
  }
  return response === undefined ? { kind: 'unknown' } : { kind: 'accepted' };
}
