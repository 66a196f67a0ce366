import { forbiddenKeys, shorten } from '../payload/index.js';
import { MAX_FIELD_DEPTH, MAX_FIELDS_PER_LINE, MAX_QUOTED_LENGTH } from './limits.js';
import type { FieldNode } from './types.js';

/** Reports a problem at a 0-based offset of the line being parsed. */
export type ReportIssue = (offset: number, message: string) => void;

const closerOf = { '{': '}', '<': '>' } as const;
type Opener = keyof typeof closerOf;

interface MutableNode {
  name: string;
  children: MutableNode[];
}

/**
 * Parses `action,pull_request{title,user{login}},repository<name>` into a field tree.
 * `{}` and `<>` both nest, each opener closing with its own kind. Returns undefined when the
 * brackets are broken (after reporting it). A bad name is reported and left out while the scan
 * goes on, so one list yields all its issues and the template can still be checked against the rest.
 * @param offset - where `text` starts in the line, so issues point at the right column.
 */
export function parseFieldList(text: string, offset: number, report: ReportIssue): readonly FieldNode[] | undefined {
  const root: MutableNode[] = [];
  if (text.trim() === '') return Object.freeze(root);
  // Quoted shortened: a message per bad name quoting the whole list would grow with the square of its length.
  const shown = quoted(text.trim());
  // Stack of open groups: the opener's kind and index, and the list (and its names) being filled inside it.
  const stack: { opener: Opener; at: number; list: MutableNode[]; names: Set<string> }[] = [];
  let list = root;
  let names = new Set<string>();
  let fieldCount = 0;
  let start = 0;
  let isBroken = false;
  // A name is complete at `,`, at an opener, at a closer, or at the end of the text.
  const takeName = (end: number): MutableNode | undefined => {
    const raw = text.slice(start, end);
    const name = raw.trim();
    const at = offset + start + (raw.length - raw.trimStart().length);
    if (name === '') {
      report(at, `empty field name in field list "${shown}"; expected a name like "action" between commas and brackets`);
      return undefined;
    }
    if (forbiddenKeys.has(name)) {
      report(at, `field name "${name}" is not allowed (prototype key)`);
      return undefined;
    }
    if (names.has(name)) {
      report(at, `duplicate field name "${quoted(name)}" at the same level of field list "${shown}"`);
      return undefined;
    }
    if (++fieldCount > MAX_FIELDS_PER_LINE) {
      report(at, `more than ${MAX_FIELDS_PER_LINE} fields in field list "${shown}"; extract a parent object instead of each of its fields`);
      isBroken = true;
      return undefined;
    }
    const node: MutableNode = { name, children: [] };
    list.push(node);
    names.add(name);
    return node;
  };
  // True after a closing bracket: the group's name was already taken, only `,` or a closer may follow.
  let isAfterGroup = false;
  for (let i = 0; i < text.length && !isBroken; i++) {
    const char = text[i];
    if (char === ',') {
      if (!isAfterGroup) takeName(i);
      isAfterGroup = false;
      start = i + 1;
    } else if (char === '{' || char === '<') {
      if (isAfterGroup) {
        report(offset + i, `unexpected '${char}' after a closed group in field list "${shown}"; separate fields with ','`);
        isBroken = true;
        break;
      }
      if (stack.length >= MAX_FIELD_DEPTH) {
        report(offset + i, `fields nested deeper than ${MAX_FIELD_DEPTH} levels in field list "${shown}"; extract the object at a shallower level`);
        isBroken = true;
        break;
      }
      const node = takeName(i) ?? { name: '', children: [] };
      if (isBroken) break;
      stack.push({ opener: char, at: i, list, names });
      list = node.children;
      names = new Set();
      start = i + 1;
    } else if (char === '}' || char === '>') {
      const open = stack.pop();
      if (open === undefined) {
        report(offset + i, `unexpected closing '${char}' in field list "${shown}": no group is open`);
        isBroken = true;
        break;
      }
      if (closerOf[open.opener] !== char) {
        report(
          offset + i,
          `mismatched brackets in field list "${shown}": '${open.opener}' at column ${offset + open.at + 1} must close with '${closerOf[open.opener]}', not '${char}'`,
        );
        isBroken = true;
        break;
      }
      if (!isAfterGroup) takeName(i);
      list = open.list;
      names = open.names;
      isAfterGroup = true;
      start = i + 1;
    } else if (char === ':') {
      report(offset + i, `unexpected ':' in field list "${shown}"; the field list ends at '::'`);
      isBroken = true;
    } else if (isAfterGroup && char !== undefined && char.trim() !== '') {
      report(offset + i, `unexpected '${char}' after a closed group in field list "${shown}"; separate fields with ','`);
      isBroken = true;
    }
  }
  if (isBroken) return undefined;
  const unclosed = stack[0];
  if (unclosed !== undefined) {
    report(offset + unclosed.at, `unclosed '${unclosed.opener}' in field list "${shown}"`);
    return undefined;
  }
  if (!isAfterGroup) takeName(text.length);
  if (isBroken) return undefined;
  return freezeNodes(root);
}

/** Text as an issue message quotes it: at most MAX_QUOTED_LENGTH characters. */
export function quoted(text: string): string {
  return shorten(text, MAX_QUOTED_LENGTH);
}

// Recursive, but a field list is at most MAX_FIELD_DEPTH deep.
function freezeNodes(nodes: readonly MutableNode[]): readonly FieldNode[] {
  return Object.freeze(nodes.map((node) => Object.freeze({ name: node.name, children: freezeNodes(node.children) })));
}

/** Lists every extracted leaf path (`pull_request.user.login`), used in "not extracted" messages. */
export function listFieldPaths(nodes: readonly FieldNode[], prefix = ''): string[] {
  return nodes.flatMap((node) =>
    node.children.length === 0 ? [prefix + node.name] : listFieldPaths(node.children, `${prefix}${node.name}.`),
  );
}
