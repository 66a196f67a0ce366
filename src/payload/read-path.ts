/** Path reads through untrusted values, own properties only. */
import { findOwn, isRecord } from './own.js';
import { parseJsonText } from './parse-json.js';

/** One step of a value path: an object key or an array index (`commits[0].message` → `['commits', 0, 'message']`). */
export type PathSegment = string | number;

/** Follows an already-split path of keys (`['event', 'type']`) through records; undefined when a step is missing. */
export function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    const step = findOwn(current, key);
    if (!step.found) return undefined;
    current = step.value;
  }
  return current;
}

/**
 * Collects every value a path reaches. A name step on an array maps over its items
 * (`commits.message` gives each commit's message), an index step picks one item (out of range:
 * nothing), and a name step on a string holding JSON looks inside it (SNS `Message.AlarmName`).
 * Missing steps contribute nothing, so an empty result means "missing". Never throws.
 */
export function collectPathValues(root: unknown, path: readonly PathSegment[]): unknown[] {
  const found: unknown[] = [];
  collect(root, path, 0, found);
  return found;
}

/**
 * Like {@link collectPathValues}, and says whether the path mapped over an array on the way
 * (`commits.message`): then the values are a list even when there is only one, or none.
 */
export function readPathValues(root: unknown, path: readonly PathSegment[]): { values: unknown[]; isList: boolean } {
  const values: unknown[] = [];
  const isList = collect(root, path, 0, values);
  return { values, isList };
}

/** Returns true when a name step mapped over an array. */
function collect(value: unknown, path: readonly PathSegment[], index: number, found: unknown[]): boolean {
  if (index === path.length) {
    found.push(value);
    return false;
  }
  const segment = path[index];
  if (typeof segment === 'number') {
    if (Array.isArray(value) && Number.isInteger(segment) && segment >= 0 && segment < value.length) {
      return collect(value[segment], path, index + 1, found);
    }
    return false;
  }
  if (segment === undefined) return false;
  const current = typeof value === 'string' ? parseJsonText(value) : value;
  if (Array.isArray(current)) {
    for (const item of current) collect(item, path, index, found);
    return true;
  }
  if (!isRecord(current)) return false;
  const step = findOwn(current, segment);
  return step.found ? collect(step.value, path, index + 1, found) : false;
}
