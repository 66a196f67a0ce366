/** Resolves after `ms`, or as soon as the `wake` function handed to `setWake` is called, whichever comes first. */
export function sleepUntilWoken(ms: number, setWake: (wake: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const wake = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    setWake(wake);
  });
}
