/**
 * The journal notices what happens to it: a journal file deleted or replaced under a running GenHook is rewritten
 * within a moment (its path is checked every 100 ms, webhook or not), holding every alert acknowledged; a journal
 * whose writes failed comes back by itself once they succeed (no webhook needed: a load balancer stops sending while
 * /ready says no); an unwritable dead-letter file shows in /ready and its entries are retried until written.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm, rmdir, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { scanJournal } from '../src/enqueue/journal-record.js';
import { startFakeSl1 } from './support/fake-sl1.js';
import { send, startTestGenHook, waitUntil } from './support/genhook.js';
import { eventually } from './support/eventually.js';
import { tempDir } from './support/temp-dir.js';

const LINE = 'app: n::App alert $n$\n';

async function journalIds(dataDir: string): Promise<string[]> {
  return [...scanJournal(await readFile(join(dataDir, 'journal.log'))).live.keys()];
}

/** The live alerts in journal.log, or undefined while there is no such file. */
async function journalIdsIfThere(dataDir: string): Promise<string[] | undefined> {
  return journalIds(dataDir).catch(() => undefined);
}

test('journal.log deleted while serving: a new journal.log holds the alerts acknowledged before and after, with or without a webhook', async (t) => {
  const sl1 = await startFakeSl1();
  sl1.hang();
  t.after(() => sl1.close());
  const server = await startTestGenHook({ webhooks: LINE, settings: { sl1_api_url: `${sl1.url}/api/alert`, sl1_timeout: '60s' } });
  t.after(() => server.close());
  const dataDir = join(server.dir, 'data');
  const first = await server.post('/webhook/app', { n: 1 });
  assert.equal(first.status, 202);
  await rm(join(dataDir, 'journal.log'));
  // No webhook comes: the path check notices by itself.
  const rewritten = await eventually('journal.log rewritten without a webhook', () => journalIdsIfThere(dataDir));
  assert.deepEqual(rewritten, [first.json['id']]);
  await rm(join(dataDir, 'journal.log'));
  // One comes at once, before the check: acknowledged into the unlinked file, then rewritten with it.
  const second = await server.post('/webhook/app', { n: 2 });
  assert.equal(second.status, 202);
  await eventually('both acknowledged alerts in the file at the path', async () => (await journalIdsIfThere(dataDir))?.length === 2);
  assert.deepEqual(await journalIds(dataDir), [first.json['id'], second.json['id']]);
  assert.equal(server.logs.filter((line) => String(line['msg']).includes('journal file was deleted')).length, 2);
});

test('journal.log replaced by another file: the other file is kept aside and the journal rewritten in place', async (t) => {
  const sl1 = await startFakeSl1();
  sl1.hang();
  t.after(() => sl1.close());
  const server = await startTestGenHook({ webhooks: LINE, settings: { sl1_api_url: `${sl1.url}/api/alert`, sl1_timeout: '60s' } });
  t.after(() => server.close());
  const dataDir = join(server.dir, 'data');
  const first = await server.post('/webhook/app', { n: 1 });
  assert.equal(first.status, 202);
  await rename(join(dataDir, 'journal.log'), join(dataDir, 'moved.log'));
  await writeFile(join(dataDir, 'journal.log'), 'someone else\n');
  const second = await server.post('/webhook/app', { n: 2 });
  assert.equal(second.status, 202);
  await eventually('the journal rewritten in place', async () => (await journalIdsIfThere(dataDir))?.length === 2);
  assert.deepEqual(await journalIds(dataDir), [first.json['id'], second.json['id']]);
  const aside = (await readdir(dataDir)).filter((name) => name.startsWith('journal.log.replaced-'));
  assert.equal(aside.length, 1, 'the foreign file is kept, not overwritten');
  assert.equal(await readFile(join(dataDir, aside[0] ?? ''), 'utf8'), 'someone else\n');
});

/** Mounts a small tmpfs (a disk that can fill up); undefined when this process may not mount. */
async function smallDisk(sizeKb: number): Promise<{ dir: string; unmount(): Promise<void> } | undefined> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  const dir = await tempDir('genhook-disk-');
  try {
    await promisify(execFile)('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir]);
  } catch {
    return undefined;
  }
  return { dir, unmount: async () => void (await promisify(execFile)('umount', ['-l', dir]).catch(() => undefined)) };
}

/** A GenHook whose data_dir is on a small tmpfs, SL1 hanging (alerts stay journaled), one alert already journaled. */
async function onSmallDisk(t: TestContext, sizeKb: number) {
  const disk = await smallDisk(sizeKb);
  if (!disk) return undefined;
  t.after(() => disk.unmount());
  const sl1 = await startFakeSl1();
  sl1.hang();
  t.after(() => sl1.close());
  const server = await startTestGenHook({ webhooks: 'app: n,pad::App alert $n$ $pad$\n', settings: { sl1_api_url: `${sl1.url}/api/alert`, sl1_timeout: '60s', data_dir: join(disk.dir, 'data') } });
  t.after(() => server.close());
  assert.equal((await server.post('/webhook/app', { n: 0 })).status, 202);
  return { disk, server };
}

test('disk full: 503 and /ready not ready; once space is freed the journal comes back by itself and /ready is ready before any webhook', async (t) => {
  const started = await onSmallDisk(t, 512);
  if (!started) return t.skip('needs root and mount(8) to make a small tmpfs (a disk that fills up)');
  const { disk, server } = started;
  // Fill the disk to the last page; the next record (100 KB, more than the 64 KiB room the first write left
  // ahead of the journal's end) needs pages the journal does not have yet.
  const filler = join(disk.dir, 'filler');
  await writeFile(filler, Buffer.alloc(512 * 1024)).catch(() => undefined);
  const refused = await server.post('/webhook/app', { n: 1, pad: 'p'.repeat(100 * 1024) });
  assert.equal(refused.status, 503);
  assert.equal(refused.json['error']?.code, 'journal_unavailable');
  const notReady = await send(`${server.url}/ready`, '', {}, 'GET');
  assert.equal(notReady.status, 503);
  assert.equal(notReady.json['journal']?.writable, false);

  await rm(filler);
  // Nobody sends a webhook meanwhile: the journal's own probe must bring /ready back. (The first alert stays
  // pending: SL1 hangs.)
  await eventually('ready again without any webhook', async () => (await send(`${server.url}/ready`, '', {}, 'GET')).status === 200, { intervalMs: 100 });
  assert.equal((await server.post('/webhook/app', { n: 2 })).status, 202);
});

test('disk nearly full: a batch whose records fit is written without the room ahead of it, and acknowledged', async (t) => {
  const started = await onSmallDisk(t, 1024);
  if (!started) return t.skip('needs root and mount(8) to make a small tmpfs (a disk that fills up)');
  const { disk, server } = started;
  // Leave 100 KiB free. The next record (80 KB) outgrows the 64 KiB room the first write left; with the next
  // room (128 KiB) it would not fit on the disk, alone it does.
  const { bavail, bsize } = await statfs(disk.dir);
  await writeFile(join(disk.dir, 'filler'), Buffer.alloc(Math.max(0, bavail * bsize - 100 * 1024)));
  const accepted = await server.post('/webhook/app', { n: 1, pad: 'p'.repeat(80 * 1000) });
  assert.equal(accepted.status, 202);
  const ready = await send(`${server.url}/ready`, '', {}, 'GET');
  assert.equal(ready.json['journal']?.writable, true);
  assert.equal(ready.json['journal']?.pending, 2);
});

test('dead-letter file unwritable: /ready says so, the entry is retried, and it lands once the file can be written', async (t) => {
  const sl1 = await startFakeSl1();
  sl1.reject(400, { error: 'bad' });
  t.after(() => sl1.close());
  const dir = await tempDir('genhook-dlq-');
  const deadLetterPath = join(dir, 'dead.jsonl');
  await mkdir(deadLetterPath); // a directory where the file should be: every append fails
  const server = await startTestGenHook({ dir, webhooks: LINE, settings: { sl1_api_url: `${sl1.url}/api/alert`, dead_letter_file: deadLetterPath } });
  t.after(() => server.close());
  const accepted = await server.post('/webhook/app', { n: 7 });
  assert.equal(accepted.status, 202);
  await waitUntil(() => server.logs.some((line) => String(line['msg']).includes('dead-letter file not writable')), 'a failed dead-letter append');
  const notReady = await send(`${server.url}/ready`, '', {}, 'GET');
  assert.equal(notReady.status, 503);
  assert.equal(notReady.json['deadLetter']?.writable, false);
  assert.equal(notReady.json['journal']?.pending, 1, 'the alert stays journaled meanwhile');

  await rmdir(deadLetterPath);
  // The done record rides along with the next batch, or is written within 100 ms: wait for it too.
  const ready = await eventually('ready once the dead-letter file can be written', async () => {
    const answer = await send(`${server.url}/ready`, '', {}, 'GET');
    return answer.status === 200 && answer.json['journal']?.pending === 0 ? answer : undefined;
  }, { intervalMs: 100 });
  const lines = (await readFile(deadLetterPath, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(lines.map((line) => line['id']), [accepted.json['id']]);
  assert.equal(ready.json['journal']?.pending, 0);
});
