/**
 * What an SL1 answer (or a failure to get one) means for the alert. Pure: status, headers and the clock in,
 * a decision out, so the whole policy is one table test.
 */
export type Outcome =
  | { readonly kind: 'delivered' }
  | { readonly kind: 'retryable'; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly kind: 'permanent'; readonly reason: string; readonly isAuth: boolean };

export type ResponseHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export interface ClassifyOptions {
  /** Epoch ms, to turn a `Retry-After` HTTP-date into a delay. @default Date.now() */
  readonly now?: number;
  /** Longest `Retry-After` honoured; a server asking for more gets this. @default 60000 */
  readonly maxRetryAfterMs?: number;
}

/** Per RFC 9110 these ask the client to come back later; 5xx are the server's own trouble. */
const RETRYABLE_4XX: ReadonlySet<number> = new Set([408, 425, 429]);

export function classifyResponse(status: number, headers: ResponseHeaders = {}, options: ClassifyOptions = {}): Outcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status === 401 || status === 403) {
    // SL1 locks the account after repeated failed logins, so these are never retried.
    const detail = firstHeader(headers, 'x-em7-status-message');
    return {
      kind: 'permanent',
      isAuth: true,
      reason: `SL1 answered ${status}${detail === undefined ? '' : ` (${detail})`}: check sl1_username and sl1_password`,
    };
  }
  if (RETRYABLE_4XX.has(status) || status >= 500) {
    const retryAfterMs = parseRetryAfter(firstHeader(headers, 'retry-after'), options);
    const reason = `SL1 answered ${status}`;
    return retryAfterMs === undefined ? { kind: 'retryable', reason } : { kind: 'retryable', reason, retryAfterMs };
  }
  if (status >= 300 && status < 400) {
    // A redirect on POST /api/alert means the URL is wrong (http to https, a login page, a proxy); following it
    // would resend Basic credentials to wherever Location points, so it is reported, not followed.
    const location = firstHeader(headers, 'location');
    return {
      kind: 'permanent',
      isAuth: false,
      reason: `SL1 answered ${status} redirect${location === undefined ? '' : ` to ${location}`}: set sl1_api_url to the final https URL of /api/alert`,
    };
  }
  // 400, 404, 422 and the rest: the same body would be refused again.
  return { kind: 'permanent', isAuth: false, reason: `SL1 answered ${status}` };
}

/** Network-level failures (refused, reset, DNS, TLS, timeouts, aborts) are all worth another try. */
export function classifyError(err: unknown): Outcome {
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | null | undefined;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (name === 'TimeoutError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT'
    || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') {
    return { kind: 'retryable', reason: `timeout: ${message}` };
  }
  if (code === 'UND_ERR_INVALID_ARG') {
    // Our own request was malformed (a header value with a newline, say): resending cannot help.
    return { kind: 'permanent', isAuth: false, reason: `invalid SL1 request: ${message}` };
  }
  return { kind: 'retryable', reason: `${code ?? name}: ${message}` };
}

/** Retry-After is delay-seconds or an HTTP-date (RFC 9110 10.2.3); anything else is ignored. */
export function parseRetryAfter(value: string | undefined, options: ClassifyOptions = {}): number | undefined {
  if (value === undefined) return undefined;
  const max = options.maxRetryAfterMs ?? 60_000;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+$/.test(trimmed)) {
    ms = Number(trimmed) * 1000;
  } else {
    // An HTTP-date always names a day or month; Date.parse alone would read "-5" as a year.
    if (!/[a-z]{3}/i.test(trimmed)) return undefined;
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    ms = at - (options.now ?? Date.now());
  }
  return Math.min(Math.max(0, ms), max);
}

function firstHeader(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

/** The `x-em7-*` headers SL1 uses for status detail, worth logging with every non-2xx answer. */
export function pickEm7Headers(headers: ResponseHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && key.toLowerCase().startsWith('x-em7-')) {
      out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : (value as string);
    }
  }
  return out;
}
