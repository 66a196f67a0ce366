import PQueue from 'p-queue';

/**
 * The delivery slots, the way p-queue documents queues: one p-queue of `max_worker_threads` for every
 * attempt, and in front of it one p-queue per source that has a limit of its own, whose tasks are "wait for
 * a global slot, then attempt". A busy source therefore holds at most its limit of global slots (waiting
 * or running) and never starves the others, each source is served in arrival order, and both limits change
 * live through p-queue's `concurrency` (lowering one lets the attempts running finish).
 */
export class ConcurrencyLimits {
  readonly #global: PQueue;
  /** Created on first use, so a limit added by a reload applies to that source's next attempt. */
  readonly #sources = new Map<string, PQueue>();
  #limits: ReadonlyMap<string, number>;

  constructor(maxConcurrent: number, perSource: ReadonlyMap<string, number>) {
    this.#global = new PQueue({ concurrency: maxConcurrent });
    this.#limits = perSource;
  }

  /** Runs `task` once both the source's limit (if any) and the global one have a free slot. */
  run<R>(source: string, task: () => Promise<R>): Promise<R> {
    const once = releasedOnStart(task);
    const inGlobalSlot = (): Promise<R> => this.#global.add(once);
    const limited = this.#queueFor(source);
    return limited === undefined ? inGlobalSlot() : limited.add(inGlobalSlot);
  }

  setLimits(maxConcurrent: number, perSource: ReadonlyMap<string, number>): void {
    this.#limits = perSource;
    this.#global.concurrency = maxConcurrent;
    for (const [source, queue] of this.#sources) {
      const limit = perSource.get(source);
      if (limit !== undefined) {
        queue.concurrency = limit;
        continue;
      }
      // Limit removed: what waits in this queue flows on at once; the source's next attempts skip it.
      queue.concurrency = Number.POSITIVE_INFINITY;
      this.#sources.delete(source);
    }
  }

  /** For close(): every waiting task starts at once, limits aside (each finds the dispatcher closed and ends). */
  flush(): void {
    this.#global.concurrency = Number.POSITIVE_INFINITY;
    for (const queue of this.#sources.values()) queue.concurrency = Number.POSITIVE_INFINITY;
  }

  #queueFor(source: string): PQueue | undefined {
    const limit = this.#limits.get(source);
    if (limit === undefined) return undefined;
    let queue = this.#sources.get(source);
    if (queue === undefined) {
      queue = new PQueue({ concurrency: limit });
      this.#sources.set(source, queue);
    }
    return queue;
  }
}

/**
 * `task`, holding it only until it starts. p-queue (9.3) leaves the tasks it has dequeued in its array until
 * it empties or compacts (past 100 of them): while delivery is behind, the queue never empties, and each
 * finished task would keep its alert alive there, up to 100 alerts beyond queue_max_bytes (a heap OOM).
 */
function releasedOnStart<R>(task: () => Promise<R>): () => Promise<R> {
  let pending: (() => Promise<R>) | undefined = task;
  return () => {
    const start = pending;
    pending = undefined;
    if (start === undefined) return Promise.reject(new Error('a delivery slot task was started twice'));
    return start();
  };
}
