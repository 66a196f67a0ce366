/**
 * Feeds a queue backend into this GenHook's dispatcher: reserves as many alerts as it has room to hold,
 * claims those a silent replica left behind and keeps what it holds from being claimed (touch). What it holds
 * is kept in HeldAlerts (queue/held-alerts.ts), where the dispatcher's end hooks record each alert's end.
 * With Redis it holds only a few alerts beyond its delivery slots, so the rest stay there for any replica to
 * take and a replica that dies strands little until the claim idle passes.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Alert } from '../alert.js';
import type { PriorProgress, QueuedAlert } from './backend.js';
import type { HeldAlerts } from './held-alerts.js';
import { sleepUntilWoken } from './wake.js';

export interface FeederLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface FeederOptions {
  /** What this GenHook holds, and the backend it holds it from. */
  readonly held: HeldAlerts;
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

export class QueueFeeder {
  readonly #options: FeederOptions;
  readonly #held: HeldAlerts;
  #stopped = false;
  #wakeRoom: (() => void) | undefined;
  /** Held, in order, but refused by local delivery for want of room: offered again as room frees (roomFreed). */
  #refused: QueuedAlert[] = [];
  #loop: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #maintaining = false;

  constructor(options: FeederOptions) {
    this.#options = options;
    this.#held = options.held;
    // An alert ended: room to reserve another.
    this.#held.onReleased(() => this.#wakeRoom?.());
  }

  /** Recovers this consumer's own unfinished alerts, then reserves and claims until stop(). */
  async start(): Promise<void> {
    const recovered = await this.#held.backend.recover();
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
    this.#held.stopRetrying();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#wakeRoom?.();
    this.#held.backend.interrupt?.();
    await this.#loop;
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
        const reserved = await this.#held.backend.reserve(batch, waitMs);
        this.#hand(reserved);
        // More may be ready at once: let I/O in before the next slice.
        if (reserved.length === batch) await nextTurn();
      } catch (error) {
        if (this.#stopped) return;
        const { kind } = this.#held.backend;
        this.#options.logger.warn({ err: error, queue: kind }, `reading the ${kind} queue failed; retrying`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /** Touch what is held (so nobody claims it), then claim what a silent replica left, if there is room. */
  async #maintain(): Promise<void> {
    if (this.#maintaining || this.#stopped) return;
    this.#maintaining = true;
    try {
      const byToken = this.#held.ownTokens();
      if (byToken.size > 0) {
        const kept = await this.#held.backend.touch([...byToken.keys()]);
        let lost = 0;
        for (const [token, alert] of byToken) {
          if (kept.has(token)) continue;
          this.#held.markLost(alert);
          lost++;
        }
        if (lost > 0) {
          this.#options.onLost?.(lost);
          this.#options.logger.warn({ count: lost }, 'alerts this GenHook held were claimed by another replica (it was unresponsive longer than redis_claim_idle)');
        }
      }
      const room = this.#room();
      if (room > 0) {
        const claimed = await this.#held.backend.claim(Math.min(room, HAND_BATCH));
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
      this.#held.hold(item);
      if (item.redeliveries > 0) redelivered++;
      // Local delivery may lack room for a moment (an alert ending is counted until its hooks are done): keep it, in order.
      if (this.#refused.length > 0 || !this.#options.deliver(item.alert, item.priorProgress)) this.#refused.push(item);
    }
    if (redelivered > 0) this.#options.onRedelivery?.(redelivered);
  }
}
