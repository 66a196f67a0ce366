/**
 * `genhook dlq replay --rerender`: dead letters rendered anew from their stored request with today's
 * webhooks.ini, then sent like any replay. Real GenHook dead-lettering into a real file (fake SL1 answering
 * 400), the real CLI as a child process, the fake SL1 receiving what it sends; the Redis path with a real
 * redis-server; the --all question under a real pseudo-terminal (util-linux `script`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import { parseDeadLetters } from '../src/dead-letter/index.js';
import { runCli } from './support/child.js';
import { eventually } from './support/eventually.js';
import { startFakeSl1, type FakeSl1 } from './support/fake-sl1.js';
import { startTestGenHook, type TestGenHook } from './support/genhook.js';
import { redisSkip, startTestRedis } from './support/redis-server.js';

const CLI = join(process.cwd(), 'dist', 'src', 'cli.js');
const LINE = 'app: n::App alert $n$\n';

/** A GenHook whose SL1 refuses every alert (400), with `count` dead letters written. */
async function deadLettered(sl1: FakeSl1, ns: readonly number[], settings: Record<string, string | number> = {}) {
  sl1.reject(400, { error: 'bad aligned_resource' });
  const server = await startTestGenHook({ webhooks: LINE, settings: { sl1_api_url: sl1.url, sl1_username: 'genhook', sl1_password: 'secret', ...settings } });
  for (const n of ns) assert.equal((await server.post('/webhook/app', { n })).status, 202);
  return server;
}

function fileEntries(server: TestGenHook, count: number) {
  return eventually(`${count} dead letters in the file`, async () => {
    const { entries } = parseDeadLetters(await readFile(join(server.dir, 'data', 'dead-letter.jsonl'), 'utf8').catch(() => ''));
    return entries.length >= count ? entries : undefined;
  });
}

const files = (server: TestGenHook) => ['--settings', join(server.dir, 'settings.ini'), '--webhooks', join(server.dir, 'webhooks.ini')];

test('dlq replay --rerender - today\'s line renders the stored request; no line, or no stored payload: reported, not sent, kept', async () => {
  const sl1 = await startFakeSl1();
  const server = await deadLettered(sl1, [1, 2]);
  try {
    await fileEntries(server, 2);
    // Dead-lettered by a GenHook from before stored requests: no origin.
    const old = { id: 'app:old-1', requestId: 'r-old', source: 'app', message: 'App alert old', fields: {}, receivedAt: new Date().toISOString(), reason: 'permanent', attempts: 1, status: 400, deadLetteredAt: new Date().toISOString() };
    await appendFile(join(server.dir, 'data', 'dead-letter.jsonl'), `${JSON.stringify(old)}\n`);
    await writeFile(join(server.dir, 'webhooks.ini'), 'app[n=1]: n::Renewed alert $n$\n');
    sl1.respondWith(201);
    const before = sl1.requests.length;

    const replay = await runCli(['dlq', 'replay', '--all', '--rerender', '--yes', ...files(server)]);
    assert.equal(replay.code, 1, 'not every dead letter was accepted');
    assert.deepEqual(sl1.requests.slice(before).map((req) => req.body?.['message']), ['Renewed alert 1']);
    assert.match(replay.stderr, /re-rendered: Renewed alert 1/);
    assert.match(replay.stderr, /not re-rendered, not sent: matches no line now: .*n=1/);
    assert.match(replay.stderr, /app:old-1: not re-rendered, not sent: no stored payload/);
    assert.match(replay.stdout, /^sent 1, accepted 1, failed 0, not sent 0, not re-rendered 2 \(1 without a stored payload\), remaining in file 2\n$/);
    const left = await fileEntries(server, 2);
    assert.deepEqual(left.map((entry) => entry.message).sort(), ['App alert 2', 'App alert old'], 'what was not sent stays, as it was');
  } finally {
    await server.close();
    await sl1.close();
  }
});

test('dlq replay --rerender - a body that now splits into a different number of alerts is reported, not sent', async () => {
  const sl1 = await startFakeSl1();
  const server = await deadLettered(sl1, []);
  try {
    assert.equal((await server.post('/webhook/app', { n: 5, checks: [{ n: 6 }, { n: 7 }] })).status, 202);
    await fileEntries(server, 1);
    const settings = await readFile(join(server.dir, 'settings.ini'), 'utf8');
    await writeFile(join(server.dir, 'settings.ini'), `${settings}app_split = checks\n`);
    sl1.respondWith(201);
    const before = sl1.requests.length;
    const replay = await runCli(['dlq', 'replay', '--all', '--rerender', '--yes', ...files(server)]);
    assert.equal(replay.code, 1);
    assert.equal(sl1.requests.length, before, 'nothing sent');
    assert.match(replay.stderr, /not re-rendered, not sent: the body now splits into 2 items \(was 1\): check <source>_split/);
    assert.match(replay.stdout, /not re-rendered 1 \(0 without a stored payload\), remaining in file 1/);
  } finally {
    await server.close();
    await sl1.close();
  }
});

test('dlq replay --rerender - with redis_url, from the Redis dead-letter stream', { skip: redisSkip }, async () => {
  const redis = await startTestRedis();
  const sl1 = await startFakeSl1();
  const server = await deadLettered(sl1, [1, 2], { redis_url: `redis://127.0.0.1:${redis.port}/5` });
  try {
    const listed = await eventually('two dead letters in Redis', async () => {
      const list = await runCli(['dlq', 'list', '--json', ...files(server)]);
      return list.stderr.startsWith('2 dead-lettered') ? list : undefined;
    });
    const entries = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as { origin?: { headers?: object }; payload?: unknown });
    assert.deepEqual(entries.map((entry) => entry.payload).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))), [{ n: 1 }, { n: 2 }], 'the stream keeps the body');
    await writeFile(join(server.dir, 'webhooks.ini'), 'app: n::Renewed from Redis $n$\n');
    sl1.respondWith(201);
    const before = sl1.requests.length;
    const replay = await runCli(['dlq', 'replay', '--all', '--rerender', '--yes', ...files(server)]);
    assert.equal(replay.code, 0, replay.stderr);
    assert.deepEqual(sl1.requests.slice(before).map((req) => req.body?.['message']).sort(), ['Renewed from Redis 1', 'Renewed from Redis 2']);
    assert.match(replay.stdout, /sent 2, accepted 2, failed 0, not sent 0, not re-rendered 0 \(0 without a stored payload\), remaining in Redis .* 0/);
  } finally {
    await server.close();
    await sl1.close();
    await redis.stop();
  }
});

const scriptSkip = existsSync('/usr/bin/script') ? false : 'needs util-linux `script` for a pseudo-terminal (apt-get install util-linux)';

/** Runs the CLI with stdout on a pseudo-terminal (`script`), typing `answer` once it asks. */
async function underTerminal(args: readonly string[], answer: string): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, CLI, ...args].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(' ');
  const child = spawn('/usr/bin/script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let isAnswered = false;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    // Typed only once asked: the question proves stdout is a terminal to the CLI.
    if (!isAnswered && output.includes('[y/N]')) {
      isAnswered = true;
      child.stdin.write(`${answer}\n`);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

test('dlq replay --all on a terminal asks first: n sends nothing, y sends; --yes does not ask', { skip: scriptSkip }, async () => {
  const sl1 = await startFakeSl1();
  const server = await deadLettered(sl1, [1, 2, 3], { max_worker_threads: 2 });
  try {
    await fileEntries(server, 3);
    sl1.respondWith(201);
    const before = sl1.requests.length;
    const no = await underTerminal(['dlq', 'replay', '--all', ...files(server)], 'n');
    assert.match(no.output, /Send 3 dead-lettered alerts to http:\/\/127\.0\.0\.1:\d+\/api\/alert\? \[y\/N\]/);
    assert.match(no.output, /nothing sent/);
    assert.equal(no.code, 1);
    assert.equal(sl1.requests.length, before, 'n: nothing reached SL1');

    const yes = await underTerminal(['dlq', 'replay', '--all', ...files(server)], 'y');
    assert.equal(yes.code, 0, yes.output);
    assert.match(yes.output, /sent 3, accepted 3, failed 0, not sent 0, remaining in file 0/);
    assert.equal(sl1.requests.length - before, 3);
    const during = sl1.maxConcurrentBy((req) => (req.n > before ? 'replay' : undefined)).get('replay') ?? 0;
    assert.ok(during >= 1 && during <= 2, `at most max_worker_threads (2) at once, saw ${during}`);

    await deadLetterAgain(server, sl1);
    const skipped = await underTerminal(['dlq', 'replay', '--all', '--yes', ...files(server)], 'n');
    assert.doesNotMatch(skipped.output, /\[y\/N\]/);
    assert.match(skipped.output, /sent 1, accepted 1/);
  } finally {
    await server.close();
    await sl1.close();
  }
});

async function deadLetterAgain(server: TestGenHook, sl1: FakeSl1): Promise<void> {
  sl1.reject(400, { error: 'again' });
  assert.equal((await server.post('/webhook/app', { n: 9 })).status, 202);
  await fileEntries(server, 1);
  sl1.respondWith(201);
}

test('dlq replay --all on a terminal with redis_url asks the same question', { skip: redisSkip || scriptSkip }, async () => {
  const redis = await startTestRedis();
  const sl1 = await startFakeSl1();
  const server = await deadLettered(sl1, [1], { redis_url: `redis://127.0.0.1:${redis.port}/6` });
  try {
    await eventually('a dead letter in Redis', async () => ((await runCli(['dlq', 'list', ...files(server)])).stderr.startsWith('1 dead-lettered') ? true : undefined));
    sl1.respondWith(201);
    const before = sl1.requests.length;
    const no = await underTerminal(['dlq', 'replay', '--all', ...files(server)], 'n');
    assert.match(no.output, /Send 1 dead-lettered alert to .*\? \[y\/N\]/);
    assert.equal(sl1.requests.length, before);
    const yes = await underTerminal(['dlq', 'replay', '--all', ...files(server)], 'yes');
    assert.match(yes.output, /sent 1, accepted 1, failed 0, not sent 0, remaining in Redis/);
    assert.equal(sl1.requests.length - before, 1);
  } finally {
    await server.close();
    await sl1.close();
    await redis.stop();
  }
});
