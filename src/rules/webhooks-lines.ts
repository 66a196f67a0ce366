/**
 * webhooks.ini read as lines: the one scanner the rules parser, the serving config (`;disabled;` lines) and
 * the admin editor share, saying which line is which rule (its key) and which lines are switched off. Pure.
 */
import type { Rule } from './types.js';

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

/** What a line is, from its trimmed text: a comment starts with `;` or `#`, a section header with `[`. */
export function lineKindOf(trimmed: string): 'blank' | 'comment' | 'section' | 'rule' {
  if (trimmed === '') return 'blank';
  if (trimmed.startsWith(';') || trimmed.startsWith('#')) return 'comment';
  return trimmed.startsWith('[') ? 'section' : 'rule';
}

/** Index where a rule line's NAME ends (its `:`, `=` or the `[` of its conditions), searching from `from`; -1 if none. */
export function findNameEnd(line: string, from = 0): number {
  const at = line.slice(from).search(/[:=[]/);
  return at === -1 ? -1 : at + from;
}

/** Key of a NAME as written, with or without `[conditions]`; undefined for comments, blanks and sections. */
export function keyOfLine(line: string): LineKey | undefined {
  const trimmed = line.trim();
  if (lineKindOf(trimmed) !== 'rule') return undefined;
  const nameEnd = findNameEnd(trimmed);
  const name = (nameEnd === -1 ? trimmed : trimmed.slice(0, nameEnd)).trim().toLowerCase();
  if (name === '') return undefined;
  let conditions = '';
  if (nameEnd !== -1 && trimmed[nameEnd] === '[') {
    const close = findClosingBracket(trimmed, nameEnd);
    conditions = trimmed.slice(nameEnd + 1, close === -1 ? undefined : close).replace(/\s+/g, '');
  }
  return { key: `${name}[${conditions}]`, source: name.split('.')[0] ?? name };
}

/** The same key for a compiled rule, as webhooks.ini's duplicate check builds it. */
export function keyOfRule(rule: Rule): string {
  return `${rule.name.toLowerCase()}[${rule.conditions.map((c) => c.text.replace(/\s+/g, '')).join(',')}]`;
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

/** The file's raw lines (a trailing `\r` kept), so an edit can join them back byte for byte. */
export function splitRaw(text: string): string[] {
  return text.split('\n');
}

/** Index of the `]` closing the `[` at `open`, counting `[N]` indices inside condition paths; -1 if none. */
export function findClosingBracket(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '[') depth++;
    else if (text[i] === ']' && --depth === 0) return i;
  }
  return -1;
}
