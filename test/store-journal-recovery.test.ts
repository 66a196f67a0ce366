import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Alert } from '../src/alert.js';
import { decodeJournalLine, encodeJournalLine, formatCrc32, encodeJournalRecord, scanJournal } from '../src/enqueue/journal-record.js';
import { openJournal } from '../src/enqueue/journal.js';

function makeAlert(n: number): Alert {
  return { id: `r:${n}`, requestId: `req-${n}`, source: 'stripe', event: 'charge.failed', message: `m${n}`, fields: {}, receivedAt: n };
}
const add = (n: number): string => encodeJournalRecord({ op: 'add', alert: makeAlert(n) });
const done = (n: number): string => encodeJournalRecord({ op: 'done', id: `r:${n}` });
const seen = (key: string): string => encodeJournalRecord({ op: 'seen', key, at: 1 });

let root: string;
let counter = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'genhook-recovery-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh journal directory whose journal.log holds exactly `content`. */
async function journalDir(content: string | Buffer): Promise<string> {
  const dir = join(root, `case-${++counter}`);
  await mkdir(dir);
  await writeFile(join(dir, 'journal.log'), content);
  return dir;
}

describe('scanJournal()', () => {
  const good = add(1) + add(2) + done(1);
  const corrupt = add(9).replace('m9', 'mX'); // same length, checksum no longer matches
  const cases = [
    { name: 'empty', data: '', live: [], skipped: [], truncatedAt: undefined },
    { name: 'clean', data: good, live: ['r:2'], skipped: [], truncatedAt: undefined },
    // A journal that was not closed leaves the zeroed room it writes into (journal-room.ts): not a torn record.
    { name: 'zeroed room after the records', data: good + '\u0000'.repeat(300), live: ['r:2'], skipped: [], truncatedAt: undefined },
    {
      name: 'torn tail (half a record)',
      data: good + add(3).slice(0, 20),
      live: ['r:2'],
      skipped: [{ offset: good.length, reason: 'torn record: no final newline' }],
      truncatedAt: good.length,
    },
    {
      name: 'complete record missing only its newline',
      data: good + add(3).slice(0, -1),
      live: ['r:2'],
      skipped: [{ offset: good.length, reason: 'torn record: no final newline' }],
      truncatedAt: good.length,
    },
    {
      name: 'corrupt record in the middle is skipped, later ones kept',
      data: add(1) + corrupt + add(2),
      live: ['r:1', 'r:2'],
      skipped: [{ offset: add(1).length, reason: 'checksum mismatch' }],
      truncatedAt: undefined,
    },
    {
      name: 'corrupt last line is a tail',
      data: good + corrupt,
      live: ['r:2'],
      skipped: [{ offset: good.length, reason: 'checksum mismatch' }],
      truncatedAt: good.length,
    },
    {
      name: 'valid checksum over invalid JSON',
      data: `${formatCrc32(Buffer.from('{not json'))} {not json\n${add(4)}`,
      live: ['r:4'],
      skipped: [{ offset: 0, reason: 'invalid JSON' }],
      truncatedAt: undefined,
    },
    {
      name: 'checksummed record of the wrong shape',
      data: `${formatCrc32(Buffer.from('{"op":"add","alert":{"id":1}}'))} {"op":"add","alert":{"id":1}}\n${add(4)}`,
      live: ['r:4'],
      skipped: [{ offset: 0, reason: 'add record without a valid alert' }],
      truncatedAt: undefined,
    },
    {
      // A power loss kept a later page of the last batch and lost an earlier one (still the room's zeros): the add
      // is gone, so the seen record after the gap is not trusted (its key would call the provider's retry a duplicate).
      name: 'batch torn inside the room: records after the zeros kept, no seen record trusted',
      data: good + '\u0000'.repeat(40) + add(3).slice(40) + seen('k:4') + add(5) + '\u0000'.repeat(100),
      live: ['r:2', 'r:5'],
      skipped: [
        { offset: good.length, reason: 'malformed record: expected "<crc32> <json>"' },
        { offset: good.length + add(3).length, reason: 'seen record after a torn write: not trusted' },
      ],
      truncatedAt: undefined,
    },
    {
      name: 'a seen record before the torn write is kept, the one after it cut off with the tail',
      data: good + seen('k:1') + '\u0000'.repeat(10) + add(3).slice(10) + seen('k:3') + '\u0000'.repeat(100),
      live: ['r:2'],
      skipped: [
        { offset: good.length + seen('k:1').length, reason: 'malformed record: expected "<crc32> <json>"' },
        { offset: good.length + seen('k:1').length + add(3).length, reason: 'seen record after a torn write: not trusted' },
      ],
      truncatedAt: good.length + seen('k:1').length,
    },
    {
      name: 'all garbage',
      data: 'hello\nworld\n\u0001\u0000',
      live: [],
      skipped: [
        { offset: 0, reason: 'malformed record: expected "<crc32> <json>"' },
        { offset: 6, reason: 'malformed record: expected "<crc32> <json>"' },
        { offset: 12, reason: 'torn record: no final newline' },
      ],
      truncatedAt: 0,
    },
  ];
  for (const { name, data, live, skipped, truncatedAt } of cases) {
    test(name, () => {
      const scan = scanJournal(Buffer.from(data, 'utf8'));
      assert.deepEqual([...scan.live.keys()], live);
      assert.deepEqual(scan.skipped, skipped);
      assert.equal(scan.truncatedAt, truncatedAt);
    });
  }

  test('offsets are byte offsets, not character offsets', () => {
    const wide = encodeJournalRecord({ op: 'add', alert: { ...makeAlert(7), message: 'ééé ✓✓' } });
    const data = Buffer.from(wide + 'torn', 'utf8');
    assert.equal(scanJournal(data).truncatedAt, Buffer.byteLength(wide));
  });
});

describe('openJournal() - recovery', () => {
  test('torn tail: detected at the right offset, earlier records kept, file cut, new appends readable', async () => {
    const dir = join(root, 'torn');
    const opened = await openJournal({ dir });
    await opened.journal.append([makeAlert(1), makeAlert(2), makeAlert(3)]);
    opened.journal.complete('r:2');
    await opened.journal.close();
    const path = join(dir, 'journal.log');
    const goodSize = (await stat(path)).size;
    await appendFile(path, add(4).slice(0, 30)); // a crash in the middle of a write

    const reopened = await openJournal({ dir });
    assert.deepEqual(reopened.pending.map((a) => a.id), ['r:1', 'r:3']);
    assert.equal(reopened.recovery.truncatedAt, goodSize);
    assert.deepEqual(reopened.recovery.skipped, [{ offset: goodSize, reason: 'torn record: no final newline' }]);
    assert.equal((await stat(path)).size, goodSize);
    await reopened.journal.append(makeAlert(5));
    await reopened.journal.close();

    const third = await openJournal({ dir });
    assert.deepEqual(third.pending.map((a) => a.id), ['r:1', 'r:3', 'r:5']);
    assert.deepEqual(third.recovery.skipped, []);
    await third.journal.close();
  });

  test('a batch torn inside the room (power loss): the keys after the gap are not remembered, the file is cut before it', async () => {
    // The last batch was [add r:2, seen k:2]; the page holding the add never reached the disk (still zeros).
    const kept = add(1) + seen('k:1');
    const dir = await journalDir(kept + '\u0000'.repeat(30) + add(2).slice(30) + seen('k:2') + '\u0000'.repeat(4096));
    const remembered: string[] = [];
    const { journal, pending, recovery } = await openJournal({ dir, onSeen: (key) => remembered.push(key) });
    assert.deepEqual(remembered, ['k:1'], 'k:2 would answer the retry of r:2, never acknowledged, "duplicate"');
    assert.deepEqual(pending.map((a) => a.id), ['r:1']);
    assert.equal(recovery.truncatedAt, kept.length);
    await journal.append(makeAlert(3));
    await journal.close();
    const again = await openJournal({ dir, onSeen: (key) => remembered.push(key) });
    assert.deepEqual(remembered, ['k:1', 'k:1']);
    assert.deepEqual(again.pending.map((a) => a.id), ['r:1', 'r:3']);
    assert.deepEqual(again.recovery.skipped, []);
    await again.journal.close();
  });

  test('corrupt checksum in the middle: skipped and reported, the rest kept, file left as is', async () => {
    const content = add(1) + add(2) + add(3);
    const bytes = Buffer.from(content);
    const second = add(1).length;
    bytes[second + 40] = bytes[second + 40] === 0x41 ? 0x42 : 0x41; // flip a byte inside record 2's JSON
    const dir = await journalDir(bytes);
    const { journal, pending, recovery } = await openJournal({ dir });
    assert.deepEqual(pending.map((a) => a.id), ['r:1', 'r:3']);
    assert.equal(recovery.skipped.length, 1);
    assert.equal(recovery.skipped[0]?.offset, second);
    assert.equal(recovery.truncatedAt, undefined);
    assert.equal(recovery.records, 2);
    await journal.close();
  });

  test('completely garbage file: nothing pending, cut to empty, usable afterwards', async () => {
    const dir = await journalDir('this is not a journal\n{"op":"add"}\n');
    const { journal, pending, recovery } = await openJournal({ dir });
    assert.deepEqual(pending, []);
    assert.equal(recovery.truncatedAt, 0);
    assert.equal(recovery.skipped.length, 2);
    await journal.append(makeAlert(1));
    await journal.close();
    assert.equal(await readFile(join(dir, 'journal.log'), 'utf8'), add(1));
  });

  test('empty file: nothing pending, nothing skipped', async () => {
    const dir = await journalDir('');
    const { journal, pending, recovery } = await openJournal({ dir });
    assert.deepEqual(pending, []);
    assert.deepEqual(recovery, { records: 0, skipped: [] });
    await journal.close();
  });

  test('a leftover compaction temp file is removed and the journal itself used', async () => {
    const dir = await journalDir(add(1));
    await writeFile(join(dir, 'journal.log.compact'), add(2));
    const { journal, pending } = await openJournal({ dir });
    assert.deepEqual(pending.map((a) => a.id), ['r:1']);
    await assert.rejects(stat(join(dir, 'journal.log.compact')), { code: 'ENOENT' });
    await journal.close();
  });

  test('logger - told what was skipped', async () => {
    const dir = await journalDir(add(1) + 'garbage');
    const warnings: object[] = [];
    const { journal } = await openJournal({ dir, logger: { warn: (details) => warnings.push(details) } });
    assert.equal(warnings.length, 1);
    assert.equal((warnings[0] as { truncatedAt: number }).truncatedAt, add(1).length);
    await journal.close();
  });
});

test('openJournal() - an unusable directory fails with journal_open_failed, naming the path', async () => {
  const file = join(root, 'a-file');
  await writeFile(file, '');
  await assert.rejects(openJournal({ dir: join(file, 'journal') }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'journal_open_failed');
    assert.match(error.message, /a-file\/journal\/journal\.log/);
    return true;
  });
});

test('encodeJournalLine() - the bytes of encodeJournalRecord(), with and without an origin, non-ASCII text included, for every record kind', () => {
  const alert = { id: 'github:d-1', requestId: 'r-ü', source: 'github', event: 'push', message: 'push to Hello-World by Zoë 😀', fields: { note: '€' }, receivedAt: 1_764_690_000_000 };
  const withOrigin = { ...alert, origin: { kind: 'json' as const, body: '{"a":"ü","b":[1,2]}', headers: { 'x-github-event': 'push' } } };
  const withForm = { ...alert, origin: { kind: 'form' as const, body: 'payload=%7B%7D&x=ü', headers: {} } };
  const records = [
    { op: 'add', alert },
    { op: 'add', alert: withOrigin },
    { op: 'add', alert: withForm },
    { op: 'seen', key: 'github:d-1', at: 5 },
    { op: 'done', id: 'github:d-1' },
  ] as const;
  for (const record of records) {
    const line = encodeJournalLine(record);
    assert.equal(line.toString('utf8'), encodeJournalRecord(record));
    assert.deepEqual(decodeJournalLine(line.subarray(0, line.length - 1)), record);
  }
});
