import { BodyError, type BodyPosition } from '../errors/index.js';
import { forbiddenKeys, isForbiddenKey } from './forbidden-keys.js';
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

/**
 * Parse a JSON body defensively:
 * - nesting deeper than `maxDepth` is refused (code `too_deep`). V8's JSON.parse is iterative (since V8 7.6),
 *   so even absurd nesting parses without exhausting the stack; the depth is then checked by one iterative
 *   walk of the result, which costs far less than scanning every character of the text;
 * - syntax errors name the UTF-8 byte offset, line and column, never the payload text (code `invalid_json`);
 * - properties named `__proto__`, `constructor` or `prototype` are dropped at every level (in the same walk),
 *   so no later merge or path lookup can reach Object.prototype through them.
 * @throws {BodyError} with status 400.
 */
export function parseJsonSafe(text: string, { maxDepth = 64 }: ParseJsonOptions = {}): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // The fault locator recurses, so bound the depth before it runs.
    const deepAt = findDepthExcess(text, maxDepth);
    if (deepAt >= 0) throw tooDeep(text, deepAt, maxDepth);
    // V8's message quotes the payload, so locate the fault ourselves instead of passing it on.
    const fault = locateJsonFault(text) ?? { index: text.length, reason: 'malformed JSON' };
    const position = positionOf(text, fault.index);
    throw new BodyError('invalid_json', `Request body is not valid JSON ${describePosition(position)}: ${fault.reason}`, { position });
  }
  if (!isShallowDroppingUnsafeKeys(value, maxDepth)) throw tooDeep(text, findDepthExcess(text, maxDepth), maxDepth);
  return value;
}

function tooDeep(text: string, index: number, maxDepth: number): BodyError {
  const position = positionOf(text, Math.max(0, index));
  return new BodyError('too_deep', `JSON nesting exceeds ${maxDepth} levels ${describePosition(position)}; send a flatter payload`, { position });
}

/**
 * One iterative walk of freshly parsed JSON: false as soon as an object or array sits deeper than
 * `maxDepth` (the outermost one is level 1), and unsafe keys deleted on the way. The value is our own
 * copy, so mutating it is safe.
 */
function isShallowDroppingUnsafeKeys(root: unknown, maxDepth: number): boolean {
  if (typeof root !== 'object' || root === null) return true;
  if (maxDepth < 1) return false;
  const nodes: object[] = [root];
  const depths: number[] = [1];
  while (nodes.length > 0) {
    const node = nodes.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    // Plain loops without per-node arrays: this runs on every webhook.
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i += 1) {
        const child: unknown = node[i];
        if (typeof child !== 'object' || child === null) continue;
        if (depth >= maxDepth) return false;
        nodes.push(child);
        depths.push(depth + 1);
      }
      continue;
    }
    for (const key in node) {
      if (isForbiddenKey(key)) {
        delete node[key];
        continue;
      }
      const child = node[key];
      if (typeof child !== 'object' || child === null) continue;
      if (depth >= maxDepth) return false;
      nodes.push(child);
      depths.push(depth + 1);
    }
  }
  return true;
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
    if (forbiddenKeys.has(key)) continue;
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

/**
 * Decodes a string that holds a JSON object or array (AWS SNS `Message`). Anything else, including
 * invalid JSON, gives undefined: a string is only looked into when it clearly holds JSON. It is as
 * untrusted as the body, so it gets the same depth limit and prototype-key filter.
 */
export function parseJsonText(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return parseJsonSafe(text);
  } catch {
    return undefined;
  }
}
