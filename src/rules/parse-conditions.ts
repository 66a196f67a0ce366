import type { ReportIssue } from './parse-fields.js';
import { parsePath } from './parse-path.js';
import type { Condition, ConditionBound, ConditionOperator } from './types.js';

/** Ordinal scale for `>=`-style conditions on alert levels, lowest first (matched case-insensitively). */
export const severityWords = [
  'debug', 'info', 'notice', 'low', 'minor', 'warning', 'medium', 'major', 'high', 'error', 'critical', 'emergency',
] as const;

const numberPattern = /^-?\d+(?:\.\d+)?$/;

/** Classifies a bound or comparand as a number or a severity word; undefined when it is neither. */
export function classifyBound(text: string): ConditionBound | undefined {
  const trimmed = text.trim();
  if (numberPattern.test(trimmed)) return { kind: 'number', value: Number(trimmed) };
  const rank = (severityWords as readonly string[]).indexOf(trimmed.toLowerCase());
  return rank === -1 ? undefined : { kind: 'severity', rank, word: trimmed.toLowerCase() };
}

const expectedForm =
  'expected path=v1|v2, path!=v1|v2, or path>=x / path>x / path<=x / path<x with a number or a severity word';

/**
 * Parses the inside of a line's `[...]`: comma-separated `path OP value` conditions, all of which
 * must hold. Values cannot hold `,` or `]`. Returns undefined after reporting any malformed one.
 * @param offset - where `text` starts in the line.
 */
export function parseConditions(text: string, offset: number, report: ReportIssue): readonly Condition[] | undefined {
  const conditions: Condition[] = [];
  let isValid = true;
  let start = 0;
  for (const part of text.split(',')) {
    const at = offset + start + (part.length - part.trimStart().length);
    start += part.length + 1;
    const condition = parseCondition(part.trim(), at, report);
    if (condition === undefined) isValid = false;
    else conditions.push(condition);
  }
  return isValid ? Object.freeze(conditions) : undefined;
}

function parseCondition(text: string, at: number, report: ReportIssue): Condition | undefined {
  if (text === '') {
    report(at, `empty condition; ${expectedForm}`);
    return undefined;
  }
  const opAt = text.search(/[!=<>]/);
  if (opAt === -1) {
    report(at, `malformed condition "${text}": no operator; ${expectedForm}`);
    return undefined;
  }
  const operator = readOperator(text, opAt);
  if (operator === undefined) {
    report(at + opAt, `malformed condition "${text}": '!' must be followed by '='; ${expectedForm}`);
    return undefined;
  }
  const pathText = text.slice(0, opAt).trimEnd();
  const path = parsePath(pathText, at, report);
  if (path === undefined) return undefined;
  const valueAt = at + opAt + operator.length;
  const valueText = text.slice(opAt + operator.length);
  if (/[!=<>]/.test(valueText)) {
    report(valueAt + valueText.search(/[!=<>]/), `malformed condition "${text}": a second operator; ${expectedForm}`);
    return undefined;
  }
  const values = valueText.split('|').map((value) => value.trim());
  if (values.some((value) => value === '')) {
    report(valueAt, `malformed condition "${text}": empty value; ${expectedForm}`);
    return undefined;
  }
  let bound: ConditionBound | undefined;
  if (operator !== '=' && operator !== '!=') {
    bound = values.length === 1 ? classifyBound(values[0] ?? '') : undefined;
    if (bound === undefined) {
      report(valueAt, `malformed condition "${text}": '${operator}' needs one number or severity word (${severityWords.join('<')})`);
      return undefined;
    }
  }
  return Object.freeze({ path, pathText, operator, values: Object.freeze(values), bound, text });
}

function readOperator(text: string, at: number): ConditionOperator | undefined {
  const char = text[at];
  const isEqualNext = text[at + 1] === '=';
  if (char === '!') return isEqualNext ? '!=' : undefined;
  if (char === '>') return isEqualNext ? '>=' : '>';
  if (char === '<') return isEqualNext ? '<=' : '<';
  return '=';
}
