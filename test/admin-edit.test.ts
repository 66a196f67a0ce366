/** The pure half of the management API: editing webhooks.ini as text, disabled lines, restart-only settings. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { DISABLED_MARK, keyOfLine, keyOfRule, readLines, unmarkForParsing } from '../src/rules/webhooks-lines.js';
import { deleteLine, putLine, setSourceMarked } from '../src/admin/edit-webhooks.js';
import { settingsNeedingRestart } from '../src/config/restart-settings.js';
import { compileServingConfig } from '../src/config/serving-config.js';
import { ConfigError } from '../src/errors/index.js';
import { parseWebhooksFile } from '../src/rules/index.js';

const FILE = [
  '; comment on top',
  '[webhooks]',
  'github: action::GitHub $action$',
  '',
  '# about pushes',
  'github.push[deleted=true]: ref::deleted $ref$',
  'github.push: ref::push $ref$',
  'acme: status::Acme $status$',
  '',
].join('\n');

test('keyOfLine() - NAME and conditions, case and spacing ignored; comments have none', () => {
  const cases = [
    { line: 'github.push: ref::x', key: 'github.push[]', source: 'github' },
    { line: '  GitHub.Push = ref::x', key: 'github.push[]', source: 'github' },
    { line: 'github.push[ deleted = true ]: ref::x', key: 'github.push[deleted=true]', source: 'github' },
    { line: 'github.push[deleted=true, created=false]: a::b', key: 'github.push[deleted=true,created=false]', source: 'github' },
    { line: 'meraki[alertData.items[0].level>=warning]: a::b', key: 'meraki[alertData.items[0].level>=warning]', source: 'meraki' },
    { line: 'github.push', key: 'github.push[]', source: 'github' },
  ];
  for (const { line, key, source } of cases) assert.deepEqual(keyOfLine(line), { key, source }, line);
  for (const line of ['; x: a::b', '# x: a::b', '[webhooks]', '', '   ']) assert.equal(keyOfLine(line), undefined, JSON.stringify(line));
});

test('keyOfLine() - agrees with keyOfRule() on every shipped line', async () => {
  const text = await readFile('webhooks.ini', 'utf8');
  const { rules, issues } = parseWebhooksFile(text, 'webhooks.ini');
  assert.deepEqual(issues, []);
  const lines = text.split('\n');
  for (const rule of rules) assert.equal(keyOfLine(lines[rule.line - 1] ?? '')?.key, keyOfRule(rule), `line ${rule.line}`);
});

test('putLine() - replaces in place, appends new lines at the end, keeps every comment', () => {
  const replaced = putLine(FILE, 'github.push[]', 'github.push: ref,pusher{name}::push $ref$ by $pusher.name$', { markNew: false });
  assert.equal(replaced.outcome, 'replaced');
  assert.equal(replaced.number, 7);
  assert.deepEqual(replaced.text.split('\n').filter((_, i) => i !== 6), FILE.split('\n').filter((_, i) => i !== 6));

  const created = putLine(FILE, 'stripe[]', 'stripe: type::Stripe $type$', { markNew: false });
  assert.equal(created.outcome, 'created');
  assert.equal(created.text, `${FILE}stripe: type::Stripe $type$\n`);
  assert.equal(created.text.split('\n')[created.number - 1], 'stripe: type::Stripe $type$');

  const noNewline = putLine('a: x::y', 'b[]', 'b: x::y', { markNew: true });
  assert.equal(noNewline.text, `a: x::y\n${DISABLED_MARK}b: x::y\n`);
  assert.equal(noNewline.number, 2);

  assert.equal(putLine(FILE, 'acme[]', 'acme: status::Acme $status$', { markNew: false }).outcome, 'unchanged');
  const crlf = putLine('a: x::y\r\nb: x::y\r\n', 'a[]', 'a: z::$z$', { markNew: false });
  assert.equal(crlf.text, 'a: z::$z$\r\nb: x::y\r\n');
});

test('deleteLine() - removes exactly that line; the conditioned twin stays', () => {
  const removed = deleteLine(FILE, 'github.push[]');
  assert.deepEqual(removed?.numbers, [7]);
  assert.match(removed?.text ?? '', /github\.push\[deleted=true\]/);
  assert.doesNotMatch(removed?.text ?? '', /^github\.push:/m);
  assert.equal(deleteLine(FILE, 'nope[]'), undefined);
});

test('setSourceMarked() - disable marks every line of the source, enable restores the bytes', () => {
  const off = setSourceMarked(FILE, 'github', true);
  assert.equal(off.lines, 3);
  assert.equal(off.changed, 3);
  const marked = readLines(off.text).filter((line) => line.isMarked).map((line) => line.number);
  assert.deepEqual(marked, [3, 6, 7]);
  assert.equal(setSourceMarked(off.text, 'github', true).changed, 0, 'idempotent');
  assert.equal(setSourceMarked(off.text, 'github', false).text, FILE);
  assert.equal(setSourceMarked(FILE, 'stripe', true).lines, 0);
});

test('unmarkForParsing() - disabled lines parse with their real columns', () => {
  const text = `${DISABLED_MARK}acme: status{::Acme $status$\n`;
  const { issues } = parseWebhooksFile(unmarkForParsing(text), 'w.ini');
  assert.equal(issues[0]?.line, 1);
  assert.equal(issues[0]?.column, text.indexOf('{') + 1);
});

const SETTINGS = 'server_host = 127.0.0.1\n';
const files = { settingsFile: 's.ini', webhooksFile: 'w.ini', env: {} };

test('compileServingConfig() - a source with every line disabled is known but off; a lone marked line is a comment', () => {
  const text = setSourceMarked(FILE, 'github', true).text + `${DISABLED_MARK}acme.extra: status::Acme extra $status$\n`;
  const serving = compileServingConfig({ ...files, settingsText: SETTINGS, webhooksText: text });
  assert.deepEqual([...serving.disabled], ['github']);
  assert.equal(serving.config.sources.get('github')?.isEnabled, false);
  assert.equal(serving.config.sources.get('acme')?.isEnabled, true);
  assert.equal(serving.config.rules.lookup('acme', 'extra')?.name, 'acme', 'the marked acme.extra line is not active');
});

test('compileServingConfig() - a broken disabled line is reported at its file:line:column', () => {
  const text = `acme: status::Acme $status$\n${DISABLED_MARK}github: action{::x\n`;
  assert.throws(
    () => compileServingConfig({ ...files, settingsText: SETTINGS, webhooksText: text }),
    (error: unknown) => error instanceof ConfigError && error.issues.some((issue) => issue.line === 2 && issue.column === DISABLED_MARK.length + 'github: action'.length + 1),
  );
});

test('settingsNeedingRestart() - names restart-only settings that changed; queue size and per-source max_concurrent are live', () => {
  const compile = (settingsText: string) => compileServingConfig({ ...files, settingsText, webhooksText: FILE }).config;
  const before = compile('server_port = 8080\nmissing_value = ?\n');
  assert.deepEqual(settingsNeedingRestart(before, compile('server_port = 8080\nmissing_value = -\n')), []);
  assert.deepEqual(
    settingsNeedingRestart(before, compile('server_port = 9090\nqueue_max_size = 5\nacme_max_concurrent = 2\nmissing_value = ?\n')),
    ['server_port'],
  );
});
