import { Slots } from './slots.js';

/**
 * The delivery slots: one set of `max_worker_threads` for every attempt, and in front of it one set per source
 * that has a limit of its own, whose tasks are "wait for a global slot, then attempt". A busy source therefore
 * holds at most its limit of global slots (waiting or running) and never starves the others, each source is
 * served in arrival order, and both limits change live (lowering one lets the attempts running finish).
 */
export class ConcurrencyLimits {
  readonly #global: Slots;
  /** Created on first use, so a limit added by a reload applies to that source's next attempt. */
  readonly #sources = new Map<string, Slots>();
  #limits: ReadonlyMap<string, number>;

  constructor(maxConcurrent: number, perSource: ReadonlyMap<string, number>) {
    this.#global = new Slots(maxConcurrent);
    this.#limits = perSource;
  }

  /** Runs `task` once both the source's limit (if any) and the global one have a free slot. */
  async run<R>(source: string, task: () => Promise<R>): Promise<R> {
    // The same Slots is given back that was taken, although a reload may replace the source's meanwhile.
    const limited = this.#slotsFor(source);
    const sourceSlot = limited?.take();
    if (sourceSlot !== undefined) await sourceSlot;
    try {
      const globalSlot = this.#global.take();
      if (globalSlot !== undefined) await globalSlot;
      try {
        return await task();
      } finally {
        this.#global.give();
      }
    } finally {
      limited?.give();
    }
  }

  setLimits(maxConcurrent: number, perSource: ReadonlyMap<string, number>): void {
    this.#limits = perSource;
    this.#global.limit = maxConcurrent;
    for (const [source, slots] of this.#sources) {
      const limit = perSource.get(source);
      if (limit !== undefined) {
        slots.limit = limit;
        continue;
      }
      // Limit removed: what waits for this source's slots flows on at once; the source's next attempts skip them.
      slots.limit = Number.POSITIVE_INFINITY;
      this.#sources.delete(source);
    }
  }

  /** For close(): every waiting task starts at once, limits aside (each finds the dispatcher closed and ends). */
  flush(): void {
    this.#global.limit = Number.POSITIVE_INFINITY;
    for (const slots of this.#sources.values()) slots.limit = Number.POSITIVE_INFINITY;
  }

  #slotsFor(source: string): Slots | undefined {
    const limit = this.#limits.get(source);
    if (limit === undefined) return undefined;
    let slots = this.#sources.get(source);
    if (slots === undefined) {
      slots = new Slots(limit);
      this.#sources.set(source, slots);
    }
    return slots;
  }
}
