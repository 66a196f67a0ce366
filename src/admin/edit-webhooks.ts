/**
 * Edits of webhooks.ini as text, line by line, so comments, blank lines, sections and order survive a
 * management write: a replaced line stays where it was, a new line goes at the end, a deleted line goes.
 * A disabled source keeps its lines, commented out behind {@link DISABLED_MARK}. Pure: text in, text out.
 */
import type { Rule } from '../rules/index.js';

/** Prefix of a line switched off by `POST /admin/sources/:source/disable`. Same length as its blank-out. */
export const DISABLED_MARK = ';disabled; ';

/** Identity of a line: lower-cased NAME plus its conditions without whitespace (`github.push[deleted=true]`). */
export interface LineKey {
  readonly key: string;
  readonly source: string;
}

export interface TextLine {
  /** 1-based. */
  readonly number: number;
  /** The line without its mark and without a trailing `\r`. */
  readonly text: string;
  readonly isMarked: boolean;
  readonly key: LineKey | undefined;
}

/** Key of a NAME as written, with or without `[conditions]`; undefined for comments, blanks and sections. */
export function keyOfLine(line: string): LineKey | undefined {
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith(';') || trimmed.startsWith('#') || trimmed.startsWith('[')) return undefined;
  const nameEnd = trimmed.search(/[:=[]/);
  const name = (nameEnd === -1 ? trimmed : trimmed.slice(0, nameEnd)).trim().toLowerCase();
  if (name === '') return undefined;
  let conditions = '';
  if (nameEnd !== -1 && trimmed[nameEnd] === '[') {
    const close = closingBracket(trimmed, nameEnd);
    conditions = trimmed.slice(nameEnd + 1, close === -1 ? undefined : close).replace(/\s+/g, '');
  }
  return { key: `${name}[${conditions}]`, source: name.split('.')[0] ?? name };
}

/** The same key for a compiled rule, as webhooks.ini's duplicate check builds it. */
export function keyOfRule(rule: Rule): string {
  return `${rule.name.toLowerCase()}[${rule.conditions.map((c) => c.text.replace(/\s+/g, '')).join(',')}]`;
}

/** A rule's NAME as the admin API shows and takes it: conditions included (`github.push[deleted=true]`). */
export function displayName(rule: Rule): string {
  return rule.conditions.length === 0 ? rule.name : `${rule.name}[${rule.conditions.map((c) => c.text).join(', ')}]`;
}

export function readLines(text: string): TextLine[] {
  return splitRaw(text).map((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const isMarked = line.startsWith(DISABLED_MARK);
    const body = isMarked ? line.slice(DISABLED_MARK.length) : line;
    return { number: index + 1, text: body, isMarked, key: keyOfLine(body) };
  });
}

/**
 * The text with the mark of the chosen lines turned into spaces, so the parser reads them as active lines
 * and every column it reports is still right. `which` picks lines by 1-based number; default: all marked.
 */
export function unmarkForParsing(text: string, which?: ReadonlySet<number>): string {
  const blank = ' '.repeat(DISABLED_MARK.length);
  return splitRaw(text)
    .map((raw, index) => (raw.startsWith(DISABLED_MARK) && (which === undefined || which.has(index + 1)) ? blank + raw.slice(DISABLED_MARK.length) : raw))
    .join('\n');
}

export type PutOutcome = 'created' | 'replaced' | 'unchanged';

/** Replaces the first line with `key` in place (keeping its mark), or appends `line` (marked when `marked`). */
export function putLine(text: string, key: string, line: string, options: { readonly markNew: boolean }): { text: string; number: number; outcome: PutOutcome } {
  const raws = splitRaw(text);
  const index = readLines(text).findIndex((entry) => entry.key?.key === key);
  if (index !== -1) {
    const old = raws[index] ?? '';
    const cr = old.endsWith('\r') ? '\r' : '';
    const next = (old.startsWith(DISABLED_MARK) ? DISABLED_MARK : '') + line + cr;
    if (next === old) return { text, number: index + 1, outcome: 'unchanged' };
    raws[index] = next;
    return { text: raws.join('\n'), number: index + 1, outcome: 'replaced' };
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const base = text === '' || text.endsWith('\n') ? text : text + eol;
  const number = base === '' ? 1 : splitRaw(base).length;
  return { text: `${base}${options.markNew ? DISABLED_MARK : ''}${line}${eol}`, number, outcome: 'created' };
}

/** Removes every line with `key` (there is at most one in a valid file); undefined when none. */
export function deleteLine(text: string, key: string): { text: string; numbers: number[] } | undefined {
  const lines = readLines(text);
  const numbers = lines.filter((entry) => entry.key?.key === key).map((entry) => entry.number);
  if (numbers.length === 0) return undefined;
  const drop = new Set(numbers);
  return { text: splitRaw(text).filter((_, index) => !drop.has(index + 1)).join('\n'), numbers };
}

/** Marks (disable) or unmarks (enable) every line of `source`; `lines` 0 means the source has none. */
export function setSourceMarked(text: string, source: string, marked: boolean): { text: string; lines: number; changed: number } {
  const wanted = source.toLowerCase();
  const lines = readLines(text);
  const raws = splitRaw(text);
  let count = 0;
  let changed = 0;
  for (const entry of lines) {
    if (entry.key?.source !== wanted) continue;
    count++;
    if (entry.isMarked === marked) continue;
    const raw = raws[entry.number - 1] ?? '';
    raws[entry.number - 1] = marked ? DISABLED_MARK + raw : raw.slice(DISABLED_MARK.length);
    changed++;
  }
  return { text: changed === 0 ? text : raws.join('\n'), lines: count, changed };
}

function splitRaw(text: string): string[] {
  return text.split('\n');
}

/** Index of the `]` closing the `[` at `open`, counting `[N]` indices inside condition paths; -1 if none. */
function closingBracket(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '[') depth++;
    else if (text[i] === ']' && --depth === 0) return i;
  }
  return -1;
}
