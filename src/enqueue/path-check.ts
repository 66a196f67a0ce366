/**
 * Whether the journal's file is still the one at its path, asked every PATH_CHECK_MS instead of after every batch.
 * Why: the check is a stat, a second thread-pool job beside each batch's write; under moderate load (a batch or two a
 * request) it cost 4-8% of GenHook's CPU and four context switches a request (bench machine, paced 1,100/s pinned,
 * `perf stat`: 682-700 → 627-653 µs a webhook, 11.1-11.5 → 7.0-7.1 switches). A timer also notices a deletion while
 * no webhook comes, which a check per batch never did. What it costs: a crash within PATH_CHECK_MS of a deletion
 * loses what the deleted file held (before, within one batch of it).
 */
import type { JournalFile } from './journal-file.js';

const PATH_CHECK_MS = 100;

export class PathCheck {
  readonly #file: JournalFile;
  readonly #timer: NodeJS.Timeout;
  /** Set by the timer: the next batch (or the batch-end hook, when none comes) checks the path. */
  #isDue = true;

  /** `onDue` runs each time a check falls due (the journal starts a batch-end pass, so one runs with no webhook). */
  constructor(file: JournalFile, onDue: () => void) {
    this.#file = file;
    this.#timer = setInterval(() => {
      this.#isDue = true;
      onDue();
    }, PATH_CHECK_MS);
    this.#timer.unref();
  }

  get isDue(): boolean {
    return this.#isDue;
  }

  /** The check when one is due (it is then no longer), its rejection handled for whoever does not await it. */
  take(): Promise<'deleted' | 'replaced' | undefined> | undefined {
    if (!this.#isDue) return undefined;
    this.#isDue = false;
    const displaced = this.#file.displacement();
    displaced.catch(() => undefined);
    return displaced;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
