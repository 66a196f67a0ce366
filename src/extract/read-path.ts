import type { PathSegment } from '../rules/types.js';
import { isRecord, parseJsonText, readOwn } from './own.js';

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

function collect(value: unknown, path: readonly PathSegment[], index: number, found: unknown[]): void {
  if (index === path.length) {
    found.push(value);
    return;
  }
  const segment = path[index];
  if (typeof segment === 'number') {
    if (Array.isArray(value) && Number.isInteger(segment) && segment >= 0 && segment < value.length) {
      collect(value[segment], path, index + 1, found);
    }
    return;
  }
  if (segment === undefined) return;
  const current = typeof value === 'string' ? parseJsonText(value) : value;
  if (Array.isArray(current)) {
    for (const item of current) collect(item, path, index, found);
    return;
  }
  if (!isRecord(current)) return;
  const step = readOwn(current, segment);
  if (step.found) collect(step.value, path, index + 1, found);
}
