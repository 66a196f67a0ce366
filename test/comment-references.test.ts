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

test('every source file a src/ comment names exists (no comment points at a moved or deleted file)', () => {
  const known = [...filesUnder('src'), ...filesUnder('test'), ...filesUnder('bench')];
  const basenames = new Set(known.map((path) => basename(path)));
  const stale: string[] = [];
  for (const file of filesUnder('src').filter((path) => path.endsWith('.ts'))) {
    readFileSync(file, 'utf8').split('\n').forEach((line, index) => {
      const comment = /^\s*(?:\/\*\*|\*|\/\/)(.*)$/.exec(line)?.[1] ?? /\/\/(.*)$/.exec(line)?.[1];
      if (comment === undefined) return;
      for (const [mention] of comment.matchAll(/[\w./-]*[\w-]+\.ts\b/g)) {
        const candidates = [mention, join('src', mention), join(dirname(file), mention)];
        const exists = candidates.some((path) => existsSync(path)) || (!mention.includes('/') && basenames.has(mention));
        if (!exists) stale.push(`${file}:${index + 1}: ${mention}`);
      }
    });
  }
  assert.deepEqual(stale, []);
});
