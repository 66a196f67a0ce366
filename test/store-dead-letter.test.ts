import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Alert } from '../src/alert.js';
import { createDeadLetterFile, deadLetterKey, toAlert, toDeadLetterEntry, type DeadLetterEntry } from '../src/dead-letter/dead-letter-file.js';
import { readDeadLetters, replayDeadLetters } from '../src/dead-letter/replay.js';

function makeAlert(n: number, source = 'github'): Alert {
  return {
    id: `${source}:${n}`,
    requestId: `req-${n}`,
    source,
    event: n % 2 === 0 ? 'push' : undefined,
    message: `dead ${n} "é"\nmore`,
    fields: { aligned_resource: '/api/organization/0' },
    receivedAt: Date.UTC(2025, 0, 1) + n,
  };
}

function makeEntry(n: number, source = 'github', deadLetteredAt = Date.UTC(2025, 0, 2) + n): DeadLetterEntry {
  return toDeadLetterEntry(makeAlert(n, source), {
    reason: 'retries_exhausted',
    attempts: 5,
    firstAttemptAt: Date.UTC(2025, 0, 1, 0, 1),
    lastAttemptAt: Date.UTC(2025, 0, 1, 0, 9),
    status: 503,
    bodyExcerpt: 'Service Unavailable',
    deadLetteredAt,
  });
}

let root: string;
let counter = 0;
const freshPath = (): string => join(root, `case-${++counter}`, 'sub', 'dead-letters.jsonl');
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'genhook-dead-letter-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('createDeadLetterFile()', () => {
  test('.append() - creates the parent directory; readDeadLetters() gives the entries back', async () => {
    const path = freshPath();
    const file = createDeadLetterFile({ path });
    await Promise.all(Array.from({ length: 50 }, (_, n) => file.append(makeEntry(n))));
    await file.close();
    const { entries, skipped } = await readDeadLetters(path);
    assert.deepEqual(skipped, []);
    assert.equal(entries.length, 50);
    const byId = new Map(entries.map((entry) => [entry.id, entry]));
    assert.deepEqual(byId.get('github:7'), makeEntry(7));
    assert.deepEqual(toAlert(makeEntry(4)), makeAlert(4));
    assert.equal(entries[0]?.receivedAt, '2025-01-01T00:00:00.000Z');
    assert.deepEqual(await readdir(join(path, '..')), ['dead-letters.jsonl']); // lock released
  });

  test('readDeadLetters() - a missing file is empty', async () => {
    assert.deepEqual(await readDeadLetters(freshPath()), { entries: [], skipped: [] });
  });

  test('torn last line: skipped and reported; the next append starts on a fresh line', async () => {
    const path = freshPath();
    const file = createDeadLetterFile({ path });
    await file.append(makeEntry(1));
    await appendFile(path, JSON.stringify(makeEntry(2)).slice(0, 25));
    const torn = await readDeadLetters(path);
    assert.deepEqual(torn.entries.map((e) => e.id), ['github:1']);
    assert.equal(torn.skipped.length, 1);
    assert.equal(torn.skipped[0]?.line, 2);
    assert.equal(torn.skipped[0]?.offset, Buffer.byteLength(JSON.stringify(makeEntry(1))) + 1);
    await file.append(makeEntry(3));
    const healed = await readDeadLetters(path);
    assert.deepEqual(healed.entries.map((e) => e.id), ['github:1', 'github:3']);
    assert.equal(healed.skipped.length, 1);
  });

  test('lock: a lock left by a dead process is broken; a live one makes append fail with dead_letter_locked', async () => {
    const path = freshPath();
    const file = createDeadLetterFile({ path, lock: { timeoutMs: 50 } });
    await file.append(makeEntry(1));
    const gone = spawn(process.execPath, ['-e', '']);
    await once(gone, 'exit');
    await writeFile(`${path}.lock`, `${gone.pid}\n`);
    await file.append(makeEntry(2));
    await writeFile(`${path}.lock`, `${process.pid}\n`);
    await assert.rejects(file.append(makeEntry(3)), { name: 'StoreError', code: 'dead_letter_locked' });
    await rm(`${path}.lock`);
    assert.deepEqual((await readDeadLetters(path)).entries.map((e) => e.id), ['github:1', 'github:2']);
  });
});

describe('replayDeadLetters()', () => {
  test('removes exactly the accepted entries while another writer appends (nothing lost)', async () => {
    const path = freshPath();
    const server = createDeadLetterFile({ path });
    for (let n = 0; n < 20; n++) await server.append(makeEntry(n, n % 2 === 0 ? 'github' : 'stripe'));
    // The same alert dead-lettered twice: only the accepted line may go.
    await server.append(makeEntry(0, 'github', Date.UTC(2025, 5, 1)));

    const appendedDuring: string[] = [];
    let replayDone = false;
    // A running server keeps dead-lettering through the whole replay, rewrite included.
    const background = (async () => {
      for (let n = 100; !replayDone || n < 110; n++) {
        await server.append(makeEntry(n, 'stripe'));
        appendedDuring.push(`stripe:${n}`);
      }
    })();
    const sentKeys: string[] = [];
    const result = await replayDeadLetters({
      path,
      select: (entry) => entry.source === 'github',
      send: async (entry) => {
        sentKeys.push(deadLetterKey(entry));
        await server.append(makeEntry(200 + sentKeys.length, 'stripe')); // interleave appends with sends
        appendedDuring.push(`stripe:${200 + sentKeys.length}`);
        if (entry.id === 'github:4') throw new Error('network down');
        return entry.id !== 'github:8' && entry.deadLetteredAt !== new Date(Date.UTC(2025, 5, 1)).toISOString();
      },
    });
    replayDone = true;
    await background;
    await server.close();

    // github: 0,2,...,18 plus the second github:0 = 11 sent; github:4 threw, github:8 and the second github:0 refused.
    assert.equal(sentKeys.length, 11);
    assert.deepEqual({ sent: result.sent, accepted: result.accepted, failed: result.failed }, { sent: 11, accepted: 8, failed: 3 });
    const { entries, skipped } = await readDeadLetters(path);
    assert.deepEqual(skipped, []);
    const ids = entries.map((entry) => entry.id);
    const expectedOld = ['github:0', 'github:4', 'github:8', ...Array.from({ length: 10 }, (_, i) => `stripe:${2 * i + 1}`)];
    assert.deepEqual(ids.filter((id) => Number(id.split(':')[1]) < 100).sort(), expectedOld.sort());
    assert.deepEqual(entries.find((e) => e.id === 'github:0')?.deadLetteredAt, new Date(Date.UTC(2025, 5, 1)).toISOString());
    assert.deepEqual(ids.filter((id) => Number(id.split(':')[1]) >= 100).sort(), appendedDuring.sort());
    assert.ok(result.remaining >= expectedOld.length && result.remaining <= entries.length);
    assert.deepEqual((await readdir(join(path, '..'))).sort(), ['dead-letters.jsonl']);
  });

  test('nothing accepted: the file is left alone', async () => {
    const path = freshPath();
    const file = createDeadLetterFile({ path });
    await file.append(makeEntry(1));
    await appendFile(path, 'not json\n');
    const before = await readFile(path, 'utf8');
    const result = await replayDeadLetters({ path, select: () => true, send: async () => false });
    assert.deepEqual(result, { sent: 1, accepted: 0, failed: 1, remaining: 1 });
    assert.equal(await readFile(path, 'utf8'), before);
  });

  test('unreadable lines survive a rewrite', async () => {
    const path = freshPath();
    const file = createDeadLetterFile({ path });
    await file.append(makeEntry(1));
    await appendFile(path, 'not json\n');
    await file.append(makeEntry(2));
    const result = await replayDeadLetters({ path, select: (e) => e.id === 'github:1', send: async () => true });
    assert.deepEqual(result, { sent: 1, accepted: 1, failed: 0, remaining: 1 });
    assert.equal(await readFile(path, 'utf8'), `not json\n${JSON.stringify(makeEntry(2))}\n`);
  });
});
