import { compileFilter, type CompiledFilter, type FilterContext } from '../template/filters.js';
import type { ReportIssue } from './parse-fields.js';
import { parsePath } from './parse-path.js';
import { listFieldPaths, quoted } from './parse-fields.js';
import { MAX_TEMPLATE_VARIABLES } from './limits.js';
import type { FieldNode, TemplateToken, VarToken } from './types.js';

/** A variable token together with where it sits in the line, for validation messages. */
export interface PlacedVar {
  readonly token: VarToken;
  readonly at: number;
}

const noLookups: FilterContext = Object.freeze({ lookups: new Map() });

/** Marks a variable that reads the whole request body (the envelope of a split batch): `$^commonLabels.alertname$`. */
export const envelopeMark = '^';

/**
 * Splits a template into text and `$path|filter:arg$` variable tokens; `$$` is a literal `$`.
 * Everything else is verbatim (`:`, `=`, `;`, `#`, `%`, quotes, unicode). Filters are compiled here,
 * once. Inside a variable, after the first `|`, a double-quoted argument may hold `$`, `|` and `:`.
 * Reports every bad variable, not just the first. `isValid` is false when any was reported.
 * @param offset - where `text` starts in the line.
 */
export function parseTemplate(
  text: string,
  offset: number,
  report: ReportIssue,
  context: FilterContext = noLookups,
): { tokens: readonly TemplateToken[]; vars: readonly PlacedVar[]; isValid: boolean } {
  const tokens: TemplateToken[] = [];
  const vars: PlacedVar[] = [];
  let pending = '';
  let isValid = true;
  let variableCount = 0;
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1) {
      pending += text.slice(i);
      break;
    }
    pending += text.slice(i, dollar);
    if (text[dollar + 1] === '$') {
      pending += '$';
      i = dollar + 2;
      continue;
    }
    const close = findVariableEnd(text, dollar + 1);
    if (close === -1) {
      report(offset + dollar, `unterminated variable in template: '$' at column ${offset + dollar + 1} has no closing '$' (write $$ for a literal $)`);
      isValid = false;
      break;
    }
    if (++variableCount > MAX_TEMPLATE_VARIABLES) {
      report(offset + dollar, `more than ${MAX_TEMPLATE_VARIABLES} variables in the template; at most ${MAX_TEMPLATE_VARIABLES} are allowed`);
      isValid = false;
      break;
    }
    const raw = text.slice(dollar + 1, close);
    if (/^\d[^$|]*\s/.test(raw)) {
      // `costs $5 or $10`: an amount, not a variable.
      report(offset + dollar, `"$${raw}$" is not a variable: for a literal dollar sign write $$ (as in $$5)`);
      isValid = false;
      i = close + 1;
      continue;
    }
    const token = parseVariable(raw, offset + dollar + 1, report, context);
    if (token === undefined) {
      isValid = false;
    } else {
      if (pending !== '') tokens.push(Object.freeze({ kind: 'text', text: pending }));
      pending = '';
      tokens.push(token);
      vars.push({ token, at: offset + dollar });
    }
    i = close + 1;
  }
  if (pending !== '') tokens.push(Object.freeze({ kind: 'text', text: pending }));
  return { tokens: Object.freeze(tokens), vars, isValid };
}

/** Index of the `$` closing a variable whose text starts at `start`, skipping quoted filter arguments; -1 if none. */
function findVariableEnd(text: string, start: number): number {
  let hasFilters = false;
  let isQuoted = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (isQuoted) {
      if (char === '\\') i++;
      else if (char === '"') isQuoted = false;
    } else if (char === '$') {
      return i;
    } else if (char === '|') {
      hasFilters = true;
    } else if (char === '"' && hasFilters) {
      isQuoted = true;
    }
  }
  return -1;
}

/**
 * `^`? path, then `|name:arg:arg` filters. Arguments are split at `:`; a double-quoted one keeps
 * `:`, `|` and `$`, with `\"` and `\\` as escapes. Whitespace around `|` is allowed.
 * @param at - where `raw` starts in the line.
 */
export function parseVariable(raw: string, at: number, report: ReportIssue, context: FilterContext = noLookups): VarToken | undefined {
  const pieces = splitPipes(raw, at, report);
  if (pieces === undefined) return undefined;
  const [head, ...filterPieces] = pieces;
  if (head === undefined) return undefined;
  let pathText = filterPieces.length > 0 ? head.text.trim() : head.text;
  let pathAt = head.at + (filterPieces.length > 0 ? head.text.length - head.text.trimStart().length : 0);
  const isEnvelope = pathText.startsWith(envelopeMark);
  if (isEnvelope) {
    pathText = pathText.slice(envelopeMark.length);
    pathAt += envelopeMark.length;
  }
  const path = parsePath(pathText, pathAt, report);
  let isValid = path !== undefined;
  const filters: CompiledFilter[] = [];
  for (const piece of filterPieces) {
    const filter = parseFilter(piece, report, context);
    if (filter === undefined) isValid = false;
    else filters.push(filter);
  }
  if (!isValid || path === undefined) return undefined;
  // A plain `$a.b$` keeps the token shape it always had.
  if (!isEnvelope && filters.length === 0 && pathText === raw) return Object.freeze({ kind: 'var', path, raw });
  return Object.freeze({
    kind: 'var',
    path,
    raw,
    pathText: isEnvelope ? `${envelopeMark}${pathText}` : pathText,
    ...(isEnvelope ? { scope: 'envelope' } : {}),
    ...(filters.length > 0 ? { filters: Object.freeze(filters) } : {}),
  } as const);
}

interface Piece {
  readonly text: string;
  readonly at: number;
}

/** Splits at `|` outside quotes; reports an unterminated quote. */
function splitPipes(raw: string, at: number, report: ReportIssue): Piece[] | undefined {
  const pieces: Piece[] = [];
  let start = 0;
  let quoteAt = -1;
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i];
    if (quoteAt !== -1) {
      if (char === '\\') i++;
      else if (char === '"') quoteAt = -1;
    } else if (char === '"' && pieces.length > 0) {
      quoteAt = i;
    } else if (char === '|') {
      pieces.push({ text: raw.slice(start, i), at: at + start });
      start = i + 1;
    }
  }
  if (quoteAt !== -1) {
    report(at + quoteAt, `unterminated '"' in filter argument of $${raw}$`);
    return undefined;
  }
  pieces.push({ text: raw.slice(start), at: at + start });
  return pieces;
}

function parseFilter(piece: Piece, report: ReportIssue, context: FilterContext): CompiledFilter | undefined {
  const lead = piece.text.length - piece.text.trimStart().length;
  const text = piece.text.trim();
  const filterAt = piece.at + lead;
  if (text === '') {
    report(filterAt, `empty filter after '|'; write $path|filter$ or $path|filter:arg$`);
    return undefined;
  }
  const colon = text.indexOf(':');
  const name = (colon === -1 ? text : text.slice(0, colon)).trim();
  const args = colon === -1 ? [] : parseArgs(text.slice(colon + 1), filterAt + colon + 1, report);
  if (args === undefined) return undefined;
  const compiled = compileFilter(name, args, text, context);
  if ('error' in compiled) {
    report(filterAt, compiled.error);
    return undefined;
  }
  return compiled;
}

/** `a:"b:c":d` → ['a', 'b:c', 'd']; quoted arguments unescape `\"` and `\\`. */
function parseArgs(text: string, at: number, report: ReportIssue): string[] | undefined {
  const args: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\') {
          const next = text[j + 1];
          if (next !== '"' && next !== '\\') {
            report(at + j, `unknown escape '\\${next ?? ''}' in a quoted filter argument; only \\" and \\\\ are escapes`);
            return undefined;
          }
          value += next;
          j++;
        } else {
          value += text[j];
        }
      }
      args.push(value);
      i = j + 1;
      if (i < text.length && text[i] !== ':') {
        report(at + i, `unexpected '${text[i]}' after a quoted filter argument; separate arguments with ':'`);
        return undefined;
      }
    } else {
      const end = text.indexOf(':', i);
      const value = end === -1 ? text.slice(i) : text.slice(i, end);
      if (value.includes('"')) {
        report(at + i + value.indexOf('"'), `a quote inside an unquoted filter argument "${value}"; quote the whole argument: "..."`);
        return undefined;
      }
      args.push(value);
      i = end === -1 ? text.length : end;
    }
    if (i >= text.length) return args;
    i++; // the ':'
  }
}

/**
 * Reports every variable whose names the field list does not extract. Index segments are skipped
 * (arrays are mapped or indexed at render time); a path may go below a leaf field, because a leaf
 * keeps its whole value, and may stop at a group (`$pull_request$` renders the extracted object).
 * Envelope variables (`$^...$`) read the raw body and need no field.
 */
export function checkTemplateVars(vars: readonly PlacedVar[], fields: readonly FieldNode[], report: ReportIssue): boolean {
  let isValid = true;
  let extracted: string | undefined;
  // Each level's names, indexed on first use, so a variable costs its path length, not the fields' count.
  const indexes = new Map<readonly FieldNode[], Map<string, FieldNode>>();
  const indexOf = (level: readonly FieldNode[]): Map<string, FieldNode> => {
    let index = indexes.get(level);
    if (index === undefined) {
      index = new Map();
      for (const node of level) index.set(node.name, node);
      indexes.set(level, index);
    }
    return index;
  };
  for (const { token, at } of vars) {
    if (token.scope === 'envelope') continue;
    let level: readonly FieldNode[] = fields;
    let isTop = true;
    for (const segment of token.path) {
      if (typeof segment === 'number') continue;
      if (!isTop && level.length === 0) break; // below a leaf: anything goes
      isTop = false;
      const node: FieldNode | undefined = indexOf(level).get(segment);
      if (node === undefined) {
        // Listed once per field list and shortened: per variable, it would cost fields × variables.
        extracted ??= quoted(listFieldPaths(fields).join(', ')) || 'nothing';
        report(at, `variable $${quoted(token.pathText ?? token.raw)}$ is not extracted by the field list (extracted: ${extracted})`);
        isValid = false;
        break;
      }
      level = node.children;
    }
  }
  return isValid;
}
