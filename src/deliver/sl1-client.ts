import { Pool } from 'undici';
import type { Alert } from '../alert.js';
import type { ResponseHeaders } from './classify.js';
import { assertPositiveInteger, describeExpected, DeliveryOptionError } from './errors.js';
import { Sl1Exchange, type ExchangeLimits, type Sl1Answer } from './sl1-exchange.js';

/** The body SL1's documentation shows for POST /api/alert; every value is a string. */
export const SL1_DEFAULT_BODY: Readonly<Record<string, string>> = Object.freeze({
  force_ytype: '0',
  force_yid: '0',
  force_yname: '',
  message: '',
  value: '0',
  threshold: '0',
  message_time: '0',
  aligned_resource: '/api/organization/0',
});

/** Bytes of an SL1 answer kept for logs and the dead-letter file. */
export const BODY_EXCERPT_BYTES = 512;
/** Bytes of a success answer read to find the id SL1 gave the alert (its echo of the alert is well below this). */
const SUCCESS_BODY_BYTES = 32 * 1024;
/** Past this, an answer is not worth reading to the end: the socket is dropped instead of reused. */
const MAX_DISCARD_BYTES = 1024 * 1024;
const EXCHANGE_LIMITS: ExchangeLimits = { excerptBytes: BODY_EXCERPT_BYTES, successBytes: SUCCESS_BODY_BYTES, discardBytes: MAX_DISCARD_BYTES };

/** Defaults, then the source's configured fields (adding an SL1 field is config, not code), then the message. */
export function buildAlertBody(alert: Pick<Alert, 'message' | 'fields'>): Record<string, string> {
  return { ...SL1_DEFAULT_BODY, ...alert.fields, message: alert.message };
}

export interface Sl1ClientOptions {
  /** Full URL of SL1's alert endpoint, `https://sl1.example.com/api/alert`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Keep-alive sockets to SL1; size it to the dispatcher's global concurrency. @default 50 */
  readonly connections?: number;
  /** Bound on one request, connect to last body byte. @default 10000 */
  readonly timeoutMs?: number;
}

export interface Sl1Response {
  readonly status: number;
  readonly headers: ResponseHeaders;
  readonly em7Headers: Readonly<Record<string, string>>;
  /** First {@link BODY_EXCERPT_BYTES} bytes of the answer, for errors; the rest is read and discarded. */
  readonly bodyExcerpt: string;
  /** The id SL1 gave the alert, when a success answer's JSON body names one (`id`, `alert_id`, `uri`). */
  readonly sl1Id?: string;
  readonly durationMs: number;
}

export interface Sl1Client {
  /** One POST; resolves with whatever SL1 answered, rejects only when no answer arrived (network, timeout, abort). */
  send(alert: Pick<Alert, 'message' | 'fields'>, signal?: AbortSignal): Promise<Sl1Response>;
  /**
   * Closes the pool. By default it is destroyed: open sockets are closed and requests in progress fail.
   * `graceful: true` (a client being replaced after a reload) refuses new sends at once and destroys the
   * pool only once every request in progress has settled on its own (answer, timeout, caller's abort).
   */
  close(options?: Sl1CloseOptions): Promise<void>;
}

export interface Sl1CloseOptions {
  /** Wait for requests in progress instead of aborting them. @default false */
  readonly graceful?: boolean;
}

/** send() on a client that is closing or closed: a caller bug, never an SL1 answer. */
export class Sl1ClientClosedError extends Error {
  override readonly name = 'Sl1ClientClosedError';
  readonly code = 'sl1_client_closed';
}

export function createSl1Client(options: Sl1ClientOptions): Sl1Client {
  const { connections = 50, timeoutMs = 10_000 } = options;
  assertPositiveInteger('connections', connections);
  assertPositiveInteger('timeoutMs', timeoutMs);
  const target = parseSl1Url(options.url);
  const pool = new Pool(target.origin, {
    connections,
    pipelining: 1,
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  // Compiled once: only the body changes per request.
  const headers = {
    authorization: `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`,
    'content-type': 'application/json',
    accept: 'application/json',
  };
  const path = `${target.pathname}${target.search}`;
  /** Sends in progress, so a graceful close knows what to wait for. */
  let inProgress = 0;
  let isClosing = false;
  let onSettled: (() => void) | undefined;
  let settled: Promise<void> | undefined;

  /** Abort listeners, one per caller's signal (the dispatcher's close), not one per request. */
  const watchers = new WeakMap<AbortSignal, Set<Sl1Exchange>>();
  const watch = (signal: AbortSignal): Set<Sl1Exchange> => {
    let exchanges = watchers.get(signal);
    if (exchanges === undefined) {
      const watching = new Set<Sl1Exchange>();
      signal.addEventListener('abort', () => {
        for (const exchange of watching) exchange.abort(abortReason(signal));
      }, { once: true });
      watchers.set(signal, watching);
      exchanges = watching;
    }
    return exchanges;
  };

  return {
    send(alert, signal) {
      if (signal?.aborted === true) return Promise.reject(signal.reason);
      if (isClosing) return Promise.reject(new Sl1ClientClosedError('This SL1 client is closed: send through the one that replaced it'));
      inProgress++;
      const started = performance.now();
      const watching = signal === undefined ? undefined : watch(signal);
      return new Promise<Sl1Response>((resolve, reject) => {
        const exchange = new Sl1Exchange(EXCHANGE_LIMITS, (error, answer) => {
          clearTimeout(timer);
          watching?.delete(exchange);
          if (--inProgress === 0) onSettled?.();
          if (answer === undefined) reject(error);
          else resolve(toResponse(answer, performance.now() - started));
        });
        const timer = setTimeout(() => {
          exchange.abort(new DOMException(`SL1 did not answer within ${timeoutMs} ms`, 'TimeoutError'));
        }, timeoutMs);
        watching?.add(exchange);
        pool.dispatch({ method: 'POST', path, headers, body: JSON.stringify(buildAlertBody(alert)) }, exchange);
      });
    },
    async close({ graceful = false } = {}) {
      isClosing = true;
      if (graceful && inProgress > 0) await (settled ??= new Promise<void>((resolve) => (onSettled = resolve)));
      await pool.destroy();
    },
  };
}

function parseSl1Url(url: string): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new DeliveryOptionError(describeExpected('url', 'an http(s) URL such as https://sl1.example.com/api/alert', url));
  }
  return parsed;
}

const SL1_ID_KEYS = ['id', 'alert_id', 'uri', 'URI'] as const;

/**
 * The id SL1 put the alert under, from its JSON answer's top level (`{"id": 4711}`, `{"uri": "/api/alert/4711"}`);
 * undefined when the body is not a whole JSON object (cut at the read limit) or names none. SL1's documented
 * answer echoes the alert without an id, so this is usually undefined and the Location header says it instead.
 */
export function sl1IdOf(text: string): string | undefined {
  if (!text.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  for (const key of SL1_ID_KEYS) {
    const value = Object.hasOwn(parsed, key) ? (parsed as Record<string, unknown>)[key] : undefined;
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value === 'string' && value !== '' && value.length <= 200 && !/[\u0000-\u001f\u007f]/.test(value)) return value;
  }
  return undefined;
}

function toResponse(answer: Sl1Answer, durationMs: number): Sl1Response {
  const isSuccess = answer.status >= 200 && answer.status < 300;
  const sl1Id = isSuccess ? sl1IdOf(answer.text) : undefined;
  return {
    status: answer.status,
    headers: answer.headers,
    em7Headers: answer.em7Headers,
    bodyExcerpt: isSuccess ? '' : answer.text,
    ...(sl1Id === undefined ? {} : { sl1Id }),
    durationMs,
  };
}

/** The signal's reason as an Error (what the request is rejected with), as undici's own abort handling gives it. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('This operation was aborted', 'AbortError');
}
