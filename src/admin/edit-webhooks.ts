/**
 * Edits of webhooks.ini as text, line by line, so comments, blank lines, sections and order survive a
 * management write: a replaced line stays where it was, a new line goes at the end, a deleted line goes.
 * A disabled source keeps its lines, commented out behind DISABLED_MARK. Pure: text in, text out.
 */
import { DISABLED_MARK, readLines, splitRaw, type Rule } from '../rules/index.js';

/** A rule's NAME as the admin API shows and takes it: conditions included (`github.push[deleted=true]`). */
export function displayName(rule: Rule): string {
  return rule.conditions.length === 0 ? rule.name : `${rule.name}[${rule.conditions.map((c) => c.text).join(', ')}]`;
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
