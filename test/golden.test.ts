/**
 * `genhook test`: the shipped fixtures match their .expected.json through the shipped lines, and a team's own
 * fixture folder gets a readable diff (exit 1), --update writes expected files, handshakes expect nothing.
 * Runs the real CLI as a child process over real files.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, writeConfigDir } from './support/child.js';

test('genhook test - every shipped fixture renders exactly its .expected.json through the shipped lines', async () => {
  const result = await runCli(['test', '--settings', 'settings.ini', '--webhooks', 'webhooks.ini', 'fixtures'], { GENHOOK_LOG_LEVEL: 'silent' });
  assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
  const summary = /^(\d+) fixtures: (\d+) passed, 0 failed$/m.exec(result.stdout);
  assert.ok(summary, result.stdout);
  assert.ok(Number(summary[1]) >= 100 && summary[1] === summary[2], summary[0]);
});

test('genhook test - a difference exits 1 with a field-by-field diff; --update writes; a missing expected file fails', async () => {
  const config = await writeConfigDir(
    { acme_event: 'kind', acme_split: 'items', acme_sl1_value: '$load$' },
    'acme: name::Acme $name$ is down\nacme.ok: name::Acme $name$ is fine\ngithub: zen::GitHub $zen$\n',
  );
  const fixtures = join(config.dir, 'fixtures');
  await mkdir(join(fixtures, 'acme'), { recursive: true });
  await mkdir(join(fixtures, 'github'), { recursive: true });
  await writeFile(join(fixtures, 'acme', 'two.json'), JSON.stringify({ items: [{ name: 'db', load: 3 }, { name: 'web', kind: 'ok' }] }));
  await writeFile(join(fixtures, 'acme', 'two.meta.json'), JSON.stringify({ headers: { 'X-Acme-Delivery': 'd1' } }));
  await writeFile(join(fixtures, 'github', 'ping.json'), JSON.stringify({ zen: 'Keep it simple.', hook_id: 1 }));
  await writeFile(join(fixtures, 'github', 'ping.meta.json'), JSON.stringify({ headers: { 'X-GitHub-Event': 'ping' } }));
  const args = ['--settings', config.settingsFile, '--webhooks', config.webhooksFile, fixtures];

  const missing = await runCli(['test', ...args]);
  assert.equal(missing.code, 1, missing.stdout);
  assert.match(missing.stdout, /^FAIL acme\/two: no expected file; run genhook test --update/m);

  const update = await runCli(['test', '--update', ...args]);
  assert.equal(update.code, 0, update.stdout + update.stderr);
  assert.match(update.stdout, /^wrote acme\/two\.expected\.json \(2 SL1 requests\)$/m);
  assert.match(update.stdout, /^2 fixtures: 2 expected files written, 0 unchanged$/m);
  const written = JSON.parse(await readFile(join(fixtures, 'acme', 'two.expected.json'), 'utf8')) as Record<string, string>[];
  assert.deepEqual(written.map((body) => [body['message'], body['value']]), [['Acme db is down', '3'], ['Acme web is fine', '0']]);
  assert.deepEqual(JSON.parse(await readFile(join(fixtures, 'github', 'ping.expected.json'), 'utf8')), []);

  const clean = await runCli(['test', ...args]);
  assert.equal(clean.code, 0, clean.stdout);
  assert.match(clean.stdout, /^ok {3}acme\/two$/m);
  assert.match(clean.stdout, /^ok {3}github\/ping\n {5}answered as a handshake \(no alert\)$/m);
  assert.match(clean.stdout, /^2 fixtures: 2 passed, 0 failed$/m);

  // Someone edits the line: the diff names the request, the field, the old and the new text.
  await writeFile(config.webhooksFile, 'acme: name::Acme $name$ is DOWN\nacme.ok: name::Acme $name$ is fine\ngithub: zen::GitHub $zen$\n');
  const changed = await runCli(['test', ...args]);
  assert.equal(changed.code, 1, changed.stdout);
  assert.match(changed.stdout, /^FAIL acme\/two \(- acme\/two\.expected\.json, \+ rendered now\)\n {5}request 1 message:\n {7}- "Acme db is down"\n {7}\+ "Acme db is DOWN"\n/m);
  assert.match(changed.stdout, /^2 fixtures: 1 passed, 1 failed$/m);
});
