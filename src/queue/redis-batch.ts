/**
 * Group commit for Redis calls: calls made in the same event-loop turn, or while the previous batch is in flight,
 * are sent as one command (one script call, one MULTI) and each caller gets its own result. At most one batch is in
 * flight, so under load each round trip to Redis (and its AOF fsync) is shared by every call that came in during the
 * one before; when idle a call waits only for the turn's check phase (setImmediate), where every request read in the
 * same poll has joined (ab-cpu with Redis, end to end: 343 → 289 µs of CPU an alert against a microtask's wait).
 * A batch fails as a whole: each of its callers gets the error.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

interface Waiting<I, R> {
  readonly item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export interface RedisBatchOptions<I, R> {
  /** Sends one batch, in call order; returns one result per item, in the same order. */
  readonly send: (items: readonly I[]) => Promise<readonly R[]>;
  /** Items per batch at most (bounds one command's size); the rest go in the next batch. */
  readonly maxItems: number;
}

export class RedisBatch<I, R> {
  readonly #options: RedisBatchOptions<I, R>;
  #waiting: Waiting<I, R>[] = [];
  #running = false;

  constructor(options: RedisBatchOptions<I, R>) {
    this.#options = options;
  }

  /** Resolves with this item's result once the batch holding it has been answered. */
  call(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (!this.#running) {
        this.#running = true;
        void this.#run();
      }
    });
  }

  async #run(): Promise<void> {
    while (this.#waiting.length > 0) {
      await nextTurn();
      const batch = this.#waiting.splice(0, this.#options.maxItems);
      try {
        const results = await this.#options.send(batch.map((waiting) => waiting.item));
        batch.forEach((waiting, index) => waiting.resolve(results[index] as R));
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.#running = false;
  }
}
