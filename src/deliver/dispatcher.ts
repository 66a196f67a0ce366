import { setMaxListeners } from 'node:events';
import pRetry, { AbortError } from 'p-retry';
import { alertBytes, type Alert } from '../alert.js';
import type { AuthPauseState, AuthResetReason } from './auth-pause.js';
import type { BreakerState } from './breaker.js';
import { AlertExpiredError, DispatcherClosedError } from './errors.js';
import { diffDispatcherOptions, type Reconfiguration } from './options-diff.js';
import { createSl1Client, type Sl1Client } from './sl1-client.js';
import {
  resolveDispatcherOptions,
  type DispatcherHooks,
  type DispatcherOptions,
  type ResolvedOptions,
} from './dispatcher-options.js';
import { AttemptRunner, type Entry, type Turn } from './attempt.js';
import { ConcurrencyLimits, type ReleaseSlot } from './concurrency.js';

type DoneTurn = Extract<Turn, { kind: 'delivered' | 'log' }>;

export interface SourceStats {
  readonly waiting: number;
  readonly inFlight: number;
}

/** Room set aside by {@link Dispatcher.reserve}: the edge journals, then offers without being refused. */
export interface Reservation {
  /** Hands over one alert; never refuses while reserved room is left (throws if over-used, a caller bug). */
  offer(alert: Alert): void;
  /** Gives back the room not used (journal write failed, request aborted). Idempotent. */
  release(): void;
}

export interface Dispatcher {
  /** False when full (`queueMaxSize` or `queueMaxBytes` held: waiting + in flight + reserved) or closed: answer 503 + Retry-After. */
  offer(alert: Alert): boolean;
  /** Room for `n` more alerts of `bytes` in all (see `alertBytes`). */
  hasRoom(n?: number, bytes?: number): boolean;
  /** Which bound `n` alerts of `bytes` would cross, or undefined when they fit. */
  fullBy(n?: number, bytes?: number): 'count' | 'bytes' | 'closed' | undefined;
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

export function createDispatcher(options: DispatcherOptions = {}, hooks: DispatcherHooks = {}): Dispatcher {
  return new AlertDispatcher(resolveDispatcherOptions(options), hooks);
}

class AlertDispatcher implements Dispatcher {
  #o: ResolvedOptions;
  #client: Sl1Client | undefined;
  /** Replaced clients still finishing requests they started; destroyed by close(). */
  readonly #retiring = new Set<Sl1Client>();
  readonly #runner: AttemptRunner;
  readonly #limits: ConcurrencyLimits<Entry>;
  readonly #stats = new Map<string, { total: number; inFlight: number }>();
  readonly #runs = new Set<Promise<void>>();
  readonly #idleWaiters = new Set<() => void>();
  readonly #abort = new AbortController();
  #total = 0;
  #inFlight = 0;
  #reserved = 0;
  #bytes = 0;
  #reservedBytes = 0;
  #closed = false;
  readonly #roomListeners: (() => void)[] = [];

  constructor(options: ResolvedOptions, hooks: DispatcherHooks) {
    this.#o = options;
    // Every request in flight listens for close(): up to maxConcurrent listeners is expected, not a leak.
    setMaxListeners(0, this.#abort.signal);
    this.#client = createClient(options);
    this.#limits = new ConcurrencyLimits<Entry>(options.maxConcurrent, options.perSourceConcurrency, (entry, release) => this.#take(entry, release));
    this.#runner = new AttemptRunner(options, hooks, this.#abort.signal, {
      sl1: this.#client,
      onInFlight: (entry, delta) => this.#countInFlight(entry.alert.source, delta),
      countWaiting: () => this.size,
    });
  }

  get size(): number {
    return this.#total - this.#inFlight;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get breakerState(): BreakerState {
    return this.#runner.breaker.state;
  }

  get isPaused(): boolean {
    return this.#runner.isPaused;
  }

  get authState(): AuthPauseState {
    return this.#runner.authState;
  }

  resumeAuth(reason: AuthResetReason = 'operator'): void {
    if (!this.#closed) this.#runner.resetAuth(reason);
  }

  get bytes(): number {
    return this.#bytes + this.#reservedBytes;
  }

  hasRoom(n = 1, bytes = 0): boolean {
    return this.fullBy(n, bytes) === undefined;
  }

  fullBy(n = 1, bytes = 0): 'count' | 'bytes' | 'closed' | undefined {
    if (this.#closed) return 'closed';
    if (this.#total + this.#reserved + n > this.#o.queueMaxSize) return 'count';
    const isEmpty = this.#total + this.#reserved === 0;
    if (!isEmpty && this.#bytes + this.#reservedBytes + bytes > this.#o.queueMaxBytes) return 'bytes';
    return undefined;
  }

  onRoom(listener: () => void): void {
    this.#roomListeners.push(listener);
  }

  offer(alert: Alert): boolean {
    if (!this.hasRoom(1, alertBytes(alert))) return false;
    this.#admit(alert);
    return true;
  }

  reserve(n = 1, bytes = 0): Reservation | undefined {
    if (!this.hasRoom(n, bytes)) return undefined;
    this.#reserved += n;
    this.#reservedBytes += bytes;
    let left = n;
    let leftBytes = bytes;
    return {
      offer: (alert) => {
        if (left <= 0) throw new RangeError(`Reservation of ${n} already used: call reserve() again`);
        left--;
        this.#reserved--;
        const used = Math.min(leftBytes, alertBytes(alert));
        leftBytes -= used;
        this.#reservedBytes -= used;
        this.#admit(alert);
      },
      release: () => {
        const isReturning = left > 0 || leftBytes > 0;
        this.#reserved -= left;
        this.#reservedBytes -= leftBytes;
        left = 0;
        leftBytes = 0;
        if (isReturning) this.#notifyRoom();
      },
    };
  }

  #notifyRoom(): void {
    for (const listener of this.#roomListeners) listener();
  }

  perSource(): Record<string, SourceStats> {
    const out: Record<string, SourceStats> = {};
    for (const [source, s] of this.#stats) out[source] = { waiting: s.total - s.inFlight, inFlight: s.inFlight };
    return out;
  }

  pause(): void {
    this.#runner.setPaused(true);
  }

  resume(): void {
    this.#runner.setPaused(false);
  }

  drain(timeoutMs: number): Promise<boolean> {
    if (this.#total === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (result: boolean) => {
        clearTimeout(timer);
        this.#idleWaiters.delete(onIdle);
        resolve(result);
      };
      const onIdle = () => done(!this.#closed); // emptied by close() is not drained
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#idleWaiters.add(onIdle);
    });
  }

  reconfigure(options: DispatcherOptions): Reconfiguration {
    const previous = this.#o;
    const next = resolveDispatcherOptions({ logger: previous.logger, now: previous.now, random: previous.random, sourceLeases: previous.sourceLeases, ...options });
    const change = diffDispatcherOptions(previous, next);
    if (this.#closed) return { changed: [], isClientReplaced: false, isBreakerReset: false, isAuthReset: false, mode: previous.url === undefined ? 'log' : 'sl1' };
    // Everything that can throw is built before anything changes.
    const breaker = change.isBreakerReset ? this.#runner.createBreaker(next.breaker) : undefined;
    let client = this.#client;
    if (change.isClientReplaced) {
      try {
        client = createClient(next);
      } catch (error) {
        breaker?.shutdown();
        throw error;
      }
      if (this.#client !== undefined) this.#retire(this.#client);
      this.#client = client;
    }
    this.#o = next;
    this.#limits.setLimits(next.maxConcurrent, next.perSourceConcurrency);
    this.#runner.reconfigure({ options: next, sl1: client, breaker });
    if (change.isAuthReset) this.#runner.resetAuth('credentials');
    return change;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort(new DispatcherClosedError('The dispatcher was closed'));
    this.#runner.wakeAll();
    this.#limits.flush(); // alerts still waiting as data are let go; queued retries see 'closed' at once
    await Promise.allSettled([...this.#runs]);
    this.#runner.breaker.shutdown();
    await Promise.allSettled([this.#client?.close(), ...[...this.#retiring].map((old) => old.close())]);
  }

  /** The old pool finishes what it started (answers are still classified and counted), then closes. */
  #retire(client: Sl1Client): void {
    this.#retiring.add(client);
    void client
      .close({ graceful: true })
      .catch((err: unknown) => this.#o.logger.warn({ err }, 'closing the replaced SL1 connection pool failed'))
      .finally(() => this.#retiring.delete(client));
  }

  #admit(alert: Alert): void {
    this.#total++;
    this.#bytes += alertBytes(alert);
    const stats = this.#stats.get(alert.source) ?? { total: 0, inFlight: 0 };
    stats.total++;
    this.#stats.set(alert.source, stats);
    const entry = this.#runner.createEntry(alert);
    // The common case waits as plain data until a slot takes it; log mode, a pause or a breaker that is
    // not closed take the general path at once, as their first wait happens before any slot.
    if (this.#client !== undefined && this.#runner.isReadyAtOnce(entry)) this.#limits.add(entry);
    else this.#track(entry, this.#run(entry));
  }

  /** A slot took an alert that waited as data: its first attempt runs in that slot. */
  #take(entry: Entry, release: ReleaseSlot): void {
    if (this.#closed) {
      // What p-retry would do at once for an alert started after close(): nothing, it stays in the journal.
      release();
      this.#release(entry.alert);
      return;
    }
    this.#track(entry, this.#runTaken(entry, release));
  }

  async #runTaken(entry: Entry, release: ReleaseSlot): Promise<void> {
    let turn: Turn;
    try {
      turn = await this.#runner.attempt(entry);
    } catch (err) {
      // Where p-retry would have taken it: not a DeliveryFailure, so not retried.
      release();
      if (this.#closed || err instanceof DispatcherClosedError) return;
      await this.#runner.finishDeadLetter(entry, err);
      return;
    }
    release();
    this.#runner.releaseProbe(entry, turn);
    await this.#run(entry, turn);
  }

  #track(entry: Entry, running: Promise<void>): void {
    const run = running
      .catch((err: unknown) => this.#o.logger.error({ err, alertId: entry.alert.id }, 'delivery bookkeeping failed'))
      .finally(() => {
        this.#runs.delete(run);
        this.#release(entry.alert);
      });
    this.#runs.add(run);
  }

  /** `first`: the turn of an attempt already made in a slot (see #take); otherwise the alert starts here. */
  async #run(entry: Entry, first?: Turn): Promise<void> {
    if (first === undefined && this.#client === undefined) {
      await this.#runner.logInstead(entry);
      return;
    }
    try {
      const done = await this.#deliver(entry, first);
      if (done.kind === 'log') await this.#runner.logInstead(entry);
      else await this.#runner.finishDelivered(entry, done);
    } catch (err) {
      if (this.#closed || err instanceof DispatcherClosedError) return; // stays in the journal
      await this.#runner.finishDeadLetter(entry, err);
    }
  }

  /**
   * Attempts until delivered (or logged), throwing what ends the alert otherwise. A first turn that
   * settles the alert (delivered, refused for good, expired) never enters p-retry: most alerts need no
   * retry, and p-retry's promises, options copy and abort listener would be spent on each. A retryable
   * failure is handed to p-retry as its first attempt's, so the retry decisions stay p-retry's.
   */
  async #deliver(entry: Entry, first: Turn | undefined): Promise<DoneTurn> {
    let carried = first;
    if (first !== undefined) {
      let done: DoneTurn | undefined;
      try {
        done = this.#judge(first);
      } catch (err) {
        if (err instanceof AbortError) throw err.originalError;
        // A retryable failure: p-retry receives it below, as its first attempt's.
      }
      if (done !== undefined) {
        this.#abort.signal.throwIfAborted(); // as p-retry checks after a successful attempt
        return done;
      }
    }
    return pRetry(
      () => {
        const turn = carried;
        carried = undefined;
        return this.#attemptUntilCounted(entry, turn);
      },
      {
        // The limit is checked in planRetry against the options of the moment (a reload may change it).
        retries: Number.POSITIVE_INFINITY,
        // Delays are ours (jitter from the injected random, Retry-After, expiry while waiting): the gate
        // in #attemptUntilCounted sleeps until entry.notBefore, so p-retry itself waits 0 ms.
        minTimeout: 0,
        factor: 1,
        signal: this.#abort.signal,
        shouldRetry: ({ error }) => this.#runner.planRetry(entry, error),
      },
    );
  }

  /**
   * One counted attempt for p-retry. Breaker rejections and auth holds sent nothing, so they loop here
   * instead of reaching p-retry: p-retry's `shouldConsumeRetry: false` would not do, because it still gives
   * up when the rejection lands on what would be the last attempt.
   */
  async #attemptUntilCounted(entry: Entry, carried: Turn | undefined): Promise<DoneTurn> {
    for (let turn = carried; ; turn = undefined) {
      if (turn === undefined) {
        const readiness = await this.#runner.awaitTurn(entry);
        turn = readiness === 'ready' ? await this.#limits.run(entry.alert.source, () => this.#runner.attempt(entry)) : { kind: readiness };
        this.#runner.releaseProbe(entry, turn);
      }
      const done = this.#judge(turn);
      if (done !== undefined) return done;
    }
  }

  /** What a turn means for p-retry: the result, undefined to go round again uncounted, or a throw. */
  #judge(turn: Turn): DoneTurn | undefined {
    switch (turn.kind) {
      case 'delivered':
      case 'log':
        return turn;
      case 'held':
        return undefined;
      case 'expired':
        throw new AbortError(new AlertExpiredError(`Alert older than ${this.#o.maxAlertAgeMs} ms (maxAlertAgeMs)`));
      case 'closed':
        throw new AbortError(new DispatcherClosedError('The dispatcher was closed'));
      case 'failed':
        if (turn.failure.outcome.kind === 'permanent') throw new AbortError(turn.failure);
        // A failed breaker probe was a real request too: it counts against retry_max_attempts like any other.
        throw turn.failure;
    }
  }

  #countInFlight(source: string, delta: number): void {
    this.#inFlight += delta;
    const stats = this.#stats.get(source);
    if (stats !== undefined) stats.inFlight += delta;
  }

  #release(alert: Alert): void {
    this.#total--;
    this.#bytes -= alertBytes(alert);
    const stats = this.#stats.get(alert.source);
    if (stats !== undefined && --stats.total === 0) this.#stats.delete(alert.source);
    if (this.#total === 0) for (const wake of [...this.#idleWaiters]) wake();
    this.#notifyRoom();
  }
}

function createClient(options: ResolvedOptions): Sl1Client | undefined {
  if (options.url === undefined) return undefined;
  return createSl1Client({
    url: options.url,
    username: options.username,
    password: options.password,
    connections: options.maxConcurrent,
    timeoutMs: options.processingTimeoutMs,
  });
}
