/** Where delivery keys seen are remembered (the edge's dedup cache, which the journal persists). */
export interface SeenKeys {
  has(key: string, now: number): boolean;
  record(key: string, at: number): void;
}

/** Seen keys kept for `windowMs`; insertion order is expiry order, so pruning stops at the first live one. */
export function windowedSeenKeys(windowMs: number): SeenKeys {
  const seenAt = new Map<string, number>();
  return {
    has: (key, now) => {
      for (const [oldest, at] of seenAt) {
        if (now - at < windowMs) break;
        seenAt.delete(oldest);
      }
      return seenAt.has(key);
    },
    record: (key, at) => {
      seenAt.delete(key);
      seenAt.set(key, at);
    },
  };
}
