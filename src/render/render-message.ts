import { collectPathValues, readPathValues, shorten } from '../payload/index.js';
import type { TemplateToken, VarToken } from '../rules/types.js';
import { replaceControlCharacters } from './control-characters.js';
import { formatPiped, formatValues, type Piped } from '../template/value.js';

export { formatValue } from '../template/value.js';

/** Options of {@link renderMessage}. */
export interface RenderOptions {
  /**
   * Text put where a variable is missing, null or an empty array (the `missing_value` setting).
   * @example '-'
   */
  readonly missingValue: string;
  /**
   * `replace` (the `message_control_characters` setting's default): control characters other than `\n` and
   * `\t` become U+FFFD and CR line ends `\n`; `keep` leaves the message as rendered.
   * @default 'replace'
   */
  readonly controlCharacters?: 'replace' | 'keep';
  /** Longest message in characters (the `message_max_length` setting); longer ones are cut and end in `…`. */
  readonly maxLength?: number;
}

/** The render options the settings ask for. */
export function renderOptionsFrom(settings: {
  readonly missing_value: string;
  readonly message_control_characters: 'replace' | 'keep';
  readonly message_max_length?: number;
}): RenderOptions {
  return {
    missingValue: settings.missing_value,
    controlCharacters: settings.message_control_characters,
    ...(settings.message_max_length === undefined ? {} : { maxLength: settings.message_max_length }),
  };
}

/** Cuts `message` to `maxLength` characters ending in `…`, never between the two halves of a surrogate pair. */
export function cutMessage(message: string, maxLength: number | undefined): string {
  return maxLength === undefined ? message : shorten(message, maxLength);
}

/** What {@link renderMessage} produced. */
export interface RenderResult {
  readonly message: string;
  /** Paths of the variables that rendered as `missingValue`, as written (`pull_request.user.login`), in template order. */
  readonly missing: string[];
  /** Filters that met a value they could not use (`$title|count$: count needs a list, not text "..."`); the value passed through. */
  readonly warnings: string[];
}

/**
 * Joins precompiled template tokens over the extracted fields: no parsing happens here.
 * Strings render as-is, numbers and booleans as text, objects and arrays as compact JSON. A path
 * through an array maps over its items and joins what it finds with ", " (`$commits.message$`);
 * `$commits[0].message$` picks one item. Filters run left to right on what the path reached.
 * `$^path$` variables read `envelope` (the whole request body; the item itself when not given).
 */
export function renderMessage(
  template: readonly TemplateToken[],
  extracted: unknown,
  options: RenderOptions,
  envelope: unknown = extracted,
): RenderResult {
  let message = '';
  const missing: string[] = [];
  const warnings: string[] = [];
  for (const token of template) {
    if (token.kind === 'text') {
      message += token.text;
      continue;
    }
    const root = token.scope === 'envelope' ? envelope : extracted;
    const text = token.filters === undefined || token.filters.length === 0
      ? formatValues(collectPathValues(root, token.path))
      : renderFiltered(token, root, warnings);
    if (text === undefined) {
      missing.push(token.pathText ?? token.raw);
      message += options.missingValue;
    } else {
      message += text;
    }
  }
  const cut = cutMessage(message, options.maxLength);
  return { message: options.controlCharacters === 'keep' ? cut : replaceControlCharacters(cut), missing, warnings };
}

function renderFiltered(token: VarToken, root: unknown, warnings: string[]): string | undefined {
  const { values, isList } = readPathValues(root, token.path);
  let piped: Piped = isList ? { value: values, isList: true } : { value: values[0], isList: false };
  for (const filter of token.filters ?? []) {
    piped = filter.apply(piped, (reason) => warnings.push(`$${token.raw}$: ${reason}`));
  }
  return formatPiped(piped);
}
