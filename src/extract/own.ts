import { forbiddenKeys } from '../rules/types.js';
import { parseJsonSafe } from '../security/body.js';

/** A non-null, non-array object: something keys can be read from. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads an own enumerable property, never a prototype key: payloads are untrusted and a field
 * named `__proto__` or `constructor` must neither reach Object.prototype nor a result object.
 */
export function readOwn(value: unknown, key: string): { found: true; value: unknown } | { found: false } {
  if (!isRecord(value) || forbiddenKeys.has(key) || !Object.hasOwn(value, key)) return { found: false };
  if (!Object.prototype.propertyIsEnumerable.call(value, key)) return { found: false };
  return { found: true, value: value[key] };
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
