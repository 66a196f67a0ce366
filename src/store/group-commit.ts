/**
 * Group commit: items pushed while a batch is being written wait for the next batch, and each batch is one write
 * (plus one fsync when any item in it asked for durability). Under load the cost of an fsync is shared by every
 * request that arrived during the previous one, instead of each request paying for its own.
 */

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function createDeferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface GroupCommitOptions<T> {
  /** Writes one batch, in push order; a rejection fails every push of that batch. */
  readonly flush: (items: readonly T[], isDurable: boolean) => Promise<void>;
  /** Runs after each batch, with nothing in flight: the one moment a writer may swap files. Errors are its own. */
  readonly onBatchEnd?: () => Promise<void>;
}

export class GroupCommit<T> {
  readonly #flush: GroupCommitOptions<T>['flush'];
  readonly #onBatchEnd: GroupCommitOptions<T>['onBatchEnd'];
  #items: T[] = [];
  #isDurable = false;
  // One promise per batch, shared by all its pushes: 100 appends cost one allocation, not 100.
  #next: Deferred | undefined;
  #running: Promise<void> | undefined;
  #batches = 0;

  constructor(options: GroupCommitOptions<T>) {
    this.#flush = options.flush;
    this.#onBatchEnd = options.onBatchEnd;
  }

  /** Batches written so far (each one write call, and at most one fsync). */
  get batches(): number {
    return this.#batches;
  }

  /** Items waiting for the next batch. */
  get queued(): number {
    return this.#items.length;
  }

  /** Queues an item; resolves once the batch holding it is written (and synced, if `isDurable`). */
  push(item: T, isDurable: boolean): Promise<void> {
    this.#items.push(item);
    if (isDurable) this.#isDurable = true;
    this.#next ??= createDeferred();
    this.#start();
    return this.#next.promise;
  }

  /** Runs the batch-end hook soon even when nothing is queued (a background job has something to finish). */
  kick(): void {
    this.#start();
  }

  /** Resolves when everything pushed so far is written and no batch is running. */
  async drain(): Promise<void> {
    while (this.#running) await this.#running;
  }

  #start(): void {
    this.#running ??= this.#run();
  }

  async #run(): Promise<void> {
    // Yield once so pushes made in the same tick (a burst of requests) share the first batch.
    await undefined;
    for (;;) {
      if (this.#items.length > 0) await this.#writeBatch();
      if (this.#onBatchEnd) await this.#onBatchEnd().catch(() => undefined);
      if (this.#items.length === 0) {
        // Cleared synchronously after the last check, so a later push always starts a new run.
        this.#running = undefined;
        return;
      }
    }
  }

  async #writeBatch(): Promise<void> {
    const items = this.#items;
    const isDurable = this.#isDurable;
    const done = this.#next;
    this.#items = [];
    this.#isDurable = false;
    this.#next = undefined;
    this.#batches++;
    try {
      await this.#flush(items, isDurable);
      done?.resolve();
    } catch (error) {
      done?.reject(error);
    }
  }
}
