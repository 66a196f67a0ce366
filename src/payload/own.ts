/**
 * Own-property reads of untrusted values. A field named `__proto__`, `constructor` or `toString` can neither
 * reach Object.prototype nor make a reader throw: only own, enumerable, non-forbidden keys are read.
 */
import { isForbiddenKey } from './forbidden-keys.js';

/** A non-null, non-array object: something keys can be read from. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value` has `key` as a readable own property; tells a present `undefined`/`null` from a missing key. */
export function findOwn(value: unknown, key: string): { found: true; value: unknown } | { found: false } {
  if (!isRecord(value) || isForbiddenKey(key) || !Object.hasOwn(value, key)) return { found: false };
  if (!Object.prototype.propertyIsEnumerable.call(value, key)) return { found: false };
  return { found: true, value: value[key] };
}

/** `value[key]` when `value` is a record owning `key`, else undefined. */
export function readOwn(value: unknown, key: string): unknown {
  const step = findOwn(value, key);
  return step.found ? step.value : undefined;
}

/** Whether `value` owns `key` (any value, even null). */
export function hasOwnKey(value: unknown, key: string): boolean {
  return findOwn(value, key).found;
}

/** The string at `key` of a record, or undefined (absent, or any other type). */
export function readString(value: unknown, key: string): string | undefined {
  const found = readOwn(value, key);
  return typeof found === 'string' ? found : undefined;
}
