/**
 * Everyday mistakes get one clear line, never a stack trace, from a real `genhook` child process: unknown
 * flags and commands, --version, --help per command, render with a missing file or invalid JSON, a port in
 * use, missing or non-PEM TLS files (which `check` finds first), values serve refuses (which `check` refuses
 * first), EPIPE; and `dlq replay` is as careful with the SL1 account as the server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, runCli, writeConfigDir } from './support/child.js';
import { withFakeSl1 } from './support/fake-sl1.js';

const LINE = 'app: n::App alert $n$\n';
const noStack = (text: string) => assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+\)?/, `no stack trace:\n${text}`);

test('cli - unknown flag and command: one line, exit 2; --version; --help per command', async () => {
  const flag = await runCli(['check', '--setings', 'x.ini']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /genhook: Unknown option '--setings'/);
  noStack(flag.stderr);
  const command = await runCli(['srve']);
  assert.equal(command.code, 2);
  assert.match(command.stderr, /unknown command "srve"/);
  const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
  const shown = await runCli(['--version']);
  assert.equal(shown.code, 0);
  assert.equal(shown.stdout, `genhook ${version}\n`);
  for (const name of ['serve', 'check', 'render', 'dlq', 'test']) {
    const help = await runCli([name, '--help']);
    assert.equal(help.code, 0, name);
    assert.match(help.stdout, new RegExp(`^Usage: genhook ${name}`), name);
  }
});

test('cli - render: a missing file and invalid JSON are one line each', async () => {
  const config = await writeConfigDir({}, LINE);
  const args = ['--settings', config.settingsFile, '--webhooks', config.webhooksFile];
  const missing = await runCli(['render', 'app', join(config.dir, 'nope.json'), ...args]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read .*nope\.json: no such file/);
  noStack(missing.stderr);
  await writeFile(join(config.dir, 'bad.json'), '{"n": ');
  const invalid = await runCli(['render', 'app', join(config.dir, 'bad.json'), ...args]);
  assert.equal(invalid.code, 1);
  assert.match(invalid.stderr, /bad\.json is not usable JSON/);
  noStack(invalid.stderr);
});

test('cli - check refuses what serve refuses: zero durations, fractional threshold, max_body_size 0, a duration over 24.8 days', async () => {
  for (const [key, value] of [['sl1_timeout', '0'], ['breaker_error_threshold', '50.5'], ['max_body_size', '0'], ['max_alert_age', '30d']] as const) {
    const config = await writeConfigDir({ [key]: value }, LINE);
    const checked = await runCli(['check', '--settings', config.settingsFile, '--webhooks', config.webhooksFile]);
    assert.equal(checked.code, 1, `${key} = ${value}: ${checked.stdout}`);
    assert.match(checked.stderr, new RegExp(`${key} = "${value.replace('.', '\\.')}" is not valid`));
    const served = await runCli(['serve', '--settings', config.settingsFile, '--webhooks', config.webhooksFile]);
    assert.equal(served.code, 1, key);
    assert.match(served.stderr, /GenHook did not start/);
    noStack(served.stderr);
  }
});

test('cli - TLS: missing and non-PEM cert/key are found by check and refused by serve naming the setting', async () => {
  const config = await writeConfigDir({ ssl_enabled: true, ssl_cert_path: 'cert.pem', ssl_key_path: 'key.pem' }, LINE);
  const args = ['--settings', config.settingsFile, '--webhooks', config.webhooksFile];
  const missing = await runCli(['check', ...args]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /ssl_cert_path = cert\.pem: cannot read .*cert\.pem: no such file/);
  await writeFile(join(config.dir, 'cert.pem'), 'not a certificate');
  await writeFile(join(config.dir, 'key.pem'), 'not a key');
  const notPem = await runCli(['check', ...args]);
  assert.equal(notPem.code, 1);
  assert.match(notPem.stderr, /ssl_cert_path = cert\.pem: .* is not PEM/);
  assert.match(notPem.stderr, /ssl_key_path = key\.pem: .* is not PEM/);
  const served = await runCli(['serve', ...args]);
  assert.equal(served.code, 1);
  assert.match(served.stderr, /is not PEM/);
  noStack(served.stderr);
});

test('cli - serve on a port in use: names the port and server_port / GENHOOK_SERVER_PORT', async () => {
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const port = (blocker.address() as { port: number }).port;
  try {
    const config = await writeConfigDir({ server_port: port }, LINE);
    const served = await runCli(['serve', '--settings', config.settingsFile, '--webhooks', config.webhooksFile]);
    assert.equal(served.code, 1);
    assert.match(served.stderr, new RegExp(`GenHook did not start: port ${port} is already in use on 127\\.0\\.0\\.1 \\(server_port / GENHOOK_SERVER_PORT\\)`));
    noStack(served.stderr);
  } finally {
    blocker.close();
  }
});

test('cli - output piped into a reader that closes early (| head): no EPIPE trace', async () => {
  const child = spawn(process.execPath, [CLI, 'completion', 'bash'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE/);
});

async function deadLetterDir(entries: number, settings: Record<string, string | number>) {
  const config = await writeConfigDir(settings, LINE);
  const lines = Array.from({ length: entries }, (_, n) =>
    JSON.stringify({ id: `app:${n}`, requestId: `r${n}`, source: 'app', message: `App alert ${n}`, fields: {}, receivedAt: new Date().toISOString(), reason: 'permanent', attempts: 1, deadLetteredAt: new Date().toISOString() }));
  await writeFile(join(config.dir, 'data', 'dead-letter.jsonl'), `${lines.join('\n')}\n`).catch(async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(config.dir, 'data'), { recursive: true });
    await writeFile(join(config.dir, 'data', 'dead-letter.jsonl'), `${lines.join('\n')}\n`);
  });
  return { ...config, args: ['--settings', config.settingsFile, '--webhooks', config.webhooksFile] };
}

test('dlq replay - refuses (exit 2, naming the setting) without sl1_api_url, sl1_username or sl1_password; reads GENHOOK_*', () =>
  withFakeSl1(async (sl1) => {
    const noUrl = await deadLetterDir(1, {});
    const a = await runCli(['dlq', 'replay', '--all', ...noUrl.args], { GENHOOK_SL1_PASSWORD: '' });
    assert.equal(a.code, 2);
    assert.match(a.stderr, /sl1_api_url is not set/);
    const noPassword = await deadLetterDir(1, { sl1_api_url: sl1.url, sl1_username: 'genhook' });
    const b = await runCli(['dlq', 'replay', '--all', ...noPassword.args], { GENHOOK_SL1_PASSWORD: '' });
    assert.equal(b.code, 2);
    assert.match(b.stderr, /sl1_password is not set .*GENHOOK_SL1_PASSWORD/);
    assert.equal(sl1.requests.length, 0, 'nothing sent with an empty password');
    const fromEnv = await runCli(['dlq', 'replay', '--all', ...noPassword.args], { GENHOOK_SL1_PASSWORD: 'from-env' });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.deepEqual(sl1.requests[0]?.auth, { username: 'genhook', password: 'from-env' });
  }));

test('dlq replay - stops at the first 401: one request for 20 dead letters, all kept in the file', () =>
  withFakeSl1(async (sl1) => {
    sl1.respondWith(401);
    const dir = await deadLetterDir(20, { sl1_api_url: sl1.url, sl1_username: 'genhook', sl1_password: 'wrong', max_worker_threads: 5 });
    const replay = await runCli(['dlq', 'replay', '--all', '--yes', ...dir.args]);
    assert.equal(replay.code, 1);
    assert.equal(sl1.requests.length, 1, 'one failed login, then stop');
    assert.match(replay.stderr, /SL1 refused the credentials \(401\): stopped so the account is not locked; 19 not sent/);
    assert.match(replay.stdout, /sent 1, accepted 0, failed 1, not sent 19, remaining in file 20/);
  }));

test('dlq replay - sends at max_worker_threads after the first one is accepted', () =>
  withFakeSl1(async (sl1) => {
    sl1.respondWith(201, { delayMs: 50 });
    const dir = await deadLetterDir(20, { sl1_api_url: sl1.url, sl1_username: 'genhook', sl1_password: 'pw', max_worker_threads: 5 });
    const replay = await runCli(['dlq', 'replay', '--all', ...dir.args]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /accepted 20, failed 0, not sent 0, remaining in file 0/);
    assert.ok(sl1.maxConcurrent > 1 && sl1.maxConcurrent <= 5, `concurrency ${sl1.maxConcurrent}`);
    const first = sl1.requests[0];
    assert.ok(sl1.requests.slice(1).every((r) => r.startSeq > (first?.endSeq ?? 0)), 'the first went alone');
  }));
