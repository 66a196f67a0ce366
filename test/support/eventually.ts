/**
 * Waits for something another part makes true (a server, a child process, a file, a metric): runs `check`
 * at once and then every `intervalMs` until it returns a value other than undefined, null or false, and
 * resolves with that value. `check` may be async. The timeout only guards against a hang — it is never a
 * speed assertion — and its error names `what` and the last value seen.
 * @example const entries = await eventually('one dead letter', async () => ((await read()).length >= 1 ? read() : undefined));
 */
export async function eventually<T>(
  what: string,
  check: () => T | Promise<T>,
  { timeoutMs = 15_000, intervalMs = 20 }: { readonly timeoutMs?: number; readonly intervalMs?: number } = {},
): Promise<Exclude<T, undefined | null | false>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      last = await check();
    } catch (error) {
      last = error;
    }
    if (last !== undefined && last !== null && last !== false && !(last instanceof Error)) return last as Exclude<T, undefined | null | false>;
    if (Date.now() >= deadline) {
      const seen = last instanceof Error ? `${last.name}: ${last.message}` : String(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${seen})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
