import type { PriorProgress } from './backend.js';

/**
 * Every Redis key GenHook uses, under `redis_prefix`. The queue's keys share the hash tag `{q}` so that
 * the scripts and MULTI blocks touching several of them run on one Redis Cluster slot; the shared limits
 * (leases, rate windows, the auth pause) are keyed per source and stand alone.
 */
export interface RedisKeys {
  /** The stream of accepted alerts; one consumer group reads it. */
  readonly stream: string;
  /** Dead letters, a stream of entries (`genhook dlq list|replay` read it). */
  readonly deadLetters: string;
  /** Hash: stream id → `<attempts>:<notBefore ms>` of alerts waiting for a retry (read back on takeover). */
  readonly progress: string;
  /** `SET NX PX` marker of a provider delivery id, in the queue's slot (the offer script writes both). */
  dedup(key: string): string;
  /** Sorted set of delivery leases of one source, scored by expiry. */
  leases(source: string): string;
  /** Sorted set of one source's recent requests (sliding-window rate limit). */
  rate(source: string): string;
  /** The SL1 auth pause shared by every replica. */
  readonly authPause: string;
}

export const CONSUMER_GROUP = 'genhook';

export function redisKeys(prefix: string): RedisKeys {
  return {
    stream: `${prefix}{q}:alerts`,
    deadLetters: `${prefix}{q}:dead`,
    progress: `${prefix}{q}:progress`,
    dedup: (key) => `${prefix}{q}:dedup:${key}`,
    leases: (source) => `${prefix}{lease:${source}}:held`,
    rate: (source) => `${prefix}{rate:${source}}:window`,
    authPause: `${prefix}sl1:auth-pause`,
  };
}

/** A progress field's value: `<attempts>:<notBefore ms>`. */
export function formatProgress(progress: PriorProgress): string {
  return `${progress.attempts}:${Math.round(progress.notBefore)}`;
}

/** `<attempts>:<notBefore ms>` as noteRetry wrote it; undefined when absent or not GenHook's. */
export function parseProgress(text: string | null | undefined): PriorProgress | undefined {
  const match = /^(\d+):(\d+)$/.exec(text ?? '');
  return match ? { attempts: Number(match[1]), notBefore: Number(match[2]) } : undefined;
}
