/**
 * The queue on Redis Streams, shared by every replica pointed at one Redis:
 * - offer: one script checks the shared bound (XLEN), sets each delivery id `SET NX PX` and XADDs the
 *   new alerts, so dedup is recorded exactly when the alert is stored (with `appendfsync always` the
 *   reply means both are on the AOF's disk);
 * - reserve: XREADGROUP on one consumer group, so each alert goes to one replica;
 * - claim: XAUTOCLAIM of entries idle longer than `redis_claim_idle` (their holder died or froze);
 * - touch: a script re-claims, idle time back to 0, only the entries still this consumer's (a replica
 *   that was frozen and has been claimed from does not take its alerts back);
 * - complete / deadLetter: XACK + XDEL (+ XADD to the dead-letter stream) in one MULTI.
 */
import { Redis } from 'ioredis';
import type { Alert } from '../alert.js';
import type { DeadLetterEntry } from '../dead-letter/index.js';
import type { OfferItem, OfferResult, QueueBackend, QueuedAlert, QueueStats } from './backend.js';
import { CONSUMER_GROUP, redisKeys, type RedisKeys } from './redis-keys.js';

/** Counted per command: the metrics edge turns these into genhook_redis_* series. */
export interface RedisObserver {
  onCommand?(command: string, seconds: number, isOk: boolean): void;
  onClaimed?(count: number): void;
}

export interface RedisBackendOptions {
  readonly url: string;
  /** @default 'genhook:' */
  readonly prefix?: string;
  /** This process's stable name in the consumer group (kept in data_dir so a restart finds its own alerts). */
  readonly consumer: string;
  /** Entries idle this long in another consumer's hands are claimed. */
  readonly claimIdleMs: number;
  /** Alerts stored at most across all replicas; offer() answers `full` beyond. */
  readonly maxSize: number;
  readonly dedupWindowMs: number;
  /** One command may take this long before it fails (Redis hung or unreachable). @default 5000 */
  readonly commandTimeoutMs?: number;
  readonly observer?: RedisObserver;
}

/**
 * ARGV: max size, dedup window ms, alert count, then per alert its number of dedup keys and its payload;
 * KEYS: the stream, then each alert's dedup keys in order. Returns `{-1}` when full, otherwise per alert
 * its stream id, or '' when one of its keys was already set (a duplicate; nothing stored for it).
 */
const OFFER_SCRIPT = `
local max = tonumber(ARGV[1])
local count = tonumber(ARGV[3])
if max > 0 and redis.call('XLEN', KEYS[1]) + count > max then return {-1} end
local out = {}
local arg = 4
local key = 2
for i = 1, count do
  local keys = tonumber(ARGV[arg])
  local payload = ARGV[arg + 1]
  arg = arg + 2
  local duplicate = false
  for j = 0, keys - 1 do
    if redis.call('EXISTS', KEYS[key + j]) == 1 then duplicate = true end
  end
  if duplicate then
    out[#out + 1] = ''
  else
    for j = 0, keys - 1 do redis.call('SET', KEYS[key + j], '1', 'PX', ARGV[2]) end
    out[#out + 1] = redis.call('XADD', KEYS[1], '*', 'a', payload)
  end
  key = key + keys
end
return out
`;

/**
 * Sliding-window log of one source's requests, on Redis' clock. KEYS: the window set. ARGV: max, window
 * ms, a unique member. Returns 0 when charged, else the ms until the oldest entry leaves the window.
 */
const RATE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

/** ARGV: group, consumer, ids. Resets the idle time of the ids this consumer still holds; returns those. */
const TOUCH_SCRIPT = `
local kept = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    kept[#kept + 1] = ARGV[i]
  end
end
return kept
`;

/** The commands defineCommand() adds. */
interface Scripts {
  genhookOffer(...args: (string | number)[]): Promise<unknown>;
  genhookTouch(...args: (string | number)[]): Promise<unknown>;
  genhookRate(key: string, max: number, windowMs: number, member: string): Promise<number>;
}

type StreamEntry = [id: string, fields: string[] | null];

export async function createRedisBackend(options: RedisBackendOptions): Promise<RedisBackend> {
  const backend = new RedisBackend(options);
  await backend.connect();
  return backend;
}

export class RedisBackend implements QueueBackend {
  readonly kind = 'redis';
  readonly keys: RedisKeys;
  /** Commands that answer at once; shared with the shared limits (dedup, leases, rate, auth pause). */
  readonly redis: Redis;
  /** XREADGROUP BLOCK holds its connection: it gets its own. */
  readonly #blocking: Redis;
  readonly #o: RedisBackendOptions;
  #claimCursor = '0-0';
  #held = new Set<string>();
  #closed = false;
  #rateCounter = 0;

  constructor(options: RedisBackendOptions) {
    this.#o = options;
    this.keys = redisKeys(options.prefix ?? 'genhook:');
    const common = {
      lazyConnect: true,
      // RESP2: the reply shapes of Redis 7.0, Valkey and managed Redis alike (some refuse HELLO 3).
      protocol: 2,
      // Never queue a write while disconnected: the edge must answer 503 now, not 2xx later.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 5000,
      retryStrategy: (times: number) => Math.min(100 * times, 2000),
    } as const;
    this.redis = new Redis(options.url, { ...common, connectionName: `genhook:${options.consumer}` });
    this.#blocking = new Redis(options.url, { ...common, commandTimeout: undefined, connectionName: `genhook:${options.consumer}:read` });
    // ioredis reports every failed reconnect as an 'error' event; the callers see the failures themselves.
    this.redis.on('error', () => undefined);
    // EVALSHA with a fallback to EVAL: the script text crosses the wire once per connection, not per alert.
    this.redis.defineCommand('genhookOffer', { lua: OFFER_SCRIPT });
    this.redis.defineCommand('genhookTouch', { lua: TOUCH_SCRIPT, numberOfKeys: 1 });
    this.redis.defineCommand('genhookRate', { lua: RATE_SCRIPT, numberOfKeys: 1 });
    this.#blocking.on('error', () => undefined);
    // A Redis restarted without its data has no group: make it again whenever a connection comes up.
    this.redis.on('ready', () => void this.#ensureGroup().catch(() => undefined));
  }

  get #scripts(): Scripts {
    return this.redis as unknown as Scripts;
  }

  /** This process's name in the consumer group. */
  get consumer(): string {
    return this.#o.consumer;
  }

  get url(): string {
    return this.#o.url;
  }

  /** Entries this consumer reserved or claimed and has not completed. */
  get heldCount(): number {
    return this.#held.size;
  }

  get isConnected(): boolean {
    return this.redis.status === 'ready';
  }

  async connect(): Promise<void> {
    await Promise.all([this.redis.connect(), this.#blocking.connect()]);
    await this.#ensureGroup();
  }

  async offer(items: readonly OfferItem[]): Promise<OfferResult> {
    if (items.length === 0) return { kind: 'stored', duplicates: new Set() };
    const keys = [this.keys.stream];
    const args: (string | number)[] = [this.#o.maxSize, this.#o.dedupWindowMs, items.length];
    for (const { alert, dedupKeys = [] } of items) {
      for (const key of dedupKeys) keys.push(this.keys.dedup(key));
      args.push(dedupKeys.length, JSON.stringify(alert));
    }
    const reply = (await this.#timed('offer', () => this.#scripts.genhookOffer(keys.length, ...keys, ...args))) as (string | number)[];
    if (reply[0] === -1) return { kind: 'full' };
    const duplicates = new Set<string>();
    reply.forEach((id, index) => {
      const item = items[index];
      if (id === '' && item !== undefined) duplicates.add(item.alert.id);
    });
    return { kind: 'stored', duplicates };
  }

  /** `<source>_rate_limit` across replicas (a sliding-window log per source). */
  async chargeRate(source: string, limit: { readonly max: number; readonly windowMs: number }): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const member = `${this.#o.consumer}:${++this.#rateCounter}`;
    const waitMs = await this.#timed('rate', () => this.#scripts.genhookRate(this.keys.rate(source), limit.max, limit.windowMs, member));
    return waitMs === 0 ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  async reserve(max: number, waitMs: number): Promise<QueuedAlert[]> {
    if (max <= 0 || this.#closed) return [];
    const block = Math.max(1, Math.round(waitMs));
    const reply = (await this.#readGroup(() =>
      this.#blocking.call('XREADGROUP', 'GROUP', CONSUMER_GROUP, this.#o.consumer, 'COUNT', max, 'BLOCK', block, 'STREAMS', this.keys.stream, '>'),
    )) as [string, StreamEntry[]][] | null;
    return this.#toQueued(reply?.[0]?.[1] ?? [], 0);
  }

  async claim(max: number): Promise<QueuedAlert[]> {
    if (max <= 0 || this.#closed) return [];
    const reply = (await this.#timed('claim', () =>
      this.redis.call('XAUTOCLAIM', this.keys.stream, CONSUMER_GROUP, this.#o.consumer, this.#o.claimIdleMs, this.#claimCursor, 'COUNT', max),
    )) as [string, StreamEntry[], string[]?];
    this.#claimCursor = reply[0];
    const claimed = await this.#toQueued(reply[1], 1);
    if (claimed.length > 0) this.#o.observer?.onClaimed?.(claimed.length);
    return claimed;
  }

  async touch(tokens: readonly string[]): Promise<ReadonlySet<string>> {
    if (tokens.length === 0) return new Set();
    const kept = (await this.#timed('touch', () =>
      this.#scripts.genhookTouch(this.keys.stream, CONSUMER_GROUP, this.#o.consumer, ...tokens),
    )) as string[];
    const mine = new Set(kept);
    for (const token of tokens) if (!mine.has(token)) this.#held.delete(token);
    return mine;
  }

  async complete(item: QueuedAlert): Promise<void> {
    await this.#timed('complete', () => this.redis.multi().xack(this.keys.stream, CONSUMER_GROUP, item.token).xdel(this.keys.stream, item.token).exec());
    this.#held.delete(item.token);
  }

  async deadLetter(item: QueuedAlert, entry: DeadLetterEntry): Promise<void> {
    await this.#timed('dead_letter', () =>
      this.redis
        .multi()
        .xadd(this.keys.deadLetters, '*', 'e', JSON.stringify(entry))
        .xack(this.keys.stream, CONSUMER_GROUP, item.token)
        .xdel(this.keys.stream, item.token)
        .exec(),
    );
    this.#held.delete(item.token);
  }

  /** This consumer's own pending entries (its previous life, same consumer name): redelivered at once. */
  async recover(): Promise<QueuedAlert[]> {
    const out: QueuedAlert[] = [];
    let after = '0';
    for (;;) {
      const reply = (await this.#timed('recover', () =>
        this.redis.call('XREADGROUP', 'GROUP', CONSUMER_GROUP, this.#o.consumer, 'COUNT', 500, 'STREAMS', this.keys.stream, after),
      )) as [string, StreamEntry[]][] | null;
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) return out;
      out.push(...(await this.#toQueued(entries, 1)));
      after = entries[entries.length - 1]?.[0] ?? after;
    }
  }

  async stats(): Promise<QueueStats> {
    const pending = await this.#timed('stats', () => this.redis.xlen(this.keys.stream));
    return { pending, held: this.#held.size };
  }

  /** Dead letters, oldest first, with their stream ids (for `genhook dlq`). */
  async listDeadLetters(): Promise<{ id: string; entry: DeadLetterEntry }[]> {
    const rows = (await this.#timed('dlq_list', () => this.redis.xrange(this.keys.deadLetters, '-', '+'))) as [string, string[]][];
    const out: { id: string; entry: DeadLetterEntry }[] = [];
    for (const [id, fields] of rows) {
      const text = fieldOf(fields, 'e');
      if (text === undefined) continue;
      try {
        out.push({ id, entry: JSON.parse(text) as DeadLetterEntry });
      } catch {
        // A foreign or torn entry is shown by nobody; it stays for a person with redis-cli.
      }
    }
    return out;
  }

  async removeDeadLetters(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.#timed('dlq_remove', () => this.redis.xdel(this.keys.deadLetters, ...ids));
  }

  /** Puts dead-lettered alerts back on the queue (a replay through the replicas) and removes them from the dead letters. */
  async requeueDeadLetters(rows: readonly { id: string; alert: Alert }[]): Promise<void> {
    if (rows.length === 0) return;
    const multi = this.redis.multi();
    for (const { id, alert } of rows) multi.xadd(this.keys.stream, '*', 'a', JSON.stringify(alert)).xdel(this.keys.deadLetters, id);
    await this.#timed('dlq_requeue', () => multi.exec());
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#blocking.disconnect();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  async #ensureGroup(): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.keys.stream, CONSUMER_GROUP, '0', 'MKSTREAM');
    } catch (error) {
      if (!String(error).includes('BUSYGROUP')) throw error;
    }
  }

  async #readGroup<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await this.#timed('reserve', read);
    } catch (error) {
      if (!String(error).includes('NOGROUP')) throw error;
      await this.#ensureGroup();
      return this.#timed('reserve', read);
    }
  }

  async #toQueued(entries: readonly StreamEntry[], redeliveries: number): Promise<QueuedAlert[]> {
    const out: QueuedAlert[] = [];
    const gone: string[] = [];
    for (const [id, fields] of entries) {
      const text = fields === null ? undefined : fieldOf(fields, 'a');
      let alert: Alert | undefined;
      try {
        alert = text === undefined ? undefined : (JSON.parse(text) as Alert);
      } catch {
        alert = undefined;
      }
      // Deleted meanwhile (completed by a replica that was only slow) or unreadable: nothing to deliver.
      if (alert === undefined) gone.push(id);
      else {
        this.#held.add(id);
        out.push({ alert, token: id, redeliveries });
      }
    }
    if (gone.length > 0) await this.#timed('ack', () => this.redis.xack(this.keys.stream, CONSUMER_GROUP, ...gone));
    return out;
  }

  async #timed<T>(command: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await run();
      this.#o.observer?.onCommand?.(command, (performance.now() - started) / 1000, true);
      return result;
    } catch (error) {
      this.#o.observer?.onCommand?.(command, (performance.now() - started) / 1000, false);
      throw error;
    }
  }
}

function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
