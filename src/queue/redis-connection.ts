/**
 * How GenHook talks to Redis, shared by the queue, the limits and the dlq CLI: the connection settings
 * that keep the edge honest (no offline queue: a write while disconnected fails now and the edge answers
 * 503, never 2xx later), a timer around each command for the genhook_redis_* metrics, and the reading of
 * stream entries.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { decodeAlertJson } from '../alert.js';

/** Counted per command: the metrics edge turns these into genhook_redis_* series. */
export interface RedisObserver {
  onCommand?(command: string, seconds: number, isOk: boolean): void;
  onClaimed?(count: number): void;
  /** Consumers of replicas gone for good, removed from the consumer group (their names). */
  onConsumersRemoved?(names: readonly string[]): void;
}

/** One stream entry as XREADGROUP / XAUTOCLAIM / XRANGE return it (fields null when deleted meanwhile). */
export type StreamEntry = [id: string, fields: string[] | null];

export interface ConnectionOptions {
  /** Shown in CLIENT LIST, so an operator sees which replica holds a connection. */
  readonly name: string;
  /** One command may take this long before it fails; undefined for a blocking reader. */
  readonly commandTimeoutMs: number | undefined;
  /** Reconnect forever with a capped pause (a server), or never (a one-shot CLI). @default true */
  readonly reconnect?: boolean;
}

export function openRedisConnection(url: string, options: ConnectionOptions): Redis {
  const settings: RedisOptions = {
    lazyConnect: true,
    // RESP2: the reply shapes of Redis 7.0, Valkey and managed Redis alike (some refuse HELLO 3).
    protocol: 2,
    // Never queue a write while disconnected: the edge must answer 503 now, not 2xx later.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectionName: options.name,
    retryStrategy: options.reconnect === false ? () => null : (times: number) => Math.min(100 * times, 2000),
  };
  if (options.commandTimeoutMs !== undefined) settings.commandTimeout = options.commandTimeoutMs;
  const redis = new Redis(url, settings);
  // ioredis reports every failed reconnect as an 'error' event; the callers see the failures themselves.
  redis.on('error', () => undefined);
  return redis;
}

/** Runs one command (or MULTI, or script) and tells the observer how long it took and whether it failed. */
export async function timed<T>(observer: RedisObserver | undefined, command: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await run();
    observer?.onCommand?.(command, (performance.now() - started) / 1000, true);
    return result;
  } catch (error) {
    observer?.onCommand?.(command, (performance.now() - started) / 1000, false);
    throw error;
  }
}

/** The value of field `name` in an entry's flat [field, value, ...] list. */
export function fieldOf(fields: readonly string[] | null, name: string): string | undefined {
  if (fields === null) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** The JSON in field `name` of an entry, or undefined when the entry is gone, foreign or torn. */
export function jsonFieldOf<T>(fields: readonly string[] | null, name: string): T | undefined {
  const text = fieldOf(fields, name);
  if (text === undefined) return undefined;
  try {
    // decodeAlertJson: alerts and dead-letter entries carry their request body spliced in (see encodeAlertJson).
    return decodeAlertJson(text) as T;
  } catch {
    return undefined;
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparsable)';
  }
}
