import { BodyError, type BodyPosition } from './errors.js';
import { findDepthExcess, locateJsonFault } from './json-scan.js';

/** How a body will be read, from its Content-Type; the edge answers `unsupported` with 415. */
export type ContentKind = 'json' | 'form' | 'unsupported';

export interface ParseJsonOptions {
  /**
   * Deepest nesting of objects and arrays accepted.
   * @default 64
   */
  readonly maxDepth?: number;
}

/** Keys that could reach Object.prototype if a later stage merged the payload into another object. */
const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

// `fatal` makes malformed bytes an error instead of U+FFFD; a leading BOM is dropped (ignoreBOM: false).
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode the raw body as UTF-8. @throws {BodyError} code `invalid_encoding` (400) on malformed bytes. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new BodyError('invalid_encoding', 'Request body is not valid UTF-8; send the payload encoded as UTF-8');
  }
}

/** Position of a UTF-16 index as a UTF-8 byte offset plus 1-based line and column (in code points). */
export function positionOf(text: string, index: number): BodyPosition {
  const before = text.slice(0, index);
  const lineStart = before.lastIndexOf('\n') + 1;
  let line = 1;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line += 1;
  const column = [...before.slice(lineStart)].length + 1;
  return { offset: Buffer.byteLength(before, 'utf8'), line, column };
}

function describePosition({ offset, line, column }: BodyPosition): string {
  return `at byte ${offset} (line ${line}, column ${column})`;
}

function dropUnsafeKeys(key: string, value: unknown): unknown {
  return UNSAFE_KEYS.has(key) ? undefined : value;
}

/** A reviver slows JSON.parse severalfold, so use it only when an unsafe key (or an escape that could spell one) may be present. */
function mayHoldUnsafeKeys(text: string): boolean {
  return text.includes('__proto__') || text.includes('constructor') || text.includes('prototype') || text.includes('\\u');
}

/**
 * Parse a JSON body defensively:
 * - nesting deeper than `maxDepth` is refused by a bracket scan before `JSON.parse`, so 10,000 levels cost
 *   one linear pass and no stack (code `too_deep`);
 * - syntax errors name the UTF-8 byte offset, line and column, never the payload text (code `invalid_json`);
 * - properties named `__proto__`, `constructor` or `prototype` are dropped at every level, so no later
 *   merge or path lookup can reach Object.prototype through them.
 * @throws {BodyError} with status 400.
 */
export function parseJsonSafe(text: string, { maxDepth = 64 }: ParseJsonOptions = {}): unknown {
  const deepAt = findDepthExcess(text, maxDepth);
  if (deepAt >= 0) {
    const position = positionOf(text, deepAt);
    throw new BodyError('too_deep', `JSON nesting exceeds ${maxDepth} levels ${describePosition(position)}; send a flatter payload`, { position });
  }
  try {
    return mayHoldUnsafeKeys(text) ? JSON.parse(text, dropUnsafeKeys) : JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // V8's message quotes the payload, so locate the fault ourselves instead of passing it on.
    const fault = locateJsonFault(text) ?? { index: text.length, reason: 'malformed JSON' };
    const position = positionOf(text, fault.index);
    throw new BodyError('invalid_json', `Request body is not valid JSON ${describePosition(position)}: ${fault.reason}`, { position });
  }
}

/**
 * Read an `application/x-www-form-urlencoded` body. Slack interactive components and shortcuts send
 * `payload=<json>`: that JSON is returned (parsed with `parseJsonSafe`). Any other form becomes an object
 * of its fields; a repeated field becomes an array; unsafe keys are dropped as in `parseJsonSafe`.
 */
export function parseFormPayload(text: string, options: ParseJsonOptions = {}): unknown {
  const params = new URLSearchParams(text);
  const payload = params.get('payload');
  if (payload !== null) return parseJsonSafe(payload, options);

  const fields: Record<string, string | string[]> = {};
  for (const [key, value] of params) {
    if (UNSAFE_KEYS.has(key)) continue;
    const previous = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (previous === undefined) fields[key] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else fields[key] = [previous, value];
  }
  return fields;
}

const STRUCTURED_JSON = /^[a-z0-9!#$&^_.-]+\/[a-z0-9!#$&^_.+-]+\+json$/;

/**
 * `json` for application/json, any `+json` type (CloudEvents, `application/cloudevents-batch+json`),
 * text/plain (AWS SNS posts JSON as `text/plain; charset=UTF-8`) and a missing Content-Type;
 * `form` for application/x-www-form-urlencoded; `unsupported` otherwise.
 */
export function contentKind(contentType: string | undefined): ContentKind {
  const type = (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  if (type === '' || type === 'application/json' || type === 'text/plain' || STRUCTURED_JSON.test(type)) return 'json';
  if (type === 'application/x-www-form-urlencoded') return 'form';
  return 'unsupported';
}
