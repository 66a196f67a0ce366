/**
 * Honest defaults at start: warnings for sources that take unsigned webhooks on a non-loopback address, for
 * SL1 credentials over http://, for a user name without a password; and a password inside sl1_api_url is
 * never printed (by `serve` or `genhook check`), while GenHook still logs in with it.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from './support/child.js';
import { withFakeSl1 } from './support/fake-sl1.js';
import { startTestGenHook, waitUntil } from './support/genhook.js';
import { tempDir } from './support/temp-dir.js';

const WEBHOOKS = 'open: n::Open $n$\nsigned: n::Signed $n$\n';

const warningsOf = (logs: Record<string, unknown>[]) => logs.filter((line) => line['level'] === 'warn').map((line) => String(line['msg']));

test('serve - 0.0.0.0 with unsigned sources: one warning naming them; 127.0.0.1: none', async () => {
  const exposed = await startTestGenHook({ webhooks: WEBHOOKS, settings: { server_host: '0.0.0.0', signed_secret: 'x'.repeat(32), signed_signature: 'bearer' } });
  try {
    const lines = warningsOf(exposed.logs).filter((msg) => /unsigned webhooks/.test(msg));
    assert.equal(lines.length, 1, warningsOf(exposed.logs).join('\n'));
    assert.match(lines[0] ?? '', /0\.0\.0\.0/);
    assert.match(lines[0] ?? '', /: open;/);
    assert.doesNotMatch(lines[0] ?? '', /: open, signed/);
  } finally {
    await exposed.close();
  }
  const local = await startTestGenHook({ webhooks: WEBHOOKS });
  try {
    assert.deepEqual(warningsOf(local.logs).filter((msg) => /unsigned webhooks/.test(msg)), []);
  } finally {
    await local.close();
  }
});

test('serve - http:// sl1_api_url with credentials in it: warned without the password, and GenHook logs in with them', () =>
  withFakeSl1(async (sl1) => {
    const url = sl1.url.replace('http://', 'http://genhook:hunter2@');
    const server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { sl1_api_url: url } });
    try {
      const http = warningsOf(server.logs).filter((msg) => /travel unencrypted/.test(msg));
      assert.equal(http.length, 1);
      assert.ok(!JSON.stringify(server.logs).includes('hunter2'), 'the password is in no log line');
      await server.post('/webhook/open', { n: 1 });
      await sl1.waitFor(1);
      assert.deepEqual(sl1.requests[0]?.auth, { username: 'genhook', password: 'hunter2' });
      await waitUntil(() => server.genhook.dispatcher.size + server.genhook.dispatcher.inFlight === 0, 'delivered');
    } finally {
      await server.close();
    }
  }));

test('genhook check - warns about unsigned sources on 0.0.0.0, http:// with credentials, a user without a password; never prints a URL password', async () => {
  const dir = await tempDir('genhook-check-');
  const settingsFile = join(dir, 'settings.ini');
  const webhooksFile = join(dir, 'webhooks.ini');
  await writeFile(webhooksFile, WEBHOOKS);
  const args = ['check', '--settings', settingsFile, '--webhooks', webhooksFile];
  await writeFile(settingsFile, 'server_host = 0.0.0.0\nsl1_api_url = http://genhook:hunter2@sl1.example.com/api/alert\n');
  const valid = await runCli(args, { GENHOOK_SL1_PASSWORD: '' });
  assert.equal(valid.code, 0, valid.stderr);
  assert.match(valid.stderr, /warning: sources that accept unsigned webhooks .*: open, signed/);
  assert.match(valid.stderr, /warning: sl1_api_url is http:\/\/ \(http:\/\/sl1\.example\.com\/api\/alert\): the SL1 user name and password travel unencrypted/);
  assert.ok(!`${valid.stdout}${valid.stderr}`.includes('hunter2'));

  await writeFile(settingsFile, 'server_host = 127.0.0.1\nsl1_api_url = https://sl1.example.com/api/alert\nsl1_username = genhook\n');
  const noPassword = await runCli(args);
  assert.equal(noPassword.code, 0, noPassword.stderr);
  assert.match(noPassword.stderr, /warning: sl1_username is set but sl1_password is empty/);
  assert.doesNotMatch(noPassword.stderr, /unsigned/);

  await writeFile(settingsFile, 'sl1_api_url = htp://genhook:hunter2@sl1.example.com/api/alert\n');
  const invalid = await runCli(args);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /sl1_api_url = "htp:\/\/genhook:\*\*\*@sl1\.example\.com\/api\/alert" is not valid/);
  assert.ok(!`${invalid.stdout}${invalid.stderr}`.includes('hunter2'));
});
