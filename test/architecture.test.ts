/**
 * The layout is a contract: imports flow one way with no cycles between files or folders, the leaf modules
 * stay leaves, only the entry point reaches the composition root, README's layout table names every folder, and
 * no source file is over 300 lines.
 * Imports are read with the TypeScript compiler's own pre-processor (type-only imports count too).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const SRC = 'src';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** File → the files of ours it imports or re-exports (relative specifiers only). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((entry) => entry.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts'));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every strongly connected component with more than one member (or a self-import), via Tarjan's algorithm. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(target) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** `src/deliver/attempt.ts` → `deliver`; top-level files (`src/cli.ts`) are their own unit. */
function folderOf(file: string): string {
  const parts = relative(SRC, file).split(/[\\/]/);
  return parts.length > 1 ? (parts[0] ?? file) : (parts[0] ?? file).replace(/\.ts$/, '');
}

function folderGraph(graph: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const folders = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    const set = folders.get(from) ?? new Set<string>();
    for (const target of targets) if (folderOf(target) !== from) set.add(folderOf(target));
    folders.set(from, set);
  }
  return new Map([...folders].map(([folder, set]) => [folder, [...set]]));
}

test('imports - every import names a file that exists', () => {
  const graph = importGraph();
  const missing = [...graph].flatMap(([file, targets]) => targets.filter((target) => !graph.has(target)).map((target) => `${file} → ${target}`));
  assert.deepEqual(missing, []);
});

test('imports - no cycle between files', () => {
  assert.deepEqual(cycles(importGraph()), []);
});

test('imports - no cycle between folders', () => {
  assert.deepEqual(cycles(folderGraph(importGraph())), []);
});

test('imports - payload/ and errors/ are leaves: payload imports only errors, errors imports nothing of ours', () => {
  const folders = folderGraph(importGraph());
  assert.deepEqual(folders.get('payload'), ['errors']);
  assert.deepEqual(folders.get('errors'), []);
});

test('imports - only cli.ts reaches the composition root, and only server.ts runs the start steps', () => {
  const graph = importGraph();
  const importersOf = (predicate: (target: string) => boolean): string[] =>
    [...graph].filter(([, targets]) => targets.some(predicate)).map(([file]) => folderOf(file)).filter((unit, i, all) => all.indexOf(unit) === i);
  assert.deepEqual(importersOf((target) => target === join(SRC, 'server.ts')), ['cli']);
  assert.deepEqual(importersOf((target) => folderOf(target) === 'start').filter((unit) => unit !== 'start'), ['server']);
});

test('README - the layout table names every folder under src/, and nothing else', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));
  const documented = [...section.matchAll(/^\| `([a-z-]+)\/` \|/gm)].map((match) => match[1]).sort();
  const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory()).sort();
  assert.deepEqual(documented, folders);
});

/** Most lines a source file may have (issue: small modules a newcomer can read in one sitting). */
const MAX_FILE_LINES = 300;

/**
 * Files still being split by their owner, each with the size it may not grow past. Remove your entry when you
 * split the file: the test fails on an entry that is no longer needed, so the list only shrinks.
 */
const OVERSIZE_ALLOWED: Readonly<Record<string, { readonly owner: string; readonly maxLines: number }>> = {};

function linesOf(file: string): number {
  const text = readFileSync(file, 'utf8');
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path) : [path];
  });
}

test(`size - no file under src/ or console/src/ has more than ${MAX_FILE_LINES} lines (but the allow-listed ones being split)`, () => {
  const files = [...allFiles(SRC), ...allFiles(join('console', 'src'))].map((file) => file.split(/[\\/]/).join('/'));
  const oversize = files
    .map((file) => ({ file, lines: linesOf(file) }))
    .filter(({ file, lines }) => lines > (OVERSIZE_ALLOWED[file]?.maxLines ?? MAX_FILE_LINES))
    .map(({ file, lines }) => `${file}: ${lines} lines (${OVERSIZE_ALLOWED[file] ? `allowed ${OVERSIZE_ALLOWED[file].maxLines} until split` : `at most ${MAX_FILE_LINES}`}); split it`);
  assert.deepEqual(oversize, []);
  const stale = Object.keys(OVERSIZE_ALLOWED)
    .filter((file) => !files.includes(file) || linesOf(file) <= MAX_FILE_LINES)
    .map((file) => `${file} is split (or gone): remove its entry from OVERSIZE_ALLOWED`);
  assert.deepEqual(stale, []);
});
