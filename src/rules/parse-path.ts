import type { ReportIssue } from './parse-fields.js';
import { forbiddenKeys } from '../payload/index.js';
import type { PathSegment } from './types.js';

/**
 * Parses a value path as used in `$...$` variables and conditions: names joined by `.`, with `[N]`
 * array indices anywhere after the first name (`commits[0].author.name`, `detail.instance-id`).
 * Returns undefined after reporting when the path is malformed.
 * @param offset - where `text` starts in the line.
 */
export function parsePath(text: string, offset: number, report: ReportIssue): readonly PathSegment[] | undefined {
  if (text === '') {
    report(offset, 'empty path; expected a form like "pull_request.user.login" or "commits[0].message"');
    return undefined;
  }
  const path: PathSegment[] = [];
  let i = 0;
  // Expecting a name at the start and after every '.'.
  let isNameExpected = true;
  while (i < text.length) {
    if (isNameExpected) {
      let end = i;
      while (end < text.length && text[end] !== '.' && text[end] !== '[' && text[end] !== ']') end++;
      const name = text.slice(i, end);
      if (name.trim() === '') {
        report(offset + i, `empty name in path "${text}"; expected a form like "pull_request.user.login" or "commits[0].message"`);
        return undefined;
      }
      if (name.trim() !== name) {
        report(offset + i, `name "${name}" in path "${text}" has whitespace at its ends`);
        return undefined;
      }
      if (forbiddenKeys.has(name)) {
        report(offset + i, `name "${name}" in path "${text}" is not allowed (prototype key)`);
        return undefined;
      }
      path.push(name);
      i = end;
      isNameExpected = false;
    } else if (text[i] === '.') {
      i++;
      isNameExpected = true;
    } else if (text[i] === '[') {
      const close = text.indexOf(']', i);
      const digits = close === -1 ? text.slice(i + 1) : text.slice(i + 1, close);
      if (close === -1 || !/^\d{1,9}$/.test(digits)) {
        report(offset + i, `bad index "[${digits}${close === -1 ? '' : ']'}" in path "${text}"; expected a non-negative integer like [0]`);
        return undefined;
      }
      path.push(Number(digits));
      i = close + 1;
    } else {
      report(offset + i, `unexpected '${text[i]}' in path "${text}"; expected '.', '[N]' or the end`);
      return undefined;
    }
  }
  if (isNameExpected) {
    report(offset + i, `path "${text}" ends with '.'; expected a name after it`);
    return undefined;
  }
  return Object.freeze(path);
}
