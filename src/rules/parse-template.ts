import type { ReportIssue } from './parse-fields.js';
import { parsePath } from './parse-path.js';
import { listFieldPaths } from './parse-fields.js';
import type { FieldNode, TemplateToken } from './types.js';

/** A variable token together with where it sits in the line, for validation messages. */
interface PlacedVar {
  readonly token: Extract<TemplateToken, { kind: 'var' }>;
  readonly at: number;
}

/**
 * Splits a template into text and `$path$` variable tokens; `$$` is a literal `$`.
 * Everything else is verbatim (`:`, `=`, `;`, `#`, `%`, quotes, unicode). Reports every bad
 * variable, not just the first. `isValid` is false when any was reported.
 * @param offset - where `text` starts in the line.
 */
export function parseTemplate(
  text: string,
  offset: number,
  report: ReportIssue,
): { tokens: readonly TemplateToken[]; vars: readonly PlacedVar[]; isValid: boolean } {
  const tokens: TemplateToken[] = [];
  const vars: PlacedVar[] = [];
  let pending = '';
  let isValid = true;
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
    const close = text.indexOf('$', dollar + 1);
    if (close === -1) {
      report(offset + dollar, `unterminated variable in template: '$' at column ${offset + dollar + 1} has no closing '$' (write $$ for a literal $)`);
      isValid = false;
      break;
    }
    const raw = text.slice(dollar + 1, close);
    const path = parsePath(raw, offset + dollar + 1, report);
    if (path === undefined) {
      isValid = false;
    } else {
      if (pending !== '') tokens.push(Object.freeze({ kind: 'text', text: pending }));
      pending = '';
      const token = Object.freeze({ kind: 'var', path, raw } as const);
      tokens.push(token);
      vars.push({ token, at: offset + dollar });
    }
    i = close + 1;
  }
  if (pending !== '') tokens.push(Object.freeze({ kind: 'text', text: pending }));
  return { tokens: Object.freeze(tokens), vars, isValid };
}

/**
 * Reports every variable whose names the field list does not extract. Index segments are skipped
 * (arrays are mapped or indexed at render time); a path may go below a leaf field, because a leaf
 * keeps its whole value, and may stop at a group (`$pull_request$` renders the extracted object).
 */
export function checkTemplateVars(vars: readonly PlacedVar[], fields: readonly FieldNode[], report: ReportIssue): boolean {
  let isValid = true;
  for (const { token, at } of vars) {
    let level: readonly FieldNode[] = fields;
    let isTop = true;
    for (const segment of token.path) {
      if (typeof segment === 'number') continue;
      if (!isTop && level.length === 0) break; // below a leaf: anything goes
      isTop = false;
      const node: FieldNode | undefined = level.find((candidate) => candidate.name === segment);
      if (node === undefined) {
        const extracted = listFieldPaths(fields).join(', ') || 'nothing';
        report(at, `variable $${token.raw}$ is not extracted by the field list (extracted: ${extracted})`);
        isValid = false;
        break;
      }
      level = node.children;
    }
  }
  return isValid;
}
