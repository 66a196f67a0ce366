/**
 * What identification and handshakes see of an incoming request: already parsed, never the raw bytes.
 * Every reader here looks at own properties only (see ./own.ts).
 */
import { readString } from './own.js';

export interface RequestView {
  /** Upper-case HTTP method: `'POST'`, `'OPTIONS'`. */
  readonly method: string;
  /** Header names lower-cased, one value each. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON (already safe-parsed); `undefined` when there was no body. */
  readonly body: unknown;
}

/** Longest event name or delivery id we pass on; longer values are treated as absent. */
export const MAX_SAFE_STRING_LENGTH = 200;

// C0/C1 controls, line/paragraph separators and bidi overrides: none belong in an event name, a log line or a key.
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/** A non-empty string of at most {@link MAX_SAFE_STRING_LENGTH} characters with no control characters. */
export function isSafeString(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_SAFE_STRING_LENGTH &&
    !UNSAFE_CHARACTERS.test(value)
  );
}

/** A header value by lower-case name, or undefined. */
export function readHeader(req: RequestView, name: string): string | undefined {
  return readString(req.headers, name);
}

/**
 * Whether the request carries a header with a value. An empty or blank one (`X-GitHub-Event:`) says nothing
 * about who sent the request, so it identifies nothing.
 */
export function hasHeader(req: RequestView, name: string): boolean {
  const value = readHeader(req, name);
  return value !== undefined && value.trim() !== '';
}
