import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Alert } from '../src/alert.js';
import { DedupCache } from '../src/admit/index.js';
import { openJournal } from '../src/enqueue/journal.js';
import { SeenLines, SeenRecords } from '../src/enqueue/seen-lines.js';
import { eventually } from './support/eventually.js';

function makeAlert(n: number): Alert {
  return {
    id: `c:${n}`,
    requestId: `req-${n}`,
    source: 'shopify',
    event: 'orders/create',
    message: `order ${n} ${'x'.repeat(120)}`,
    fields: { aligned_resource: '/api/device/7' },
    receivedAt: n,
  };
}

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'genhook-compaction-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('journal compaction', () => {
  test('rewrites the live records under concurrent appends and completes, losing nothing', async () => {
    const dir = join(root, 'busy');
    const { journal } = await openJournal({ dir, compactAfterBytes: 8 * 1024 });
    const live: number[] = [];
    let next = 0;
    // Rounds of concurrent appends and completes: 3200 alerts, one in ten kept live.
    for (let round = 0; round < 400; round++) {
      const batch = Array.from({ length: 8 }, () => next++);
      const appended = Promise.all(batch.map((n) => journal.append(makeAlert(n))));
      // Complete most of what is live, keeping every tenth alert for good.
      for (const n of live.splice(0)) {
        if (n % 10 === 0) live.push(n);
        else journal.complete(`c:${n}`);
      }
      await appended;
      live.push(...batch);
    }
    assert.ok(journal.stats.compactions >= 3, `expected compactions, got ${journal.stats.compactions}`);
    const expectedIds = live.map((n) => `c:${n}`);
    assert.equal(journal.size, expectedIds.length);
    const written = next * Buffer.byteLength(JSON.stringify(makeAlert(next)));
    await journal.close();

    const path = join(dir, 'journal.log');
    assert.ok((await stat(path)).size < written / 2, 'the file should be much smaller than everything ever written');
    assert.deepEqual(await readdir(dir), ['journal.log']);
    const reopened = await openJournal({ dir });
    assert.deepEqual(reopened.recovery.skipped, []);
    assert.deepEqual(new Set(reopened.pending.map((a) => a.id)), new Set(expectedIds));
    assert.equal(reopened.pending.length, expectedIds.length);
    // Order survives compaction: alerts come back oldest first.
    assert.deepEqual(reopened.pending.map((a) => a.id), expectedIds.slice().sort((a, b) => Number(a.slice(2)) - Number(b.slice(2))));
    assert.deepEqual(reopened.pending[0], makeAlert(Number(expectedIds[0]?.slice(2))));
    await reopened.journal.close();
  });

  test('does not run while most of the file is live', async () => {
    const dir = join(root, 'all-live');
    const { journal } = await openJournal({ dir, compactAfterBytes: 4 * 1024 });
    for (let n = 0; n < 200; n += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => journal.append(makeAlert(n + i))));
    }
    assert.equal(journal.stats.compactions, 0);
    await journal.close();
    const reopened = await openJournal({ dir });
    assert.equal(reopened.pending.length, 200);
    await reopened.journal.close();
  });

  test('close() during a compaction leaves no temp file and a complete journal', async () => {
    const dir = join(root, 'close-mid');
    const { journal } = await openJournal({ dir, compactAfterBytes: 2 * 1024 });
    const kept: string[] = [];
    for (let n = 0; n < 60; n++) {
      await journal.append(makeAlert(n));
      if (n % 7 === 0) kept.push(`c:${n}`);
      else journal.complete(`c:${n}`);
    }
    await journal.close();
    assert.deepEqual(await readdir(dir), ['journal.log']);
    const reopened = await openJournal({ dir });
    assert.deepEqual(reopened.pending.map((a) => a.id), kept);
    await reopened.journal.close();
  });

  test('seen records: the keys the dedup cache still holds are carried (their bytes copied), forgotten ones dropped', async () => {
    const dir = join(root, 'seen-copy');
    const cache = new DedupCache({ windowMs: 3_600_000, maxEntries: 100 });
    const t0 = Date.now();
    const { journal } = await openJournal({ dir, compactAfterBytes: 8 * 1024, isSeen: (key) => cache.has(key, Date.now()) });
    for (let n = 0; n < 600; n++) {
      // Two keys per alert (delivery id and body digest), in the same batch as the alert, as the edge writes them.
      const seen = [{ key: `id:${n}`, at: t0 + n }, { key: `body:${n}`, at: t0 + n }];
      await journal.append(makeAlert(n), seen);
      for (const { key, at } of seen) cache.record(key, at);
      journal.complete(`c:${n}`);
    }
    assert.ok(journal.stats.compactions >= 3, `expected compactions, got ${journal.stats.compactions}`);
    await journal.close();

    const read: [string, number][] = [];
    const reopened = await openJournal({ dir, onSeen: (key, at) => read.push([key, at]) });
    await reopened.journal.close();
    assert.deepEqual(reopened.recovery.skipped, []);
    const readBack = new Map(read);
    // Everything the cache holds (the last 50 alerts' keys) comes back with its time...
    for (const [key, at] of cache.entries(Date.now())) assert.equal(readBack.get(key), at, `${key} carried with its time`);
    // ...and keys forgotten before the last compaction are gone: what is read is bounded, not all 1,200 keys ever seen.
    assert.ok(read.length < 400, `expected the forgotten keys dropped, read ${read.length}`);
    assert.equal(readBack.has('id:0'), false);
    // In file order, which is the order they were recorded: a restart fills the cache in the same order.
    const order = read.map(([, at]) => at);
    assert.deepEqual(order, [...order].sort((a, b) => a - b));
  });

  test('seen records survive the journal being deleted under GenHook (rewritten from the open file)', async () => {
    const dir = join(root, 'seen-rehome');
    const cache = new DedupCache({ windowMs: 3_600_000, maxEntries: 1000 });
    const { journal } = await openJournal({ dir, isSeen: (key) => cache.has(key, Date.now()) });
    const at = Date.now();
    for (let n = 0; n < 5; n++) {
      await journal.append(makeAlert(n), [{ key: `id:${n}`, at }]);
      cache.record(`id:${n}`, at);
    }
    await rm(join(dir, 'journal.log'));
    await journal.append(makeAlert(5), [{ key: 'id:5', at }]);
    cache.record('id:5', at);
    await eventually('the deleted journal rewritten', () => journal.stats.rehomes === 1);
    await journal.append(makeAlert(6), [{ key: 'id:6', at }]);
    await journal.close();
    const read: string[] = [];
    const reopened = await openJournal({ dir, onSeen: (key) => read.push(key) });
    await reopened.journal.close();
    assert.deepEqual(read, ['id:0', 'id:1', 'id:2', 'id:3', 'id:4', 'id:5', 'id:6']);
    assert.equal(reopened.pending.length, 7);
  });

  test('SeenRecords.prune() - without compactions the records stay bounded: forgotten keys dropped, the last batch kept', () => {
    const remembered = new Set<string>();
    const records = new SeenRecords((key) => remembered.has(key));
    const lineOf = (n: number) => Buffer.from(`${String(n).padStart(88, '0')}\n`);
    const batch = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ op: 'seen', id: `k:${from + i}`, line: lineOf(from + i) }));
    // 210,000 records in 210 batches; the cache remembers only every hundredth key.
    for (let b = 0; b < 210; b++) {
      records.noteBatch(batch(b * 1000, 1000));
      for (let i = 0; i < 1000; i += 100) remembered.add(`k:${b * 1000 + i}`);
    }
    // The last batch is not acknowledged yet (its keys reach the cache only then): it stays whatever the cache says.
    records.noteBatch(batch(210_000, 1000));
    records.prune();
    const { lines } = records;
    assert.equal(lines.count, 2100 + 1000);
    assert.equal(lines.keyAt(0), 'k:0');
    assert.equal(lines.keyAt(1), 'k:100');
    assert.deepEqual(lines.lineAt(1), lineOf(100), 'each kept record keeps its own bytes');
    assert.equal(lines.keyAt(2100), 'k:210000');
    assert.deepEqual(lines.lineAt(3099), lineOf(210_999));
    assert.equal(lines.bytes, 3100 * 89, 'only the kept records\' bytes are held');
    records.prune(); // under the bound now: nothing changes
    assert.equal(lines.count, 3100);
  });

  test('SeenRecords.prune() - a key taken again after its window keeps only its newest record', () => {
    const remembered = new Set<string>();
    const records = new SeenRecords((key) => remembered.has(key));
    const lineOf = (key: string, n: number) => Buffer.from(`${key}:${String(n).padStart(80, '0')}\n`);
    // 200 batches of 1,000 unique keys; 'again' is taken once in each (forgotten and resent, in the cache every time).
    for (let b = 0; b < 200; b++) {
      const items = Array.from({ length: 999 }, (_, i) => ({ op: 'seen', id: `k:${b * 1000 + i}`, line: lineOf('k', b * 1000 + i) }));
      items.push({ op: 'seen', id: 'again', line: lineOf('again', b) });
      records.noteBatch(items);
      for (const item of items) remembered.add(item.id);
    }
    records.noteBatch([{ op: 'seen', id: 'last', line: lineOf('last', 0) }]);
    records.prune();
    const { lines } = records;
    assert.equal(lines.count, 200 * 999 + 2, 'every unique key kept, one record of "again", the last batch');
    const againAt = Array.from({ length: lines.count }, (_, i) => i).filter((i) => lines.keyAt(i) === 'again');
    assert.deepEqual(againAt, [lines.count - 2]);
    assert.deepEqual(lines.lineAt(againAt[0] ?? 0), lineOf('again', 199), 'the newest one');
    assert.equal(lines.keyAt(0), 'k:0');
  });

  test('SeenRecords.switchTo() - after a rewrite that dropped forgotten keys, a prune still keeps the batch not acknowledged yet', () => {
    const remembered = new Set<string>();
    const records = new SeenRecords((key) => remembered.has(key));
    const lineOf = (key: string) => Buffer.from(`${key.padStart(88, '0')}\n`);
    const batch = (keys: string[]) => keys.map((key) => ({ op: 'seen', id: key, line: lineOf(key) }));
    // 201,000 records, acknowledged: the cache still remembers all but the first 1,000.
    for (let b = 0; b < 201; b++) {
      const keys = Array.from({ length: 1000 }, (_, i) => `k:${b * 1000 + i}`);
      records.noteBatch(batch(keys));
      if (b > 0) for (const key of keys) remembered.add(key);
    }
    // A batch written, its acknowledgements (which put its keys in the cache) not run yet; the journal is rewritten
    // (a deleted file) without the 1,000 forgotten records, so every later record moves down by 1,000.
    const fresh = Array.from({ length: 10 }, (_, i) => `new:${i}`);
    records.noteBatch(batch(fresh));
    const { lines } = records;
    const copied = new SeenLines();
    for (let index = 0; index < lines.count; index++) {
      if (index >= 201_000 || remembered.has(lines.keyAt(index))) copied.add(lines.keyAt(index), lines.lineAt(index));
    }
    records.switchTo(copied, lines.count);
    assert.equal(records.lines.count, 200_010);
    records.prune(); // 200,010 records: at the bound, so the prune runs
    const tail = Array.from({ length: 10 }, (_, i) => records.lines.keyAt(records.lines.count - 10 + i));
    assert.deepEqual(tail, fresh, 'the unacknowledged batch is kept whatever the cache says of it yet');
    assert.equal(records.lines.count, 200_010);
  });

  test('SeenLines: records read back get their newline, a line longer than a slab gets one of its own, and writeKept writes exactly the kept ones in order', async () => {
    const lines = new SeenLines();
    const long = Buffer.alloc(100 * 1024, 0x61);
    lines.addRead('a', Buffer.from('first'));
    lines.add('b', Buffer.from('second\n'));
    lines.addRead('c', long);
    // Enough small records to fill several 64 KiB slabs.
    for (let n = 0; n < 3000; n++) lines.add(`n:${n}`, Buffer.from(`${'x'.repeat(60)}${String(n).padStart(6, '0')}\n`));
    assert.deepEqual(lines.lineAt(0), Buffer.from('first\n'));
    assert.deepEqual(lines.lineAt(1), Buffer.from('second\n'));
    assert.deepEqual(lines.lineAt(2), Buffer.concat([long, Buffer.from('\n')]));
    assert.deepEqual(lines.lineAt(3002), Buffer.from(`${'x'.repeat(60)}002999\n`));

    const dir = join(root, 'seen-lines');
    await mkdir(dir, { recursive: true });
    const file = await open(join(dir, 'kept'), 'a+');
    const isKept = (index: number) => index !== 1 && index % 7 !== 3;
    const { lines: kept, bytes } = await lines.writeKept(file, lines.count - 10, isKept);
    await file.close();
    const expected: Buffer[] = [];
    const keys: string[] = [];
    for (let index = 0; index < lines.count - 10; index++) {
      if (!isKept(index)) continue;
      expected.push(Buffer.from(lines.lineAt(index)));
      keys.push(lines.keyAt(index));
    }
    const written = await readFile(join(dir, 'kept'));
    assert.deepEqual(written, Buffer.concat(expected), 'the file holds the kept records, in order, nothing between them');
    assert.equal(bytes, written.length);
    assert.equal(kept.count, keys.length);
    assert.deepEqual(Array.from({ length: kept.count }, (_, i) => kept.keyAt(i)), keys);
    // The records after the snapshot follow the kept ones when the journal switches files.
    lines.switchTo(kept, lines.count - 10);
    assert.equal(lines.count, keys.length + 10);
    assert.deepEqual(lines.lineAt(lines.count - 1), Buffer.from(`${'x'.repeat(60)}002999\n`));
  });

  test('a tail of many batches written while the snapshot is copied: every record read back from where it was mapped, and after reopen', async () => {
    const dir = join(root, 'long-tail');
    const { journal } = await openJournal({ dir, compactAfterBytes: 64 * 1024 });
    const big = (n: number): Alert => ({ ...makeAlert(n), message: `order ${n} ${'y'.repeat(8 * 1024)}` });
    // Mostly delivered, so the next batch boundary starts a compaction.
    await journal.append(Array.from({ length: 40 }, (_, n) => big(n)));
    for (let n = 0; n < 36; n++) journal.complete(`c:${n}`);
    // Batches of 80 KiB each, more than the tail a boundary is left with, until the compaction has switched files.
    let next = 40;
    while (journal.stats.compactions === 0 && next < 4000) {
      await Promise.all(Array.from({ length: 10 }, () => journal.append(big(next++))));
    }
    assert.ok(journal.stats.compactions >= 1, 'a compaction should have finished');
    const liveIds = [36, 37, 38, 39, ...Array.from({ length: next - 40 }, (_, i) => 40 + i)];
    for (const n of liveIds) assert.equal((await journal.read(`c:${n}`))?.message, big(n).message, `alert c:${n} read back from its place`);
    await journal.close();
    const reopened = await openJournal({ dir });
    assert.deepEqual(reopened.recovery.skipped, []);
    assert.deepEqual(reopened.pending.map((alert) => alert.id), liveIds.map((n) => `c:${n}`));
    await reopened.journal.close();
  });

  test('a tail of more lines than one write takes (IOV_MAX, 1,024): all of them land in the new file, in order', async () => {
    const dir = join(root, 'wide-tail');
    const { journal } = await openJournal({ dir, compactAfterBytes: 256 * 1024 });
    // Batches of 1,500 add lines, all but every 500th completed (1,500 done lines more): the file stays mostly
    // delivered, so compactions start, and each one's tail holds batches of 1,500 lines or more.
    const live: number[] = [];
    let next = 0;
    while (journal.stats.compactions < 2 && next < 60_000) {
      const batch = Array.from({ length: 1500 }, () => next++);
      await journal.append(batch.map(makeAlert));
      for (const n of batch) {
        if (n % 500 === 0) live.push(n);
        else journal.complete(`c:${n}`);
      }
    }
    assert.ok(journal.stats.compactions >= 2, 'compactions should have finished');
    for (const n of live) assert.equal((await journal.read(`c:${n}`))?.message, makeAlert(n).message, `alert c:${n}`);
    await journal.close();
    const reopened = await openJournal({ dir });
    assert.deepEqual(reopened.recovery.skipped, []);
    assert.deepEqual(reopened.pending.map((alert) => alert.id), live.map((n) => `c:${n}`));
    await reopened.journal.close();
  });
});
