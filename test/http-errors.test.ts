import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BodyError, ERROR_CODES, formatHttpErrorTable, HTTP_ERRORS, httpStatusOf, isHttpErrorCode, type HttpErrorCode } from '../src/errors/index.js';
import { ERROR_SCHEMA } from '../src/receive/openapi.js';

/** Every .ts file under src/, with its text. */
function sourceFiles(dir = 'src'): Array<{ path: string; text: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [{ path, text: readFileSync(path, 'utf8') }] : [];
  });
}

const CATALOGUE_FILE = join('src', 'errors', 'http-errors.ts');

describe('the HTTP error catalogue', () => {
  it("README's Error codes table is the catalogue, row for row", () => {
    const readme = readFileSync('README.md', 'utf8');
    const start = readme.indexOf('### Error codes');
    assert.ok(start >= 0, 'README has an "### Error codes" section');
    const section = readme.slice(start, readme.indexOf('\n### ', start + 1));
    const table = section.split('\n').filter((line) => line.startsWith('|')).join('\n');
    assert.equal(table, formatHttpErrorTable(), 'paste formatHttpErrorTable() (src/errors/http-errors.ts) into README');
  });

  it('every status is an HTTP error status and every meaning one line', () => {
    for (const [code, { status, meaning }] of Object.entries(HTTP_ERRORS)) {
      assert.match(code, /^[a-z][a-z0-9_]*$/, code);
      assert.ok(status >= 400 && status <= 599, `${code}: ${status}`);
      assert.ok(meaning.length > 10 && !meaning.includes('\n') && !meaning.includes('|'), `${code}: ${meaning}`);
    }
  });

  it('a code not in the catalogue has no status: answering it is a bug, not a guess', () => {
    assert.equal(isHttpErrorCode('queue_full'), true);
    assert.equal(isHttpErrorCode('toString'), false);
    assert.throws(() => httpStatusOf('made_up' as HttpErrorCode), { name: 'TypeError', message: /made_up.*http-errors\.ts/ });
  });

  it('body errors take their status from it', () => {
    for (const code of ERROR_CODES.body) assert.equal(new BodyError(code, 'x').status, HTTP_ERRORS[code].status, code);
  });

  it('each error class code (errors/error-codes.ts) means one thing: no code in two lists, and only body codes are answered over HTTP', () => {
    const all = Object.values(ERROR_CODES).flat();
    assert.deepEqual(all.filter((code, at) => all.indexOf(code) !== at), []);
    assert.deepEqual([...ERROR_CODES.setting, ...ERROR_CODES.store].filter((code) => isHttpErrorCode(code)), []);
  });

  it('the OpenAPI error schema lists exactly the catalogue codes', () => {
    const error = (ERROR_SCHEMA as { properties: { error: { properties: { code: { enum: string[] } } } } }).properties.error.properties.code;
    assert.deepEqual(error.enum, Object.keys(HTTP_ERRORS));
  });

  it('every error body is built by sendError, so none bypasses the catalogue', () => {
    const files = sourceFiles().filter(({ path }) => path !== join('src', 'receive', 'respond.ts'));
    const bypasses = files.flatMap(({ path, text }) =>
      text.split('\n').flatMap((line, index) => (/\bc\.json\(\s*\{\s*error\s*:/.test(line) ? [`${path}:${index + 1}: ${line.trim()}`] : [])),
    );
    assert.deepEqual(bypasses, []);
  });

  it('every catalogued code is answered somewhere in src/ (no stale rows)', () => {
    const text = sourceFiles()
      .filter(({ path }) => path !== CATALOGUE_FILE)
      .map(({ text }) => text)
      .join('\n');
    const unused = Object.keys(HTTP_ERRORS).filter((code) => !text.includes(`'${code}'`));
    assert.deepEqual(unused, []);
  });

  it('every literal code handed to sendError or reject is in the catalogue (the type checker says so too)', () => {
    const answered = new Set<string>();
    for (const { text } of sourceFiles()) {
      for (const match of text.matchAll(/\b(?:sendError\(\s*\w+,|reject\(|refuseUnstored\([^)]*\{\s*code:|busy\(|refuse:\s*\{\s*code:)\s*'([a-z0-9_]+)'/g)) {
        answered.add(match[1] ?? '');
      }
    }
    assert.ok(answered.size >= 20, `found ${answered.size} answered codes; the scan is broken`);
    assert.deepEqual([...answered].filter((code) => !isHttpErrorCode(code)), []);
  });
});
