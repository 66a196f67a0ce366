/**
 * Feeds a shared queue backend into this replica's dispatcher: reserves as many alerts as it has room to
 * hold, claims those a silent replica left behind, keeps what it holds from being claimed (touch), and
 * completes or dead-letters each alert when the dispatcher is done with it.
 * It holds only a few alerts beyond its delivery slots, so the rest stay in Redis for any replica to take
 * and a replica that dies strands little until the claim idle passes.
 */
import pRetry from 'p-retry';
import type { Alert } from '../alert.js';
import type { DeadLetterEntry } from '../dead-letter/index.js';
import type { PriorProgress, QueueBackend, QueuedAlert } from './backend.js';
import { sleepUntilWoken } from './wake.js';

export interface FeederLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface FeederOptions {
  readonly backend: QueueBackend;
  /** Hands an alert to local delivery; false when it has no room (the alert stays held and is offered again). */
  readonly deliver: (alert: Alert, priorProgress?: PriorProgress) => boolean;
  /** Alerts this replica holds at most (waiting + in flight). */
  readonly holdMax: () => number;
  readonly claimIdleMs: number;
  readonly logger: FeederLogger;
  /** Longest a reserve waits for new alerts (also how soon stop() is noticed). @default 1000 */
  readonly waitMs?: number;
  /** Counted when a claimed or recovered alert is handed to delivery (it may have reached SL1 already). */
  readonly onRedelivery?: (count: number) => void;
  /** Counted when an alert this replica held was claimed by another one (after a freeze). */
  readonly onLost?: (count: number) => void;
}

/**
 * Alerts handed to local delivery per turn of the event loop. Each one starts its delivery synchronously, so a
 * burst or a recovery of thousands is handed in slices with I/O in between: webhooks keep being answered meanwhile.
 */
export const HAND_BATCH = 256;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class QueueFeeder {
  readonly #options: FeederOptions;
  /** By object: the dispatcher hands back the very alert object it was given. */
  readonly #held = new Map<Alert, QueuedAlert>();
  /** Alerts handed over that another replica has since claimed: their end is not ours to record. */
  readonly #lost = new WeakSet<Alert>();
  #stopped = false;
  #wakeRoom: (() => void) | undefined;
  /** Held, in order, but refused by local delivery for want of room: offered again as room frees (roomFreed). */
  #refused: QueuedAlert[] = [];
  #loop: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #maintaining = false;
  readonly #recording = new Set<Promise<boolean>>();

  constructor(options: FeederOptions) {
    this.#options = options;
  }

  get held(): number {
    return this.#held.size;
  }

  /** Recovers this consumer's own unfinished alerts, then reserves and claims until stop(). */
  async start(): Promise<void> {
    const recovered = await this.#options.backend.recover();
    if (recovered.length > 0) this.#options.logger.info({ count: recovered.length }, 'redelivering alerts this GenHook held when it last stopped');
    for (let at = 0; at < recovered.length; at += HAND_BATCH) {
      if (at > 0) await nextTurn();
      this.#hand(recovered.slice(at, at + HAND_BATCH));
    }
    this.#loop = this.#reserveLoop();
    const every = Math.max(50, Math.floor(this.#options.claimIdleMs / 3));
    this.#timer = setInterval(() => void this.#maintain(), every);
    this.#timer.unref();
  }

  /** Resolves true once the backend recorded it (false: not held here, or it could not be recorded). */
  complete(alert: Alert): Promise<boolean> {
    return this.#track(this.#finish(alert, (item) => this.#options.backend.complete(item)));
  }

  /**
   * An attempt failed and a retry waits: recorded with the alert in the queue, so that a replica that takes it
   * over (this one died meanwhile) keeps the backoff and counts on from `attempts` (retry_max_attempts holds).
   * Best effort: unrecorded, a survivor starts the count again.
   */
  async noteRetry(alert: Alert, progress: PriorProgress): Promise<void> {
    const item = this.#held.get(alert);
    if (item === undefined || this.#lost.has(alert) || this.#options.backend.noteRetry === undefined) return;
    await this.#options.backend.noteRetry(item, progress).catch((error: unknown) => {
      this.#options.logger.warn({ err: error, alertId: alert.id }, 'could not record a retry in Redis; a replica taking this alert over would count its attempts from 0');
    });
  }

  deadLetter(alert: Alert, entry: DeadLetterEntry): Promise<boolean> {
    return this.#track(this.#finish(alert, (item) => this.#options.backend.deadLetter(item, entry)));
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

  /** Local delivery let an alert go: what it refused before is offered again, and the reserve loop looks for more. */
  roomFreed(): void {
    while (this.#refused.length > 0 && !this.#stopped) {
      const [first] = this.#refused;
      if (first === undefined || !this.#options.deliver(first.alert, first.priorProgress)) break;
      this.#refused.shift();
    }
    this.#wakeRoom?.();
  }

  /** No more reserves or claims; what is held stays held (delivered by the drain, or recovered/claimed later). */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#wakeRoom?.();
    this.#options.backend.interrupt?.();
    await this.#loop;
  }

  async #finish(alert: Alert, record: (item: QueuedAlert) => Promise<void>): Promise<boolean> {
    const item = this.#held.get(alert);
    if (item === undefined) return false;
    this.#held.delete(alert);
    this.#wakeRoom?.();
    if (this.#lost.has(alert)) return false;
    try {
      // Unrecorded, the alert stays pending in Redis and is delivered again after the claim idle: retry a little first.
      await pRetry(() => record(item), { retries: 2, minTimeout: 200, factor: 2, shouldRetry: () => !this.#stopped });
      return true;
    } catch (error) {
      this.#options.logger.warn({ err: error, alertId: alert.id, queue: this.#options.backend.kind }, `could not record the end of a delivery in the ${this.#options.backend.kind} queue; the alert may be delivered again`);
      return false;
    }
  }

  #room(): number {
    // While local delivery refuses what it holds already, reserving more would only add to the refused.
    if (this.#refused.length > 0) return 0;
    return Math.max(0, this.#options.holdMax() - this.#held.size);
  }

  async #reserveLoop(): Promise<void> {
    const waitMs = this.#options.waitMs ?? 1000;
    while (!this.#stopped) {
      const room = this.#room();
      if (room === 0) {
        // Woken when an alert ends (or room frees); the timer also notices a reload that raised the bounds.
        await sleepUntilWoken(waitMs, (wake) => (this.#wakeRoom = wake));
        this.#wakeRoom = undefined;
        continue;
      }
      try {
        const batch = Math.min(room, HAND_BATCH);
        const reserved = await this.#options.backend.reserve(batch, waitMs);
        this.#hand(reserved);
        // More may be ready at once: let I/O in before the next slice.
        if (reserved.length === batch) await nextTurn();
      } catch (error) {
        if (this.#stopped) return;
        this.#options.logger.warn({ err: error, queue: this.#options.backend.kind }, `reading the ${this.#options.backend.kind} queue failed; retrying`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** Touch what is held (so nobody claims it), then claim what a silent replica left, if there is room. */
  async #maintain(): Promise<void> {
    if (this.#maintaining || this.#stopped) return;
    this.#maintaining = true;
    try {
      const byToken = new Map<string, Alert>();
      for (const [alert, item] of this.#held) if (!this.#lost.has(alert)) byToken.set(item.token, alert);
      if (byToken.size > 0) {
        const kept = await this.#options.backend.touch([...byToken.keys()]);
        let lost = 0;
        for (const [token, alert] of byToken) {
          if (kept.has(token)) continue;
          this.#lost.add(alert);
          lost++;
        }
        if (lost > 0) {
          this.#options.onLost?.(lost);
          this.#options.logger.warn({ count: lost }, 'alerts this GenHook held were claimed by another replica (it was unresponsive longer than redis_claim_idle)');
        }
      }
      const room = this.#room();
      if (room > 0) {
        const claimed = await this.#options.backend.claim(Math.min(room, HAND_BATCH));
        if (claimed.length > 0) this.#options.logger.info({ count: claimed.length }, 'claimed alerts another replica left unfinished');
        this.#hand(claimed);
      }
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'Redis queue upkeep (touch/claim) failed; retrying');
    } finally {
      this.#maintaining = false;
    }
  }

  #hand(items: readonly QueuedAlert[]): void {
    let redelivered = 0;
    for (const item of items) {
      this.#held.set(item.alert, item);
      if (item.redeliveries > 0) redelivered++;
      // Local delivery may lack room for a moment (an alert ending is counted until its hooks are done): keep it, in order.
      if (this.#refused.length > 0 || !this.#options.deliver(item.alert, item.priorProgress)) this.#refused.push(item);
    }
    if (redelivered > 0) this.#options.onRedelivery?.(redelivered);
  }
}
