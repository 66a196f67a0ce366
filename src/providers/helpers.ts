/** Small readers several provider files share. Body-shape tests are strict; the table's order does the rest. */
import { hasOwnKey, isSafeString, readOwn, readPath, readString } from '../payload/index.js';

export function hasString(value: unknown, key: string): boolean {
  return readString(value, key) !== undefined;
}

export function hasKey(value: unknown, key: string): boolean {
  return hasOwnKey(value, key);
}

/** A non-empty array whose every element passes `test` (a loop, so huge arrays cost time, not stack). */
export function isBatchOf(value: unknown, test: (element: unknown) => boolean): boolean {
  if (!Array.isArray(value) || value.length === 0) return false;
  for (const element of value) if (!test(element)) return false;
  return true;
}

/** `<name>.<action>` when the item has a safe `.action` (GitHub `pull_request.opened`, Sentry `issue.created`). */
export function joinWithAction(name: string | undefined, item: unknown): string | undefined {
  if (!isSafeString(name)) return undefined;
  const action = readOwn(item, 'action');
  return isSafeString(action) ? `${name}.${action}` : name;
}

/** `a:b:c` from the string values at the given paths of the item, or undefined when any is missing. */
export function joinedKey(item: unknown, paths: readonly (readonly string[])[]): string | undefined {
  const parts: string[] = [];
  for (const path of paths) {
    const value = readPath(item, path);
    if (typeof value !== 'string' || value === '') return undefined;
    parts.push(value);
  }
  return parts.join(':');
}
