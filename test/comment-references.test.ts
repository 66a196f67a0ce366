import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { test } from 'node:test';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

const known = [...filesUnder('src'), ...filesUnder('test'), ...filesUnder('bench')];
const byName = new Map<string, string[]>();
for (const path of known) byName.set(basename(path), [...(byName.get(basename(path)) ?? []), path]);

/** The files a mention such as `config/paths.ts`, `./own.ts` or `runtime.ts` can mean, seen from `file`. */
function resolveMention(file: string, mention: string): string[] {
  const direct = [mention, join('src', mention), join(dirname(file), mention)].filter((path) => existsSync(path));
  if (direct.length > 0 || mention.includes('/')) return direct;
  return byName.get(mention) ?? [];
}

/** Comment text of each line of every src/ file, with where it is. */
function comments(): Array<{ where: string; file: string; text: string }> {
  return filesUnder('src')
    .filter((path) => path.endsWith('.ts'))
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) => {
          const text = /^\s*(?:\/\*\*|\*|\/\/)(.*)$/.exec(line)?.[1] ?? /\/\/(.*)$/.exec(line)?.[1];
          return text === undefined ? [] : [{ where: `${file}:${index + 1}`, file, text }];
        }),
    );
}

test('every source file a src/ comment names exists (no comment points at a moved or deleted file)', () => {
  const stale: string[] = [];
  for (const { where, file, text } of comments()) {
    for (const [mention] of text.matchAll(/[\w./-]*[\w-]+\.ts\b/g)) {
      if (resolveMention(file, mention).length === 0) stale.push(`${where}: ${mention}`);
    }
  }
  assert.deepEqual(stale, []);
});

test('a comment saying `name in file.ts` names a file that defines it', () => {
  const stale: string[] = [];
  for (const { where, file, text } of comments()) {
    for (const [, qualified = '', mention = ''] of text.matchAll(/\b([A-Za-z_$][\w$.]*)(?:\(\))? (?:in|from) `?([\w./-]+\.ts)\b/g)) {
      const name = qualified.split('.').at(-1) ?? '';
      // Only code names (camelCase or PascalCase with a second capital), not English words.
      if (!/[a-z][A-Z]|^[A-Z][a-z]+[A-Z]/.test(name)) continue;
      const texts = resolveMention(file, mention).map((path) => readFileSync(path, 'utf8'));
      if (texts.length === 0) continue; // the test above reports it
      const defines = new RegExp(`(?:function\\*?|class|const|let|interface|type)\\s+${name}\\b|^\\s*(?:readonly\\s+|async\\s+|static\\s+|get\\s+)*#?${name}\\s*[(:<=?]`, 'm');
      if (!texts.some((source) => defines.test(source))) stale.push(`${where}: ${name} in ${mention}`);
    }
  }
  assert.deepEqual(stale, []);
});
