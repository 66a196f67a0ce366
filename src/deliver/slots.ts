/**
 * A counting semaphore with a FIFO of waiters: `limit` holders at a time, the rest let in in arrival order as
 * slots free. What the delivery slots need of p-queue and no more: no events, no priorities, no timeouts, and
 * no promise at all for a caller that finds a slot free. A waiter is held only until it is let in.
 */
export class Slots {
  #limit: number;
  #busy = 0;
  /** Waiters, oldest at `#head` (shift() would copy the rest on each start). */
  #waiting: ((() => void) | undefined)[] = [];
  #head = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** A new limit applies at once: raised, waiters are let in; lowered, holders finish first. */
  set limit(limit: number) {
    this.#limit = limit;
    this.#letIn();
  }

  /** Takes a slot: undefined when one was free, else a promise that resolves once the slot is the caller's. */
  take(): Promise<void> | undefined {
    if (this.#busy < this.#limit && this.#head === this.#waiting.length) {
      this.#busy++;
      return undefined;
    }
    return new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  /** Gives a slot taken back: the oldest waiter gets it. */
  give(): void {
    this.#busy--;
    this.#letIn();
  }

  #letIn(): void {
    while (this.#busy < this.#limit && this.#head < this.#waiting.length) {
      const resolve = this.#waiting[this.#head] as () => void;
      this.#waiting[this.#head++] = undefined;
      this.#busy++;
      resolve();
    }
    if (this.#head === this.#waiting.length) {
      if (this.#head > 0) this.#waiting = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
  }
}
