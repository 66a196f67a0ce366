import PQueue from 'p-queue';

/**
 * The slots attempts run in: one global queue (`max_worker_threads`) fed by a queue per source that has a
 * limit of its own, so a busy source holds at most its limit of global slots. Both limits can change while
 * alerts wait (p-queue applies a new `concurrency` to the tasks it has not started yet).
 */
export class ConcurrencyLimits {
  readonly #global: PQueue;
  /** Created on first use, so a limit added by a reload applies to that source's next attempt. */
  readonly #sourceQueues = new Map<string, PQueue>();
  #perSource: ReadonlyMap<string, number>;

  constructor(maxConcurrent: number, perSource: ReadonlyMap<string, number>) {
    this.#global = new PQueue({ concurrency: maxConcurrent });
    this.#perSource = perSource;
  }

  /** Runs `task` once both the source's queue (if limited) and the global one have a free slot. */
  run<T>(source: string, task: () => Promise<T>): Promise<T> {
    const inGlobal = () => this.#global.add(task);
    const perSource = this.#sourceQueue(source);
    return perSource === undefined ? inGlobal() : perSource.add(inGlobal);
  }

  /** Attempts running keep going; no new one starts until the count is below the new limit. */
  setLimits(maxConcurrent: number, perSource: ReadonlyMap<string, number>): void {
    this.#perSource = perSource;
    this.#global.concurrency = maxConcurrent;
    for (const [source, queue] of this.#sourceQueues) {
      const limit = perSource.get(source);
      if (limit !== undefined) {
        queue.concurrency = limit;
        continue;
      }
      // Limit removed: what this queue holds flows on unhindered; the source's next attempts skip it.
      queue.concurrency = Number.POSITIVE_INFINITY;
      this.#sourceQueues.delete(source);
    }
  }

  #sourceQueue(source: string): PQueue | undefined {
    const limit = this.#perSource.get(source);
    if (limit === undefined) return undefined;
    let queue = this.#sourceQueues.get(source);
    if (queue === undefined) {
      queue = new PQueue({ concurrency: limit });
      this.#sourceQueues.set(source, queue);
    }
    return queue;
  }
}
