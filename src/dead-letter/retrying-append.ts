/**
 * A dead-letter append that does not give up: while the file cannot be written (disk full, a directory in its
 * place), the entry is tried again with backoff, the alert keeps its place in the queue (so memory stays bounded)
 * and stays journaled, and /ready reports the file as not writable. Nothing is lost: either the line is written and
 * the alert leaves the journal, or GenHook stops and the journal delivers it again on the next start.
 */
import type { DeadLetterEntry, DeadLetterFile } from './dead-letter-file.js';

export interface DeadLetterHealth {
  readonly writable: boolean;
  /** Entries waiting for the file to become writable. */
  readonly waiting: number;
  readonly error?: string;
}

export interface RetryingDeadLetters {
  /** Resolves true once written; false when stop() came first (the alert stays journaled). */
  append(entry: DeadLetterEntry, onFailure: (error: unknown, attempt: number) => void): Promise<boolean>;
  readonly health: DeadLetterHealth;
  /** Shutdown: waiting appends give up at once and resolve false. */
  stop(): void;
}

export interface RetryOptions {
  /** @default 500 */
  readonly firstDelayMs?: number;
  /** @default 30000 */
  readonly maxDelayMs?: number;
}

export function retryingDeadLetters(file: DeadLetterFile, options: RetryOptions = {}): RetryingDeadLetters {
  const { firstDelayMs = 500, maxDelayMs = 30_000 } = options;
  let waiting = 0;
  let lastError: unknown;
  let isStopped = false;
  const sleepers = new Set<() => void>();
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  return {
    async append(entry, onFailure) {
      for (let attempt = 1, delay = firstDelayMs; ; attempt++, delay = Math.min(delay * 2, maxDelayMs)) {
        try {
          await file.append(entry);
          lastError = undefined;
          return true;
        } catch (error) {
          lastError = error;
          onFailure(error, attempt);
        }
        if (isStopped) return false;
        waiting++;
        try {
          await sleep(delay);
        } finally {
          waiting--;
        }
        if (isStopped) return false;
      }
    },
    get health(): DeadLetterHealth {
      return lastError === undefined ? { writable: true, waiting } : { writable: false, waiting, error: String(lastError) };
    },
    stop() {
      isStopped = true;
      for (const wake of [...sleepers]) wake();
    },
  };
}
