/**
 * "At most once a minute per line": tells whether a key may be logged now, and how many times it was
 * held back since it last was. Bounded: keys are rule names (a config's lines), and the map is
 * cleared when it grows past `maxKeys` (a reload with new line names).
 */
export interface OncePerInterval {
  /** Undefined when held back; otherwise how many were held back before this one. */
  take(key: string, nowMs: number): { suppressed: number } | undefined;
}

export function oncePerInterval(intervalMs: number, maxKeys = 10_000): OncePerInterval {
  const state = new Map<string, { lastMs: number; suppressed: number }>();
  return {
    take(key, nowMs) {
      const entry = state.get(key);
      if (entry !== undefined && nowMs - entry.lastMs < intervalMs) {
        entry.suppressed++;
        return undefined;
      }
      if (entry === undefined && state.size >= maxKeys) state.clear();
      const suppressed = entry?.suppressed ?? 0;
      state.set(key, { lastMs: nowMs, suppressed: 0 });
      return { suppressed };
    },
  };
}
