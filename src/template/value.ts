/**
 * The value a `$path|filter$` variable carries from one filter to the next, and how it finally
 * becomes text. Shared by the filters and the renderer; depends on nothing.
 */

/**
 * `isList` is true when the path mapped over an array (`$commits.message$`): `value` then holds
 * every value it reached, rendered joined with ", ". A plain array value (`$labels$`) is not a list
 * in that sense: it renders as JSON, as it always has.
 */
export interface Piped {
  readonly value: unknown;
  readonly isList: boolean;
}

export const listSeparator = ', ';

/** Text of one value: strings as-is, numbers and booleans as text, objects and arrays as compact JSON; undefined for nothing usable. */
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

/** Formats what a path reached: every usable value joined with ", "; undefined when none is usable. */
export function formatValues(values: readonly unknown[], separator = listSeparator): string | undefined {
  let text: string | undefined;
  for (const value of values) {
    const formatted = formatValue(value);
    if (formatted === undefined) continue;
    text = text === undefined ? formatted : text + separator + formatted;
  }
  return text;
}

export function formatPiped(piped: Piped): string | undefined {
  return piped.isList ? formatValues(piped.value as readonly unknown[]) : formatValue(piped.value);
}

/** Missing, null, the empty string, or a list with nothing usable: what `default` replaces. */
export function isEmptyPiped(piped: Piped): boolean {
  const text = formatPiped(piped);
  return text === undefined || text === '';
}

function stringifySafely(value: object): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    // Cyclic or hostile objects cannot come from JSON.parse, but rendering must never throw.
    return undefined;
  }
}
