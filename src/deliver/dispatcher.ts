/**
 * Delivery: alerts offered here are sent to SL1 within the concurrency limits, each following
 * delivery-policy.ts (retry with backoff, hold for a pause, the breaker or the SL1 auth pause, dead-letter)
 * until it is delivered, logged or dead-lettered. Each alert's delivery is one loop (#deliver): ask the
 * policy, then wait, send in a slot (concurrency.ts), or finish.
 */
import { setMaxListeners } from 'node:events';
import { alertBytes, type Alert } from '../alert.js';
import type { AuthPauseState, AuthResetReason } from './auth-pause.js';
import type { BreakerState } from './breaker.js';
import { rulesOf, Sl1Attempt } from './attempt.js';
import { ConcurrencyLimits } from './concurrency.js';
import { DeliveryGate } from './delivery-gate.js';
import { planNext, type NextStep, type TripResult } from './delivery-policy.js';
import { DeliveryReport } from './delivery-report.js';
import type { PriorProgress, Dispatcher } from './dispatcher-api.js';
import { resolveDispatcherOptions, type DispatcherHooks, type DispatcherOptions, type ResolvedOptions } from './dispatcher-options.js';
import { AlertEntry, type Entry } from './entry.js';
import { DispatcherClosedError } from './errors.js';
import { diffDispatcherOptions, type Reconfiguration } from './options-diff.js';
import { QueueRoom, type FullBy, type Reservation, type SourceStats } from './queue-room.js';
import { createSl1Client, type Sl1Client } from './sl1-client.js';

export type { PriorProgress, Dispatcher, FullBy, Reservation, SourceStats } from './dispatcher-api.js';

export function createDispatcher(options: DispatcherOptions = {}, hooks: DispatcherHooks = {}): Dispatcher {
  return new AlertDispatcher(resolveDispatcherOptions(options), hooks);
}

class AlertDispatcher implements Dispatcher {
  #options: ResolvedOptions;
  #client: Sl1Client | undefined;
  /** Replaced clients still finishing requests they started; destroyed by close(). */
  readonly #retiring = new Set<Sl1Client>();
  readonly #room: QueueRoom;
  readonly #gate: DeliveryGate;
  readonly #report: DeliveryReport;
  readonly #attempt: Sl1Attempt;
  readonly #limits: ConcurrencyLimits;
  /** Every alert's delivery in progress (waiting for a slot, a retry or a pause, or in a slot). */
  readonly #runs = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #closed = false;

  constructor(options: ResolvedOptions, hooks: DispatcherHooks) {
    this.#options = options;
    const { signal } = this.#abort;
    // Every request in flight listens for close(): up to maxConcurrent listeners is expected, not a leak.
    setMaxListeners(0, signal);
    this.#client = createClient(options);
    this.#room = new QueueRoom(options.queueMaxSize, options.queueMaxBytes);
    this.#report = new DeliveryReport(hooks, () => this.#options.logger, () => this.#options.now());
    this.#gate = new DeliveryGate(options, signal, {
      onBreakerState: (state) => void this.#report.call('onBreakerState', state),
      onAuthState: (state) => void this.#report.call('onAuthState', state),
      countWaiting: () => this.size,
    });
    this.#attempt = new Sl1Attempt({
      options: () => this.#options, sl1: () => this.#client, gate: this.#gate, report: this.#report, signal,
      onInFlight: (entry, delta) => this.#room.countInFlight(entry.source, delta),
    });
    this.#limits = new ConcurrencyLimits(options.maxConcurrent, options.perSourceConcurrency);
  }

  get size(): number {
    return this.#room.waiting;
  }

  get inFlight(): number {
    return this.#room.inFlight;
  }

  get bytes(): number {
    return this.#room.bytes;
  }

  get breakerState(): BreakerState {
    return this.#gate.breaker.state;
  }

  get authState(): AuthPauseState {
    return this.#gate.auth.read();
  }

  get isPaused(): boolean {
    return this.#gate.isPaused;
  }

  resumeAuth(reason: AuthResetReason = 'operator'): void {
    if (!this.#closed) this.#gate.resetAuth(reason);
  }

  pause(): void {
    this.#gate.setPaused(true);
  }

  resume(): void {
    this.#gate.setPaused(false);
  }

  hasRoom(n = 1, bytes = 0): boolean {
    return this.fullBy(n, bytes) === undefined;
  }

  fullBy(n = 1, bytes = 0): FullBy | undefined {
    return this.#closed ? 'closed' : this.#room.fullBy(n, bytes);
  }

  offer(alert: Alert, priorProgress?: PriorProgress): boolean {
    if (!this.hasRoom(1, alertBytes(alert))) return false;
    this.#admit(alert, priorProgress);
    return true;
  }

  reserve(n = 1, bytes = 0): Reservation | undefined {
    if (!this.hasRoom(n, bytes)) return undefined;
    return this.#room.reserve(n, bytes, (alert) => this.#admit(alert));
  }

  onRoom(listener: () => void): void {
    this.#room.onRoom(listener);
  }

  perSource(): Record<string, SourceStats> {
    return this.#room.perSource();
  }

  drain(timeoutMs: number): Promise<boolean> {
    return this.#room.whenEmpty(timeoutMs, () => !this.#closed); // emptied by close() is not drained
  }

  reconfigure(options: DispatcherOptions): Reconfiguration {
    const previous = this.#options;
    const next = resolveDispatcherOptions({ logger: previous.logger, now: previous.now, random: previous.random, sourceLeases: previous.sourceLeases, ...options });
    const change = diffDispatcherOptions(previous, next);
    if (this.#closed) return { changed: [], isClientReplaced: false, isBreakerReset: false, isAuthReset: false, mode: previous.url === undefined ? 'log' : 'sl1' };
    // Everything that can throw is built before anything changes.
    const breaker = change.isBreakerReset ? this.#gate.createBreaker(next.breaker) : undefined;
    if (change.isClientReplaced) {
      let client: Sl1Client | undefined;
      try {
        client = createClient(next);
      } catch (error) {
        breaker?.shutdown();
        throw error;
      }
      if (this.#client !== undefined) this.#retire(this.#client);
      this.#client = client;
    }
    this.#options = next;
    this.#limits.setLimits(next.maxConcurrent, next.perSourceConcurrency);
    this.#room.setBounds(next.queueMaxSize, next.queueMaxBytes);
    this.#gate.reconfigure(next, previous.authRetryIntervalMs, breaker);
    if (change.isAuthReset) this.#gate.resetAuth('credentials');
    return change;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort(new DispatcherClosedError('The dispatcher was closed'));
    this.#gate.wakeAll();
    this.#limits.flush(); // alerts waiting for a slot start at once and see the close
    await Promise.allSettled([...this.#runs]);
    this.#gate.shutdown();
    await Promise.allSettled([this.#client?.close(), ...[...this.#retiring].map((old) => old.close())]);
  }

  /** The old pool finishes what it started (answers are still classified and counted), then closes. */
  #retire(client: Sl1Client): void {
    this.#retiring.add(client);
    void client
      .close({ graceful: true })
      .catch((err: unknown) => this.#options.logger.warn({ err }, 'closing the replaced SL1 connection pool failed'))
      .finally(() => this.#retiring.delete(client));
  }

  #admit(alert: Alert, priorProgress?: PriorProgress): void {
    this.#room.admitted(alert);
    const entry = new AlertEntry(alert, this.#options.logger);
    if (priorProgress !== undefined) {
      entry.attempts = priorProgress.attempts;
      entry.notBefore = priorProgress.notBefore;
    }
    let first: NextStep;
    try {
      first = this.#plan(entry, undefined, this.#options.now());
    } catch (err) {
      this.#track(entry, this.#failed(entry, err));
      return;
    }
    if (first.kind === 'log') this.#logNow(entry);
    else this.#track(entry, this.#deliver(entry, first));
  }

  /**
   * Log mode: the policy's first step is also the last, so it is taken here, without the delivery loop's
   * promises (the one logged line, the hooks). The alert is released a microtask later, not inside offer():
   * room listeners (the feeder) would otherwise run while the feeder is still handing its alerts over.
   */
  #logNow(entry: Entry): void {
    const ending = this.#report.loggedNow(entry);
    if (ending === undefined) queueMicrotask(() => this.#room.released(entry.alert));
    else this.#track(entry, ending);
  }

  #track(entry: Entry, delivering: Promise<void>): void {
    // One reaction for both ends (not catch + finally: two more promises per alert).
    const ended = (): void => {
      this.#runs.delete(run);
      this.#room.released(entry.alert);
    };
    const run: Promise<void> = delivering.then(ended, (err: unknown) => {
      this.#options.logger.error({ err, alertId: entry.alert.id }, 'delivery bookkeeping failed');
      ended();
    });
    this.#runs.add(run);
  }

  /** The rest of one alert's delivery: each step as the policy plans it, until the alert is finished or the dispatcher closes. */
  async #deliver(entry: Entry, first: NextStep): Promise<void> {
    let last: TripResult | undefined;
    let planned: NextStep | undefined = first;
    try {
      for (;;) {
        const now = this.#options.now();
        const step = planned ?? this.#plan(entry, last, now);
        planned = undefined;
        last = undefined;
        switch (step.kind) {
          case 'send':
            if (step.isProbe) this.#gate.takeProbe(entry);
            last = await this.#limits.run(entry.source, () => this.#attempt.run(entry));
            break;
          case 'wait':
            // Capped so held alerts notice expiry by the injected clock even when nothing else happens.
            await this.#gate.sleep(Math.min((step.until ?? Number.POSITIVE_INFINITY) - now, step.expiresAt - now, this.#options.expiryCheckIntervalMs));
            break;
          case 'retry':
            entry.notBefore = step.at;
            await this.#report.retrying(entry, step);
            break;
          case 'delivered': {
            const ending = this.#report.deliveredNow(entry, step);
            if (ending !== undefined) await ending;
            return;
          }
          case 'log':
            return await this.#report.logged(entry);
          case 'dead_letter':
            return await this.#report.deadLettered(entry, step);
          case 'stop':
            return; // it stays where it is stored, for the next start
        }
      }
    } catch (err) {
      await this.#failed(entry, err);
    }
  }

  #plan(entry: Entry, last: TripResult | undefined, now: number): NextStep {
    return planNext(entry, last, now, this.#gate.view(entry, this.#client === undefined), rulesOf(this.#options));
  }

  async #failed(entry: Entry, err: unknown): Promise<void> {
    if (this.#closed || err instanceof DispatcherClosedError) return; // stays where it is stored
    await this.#report.failedUnexpectedly(entry, err);
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
