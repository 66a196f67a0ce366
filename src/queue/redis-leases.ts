/**
 * `<source>_max_concurrent` across replicas: a sorted set per source of lease tokens scored by expiry
 * (Redis' own clock, so replicas' clocks need not agree). Taking a lease is one script: drop the expired,
 * count, add. A replica that dies holding leases loses them when they expire (ttl: the longest an SL1
 * attempt may take, plus a margin), so a dead holder never blocks a source for good.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';

/** KEYS: the lease set. ARGV: limit, ttl ms, token. 1 when taken. */
const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

export interface LeaseLogger {
  warn(details: object, message: string): void;
}

export interface RedisLeasesOptions {
  readonly redis: Redis;
  readonly keys: RedisKeys;
  /** How long a lease lives if never released: the longest attempt (processing timeout) plus a margin. */
  readonly ttlMs: () => number;
  readonly logger: LeaseLogger;
  /** Counted each time a lease could not be had at once (the source is at its limit across replicas). */
  readonly onWait?: (source: string) => void;
}

interface LeaseScripts {
  genhookLease(key: string, limit: number, ttlMs: number, token: string): Promise<number>;
}

const NO_LEASE = { release: () => undefined };

export class RedisLeases {
  readonly #options: RedisLeasesOptions;
  readonly #prefix = randomBytes(6).toString('hex');
  #counter = 0;
  #isWarned = false;

  constructor(options: RedisLeasesOptions) {
    this.#options = options;
    options.redis.defineCommand('genhookLease', { lua: ACQUIRE_SCRIPT, numberOfKeys: 1 });
  }

  async acquire(source: string, limit: number, signal: AbortSignal): Promise<{ release(): void }> {
    const key = this.#options.keys.leases(source);
    const token = `${this.#prefix}:${++this.#counter}`;
    const scripts = this.#options.redis as unknown as LeaseScripts;
    // Polls with a growing, jittered pause: a lease is held for one SL1 call, so a slot frees within milliseconds to seconds.
    for (let round = 0; ; round++) {
      if (signal.aborted) return NO_LEASE;
      let isTaken = false;
      try {
        isTaken = (await scripts.genhookLease(key, limit, this.#options.ttlMs(), token)) === 1;
        this.#isWarned = false;
      } catch (error) {
        if (!this.#isWarned) this.#options.logger.warn({ err: error, source }, 'Redis unreachable: deliveries of a source with a shared limit wait until it is back');
        this.#isWarned = true;
      }
      if (isTaken) return { release: () => void this.#options.redis.zrem(key, token).catch(() => undefined) };
      if (round === 0) this.#options.onWait?.(source);
      await pause(Math.min(250, 10 * 2 ** Math.min(round, 5)) * (0.5 + Math.random() / 2), signal);
    }
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
