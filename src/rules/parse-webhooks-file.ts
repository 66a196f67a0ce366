import { parseConditions } from './parse-conditions.js';
import { parseFieldList, type ReportIssue } from './parse-fields.js';
import { checkTemplateVars, parseTemplate } from './parse-template.js';
import type { FilterContext } from '../template/filters.js';
import {
  MAX_ISSUES_PER_FILE,
  MAX_ISSUES_PER_LINE,
  MAX_LINE_LENGTH,
  MAX_WEBHOOKS_FILE_SIZE,
} from './limits.js';
import type { Condition, ConfigIssue, Rule } from './types.js';
import { findClosingBracket, findNameEnd, lineKindOf } from './webhooks-lines.js';

const expectedLine = 'expected NAME: FIELDS::TEMPLATE (or NAME = FIELDS::TEMPLATE)';
const namePattern = /^[A-Za-z0-9_\-./ ]+$/;
// The source is the first name part; it also names URL paths and config sections, so no spaces, dots or slashes.
const sourcePattern = /^[A-Za-z0-9_-]+$/;

/** `file:line:column: message`, the form editors and CI annotate. */
export { formatConfigIssue as formatIssue } from '../errors/index.js';

/**
 * Parses a whole webhooks.ini text. Never throws: every problem on every line is returned at once,
 * and only lines without problems become rules. Comments (`;`, `#`), blank lines and `[section]`
 * headers are skipped. Not an INI library on purpose: templates keep `;`, `#`, `%` and `=` verbatim
 * and every issue needs its line and column.
 */
export function parseWebhooksFile(
  text: string,
  file: string,
  context: FilterContext = { lookups: new Map() },
): { rules: readonly Rule[]; issues: readonly ConfigIssue[] } {
  const rules: Rule[] = [];
  const issues: ConfigIssue[] = [];
  if (text.length > MAX_WEBHOOKS_FILE_SIZE) {
    const at = positionOf(text, MAX_WEBHOOKS_FILE_SIZE);
    issues.push({ file, ...at, message: `the file is ${text.length} characters long; at most ${MAX_WEBHOOKS_FILE_SIZE} are compiled, and nothing was` });
    return { rules: Object.freeze(rules), issues: Object.freeze(issues) };
  }
  const firstLineOf = new Map<string, number>();
  // Editors on Windows may save a byte-order mark; it is not part of the first NAME.
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  // A line can hold thousands of mistakes: the first few say what to fix, a count says how many more.
  let dropped = 0;
  const list = (issue: ConfigIssue): void => {
    if (issues.length < MAX_ISSUES_PER_FILE) issues.push(issue);
    else dropped++;
  };
  for (const [index, rawLine] of lines.entries()) {
    const lineNumber = index + 1;
    let lineIssues = 0;
    const report: ReportIssue = (offset, message) => {
      if (++lineIssues <= MAX_ISSUES_PER_LINE) list({ file, line: lineNumber, column: offset + 1, message });
    };
    const line = rawLine.replace(/\r$/, '');
    const parsed = parseWebhookLine(line, file, lineNumber, report, context);
    if (lineIssues > MAX_ISSUES_PER_LINE) {
      list({ file, line: lineNumber, column: line.length + 1, message: `… and ${lineIssues - MAX_ISSUES_PER_LINE} more issues on this line` });
    }
    if (parsed === undefined) continue;
    const key = `${parsed.rule.name.toLowerCase()}[${parsed.rule.conditions.map((c) => c.text.replace(/\s+/g, '')).join(',')}]`;
    const first = firstLineOf.get(key);
    if (first !== undefined) {
      report(parsed.nameAt, `duplicate line for "${parsed.rule.name}"${parsed.rule.conditions.length > 0 ? ' with the same conditions' : ''} (first defined on line ${first})`);
      continue;
    }
    firstLineOf.set(key, lineNumber);
    rules.push(parsed.rule);
  }
  // Issues of one line are found in parse order; present them in reading order.
  issues.sort((a, b) => a.line - b.line || a.column - b.column);
  if (dropped > 0) {
    const last = issues.at(-1);
    issues.push({ file, line: last?.line ?? 1, column: (last?.column ?? 0) + 1, message: `… and ${dropped} more issues in this file (only the first ${MAX_ISSUES_PER_FILE} are listed)` });
  }
  return { rules: Object.freeze(rules), issues: Object.freeze(issues) };
}

/**
 * Compiles one line. Returns undefined for comments, blanks, section headers, and lines with
 * issues (reported through `report`, offsets 0-based in `line`).
 */
export function parseWebhookLine(
  line: string,
  file: string,
  lineNumber: number,
  reportIssue: ReportIssue,
  context: FilterContext = { lookups: new Map() },
): { rule: Rule; nameAt: number } | undefined {
  let issueCount = 0;
  const report: ReportIssue = (offset, message) => {
    issueCount++;
    reportIssue(offset, message);
  };
  // Checked before anything reads the line, so the work per line is bounded whatever the file holds.
  if (line.length > MAX_LINE_LENGTH) {
    report(MAX_LINE_LENGTH, `the line is ${line.length} characters long; at most ${MAX_LINE_LENGTH} are allowed`);
    return undefined;
  }
  const trimmed = line.trim();
  const kind = lineKindOf(trimmed);
  if (kind === 'blank' || kind === 'comment') return undefined;
  const nameAt = line.length - line.trimStart().length;
  if (kind === 'section') {
    if (!trimmed.endsWith(']')) report(nameAt, `malformed section header "${trimmed}"; expected [name]`);
    return undefined;
  }
  const nameEnd = findNameEnd(line, nameAt);
  if (nameEnd === -1) {
    report(nameAt, `missing ':' or '=' after the name; ${expectedLine}`);
    return undefined;
  }
  const name = line.slice(nameAt, nameEnd).trimEnd();
  checkName(name, nameAt, report);

  let conditions: readonly Condition[] | undefined = Object.freeze([]);
  let separatorAt = nameEnd;
  if (line[nameEnd] === '[') {
    const close = findClosingBracket(line, nameEnd);
    if (close === -1) {
      report(nameEnd, `unclosed '[' in conditions; expected NAME[path=value, ...]: FIELDS::TEMPLATE`);
      return undefined;
    }
    conditions = parseConditions(line.slice(nameEnd + 1, close), nameEnd + 1, report);
    separatorAt = close + 1;
    while (line[separatorAt] === ' ' || line[separatorAt] === '\t') separatorAt++;
    if (line[separatorAt] !== ':' && line[separatorAt] !== '=') {
      report(separatorAt, `expected ':' or '=' after the conditions; ${expectedLine}`);
      return undefined;
    }
  }
  const fieldsAt = separatorAt + 1;
  const templateMark = line.indexOf('::', fieldsAt);
  if (templateMark === -1) {
    report(fieldsAt, `missing '::' between the field list and the template; ${expectedLine}`);
    return undefined;
  }
  const fieldsText = line.slice(fieldsAt, templateMark);
  const fields = parseFieldList(fieldsText, fieldsAt, report);
  const templateText = line.slice(templateMark + 2).trimEnd();
  const parsedTemplate = parseTemplate(templateText, templateMark + 2, report, context);
  if (templateText.trim() === '') report(templateMark + 2, `empty template after '::'; ${expectedLine}`);
  if (fields !== undefined) checkTemplateVars(parsedTemplate.vars, fields, report);
  // Every check above has run, so the line reports all its issues; any issue rejects it.
  if (fields === undefined || conditions === undefined || issueCount > 0) return undefined;

  const dot = name.indexOf('.');
  const rule: Rule = Object.freeze({
    name,
    source: (dot === -1 ? name : name.slice(0, dot)).toLowerCase(),
    event: dot === -1 ? undefined : name.slice(dot + 1).toLowerCase(),
    conditions,
    fields,
    template: parsedTemplate.tokens,
    fieldsText: fieldsText.trim(),
    templateText,
    file,
    line: lineNumber,
  });
  return { rule, nameAt };
}

function checkName(name: string, at: number, report: ReportIssue): boolean {
  if (name === '') {
    report(at, `missing name before ':'; ${expectedLine}`);
    return false;
  }
  if (!namePattern.test(name)) {
    let bad = 0;
    while (bad < name.length && namePattern.test(name.charAt(bad))) bad++;
    const char = String.fromCodePoint(name.codePointAt(bad) ?? 0);
    report(at + bad, `bad character '${char}' in name "${name}"; names use letters, digits, '_', '-', '.', '/' and inner spaces`);
    return false;
  }
  const parts = name.split('.');
  const emptyPart = parts.findIndex((part) => part.trim() === '');
  if (emptyPart !== -1) {
    report(at + parts.slice(0, emptyPart).join('.').length + (emptyPart > 0 ? 1 : 0), `empty part in name "${name}"; expected a form like "github.pull_request.opened"`);
    return false;
  }
  const source = parts[0] ?? '';
  if (!sourcePattern.test(source)) {
    report(at, `bad source "${source}" in name "${name}"; a source uses letters, digits, '_' and '-'`);
    return false;
  }
  return true;
}

/** 1-based line and column of a character index. */
function positionOf(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < index; at = text.indexOf('\n', at + 1)) {
    line++;
    lineStart = at + 1;
  }
  return { line, column: index - lineStart + 1 };
}
