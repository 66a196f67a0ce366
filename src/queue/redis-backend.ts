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
 * Offers and completions made while one is in flight are sent together (redis-batch.ts): one script call, one MULTI.
 * The scripts are in redis-scripts.ts, the connection settings and command timing in redis-connection.ts,
 * the dead-letter stream in redis-dead-letters.ts.
 */
import type { Redis } from 'ioredis';
import { encodeAlertJson, type Alert } from '../alert.js';
import type { DeadLetterEntry } from '../dead-letter/index.js';
import type { PriorProgress, OfferItem, OfferResult, QueueBackend, QueuedAlert, QueueStats } from './backend.js';
import { jsonFieldOf, openRedisConnection, timed, type RedisObserver, type StreamEntry } from './redis-connection.js';
import { readDeadLetterStream, requeueFromDeadLetters, type RedisDeadLetterRow } from './redis-dead-letters.js';
import { CONSUMER_GROUP, formatProgress, parseProgress, redisKeys, type RedisKeys } from './redis-keys.js';
import { defineQueueScripts, type QueueScripts } from './redis-scripts.js';
import { RedisBatch } from './redis-batch.js';
import { offerArguments, offerResult } from './redis-offer.js';

export type { RedisObserver } from './redis-connection.js';

/** A consumer idle this many times redis_claim_idle, holding nothing, is gone for good (see reapConsumers). */
export const CONSUMER_IDLE_FACTOR = 10;
/** Offers (requests) per script call, completions per MULTI, at most: they bound one command's size. */
const OFFERS_PER_CALL = 128, COMPLETIONS_PER_CALL = 512;

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
  /**
   * A consumer (another replica's name in the group) that has read nothing this long and holds nothing is
   * removed from the group: a replica that never comes back must not stay listed forever. @default 10 × claimIdleMs
   */
  readonly consumerIdleMaxMs?: number;
  /** One command may take this long before it fails (Redis hung or unreachable). @default 5000 */
  readonly commandTimeoutMs?: number;
  readonly observer?: RedisObserver;
}

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
  readonly #options: RedisBackendOptions;
  readonly #scripts: QueueScripts;
  readonly #offers: RedisBatch<readonly OfferItem[], OfferResult>;
  readonly #completions: RedisBatch<QueuedAlert, void>;
  #claimCursor = '0-0';
  #reapDue = 0;
  #held = new Set<string>();
  /** Tokens this consumer wrote a progress field for (noteRetry). */
  readonly #progressed = new Set<string>();
  #closed = false;
  #rateCounter = 0;

  constructor(options: RedisBackendOptions) {
    this.#options = options;
    this.keys = redisKeys(options.prefix ?? 'genhook:');
    const name = `genhook:${options.consumer}`;
    this.redis = openRedisConnection(options.url, { name, commandTimeoutMs: options.commandTimeoutMs ?? 5000 });
    this.#blocking = openRedisConnection(options.url, { name: `${name}:read`, commandTimeoutMs: undefined });
    this.#scripts = defineQueueScripts(this.redis);
    this.#offers = new RedisBatch({ maxItems: OFFERS_PER_CALL, send: (offers) => this.#sendOffers(offers) });
    this.#completions = new RedisBatch({ maxItems: COMPLETIONS_PER_CALL, send: (items) => this.#sendCompletions(items) });
    // A Redis restarted without its data has no group: make it again whenever a connection comes up.
    this.redis.on('ready', () => void this.#ensureGroup().catch(() => undefined));
  }

  /** This process's name in the consumer group. */
  get consumer(): string {
    return this.#options.consumer;
  }

  get url(): string {
    return this.#options.url;
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
    return this.#offers.call(items);
  }

  /** `<source>_rate_limit` across replicas (a sliding-window log per source). */
  async chargeRate(source: string, limit: { readonly max: number; readonly windowMs: number }): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const member = `${this.#options.consumer}:${++this.#rateCounter}`;
    const waitMs = await this.#timed('rate', () => this.#scripts.genhookRate(this.keys.rate(source), limit.max, limit.windowMs, member));
    return waitMs === 0 ? { ok: true } : { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }

  async reserve(max: number, waitMs: number): Promise<QueuedAlert[]> {
    if (max <= 0 || this.#closed) return [];
    const block = Math.max(1, Math.round(waitMs));
    const reply = (await this.#readGroup(() =>
      this.#blocking.call('XREADGROUP', 'GROUP', CONSUMER_GROUP, this.#options.consumer, 'COUNT', max, 'BLOCK', block, 'STREAMS', this.keys.stream, '>'),
    )) as [string, StreamEntry[]][] | null;
    return this.#toQueued(reply?.[0]?.[1] ?? [], 0);
  }

  async claim(max: number): Promise<QueuedAlert[]> {
    if (max <= 0 || this.#closed) return [];
    const reply = (await this.#timed('claim', () =>
      this.redis.call('XAUTOCLAIM', this.keys.stream, CONSUMER_GROUP, this.#options.consumer, this.#options.claimIdleMs, this.#claimCursor, 'COUNT', max),
    )) as [string, StreamEntry[], string[]?];
    this.#claimCursor = reply[0];
    const claimed = await this.#toQueued(reply[1], 1);
    if (claimed.length > 0) this.#options.observer?.onClaimed?.(claimed.length);
    if (Date.now() >= this.#reapDue) {
      this.#reapDue = Date.now() + this.consumerIdleMaxMs / 2;
      // Upkeep only: a failure here must not cost the claim; the next round tries again.
      await this.reapConsumers().catch(() => undefined);
    }
    return claimed;
  }

  /** How long another consumer may read nothing (and hold nothing) before it is removed from the group. */
  get consumerIdleMaxMs(): number {
    return this.#options.consumerIdleMaxMs ?? CONSUMER_IDLE_FACTOR * this.#options.claimIdleMs;
  }

  /**
   * Removes the consumers of replicas gone for good: idle longer than consumerIdleMaxMs and holding nothing
   * (what a dead replica held is claimed first, after redis_claim_idle). Run from claim(); returns the names.
   */
  async reapConsumers(): Promise<string[]> {
    const removed = await this.#timed('reap', () => this.#scripts.genhookReap(this.keys.stream, CONSUMER_GROUP, this.#options.consumer, this.consumerIdleMaxMs));
    if (removed.length > 0) this.#options.observer?.onConsumersRemoved?.(removed);
    return removed;
  }

  async touch(tokens: readonly string[]): Promise<ReadonlySet<string>> {
    if (tokens.length === 0) return new Set();
    const kept = await this.#timed('touch', () => this.#scripts.genhookTouch(this.keys.stream, CONSUMER_GROUP, this.#options.consumer, ...tokens));
    const mine = new Set(kept);
    for (const token of tokens) if (!mine.has(token)) this.#held.delete(token);
    return mine;
  }

  /** Kept next to the entry until it completes: a replica that claims it goes on with these attempts and this backoff. */
  async noteRetry(item: QueuedAlert, progress: PriorProgress): Promise<void> {
    await this.#timed('note_retry', () => this.redis.hset(this.keys.progress, item.token, formatProgress(progress)));
    this.#progressed.add(item.token);
  }

  async complete(item: QueuedAlert): Promise<void> {
    await this.#completions.call(item);
    this.#held.delete(item.token);
  }

  async #sendOffers(offers: readonly (readonly OfferItem[])[]): Promise<OfferResult[]> {
    const args = offerArguments(offers, this.keys, this.#options.maxSize, this.#options.dedupWindowMs);
    const reply = await this.#timed('offer', () => this.#scripts.genhookOffer(...args));
    return offers.map((items, index) => offerResult(items, reply[index]));
  }

  /** Completions batched: one MULTI of one XACK and one XDEL (and an HDEL for those that failed once) for them all. */
  async #sendCompletions(items: readonly QueuedAlert[]): Promise<void[]> {
    const tokens = items.map((item) => item.token);
    const multi = this.redis.multi().xack(this.keys.stream, CONSUMER_GROUP, ...tokens).xdel(this.keys.stream, ...tokens);
    // Only alerts that failed once (here, or before a takeover) have a progress field to remove.
    const progressed = items.filter((item) => this.#progressed.delete(item.token) || item.priorProgress !== undefined).map((item) => item.token);
    await this.#timed('complete', () => (progressed.length > 0 ? multi.hdel(this.keys.progress, ...progressed) : multi).exec());
    return [];
  }

  async deadLetter(item: QueuedAlert, entry: DeadLetterEntry): Promise<void> {
    await this.#timed('dead_letter', () =>
      this.redis
        .multi()
        .xadd(this.keys.deadLetters, '*', 'e', encodeAlertJson(entry))
        .xack(this.keys.stream, CONSUMER_GROUP, item.token)
        .xdel(this.keys.stream, item.token)
        .hdel(this.keys.progress, item.token)
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
        this.redis.call('XREADGROUP', 'GROUP', CONSUMER_GROUP, this.#options.consumer, 'COUNT', 500, 'STREAMS', this.keys.stream, after),
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

  /** Dead letters, oldest first, with their stream ids (the console, the admin API). */
  listDeadLetters(): Promise<RedisDeadLetterRow[]> {
    return readDeadLetterStream(this.redis, this.keys.deadLetters, this.#options.observer);
  }

  async removeDeadLetters(streamIds: readonly string[]): Promise<number> {
    if (streamIds.length === 0) return 0;
    return this.#timed('dlq_remove', () => this.redis.xdel(this.keys.deadLetters, ...streamIds));
  }

  /** Puts dead-lettered alerts back on the queue (a replay through the replicas) and removes them from the dead letters. */
  requeueDeadLetters(rows: readonly { readonly streamId: string; readonly alert: Alert }[]): Promise<void> {
    return requeueFromDeadLetters(this.redis, this.keys, rows, this.#options.observer);
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
      const alert = jsonFieldOf<Alert>(fields, 'a');
      // Deleted meanwhile (completed by a replica that was only slow) or unreadable: nothing to deliver.
      if (alert === undefined) gone.push(id);
      else {
        this.#held.add(id);
        out.push({ alert, token: id, redeliveries });
      }
    }
    if (gone.length > 0) await this.#timed('ack', () => this.redis.multi().xack(this.keys.stream, CONSUMER_GROUP, ...gone).hdel(this.keys.progress, ...gone).exec());
    // Taken over or recovered: go on with the attempts and backoff its earlier holder recorded.
    if (redeliveries === 0 || out.length === 0) return out;
    const progress = await this.#timed('progress', () => this.redis.hmget(this.keys.progress, ...out.map((item) => item.token)));
    return out.map((item, index) => {
      const priorProgress = parseProgress(progress[index]);
      return priorProgress === undefined ? item : { ...item, priorProgress };
    });
  }

  #timed<T>(command: string, run: () => Promise<T>): Promise<T> {
    return timed(this.#options.observer, command, run);
  }
}
