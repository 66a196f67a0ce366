/**
 * Lookup tables for the `lookup:NAME` filter: `lookup_NAME = devices.csv` in settings.ini names a
 * two-column CSV file (key,value). Read when the configuration is compiled, so a reload re-reads it;
 * the filter then only does a Map read.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ConfigIssue } from '../errors/config-error.js';
import type { SourceSettingValue } from './settings.js';

/** Larger tables belong in a database; this bound keeps a reload quick. */
export const LOOKUP_MAX_BYTES = 8 * 1024 * 1024;

export type ReadTableFile = (path: string) => string;

export const readTableFile: ReadTableFile = (path) => readFileSync(path, 'utf8');

/**
 * Reads every table; a missing file is an issue at the setting's line, a bad row or a duplicate key
 * an issue at the table file's line.
 * @param settingsFile - relative table paths are read from its folder.
 */
export function loadLookupTables(
  settings: ReadonlyMap<string, SourceSettingValue>,
  settingsFile: string,
  issues: ConfigIssue[],
  read: ReadTableFile = readTableFile,
): { tables: Map<string, ReadonlyMap<string, string>>; files: string[]; fingerprint: string } {
  const tables = new Map<string, ReadonlyMap<string, string>>();
  const files: string[] = [];
  // Tells a reload whether a table changed when settings.ini and webhooks.ini did not.
  const digest = createHash('sha256');
  // A table that fails to load is still declared (empty): its filters then raise no second issue.
  for (const [name, setting] of settings) {
    tables.set(name, new Map());
    if (setting.value === '') {
      issues.push({ ...setting.origin, message: `${setting.origin.key} is empty; expected the path of a two-column CSV file (key,value)` });
      continue;
    }
    const path = resolve(dirname(resolve(settingsFile)), setting.value);
    let text: string;
    try {
      text = read(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'file not found' : (error as Error).message;
      issues.push({ ...setting.origin, message: `${setting.origin.key} = ${setting.value}: cannot read ${path}: ${reason}` });
      continue;
    }
    files.push(path);
    digest.update(`${name}\u0000${text}\u0000`);
    if (Buffer.byteLength(text) > LOOKUP_MAX_BYTES) {
      issues.push({ ...setting.origin, message: `${setting.origin.key} = ${setting.value}: the file is over ${LOOKUP_MAX_BYTES / 1024 / 1024} MB` });
      continue;
    }
    const table = parseLookupCsv(text, path, issues);
    if (table) tables.set(name, table);
  }
  return { tables, files, fingerprint: digest.digest('hex') };
}

/**
 * `key,value` rows; blank lines and `#` comments skipped; a first row whose key reads `key` is a
 * header. Cells may be double-quoted (`"a,b"`, `""` for a quote). Returns undefined when any row is bad.
 */
export function parseLookupCsv(text: string, file: string, issues: ConfigIssue[]): ReadonlyMap<string, string> | undefined {
  const table = new Map<string, string>();
  const lineOf = new Map<string, number>();
  let isValid = true;
  let isFirstRow = true;
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.replace(/\r$/, '');
    const lineNumber = index + 1;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const cells = splitCsvRow(line);
    if (typeof cells === 'string' || cells.length !== 2) {
      issues.push({ file, line: lineNumber, column: 1, message: typeof cells === 'string' ? cells : `expected two columns key,value, found ${cells.length}` });
      isValid = false;
      isFirstRow = false;
      continue;
    }
    const [key = '', value = ''] = cells;
    if (isFirstRow && key.trim().toLowerCase() === 'key') {
      isFirstRow = false;
      continue;
    }
    isFirstRow = false;
    const first = lineOf.get(key);
    if (first !== undefined) {
      issues.push({ file, line: lineNumber, column: 1, message: `duplicate key "${key}" (first on line ${first})` });
      isValid = false;
      continue;
    }
    lineOf.set(key, lineNumber);
    table.set(key, value);
  }
  return isValid ? table : undefined;
}

/** Cells of one CSV row (trimmed unless quoted), or a message saying what is wrong. */
function splitCsvRow(line: string): string[] | string {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (line[i] === '"') {
      let cell = '';
      let j = i + 1;
      for (;;) {
        if (j >= line.length) return `unterminated quoted cell at column ${i + 1}`;
        if (line[j] === '"') {
          if (line[j + 1] === '"') {
            cell += '"';
            j += 2;
            continue;
          }
          break;
        }
        cell += line[j];
        j++;
      }
      cells.push(cell);
      i = j + 1;
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',') return `unexpected text after a quoted cell at column ${i + 1}`;
    } else {
      const end = line.indexOf(',', i);
      cells.push((end === -1 ? line.slice(i) : line.slice(i, end)).trim());
      i = end === -1 ? line.length : end;
    }
    if (i >= line.length) return cells;
    i++;
  }
}
