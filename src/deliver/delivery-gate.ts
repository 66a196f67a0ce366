/**
 * The conditions every alert passes before an SL1 request, shared by all of them: an operator's pause, the
 * circuit breaker (and its one half-open probe), the SL1 auth pause. It tells waiting alerts when any of
 * them changes, and logs each change once. What an alert then does is delivery-policy.ts's decision.
 */
import { createMemoryAuthPauseStore, decideAuth, type AuthPauseState, type AuthPauseStore, type AuthResetReason } from './auth-pause.js';
import { createBreaker, type Breaker, type BreakerOptions, type BreakerState } from './breaker.js';
import type { GateView } from './delivery-policy.js';
import type { DeliveryLogger, ResolvedOptions } from './dispatcher-options.js';
import type { Entry } from './entry.js';

/** The auth-pause error line repeats at most this often (every refused probe would otherwise log one). */
const AUTH_PAUSE_LOG_INTERVAL_MS = 60_000;

export interface GateEvents {
  onBreakerState(state: BreakerState): void;
  onAuthState(state: AuthPauseState): void;
  /** Alerts waiting (for the auth pause's log line). */
  countWaiting(): number;
}

export class DeliveryGate {
  #breaker: Breaker;
  /** Bumped on every breaker transition; see Entry.turnedAwayInPeriod. */
  #breakerPeriod = 0;
  /** The one alert let through per half-open period (others wait, so a probe does not become a stampede). */
  #probeHolder: Entry | undefined;
  #paused = false;
  readonly #auth: AuthPauseStore;
  #authLoggedAt = Number.NEGATIVE_INFINITY;
  readonly #waiters = new Set<() => void>();
  readonly #signal: AbortSignal;
  readonly #events: GateEvents;
  #logger: DeliveryLogger;
  #now: () => number;

  constructor(options: ResolvedOptions, signal: AbortSignal, events: GateEvents) {
    this.#signal = signal;
    this.#events = events;
    this.#logger = options.logger;
    this.#now = options.now;
    this.#breaker = this.createBreaker(options.breaker);
    this.#auth = options.authPause ?? createMemoryAuthPauseStore();
    const unsubscribe = this.#auth.subscribe((state, previous) => this.#onAuthState(state, previous));
    signal.addEventListener('abort', unsubscribe, { once: true });
  }

  get breaker(): Breaker {
    return this.#breaker;
  }

  get auth(): AuthPauseStore {
    return this.#auth;
  }

  get isPaused(): boolean {
    return this.#paused;
  }

  /** What delivery-policy.ts reads for `entry`, now. */
  view(entry: Entry, isLogMode: boolean): GateView {
    const breaker = this.#breaker.state;
    return {
      isClosed: this.#signal.aborted,
      isLogMode,
      isPaused: this.#paused,
      breaker,
      isTurnedAwayByBreaker: entry.turnedAwayInPeriod === this.#breakerPeriod,
      isProbeTakenByOther: this.#probeHolder !== undefined && this.#probeHolder !== entry,
      auth: decideAuth(this.#auth.read(), this.#now()),
    };
  }

  /** A breaker that reports to this gate only while installed; built apart so a bad option fails before anything changes. */
  createBreaker(options: BreakerOptions | false): Breaker {
    const breaker: Breaker = createBreaker(options, (state) => {
      if (this.#breaker === breaker) this.#onBreakerState(state);
    });
    return breaker;
  }

  /**
   * A reload: a new `breaker` replaces the old one, which is shut down with its state (an open breaker is gone
   * at once, held alerts go to the new, closed one); a new auth retry interval moves the next probe.
   */
  reconfigure(options: ResolvedOptions, previousIntervalMs: number, breaker: Breaker | undefined): void {
    this.#logger = options.logger;
    this.#now = options.now;
    if (options.authRetryIntervalMs !== previousIntervalMs) {
      this.#auth.apply({ type: 'interval_changed', retryIntervalMs: options.authRetryIntervalMs });
    }
    if (breaker !== undefined && breaker !== this.#breaker) {
      const previous = this.#breaker;
      this.#breaker = breaker;
      previous.shutdown();
      this.#breakerPeriod++;
      this.#probeHolder = undefined;
      if (previous.state !== 'closed') {
        this.#logger.info({ breaker: 'closed', previous: previous.state }, 'SL1 circuit breaker replaced by a closed one (delivery settings reloaded)');
        this.#events.onBreakerState('closed');
      }
    }
    this.wakeAll(); // every waiting alert re-checks its expiry, the mode and the breaker now
  }

  setPaused(paused: boolean): void {
    this.#paused = paused;
    this.#logger.info({ paused }, paused ? 'delivery paused' : 'delivery resumed');
    this.wakeAll();
  }

  /** New credentials or an operator's word: the pause ends, and one probe goes before the rest. */
  resetAuth(reason: AuthResetReason): void {
    const before = this.#auth.read();
    this.#auth.apply({ type: 'reset', reason });
    if (before.phase === 'paused') {
      this.#logger.info(
        { reason, pausedSince: new Date(before.pausedAt ?? 0).toISOString() },
        reason === 'credentials'
          ? 'SL1 credentials changed: delivery resumes (one alert goes first to check them)'
          : 'SL1 auth pause lifted by an operator: delivery resumes (one alert goes first to check the credentials)',
      );
    }
  }

  /** The breaker turned `entry` away: it waits for the breaker's next transition. */
  turnedAway(entry: Entry): void {
    entry.turnedAwayInPeriod = this.#breakerPeriod;
  }

  /** Half-open: `entry` is the one probe of this period. */
  takeProbe(entry: Entry): void {
    if (this.#breaker.state === 'half_open') this.#probeHolder = entry;
  }

  /** After each trip: the probe token goes back; when it was never used, another waiting alert may take it. */
  releaseProbe(entry: Entry, wasUsed: boolean): void {
    if (this.#probeHolder !== entry) return;
    this.#probeHolder = undefined;
    if (!wasUsed) this.wakeAll();
  }

  /** Wakes every waiting alert so it re-checks its conditions. */
  wakeAll(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves after `ms` or at the next change of the gate, whichever comes first. */
  sleep(ms: number): Promise<void> {
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

  shutdown(): void {
    this.#breaker.shutdown();
  }

  #onAuthState(state: AuthPauseState, previous: AuthPauseState): void {
    const now = this.#now();
    const isNewRefusal = state.phase === 'paused' && state.refusedAt !== previous.refusedAt;
    if (isNewRefusal && now - this.#authLoggedAt >= AUTH_PAUSE_LOG_INTERVAL_MS) {
      this.#authLoggedAt = now;
      this.#logAuthPause(state, now);
    }
    if (previous.phase === 'paused' && state.phase === 'verified') {
      this.#logger.info({ sl1Auth: 'verified' }, 'SL1 accepted the credentials: the auth pause is over, delivery resumes');
    }
    this.#events.onAuthState(state);
    this.wakeAll();
  }

  #logAuthPause(state: AuthPauseState, now: number): void {
    const nextProbe = state.probeAt === undefined ? 'only after a reload or POST /admin/delivery/resume' : `one probe at ${new Date(state.probeAt).toISOString()}`;
    this.#logger.error(
      {
        sl1Auth: 'paused', status: state.status, em7StatusMessage: state.detail, held: this.#events.countWaiting(),
        pausedSince: new Date(state.pausedAt ?? now).toISOString(),
        nextProbeAt: state.probeAt === undefined ? null : new Date(state.probeAt).toISOString(),
        check: ['sl1_username', 'sl1_password', 'GENHOOK_SL1_PASSWORD'],
      },
      `SL1 refused the credentials (${state.status}${state.detail === undefined ? '' : `, ${state.detail}`}): all delivery to SL1 is paused so the account is not locked. ` +
        `Fix sl1_username / sl1_password (or GENHOOK_SL1_PASSWORD) and reload (SIGHUP or POST /admin/reload), or POST /admin/delivery/resume; ` +
        `alerts are held in the journal; next try: ${nextProbe}`,
    );
  }

  #onBreakerState(state: BreakerState): void {
    this.#breakerPeriod++;
    this.#probeHolder = undefined;
    const log = state === 'open' ? 'warn' : 'info';
    this.#logger[log]({ breaker: state }, `SL1 circuit breaker ${state}`);
    this.#events.onBreakerState(state);
    this.wakeAll();
  }
}
