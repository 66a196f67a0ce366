/**
 * The alerts this GenHook holds from its queue backend: taken (recovered, reserved, claimed) and not yet ended.
 * The feeder puts them in (hold) and reserves no more than there is room for; the dispatcher's end hooks record
 * each end through it (complete, deadLetter, noteRetry) in the backend. Built before both, so data flows one
 * way: backend → feeder → dispatcher → held alerts → backend, and neither the feeder nor the dispatcher needs
 * the other one built first.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pRetry from 'p-retry';
import type { Alert } from '../alert.js';
import type { DeadLetterEntry } from '../dead-letter/index.js';
import type { PriorProgress, QueueBackend, QueuedAlert } from './backend.js';

/** A failed end is tried twice more: RETRY_FIRST_MS after the failure, then twice that after the next. */
const RETRY_FIRST_MS = 200;

export interface HeldAlertsLogger {
  warn(details: object, message: string): void;
}

export class HeldAlerts {
  readonly backend: QueueBackend;
  readonly #logger: HeldAlertsLogger;
  /** By object: the dispatcher hands back the very alert object it was given. */
  readonly #held = new Map<Alert, QueuedAlert>();
  /** Alerts handed over that another replica has since claimed: their end is not ours to record. */
  readonly #lost = new WeakSet<Alert>();
  readonly #recording = new Set<Promise<boolean>>();
  readonly #onReleased: (() => void)[] = [];
  #isStopping = false;

  constructor(backend: QueueBackend, logger: HeldAlertsLogger) {
    this.backend = backend;
    this.#logger = logger;
  }

  get size(): number {
    return this.#held.size;
  }

  /** The feeder took it from the backend; it is held until its end is recorded. */
  hold(item: QueuedAlert): void {
    this.#held.set(item.alert, item);
  }

  /** Told each time an alert stops being held (room to reserve another). */
  onReleased(listener: () => void): void {
    this.#onReleased.push(listener);
  }

  /** Held alerts still this replica's own, by backend token (those to touch). */
  ownTokens(): Map<string, Alert> {
    const byToken = new Map<string, Alert>();
    for (const [alert, item] of this.#held) if (!this.#lost.has(alert)) byToken.set(item.token, alert);
    return byToken;
  }

  /** Another replica claimed it (this one was silent too long): its end is that replica's to record. */
  markLost(alert: Alert): void {
    this.#lost.add(alert);
  }

  /** Delivered or logged. Resolves true once the backend recorded it (false: not held here, or it could not be recorded). */
  complete(alert: Alert): Promise<boolean> {
    return this.#track(this.#finish(alert, (item) => this.backend.complete(item)));
  }

  deadLetter(alert: Alert, entry: DeadLetterEntry): Promise<boolean> {
    return this.#track(this.#finish(alert, (item) => this.backend.deadLetter(item, entry)));
  }

  /**
   * An attempt failed and a retry waits: recorded with the alert in the queue, so that a replica that takes it
   * over (this one died meanwhile) keeps the backoff and counts on from `attempts` (retry_max_attempts holds).
   * Best effort: unrecorded, a survivor starts the count again.
   */
  async noteRetry(alert: Alert, progress: PriorProgress): Promise<void> {
    const item = this.#held.get(alert);
    if (item === undefined || this.#lost.has(alert) || this.backend.noteRetry === undefined) return;
    await this.backend.noteRetry(item, progress).catch((error: unknown) => {
      this.#logger.warn({ err: error, alertId: alert.id }, 'could not record a retry in Redis; a replica taking this alert over would count its attempts from 0');
    });
  }

  /** Shutting down: an end that fails to record is not retried any more (the alert is delivered again later). */
  stopRetrying(): void {
    this.#isStopping = true;
  }

  /** Waits until every complete/deadLetter begun so far is recorded (or given up on). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#recording]);
  }

  #track(recording: Promise<boolean>): Promise<boolean> {
    this.#recording.add(recording);
    void recording.finally(() => this.#recording.delete(recording));
    return recording;
  }

  async #finish(alert: Alert, record: (item: QueuedAlert) => Promise<void>): Promise<boolean> {
    const item = this.#held.get(alert);
    if (item === undefined) return false;
    this.#held.delete(alert);
    for (const listener of this.#onReleased) listener();
    if (this.#lost.has(alert)) return false;
    try {
      await this.#recordRetrying(() => record(item));
      return true;
    } catch (error) {
      const { kind } = this.backend;
      this.#logger.warn({ err: error, alertId: alert.id, queue: kind }, `could not record the end of a delivery in the ${kind} queue; the alert may be delivered again`);
      return false;
    }
  }

  /**
   * Unrecorded, the alert stays pending in Redis and is delivered again after the claim idle: retry a little first.
   * The first try is a plain call, as nearly every end records at once (the journal's always): p-retry's
   * per-call set-up (options, timers, closures) is paid only once a try failed.
   */
  async #recordRetrying(record: () => Promise<void>): Promise<void> {
    try {
      await record();
      return;
    } catch (error) {
      if (this.#isStopping) throw error;
    }
    await sleep(RETRY_FIRST_MS);
    await pRetry(record, { retries: 1, minTimeout: RETRY_FIRST_MS * 2, shouldRetry: () => !this.#isStopping });
  }
}
