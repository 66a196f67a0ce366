/**
 * The journal writes its batches into zeros it wrote ahead of its end (journal-room.ts), so that an fdatasync
 * has no file size to commit: while open the file is longer than its records, after close() it is exactly
 * its records, and a journal that was not closed is recovered as if its room were not there.
 */
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Alert } from '../src/alert.js';
import { encodeJournalRecord, scanJournal } from '../src/enqueue/journal-record.js';
import { openJournal } from '../src/enqueue/journal.js';

function makeAlert(n: number): Alert {
  return { id: `r:${n}`, requestId: `req-${n}`, source: 'app', event: undefined, message: `alert ${n} ${'x'.repeat(900)}`, fields: {}, receivedAt: n };
}
const recordBytes = (n: number) => Buffer.byteLength(encodeJournalRecord({ op: 'add', alert: makeAlert(n) }));

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'genhook-room-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('batches go into the room: longer than its records while open, across several top-ups; exactly its records after close', async () => {
  const dir = join(root, 'open');
  const path = join(dir, 'journal.log');
  const { journal } = await openJournal({ dir });
  let written = 0;
  // About 300 KiB of records: more than the first rooms (64 KiB, then 128 KiB), so the room is topped up while it runs.
  for (let n = 0; n < 300; n++) {
    await journal.append(makeAlert(n));
    written += recordBytes(n);
    assert.ok((await stat(path)).size > written, `after record ${n} the file should have room past its ${written} bytes`);
  }
  const open = scanJournal(await readFile(path));
  assert.equal(open.live.size, 300);
  assert.deepEqual(open.skipped, []);
  await journal.close();
  assert.equal((await stat(path)).size, written, 'close() cuts the room off');
  const reopened = await openJournal({ dir });
  assert.deepEqual(reopened.pending.map((alert) => alert.id), Array.from({ length: 300 }, (_, n) => `r:${n}`));
  assert.deepEqual(reopened.recovery, { records: 300, skipped: [] });
  await reopened.journal.close();
});

test('a journal that was not closed: its room is cut on open, nothing reported, and the next appends follow its records', async () => {
  const dir = join(root, 'crashed');
  const path = join(dir, 'journal.log');
  const { journal } = await openJournal({ dir });
  await journal.append([makeAlert(1), makeAlert(2)]);
  journal.complete('r:1');
  await journal.append(makeAlert(3));
  // Read as a crash would leave it (the process gone, the room still there): a copy of the open file.
  const left = await readFile(path);
  await journal.close();
  const crashedDir = join(root, 'crashed-copy');
  await mkdir(crashedDir);
  await writeFile(join(crashedDir, 'journal.log'), left);
  const records = left.indexOf(0);
  assert.ok(records > 0 && left.subarray(records).every((byte) => byte === 0), 'the open file ends in zeros');

  const reopened = await openJournal({ dir: crashedDir });
  assert.deepEqual(reopened.pending.map((alert) => alert.id), ['r:2', 'r:3']);
  assert.deepEqual(reopened.recovery, { records: 4, skipped: [] });
  assert.equal((await stat(join(crashedDir, 'journal.log'))).size, records);
  await reopened.journal.append(makeAlert(4));
  await reopened.journal.close();
  const third = await openJournal({ dir: crashedDir });
  assert.deepEqual(third.pending.map((alert) => alert.id), ['r:2', 'r:3', 'r:4']);
  assert.deepEqual(third.recovery.skipped, []);
  await third.journal.close();
});

/** Flags of this process's descriptors open on `path`, from /proc/self/fdinfo (Linux). */
async function openFlags(path: string): Promise<number[]> {
  const flags: number[] = [];
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target !== path) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => '');
    const match = /^flags:\s+([0-7]+)$/m.exec(info);
    if (match?.[1] !== undefined) flags.push(Number.parseInt(match[1], 8));
  }
  return flags;
}

test('a durable journal writes its batches through an O_DSYNC descriptor and fdatasyncs no more; an unsynced one through a plain one', { skip: process.platform !== 'linux' && 'reads /proc/self/fdinfo (Linux)' }, async () => {
  const datasyncs = { count: 0 };
  const probe = await open(join(root, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { datasync: (this: unknown) => Promise<void> };
  await probe.close();
  const original = proto.datasync;
  proto.datasync = function countedDatasync(this: unknown) {
    datasyncs.count++;
    return original.call(this);
  };
  try {
    for (const durability of ['fsync', 'write'] as const) {
      const dir = join(root, `dsync-${durability}`);
      const path = join(dir, 'journal.log');
      const { journal } = await openJournal({ dir, durability });
      datasyncs.count = 0;
      for (let n = 0; n < 100; n++) await journal.append(makeAlert(n));
      const withDsync = (await openFlags(path)).filter((flags) => (flags & constants.O_DSYNC) !== 0);
      assert.equal(withDsync.length, durability === 'fsync' ? 1 : 0, `${durability}: descriptors on the journal opened O_DSYNC`);
      assert.equal(datasyncs.count, 0, `${durability}: no fdatasync per batch`);
      await journal.close();
      const reopened = await openJournal({ dir });
      assert.equal(reopened.pending.length, 100);
      await reopened.journal.close();
    }
  } finally {
    proto.datasync = original;
  }
});

test('a batch is one vectored write of its lines, not a joined copy; a batch of more lines than one writev takes is joined and reads back whole', async () => {
  const calls = { write: 0, writev: 0 };
  const probe = await open(join(root, 'probe-writev'), 'w');
  const proto = Object.getPrototypeOf(probe) as Record<'write' | 'writev', (this: unknown, ...args: unknown[]) => Promise<unknown>>;
  await probe.close();
  const originals = { write: proto.write, writev: proto.writev };
  for (const name of ['write', 'writev'] as const) {
    proto[name] = function counted(this: unknown, ...args: unknown[]) {
      calls[name]++;
      return originals[name].apply(this, args);
    };
  }
  try {
    const dir = join(root, 'writev');
    const { journal } = await openJournal({ dir });
    await journal.append(makeAlert(0));
    calls.write = 0;
    calls.writev = 0;
    await journal.append(Array.from({ length: 100 }, (_, n) => makeAlert(n + 1)));
    assert.deepEqual(calls, { write: 0, writev: 1 }, 'the 100 lines of one batch go to the kernel in one writev');
    // More lines than IOV_MAX (1024): still one write from here, so one sync under O_DSYNC.
    await journal.append(Array.from({ length: 1100 }, (_, n) => makeAlert(n + 101)));
    assert.deepEqual(calls, { write: 0, writev: 2 });
    await journal.close();
    const reopened = await openJournal({ dir });
    assert.deepEqual(reopened.pending.map((alert) => alert.id), Array.from({ length: 1201 }, (_, n) => `r:${n}`));
    assert.deepEqual(reopened.recovery, { records: 1201, skipped: [] });
    await reopened.journal.close();
  } finally {
    Object.assign(proto, originals);
  }
});
