/**
 * Event-driven waits for dispatcher tests: hooks call `changed()`, and `until(what, done)` resolves as soon as
 * `done()` holds after a change (the timeout is only a guard against a hang, never a speed assertion).
 */
export interface Waiter {
  readonly changed: () => void;
  readonly until: (what: string, done: () => boolean, timeoutMs?: number) => Promise<void>;
}

export function createWaiter(defaultTimeoutMs = 10_000): Waiter {
  const checks = new Set<() => void>();
  return {
    changed: () => {
      for (const check of [...checks]) check();
    },
    until: (what, done, timeoutMs = defaultTimeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const check = (): void => {
          if (!done()) return;
          checks.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          checks.delete(check);
          reject(new Error(`timed out waiting for ${what}`));
        }, timeoutMs);
        checks.add(check);
        check();
      }),
  };
}
