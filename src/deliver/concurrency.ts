import PQueue from 'p-queue';

/** Anything that waits for a slot; `source` picks the per-source limit. */
export interface Slotted {
  readonly source: string;
}

/** Gives the slot back; call exactly once, when the work done in it has settled. */
export type ReleaseSlot = () => void;

/**
 * The slots attempts run in: a global p-queue of `max_worker_threads` workers, fed by a FIFO per source that
 * has a limit of its own, so a busy source holds at most its limit of global slots. What waits is plain
 * data: an alert waiting for its first attempt costs one array cell, and only as many tasks as there are
 * free workers are handed to the p-queue, so an alert's promises, closures and retry state are made by
 * `take` only once it holds a slot. Both limits can change while alerts wait.
 */
export class ConcurrencyLimits<T extends Slotted> {
  readonly #workers: PQueue;
  #perSource: ReadonlyMap<string, number>;
  /** Past their source's limit, in order, waiting for a global slot; `#readyGates` runs alongside. */
  readonly #ready = new Fifo<T | Ticket>();
  readonly #readyGates = new Fifo<SourceGate | undefined>();
  /** Created on first use, so a limit added by a reload applies to that source's next attempt. */
  readonly #gates = new Map<string, SourceGate>();
  readonly #take: (item: T, release: ReleaseSlot) => void;
  #isPumping = false;

  /** `take` starts the work for a waiting item once it holds both slots; it must call `release` once done. */
  constructor(maxConcurrent: number, perSource: ReadonlyMap<string, number>, take: (item: T, release: ReleaseSlot) => void) {
    this.#workers = new PQueue({ concurrency: maxConcurrent });
    // A finished task frees a worker: hand it the next waiting item.
    this.#workers.on('next', () => this.#pump());
    this.#perSource = perSource;
    this.#take = take;
  }

  /** Queues `item`; `take` gets it when both limits allow, in arrival order per source. */
  add(item: T): void {
    this.#enqueue(item);
  }

  /** Runs `task` once both the source's limit (if any) and the global one have a free slot. */
  run<R>(source: string, task: () => Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => this.#enqueue(new Ticket(source, task, resolve as (value: unknown) => void, reject)));
  }

  #enqueue(item: T | Ticket): void {
    const gate = this.#gateFor(item.source);
    if (gate === undefined) {
      this.#ready.push(item);
      this.#readyGates.push(undefined);
    } else {
      gate.waiting.push(item);
      this.#admit(gate);
    }
    this.#pump();
  }

  /** Attempts running keep going; no new one starts until the count is below the new limit. */
  setLimits(maxConcurrent: number, perSource: ReadonlyMap<string, number>): void {
    this.#perSource = perSource;
    this.#workers.concurrency = maxConcurrent;
    for (const [source, gate] of this.#gates) {
      const limit = perSource.get(source);
      if (limit === undefined) {
        // Limit removed: what this gate holds flows on unhindered; the source's next attempts skip it.
        gate.limit = Number.POSITIVE_INFINITY;
        this.#gates.delete(source);
      } else gate.limit = limit;
      this.#admit(gate);
    }
    this.#pump();
  }

  /** Hands every waiting item to `take` (or runs its task) at once, limits aside: for close(), where each ends at once. */
  flush(): void {
    this.#workers.concurrency = Number.POSITIVE_INFINITY;
    for (const gate of this.#gates.values()) {
      gate.limit = Number.POSITIVE_INFINITY;
      this.#admit(gate);
    }
    this.#pump();
  }

  #gateFor(source: string): SourceGate | undefined {
    const limit = this.#perSource.get(source);
    if (limit === undefined) return undefined;
    let gate = this.#gates.get(source);
    if (gate === undefined) {
      gate = new SourceGate(limit);
      this.#gates.set(source, gate);
    }
    return gate;
  }

  /** Moves what the source's limit allows to the global FIFO; it counts against the source until released. */
  #admit(gate: SourceGate): void {
    while (gate.running < gate.limit && gate.waiting.size > 0) {
      gate.running++;
      this.#ready.push(gate.waiting.shift() as T | Ticket);
      this.#readyGates.push(gate);
    }
  }

  #pump(): void {
    // Not re-entered: a take that releases at once would otherwise recurse once per waiting item.
    if (this.#isPumping) return;
    this.#isPumping = true;
    try {
      const workers = this.#workers;
      while (workers.pending + workers.size < workers.concurrency && this.#ready.size > 0) {
        const item = this.#ready.shift() as T | Ticket;
        const gate = this.#readyGates.shift();
        // The worker is held until the item's work calls release.
        void workers.add(
          () =>
            new Promise<void>((done) => {
              const release = this.#releaser(gate, done);
              if (item instanceof Ticket) item.start(release);
              else this.#take(item, release);
            }),
        );
      }
    } finally {
      this.#isPumping = false;
    }
  }

  #releaser(gate: SourceGate | undefined, freeWorker: () => void): ReleaseSlot {
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      freeWorker();
      if (gate !== undefined) {
        gate.running--;
        this.#admit(gate);
      }
      this.#pump();
    };
  }
}

class SourceGate {
  limit: number;
  /** Items moved on to the global FIFO or running, not yet released. */
  running = 0;
  readonly waiting = new Fifo<Slotted>();

  constructor(limit: number) {
    this.limit = limit;
  }
}

/** A task queued by run(): a retry's attempt, whose caller awaits the result. */
class Ticket implements Slotted {
  readonly source: string;
  readonly #task: () => Promise<unknown>;
  readonly #resolve: (value: unknown) => void;
  readonly #reject: (reason: unknown) => void;

  constructor(source: string, task: () => Promise<unknown>, resolve: (value: unknown) => void, reject: (reason: unknown) => void) {
    this.source = source;
    this.#task = task;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  start(release: ReleaseSlot): void {
    let running: Promise<unknown>;
    try {
      running = this.#task();
    } catch (err) {
      running = Promise.reject(err);
    }
    running.then(this.#resolve, this.#reject).finally(release);
  }
}

/** Array FIFO with a moving head: shift() is O(1) where Array#shift copies the rest. */
class Fifo<V> {
  #items: (V | undefined)[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(value: V): void {
    this.#items.push(value);
  }

  /** Undefined when empty (callers check size first). */
  shift(): V | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const value = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return value;
  }
}
