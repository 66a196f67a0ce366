import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXIT, EXIT_CODES, formatExitCodeTable } from '../src/errors/index.js';

test("README's Exit codes table is the list in src/errors/exit-codes.ts", () => {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('### Exit codes');
  assert.ok(start >= 0, 'README has an "### Exit codes" section');
  const section = readme.slice(start, readme.indexOf('\n### ', start + 1));
  assert.equal(section.split('\n').filter((line) => line.startsWith('|')).join('\n'), formatExitCodeTable());
  assert.deepEqual(Object.values(EXIT), Object.values(EXIT_CODES).map(({ code }) => code));
});

test('the CLI returns exit codes by name, never a bare number', () => {
  const cliFiles = [
    join('src', 'cli.ts'),
    ...readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((path) => /(^|\/)(cli|golden)\//.test(path)).map((path) => join('src', path)),
  ].filter((path) => path.endsWith('.ts'));
  const bare = cliFiles.flatMap((path) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .flatMap((line, index) => (/\breturn [0-9];|process\.exit\([0-9]\)|exitCode = [0-9];|\? [0-9] : [0-9]/.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : [])),
  );
  assert.deepEqual(bare, []);
});
