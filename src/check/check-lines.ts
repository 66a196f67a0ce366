/**
 * `genhook check`'s provider-aware warnings: event names a provider never sends, field and condition paths
 * its payloads lack (with a suggestion), whitespace at either end of a template, and `$5`-like text that
 * parses as a variable. GitHub is checked against its published schemas, other sources against the shapes
 * of their shipped fixtures. Warnings never stop GenHook; `genhook check --strict` fails on them.
 */
import type { RuntimeConfig } from '../config/index.js';
import type { ConfigIssue } from '../errors/index.js';
import type { PathSegment } from '../payload/index.js';
import type { FieldNode, Rule } from '../rules/index.js';
import { loadFixtureKnowledge, type KnownItem } from './fixture-knowledge.js';
import { loadGithubEvents, type GithubEvents } from './github-schema.js';
import { checkShapes, sampleShape, type Shape } from './shapes.js';
import { closest, didYouMean } from './suggest.js';

export interface CheckOptions {
  readonly webhooksText: string;
  /** Folder of `<source>/<name>.json` fixtures; missing means no fixture knowledge. */
  readonly fixturesDir: string;
}

export async function checkLines(config: RuntimeConfig, options: CheckOptions): Promise<ConfigIssue[]> {
  const github = [...config.sources.values()].some((source) => source.provider === 'github') ? await loadGithubEvents() : undefined;
  const fixtures = await loadFixtureKnowledge(config, options.fixturesDir);
  const lines = options.webhooksText.replace(/^\uFEFF/, '').split('\n');
  const warnings: ConfigIssue[] = [];
  for (const rule of config.rules.rules) {
    const lineText = (lines[rule.line - 1] ?? '').replace(/\r$/, '');
    const warn = (column: number, message: string): void => {
      warnings.push({ file: rule.file, line: rule.line, column, message: `${rule.name}: ${message}` });
    };
    checkText(rule, lineText, warn);
    const provider = config.sources.get(rule.source)?.provider;
    if (provider === 'github' && github) checkGithubRule(rule, lineText, github, warn);
    else checkAgainstFixtures(rule, lineText, config, fixtures.get(rule.source) ?? [], warn);
  }
  return warnings;
}

type Warn = (column: number, message: string) => void;

function checkText(rule: Rule, lineText: string, warn: Warn): void {
  const mark = lineText.indexOf('::');
  if (mark !== -1) {
    const raw = lineText.slice(mark + 2);
    if (/^\s/.test(raw)) warn(mark + 3, 'the template starts with whitespace, which is sent as part of the message; remove it after "::"');
    if (/\s$/.test(raw)) warn(lineText.trimEnd().length + 1, 'whitespace at the end of the line is not part of the message (it is dropped); remove it');
  }
  for (const token of rule.template) {
    if (token.kind !== 'var') continue;
    const [first] = token.path;
    if (typeof first === 'string' && /^\d/.test(first)) {
      const at = lineText.indexOf(`$${token.raw}$`);
      warn(at + 1, `"$${token.raw}$" reads a field named "${first}"; for a literal dollar sign (an amount) write $$, as in $$5`);
    }
  }
}

function checkGithubRule(rule: Rule, lineText: string, github: GithubEvents, warn: Warn): void {
  if (rule.event !== undefined) {
    const [name = '', action, extra] = rule.event.split('.');
    const actions = github.actions.get(name);
    if (actions === undefined) {
      warn(1, `GitHub sends no "${name}" event${didYouMean(name, github.actions.keys())}`);
      return;
    }
    if (action !== undefined && actions.length === 0) {
      warn(1, `GitHub's "${name}" event carries no action, so "${rule.event}" never matches; name the line ${rule.source}.${name}`);
      return;
    }
    if (action !== undefined && !actions.includes(action)) {
      warn(1, `GitHub's "${name}" event has no action "${action}"${didYouMean(action, actions)}`);
      return;
    }
    if (extra !== undefined) {
      warn(1, `GitHub events are named event.action; "${rule.event}" never matches`);
      return;
    }
  }
  const shape = github.shapeOf(rule.event);
  if (shape === undefined) return;
  checkPaths(rule, lineText, [shape], [], `GitHub's ${rule.event ?? 'webhook'} payloads`, warn);
}

function checkAgainstFixtures(rule: Rule, lineText: string, config: RuntimeConfig, known: readonly KnownItem[], warn: Warn): void {
  if (known.length === 0) return;
  if (rule.event !== undefined) {
    const events = new Set(known.flatMap((item) => (item.event === undefined ? [] : [item.event])));
    const isKnown = [...events].some((event) => event === rule.event || event.startsWith(`${rule.event}.`));
    if (!isKnown) {
      // Fixtures do not hold every event a provider sends: only a likely typo is worth a warning.
      const prefixes = new Set([...events].flatMap((event) => event.split('.').map((_, index, parts) => parts.slice(0, index + 1).join('.'))));
      const suggestion = closest(rule.event, prefixes);
      if (suggestion !== undefined) warn(1, `no ${rule.source} fixture has the event "${rule.event}"; did you mean "${suggestion}"?`);
      return;
    }
  }
  const items = known.filter((item) => config.rules.candidates(rule.source, item.event).includes(rule));
  if (items.length === 0) return;
  const itemShape = sampleShape(items.map((item) => item.item));
  const bodyShape = sampleShape(items.map((item) => item.body));
  checkPaths(rule, lineText, [itemShape], [bodyShape], `the ${rule.source} fixtures of ${rule.event === undefined ? 'this line' : `"${rule.event}"`} (${items.length} item${items.length === 1 ? '' : 's'})`, warn);
}

function checkPaths(rule: Rule, lineText: string, itemShapes: readonly Shape[], bodyShapes: readonly Shape[], where: string, warn: Warn): void {
  const fieldsAt = Math.max(0, lineText.indexOf(rule.fieldsText));
  const reported = new Set<string>();
  // A path every variable reads through `default` is allowed to be missing: the line says what to show then.
  const defaulted = new Set<string>();
  const plain = new Set<string>();
  for (const token of rule.template) {
    if (token.kind !== 'var' || token.scope === 'envelope') continue;
    const names = token.path.filter((segment) => typeof segment === 'string').join('.');
    (token.filters?.some((filter) => filter.name === 'default') ? defaulted : plain).add(names);
  }
  const isDefaulted = (path: readonly PathSegment[]): boolean => {
    const names = path.filter((segment) => typeof segment === 'string').join('.');
    return [...defaulted].some((text) => text === names || text.startsWith(`${names}.`) || names.startsWith(`${text}.`)) && !plain.has(names);
  };
  const report = (path: readonly PathSegment[], shapes: readonly Shape[], describe: (depth: number) => string, searchFrom: number): void => {
    const result = checkShapes(shapes, path);
    if (result.found) return;
    const segment = path[result.depth];
    const text = describe(result.depth);
    // The field and the variable that reads it are one mistake: say it once.
    const key = `${shapes === bodyShapes ? '^' : ''}${asDotted(path.slice(0, result.depth + 1).filter((step) => typeof step === 'string'))}`;
    if (reported.has(key)) return;
    reported.add(key);
    const at = typeof segment === 'string' ? lineText.indexOf(segment, searchFrom) : -1;
    warn(at === -1 ? 1 : at + 1, `${text} is not in ${where}${typeof segment === 'string' ? didYouMean(segment, result.keys) : ''}`);
  };
  for (const path of fieldPaths(rule.fields)) {
    if (!isDefaulted(path)) report(path, itemShapes, (depth) => asFieldList(path.slice(0, depth + 1)), fieldsAt);
  }
  for (const token of rule.template) {
    if (token.kind !== 'var' || token.filters?.some((filter) => filter.name === 'default')) continue;
    const isEnvelope = token.scope === 'envelope';
    if (isEnvelope && bodyShapes.length === 0) continue;
    report(token.path, isEnvelope ? bodyShapes : itemShapes, (depth) => `$${isEnvelope ? '^' : ''}${asDotted(token.path.slice(0, depth + 1))}$`, fieldsAt + rule.fieldsText.length);
  }
  for (const condition of rule.conditions) {
    report(condition.path, itemShapes, (depth) => `condition path ${asDotted(condition.path.slice(0, depth + 1))}`, 0);
  }
}

function fieldPaths(nodes: readonly FieldNode[], prefix: readonly string[] = []): string[][] {
  return nodes.flatMap((node) => (node.children.length === 0 ? [[...prefix, node.name]] : fieldPaths(node.children, [...prefix, node.name])));
}

/** `['pull_request', 'titel']` → `pull_request{titel}`, as the field list writes it. */
function asFieldList(path: readonly PathSegment[]): string {
  const names = path.map(String);
  return names.reduceRight((inner, name) => (inner === '' ? name : `${name}{${inner}}`), '');
}

function asDotted(path: readonly PathSegment[]): string {
  return path.map((segment, index) => (typeof segment === 'number' ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join('');
}
