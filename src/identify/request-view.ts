/**
 * What identification and handshakes see of an incoming request: already parsed, never the raw bytes.
 * Every reader here looks at own properties only (`Object.hasOwn`), so a body carrying `__proto__`,
 * `constructor` or `toString` keys can neither reach the prototype nor make a reader throw.
 */
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

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string of at most {@link MAX_SAFE_STRING_LENGTH} characters with no control characters. */
export function isSafeString(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length > 0 &&
    value.length <= MAX_SAFE_STRING_LENGTH &&
    !UNSAFE_CHARACTERS.test(value)
  );
}

/** `value[key]` when `value` is a record that owns `key`, else undefined. */
export function readOwn(value: unknown, key: string): unknown {
  return isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

/** Follows an already-split path (`['event', 'type']`) through own properties of records. */
export function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** The string at `key` of a record, or undefined (absent, or any other type). */
export function readString(value: unknown, key: string): string | undefined {
  const found = readOwn(value, key);
  return typeof found === 'string' ? found : undefined;
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
