import { collectPathValues, shorten } from '../payload/index.js';
import { classifyBound } from './parse-conditions.js';
import type { Condition, ConditionBound, Rule } from './types.js';

export type ConditionResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const passed: ConditionResult = Object.freeze({ ok: true });
const maxShownLength = 40;

/**
 * Checks a rule's conditions against the RAW payload item (not the extracted fields); all must hold.
 * `=` holds when the value, as text, equals one alternative; `!=` when it equals none (a missing
 * value counts as "none"). Ordering operators compare numbers when both sides are numbers, else
 * severity words by rank; anything else does not match. Never throws.
 */
export function evaluateConditions(rule: Pick<Rule, 'conditions'>, payload: unknown): ConditionResult {
  for (const condition of rule.conditions) {
    const found = collectPathValues(payload, condition.path);
    // A path through an array yields several values; a single one is the common case.
    const value = found.length === 1 ? found[0] : found.length === 0 ? undefined : found;
    if (!holds(condition, value)) {
      return { ok: false, reason: `condition ${condition.text} not met (${condition.pathText} is ${describe(value)})` };
    }
  }
  return passed;
}

function holds(condition: Condition, value: unknown): boolean {
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
  switch (condition.operator) {
    case '=':
      return text !== undefined && condition.values.includes(text);
    case '!=':
      return text === undefined || !condition.values.includes(text);
    default:
      return text !== undefined && condition.bound !== undefined && compare(text, condition.bound, condition.operator);
  }
}

function compare(text: string, bound: ConditionBound, operator: '>=' | '>' | '<=' | '<'): boolean {
  const actual = classifyBound(text);
  if (actual === undefined || actual.kind !== bound.kind) return false;
  const left = actual.kind === 'number' ? actual.value : actual.rank;
  const right = bound.kind === 'number' ? bound.value : bound.rank;
  switch (operator) {
    case '>=':
      return left >= right;
    case '>':
      return left > right;
    case '<=':
      return left <= right;
    case '<':
      return left < right;
  }
}

/** Describes a value for a reason without copying long payload content into logs. */
function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    return JSON.stringify(shorten(value, maxShownLength));
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? `a list of ${value.length}` : 'an object';
}
