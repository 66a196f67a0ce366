/**
 * webhooks.ini compiles in linear time and bounded depth: fixed, documented limits (file size, line length,
 * fields per line, nesting depth, template variables per line, issues reported) refused at file:line:column,
 * linearity shown by counting the compiler's work (callbacks it runs) at two sizes rather than by a stopwatch,
 * and a real GenHook that keeps answering /health while a huge admin write or reload is refused.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseWebhooksFile } from '../src/rules/index.js';
import {
  MAX_FIELD_DEPTH,
  MAX_FIELDS_PER_LINE,
  MAX_ISSUES_PER_LINE,
  MAX_LINE_LENGTH,
  MAX_TEMPLATE_VARIABLES,
  MAX_WEBHOOKS_FILE_SIZE,
} from '../src/rules/limits.js';
import { send, startTestGenHook, type TestGenHook } from './support/genhook.js';

const FILE = 'webhooks.ini';
const fields = (n: number, prefix = 'f') => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(',');
const nested = (depth: number) => `${'a{'.repeat(depth)}leaf${'}'.repeat(depth)}`;

describe('limits, reported at file:line:column', () => {
  test(`a line longer than ${MAX_LINE_LENGTH} characters is refused at the first character past the limit`, () => {
    const long = `acme: x::${'y'.repeat(MAX_LINE_LENGTH)}`;
    const { rules, issues } = parseWebhooksFile(`ok: a::$a$\n${long}\n`, FILE);
    assert.equal(rules.length, 1);
    assert.equal(issues.length, 1);
    assert.deepEqual({ line: issues[0]?.line, column: issues[0]?.column }, { line: 2, column: MAX_LINE_LENGTH + 1 });
    assert.match(issues[0]?.message ?? '', new RegExp(`${MAX_LINE_LENGTH}`));
  });

  test(`more than ${MAX_FIELDS_PER_LINE} fields on a line: refused at the first field too many`, () => {
    const line = `acme: ${fields(MAX_FIELDS_PER_LINE + 5)}::x`;
    const { rules, issues } = parseWebhooksFile(line, FILE);
    assert.equal(rules.length, 0);
    assert.equal(issues.length, 1, JSON.stringify(issues.slice(0, 3)));
    const column = line.indexOf(`f${MAX_FIELDS_PER_LINE},`) + 1;
    assert.deepEqual({ line: issues[0]?.line, column: issues[0]?.column }, { line: 1, column });
    assert.match(issues[0]?.message ?? '', /more than 1000 fields/);
    // At the limit it compiles.
    assert.equal(parseWebhooksFile(`acme: ${fields(MAX_FIELDS_PER_LINE)}::x`, FILE).issues.length, 0);
  });

  test(`nesting deeper than ${MAX_FIELD_DEPTH} levels is refused at the opener too deep; 3,000 levels do not crash`, () => {
    const line = `acme: ${nested(MAX_FIELD_DEPTH + 1)}::x`;
    const { issues } = parseWebhooksFile(line, FILE);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    // The opener of level 33: after "acme: ", 32 pairs "a{" and one more "a".
    const column = 'acme: '.length + MAX_FIELD_DEPTH * 2 + 1 + 1;
    assert.deepEqual({ line: issues[0]?.line, column: issues[0]?.column }, { line: 1, column });
    assert.match(issues[0]?.message ?? '', /deeper than 64 levels/);
    assert.equal(parseWebhooksFile(`acme: ${nested(MAX_FIELD_DEPTH)}::$a$`, FILE).issues.length, 0);

    const deep = parseWebhooksFile(`acme: ${nested(3000)}::x`, FILE);
    assert.equal(deep.issues.length, 1);
    assert.match(deep.issues[0]?.message ?? '', /deeper than 64 levels/);
  });

  test(`more than ${MAX_TEMPLATE_VARIABLES} template variables on a line are refused`, () => {
    const line = `acme: a::${'$a$ '.repeat(MAX_TEMPLATE_VARIABLES + 1)}`;
    const { issues } = parseWebhooksFile(line, FILE);
    assert.equal(issues.length, 1, JSON.stringify(issues.slice(0, 3)));
    assert.equal(issues[0]?.column, 'acme: a::'.length + MAX_TEMPLATE_VARIABLES * 4 + 1);
    assert.match(issues[0]?.message ?? '', /more than 1000 variables/);
  });

  test(`a file over ${MAX_WEBHOOKS_FILE_SIZE} characters is refused where it crosses the limit, without compiling it`, () => {
    const line = `acme.e: a::$a$\n`;
    const text = line.repeat(Math.ceil(MAX_WEBHOOKS_FILE_SIZE / line.length) + 1);
    const { rules, issues } = parseWebhooksFile(text, FILE);
    assert.equal(rules.length, 0);
    assert.equal(issues.length, 1);
    assert.equal(issues[0]?.line, Math.floor(MAX_WEBHOOKS_FILE_SIZE / line.length) + 1);
    assert.equal(issues[0]?.column, (MAX_WEBHOOKS_FILE_SIZE % line.length) + 1);
    assert.match(issues[0]?.message ?? '', /262144/);
  });

  test(`one line reports at most ${MAX_ISSUES_PER_LINE} issues, then says how many more`, () => {
    const line = `acme: ${','.repeat(800)}::x`;
    const { issues } = parseWebhooksFile(line, FILE);
    assert.equal(issues.length, MAX_ISSUES_PER_LINE + 1);
    assert.match(issues.at(-1)?.message ?? '', /and 781 more issues on this line/);
    // Messages quote the field list shortened, so the report stays small however long the line.
    const bytes = issues.reduce((sum, issue) => sum + issue.message.length, 0);
    assert.ok(bytes < 10_000, `${bytes} characters of messages`);
  });
});

/** Runs `compile` and counts every callback the array methods it uses run: the compiler's per-element work. */
function countWork(compile: () => unknown): number {
  const names = ['some', 'find', 'findIndex', 'filter', 'map', 'forEach', 'every', 'flatMap', 'reduce'] as const;
  const proto = Array.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = names.map((name) => [name, proto[name]] as const);
  let work = 0;
  for (const [name, original] of originals) {
    proto[name] = function (this: unknown[], ...args: unknown[]) {
      const [callback, ...rest] = args;
      if (typeof callback !== 'function') return original?.apply(this, args);
      return original?.call(this, function (this: unknown, ...inner: unknown[]) {
        work++;
        return (callback as (...a: unknown[]) => unknown).apply(this, inner);
      }, ...rest);
    };
  }
  try {
    compile();
  } finally {
    for (const [name, original] of originals) proto[name] = original as (...args: unknown[]) => unknown;
  }
  return work;
}

describe('compile work grows linearly', () => {
  const ratio = (line: (n: number) => string, n: number) => {
    const small = countWork(() => parseWebhooksFile(line(n), FILE));
    const large = countWork(() => parseWebhooksFile(line(2 * n), FILE));
    return large / Math.max(1, small);
  };

  test('doubling the fields on a line at most doubles the work (plus a constant)', () => {
    assert.ok(ratio((n) => `acme: ${fields(n)}::x`, 500) < 2.2);
    assert.ok(ratio((n) => `acme: g{${fields(n)}}::x`, 500) < 2.2);
  });

  test('doubling the template variables checked against the fields at most doubles the work', () => {
    assert.ok(ratio((n) => `acme: ${fields(n)}::${Array.from({ length: n }, (_, i) => `$f${i}$`).join(' ')}`, 450) < 2.2);
  });

  test('doubling the lines (each bad, each reporting) at most doubles the work', () => {
    assert.ok(ratio((n) => Array.from({ length: n }, (_, i) => `acme.e${i}: a,a::$b$`).join('\n'), 2000) < 2.2);
  });
});

describe('a real GenHook keeps answering while a huge write or reload is refused', () => {
  let server: TestGenHook;
  const token = 'limits-admin-token';
  const admin = { authorization: `Bearer ${token}` };

  before(async () => {
    server = await startTestGenHook({ webhooks: 'acme: status::Acme $status$\n', settings: { admin_token: token, max_body_size: '16MB' } });
  });
  after(() => server.close());

  test('an admin write of a 120,000-field line is 422 at file:line:column while /health answers', async () => {
    const line = `acme.big: ${fields(120_000)}::x`;
    const [write, health] = await Promise.all([
      send(`${server.url}/admin/lines/acme.big`, { line }, admin, 'PUT'),
      send(`${server.url}/health`, '', {}, 'GET'),
    ]);
    assert.equal(health.status, 200);
    assert.equal(write.status, 422, write.text.slice(0, 300));
    const issues: { text: string }[] = write.json['error']['issues'];
    assert.equal(issues.length, 1);
    assert.match(issues[0]?.text ?? '', /^request line:1:16385: .*16384/);
    // The running configuration is untouched.
    assert.equal((await server.post('/webhook/acme', { status: 'fine' })).status, 202);
  });

  test('a reload of a 700,000-field line or 3,000-deep nesting is refused at file:line:column while /health answers', async () => {
    const webhooksFile = join(server.dir, 'webhooks.ini');
    await writeFile(webhooksFile, `acme: status::Acme $status$\nacme.big: ${fields(700_000)}::x\n`);
    const [reload, health] = await Promise.all([
      send(`${server.url}/admin/reload`, '', admin, 'POST'),
      send(`${server.url}/health`, '', {}, 'GET'),
    ]);
    assert.equal(health.status, 200);
    assert.equal(reload.status, 422, reload.text.slice(0, 300));
    assert.match(JSON.stringify(reload.json), /webhooks\.ini:\d+:\d+: .*(262144|16384)/);

    await writeFile(webhooksFile, `acme: status::Acme $status$\nacme.deep: ${nested(3000)}::x\n`);
    const [deep, health2] = await Promise.all([
      send(`${server.url}/admin/reload`, '', admin, 'POST'),
      send(`${server.url}/health`, '', {}, 'GET'),
    ]);
    assert.equal(health2.status, 200);
    assert.equal(deep.status, 422, deep.text.slice(0, 300));
    assert.match(JSON.stringify(deep.json), /webhooks\.ini:2:\d+: .*deeper than 64 levels/);
    assert.equal((await server.post('/webhook/acme', { status: 'still' })).status, 202);
  });
});
