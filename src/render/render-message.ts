import { collectPathValues } from '../extract/read-path.js';
import type { TemplateToken } from '../rules/types.js';

/** Options of {@link renderMessage}. */
export interface RenderOptions {
  /**
   * Text put where a variable is missing, null or an empty array (the `missing_value` setting).
   * @example '-'
   */
  readonly missingValue: string;
}

/** What {@link renderMessage} produced. */
export interface RenderResult {
  readonly message: string;
  /** Variables that rendered as `missingValue`, as written (`pull_request.user.login`), in template order. */
  readonly missing: string[];
}

const listSeparator = ', ';

/**
 * Joins precompiled template tokens over the extracted fields: no parsing happens here.
 * Strings render as-is, numbers and booleans as text, objects and arrays as compact JSON. A path
 * through an array maps over its items and joins what it finds with ", " (`$commits.message$`);
 * `$commits[0].message$` picks one item.
 */
export function renderMessage(
  template: readonly TemplateToken[],
  extracted: unknown,
  options: RenderOptions,
): RenderResult {
  let message = '';
  const missing: string[] = [];
  for (const token of template) {
    if (token.kind === 'text') {
      message += token.text;
      continue;
    }
    const text = formatValues(collectPathValues(extracted, token.path));
    if (text === undefined) {
      missing.push(token.raw);
      message += options.missingValue;
    } else {
      message += text;
    }
  }
  return { message, missing };
}

/** Formats what a path reached; undefined when nothing usable was there. */
function formatValues(values: readonly unknown[]): string | undefined {
  let text: string | undefined;
  for (const value of values) {
    const formatted = formatValue(value);
    if (formatted === undefined) continue;
    text = text === undefined ? formatted : text + listSeparator + formatted;
  }
  return text;
}

export function formatValue(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      if (value === null || (Array.isArray(value) && value.length === 0)) return undefined;
      return stringifySafely(value);
    default:
      return undefined;
  }
}

function stringifySafely(value: object): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    // Cyclic or hostile objects cannot come from JSON.parse, but rendering must never throw.
    return undefined;
  }
}
