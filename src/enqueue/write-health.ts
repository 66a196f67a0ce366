/**
 * Whether the journal's writes succeed. While they fail, webhooks get 503 and nobody may send any (a load balancer
 * reads /ready), so a probe record is tried every second on its own and the journal comes back by itself.
 */
import type { StoreLogger } from '../store/errors.js';

/** While writes fail, one probe record (a done for no alert: ignored on recovery) is tried this often. */
export const PROBE_INTERVAL_MS = 1000;
export const PROBE_ID = '\u0000probe';

export class WriteHealth {
  readonly #path: string;
  readonly #logger: StoreLogger | undefined;
  readonly #probe: () => void;
  /** The last write's error while writes fail; undefined while they succeed. */
  #failure: unknown;
  #timer: NodeJS.Timeout | undefined;

  /** `probe` tries one probe write (and may call stop() when the journal closes). */
  constructor(path: string, logger: StoreLogger | undefined, probe: () => void) {
    this.#path = path;
    this.#logger = logger;
    this.#probe = probe;
  }

  get failure(): unknown {
    return this.#failure;
  }

  get isFailing(): boolean {
    return this.#failure !== undefined;
  }

  failing(error: unknown): void {
    const wasHealthy = this.#failure === undefined;
    this.#failure = error;
    if (wasHealthy) this.#logger?.warn({ err: error, file: this.#path }, 'journal: writes fail; webhooks get 503 until a probe write succeeds');
    this.#timer ??= setInterval(this.#probe, PROBE_INTERVAL_MS);
    this.#timer.unref();
  }

  healthy(): void {
    if (this.#failure !== undefined) this.#logger?.warn({ file: this.#path }, 'journal: writes succeed again; accepting webhooks');
    this.#failure = undefined;
    this.stop();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
