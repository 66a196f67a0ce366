import type { FieldNode } from '../rules/types.js';
import { findOwn, isRecord, parseJsonText } from '../payload/index.js';

/**
 * Returns a pruned copy of `payload` holding only the listed fields, children recursively.
 * - an array under a field with children is mapped item by item (`commits{message}`); items that
 *   are not objects become null so indices still line up for `$commits[2].message$`;
 * - a string under a field with children is decoded when it holds JSON (SNS `Message{AlarmName}`),
 *   otherwise the field is left out;
 * - a missing key is left out; leaf values are shared with the payload, not cloned.
 * Result objects have a null prototype and only own enumerable keys are read. Never throws.
 * @example extractFields({ action: 'opened', pull_request: { title: 't', body: 'b' } }, fields) // { action, pull_request: { title } }
 */
export function extractFields(payload: unknown, fields: readonly FieldNode[]): Record<string, unknown> {
  return pickFields(payload, fields) ?? Object.create(null);
}

function pickFields(value: unknown, fields: readonly FieldNode[]): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  const result: Record<string, unknown> = Object.create(null);
  for (const field of fields) {
    const step = findOwn(value, field.name);
    if (!step.found) continue;
    const picked = field.children.length === 0 ? step.value : projectChildren(step.value, field.children);
    if (picked !== undefined) result[field.name] = picked;
  }
  return result;
}

function projectChildren(value: unknown, children: readonly FieldNode[]): unknown {
  const decoded = typeof value === 'string' ? parseJsonText(value) : value;
  if (Array.isArray(decoded)) return decoded.map((item) => projectChildren(item, children) ?? null);
  return pickFields(decoded, children);
}
