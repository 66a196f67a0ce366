/**
 * What only the journal backend does beyond the shared contract (queue-contract.test.ts): bounds in bytes as
 * well as in count, the recovered backlog read back from the file only as memory has room, seen keys written
 * into the journal with the alerts, the feeder that keeps what local delivery could not take yet, and the held
 * alerts through which each end is recorded.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { alertBytes, type Alert } from '../src/alert.js';
import { createDeadLetterFile, readDeadLetters, toDeadLetterEntry } from '../src/dead-letter/index.js';
import { openJournal } from '../src/enqueue/index.js';
import { QueueFeeder } from '../src/queue/feeder.js';
import { HeldAlerts } from '../src/queue/held-alerts.js';
import { DedupCache } from '../src/admit/dedup.js';
import { createJournalBackend } from '../src/queue/journal-backend.js';
import { eventually } from './support/eventually.js';
import { makeTestAlert } from './support/fake-sl1.js';
import { tempDir } from './support/temp-dir.js';

const quiet = { info() {}, warn() {}, error() {} };
const alert = (id: string, size = 10): Alert => makeTestAlert({ id, message: `${id} ${'x'.repeat(size)}` });

async function openDir() {
  const dir = await tempDir('genhook-journal-backend-');
  return { dir, deadLetter: createDeadLetterFile({ path: join(dir, 'dead-letter.jsonl') }) };
}

/** The edge's dedup cache, as the server gives the backend. */
function seenKeys(): DedupCache {
  return new DedupCache({ windowMs: 60_000, maxEntries: 10_000 });
}

test('journal backend - .offer() answers full by bytes past maxBytes, but an empty queue takes one alert however big', async () => {
  const { dir, deadLetter } = await openDir();
  const { journal } = await openJournal({ dir });
  const big = alert('big', 5000);
  const backend = createJournalBackend({ journal, deadLetter, recovered: [], maxSize: 100, maxBytes: () => 2000, seen: seenKeys() });
  try {
    assert.equal((await backend.offer([{ alert: big }])).kind, 'stored', 'an empty queue takes it');
    assert.deepEqual(await backend.offer([{ alert: alert('small') }]), { kind: 'full', limit: 'bytes' });
    const [held] = await backend.reserve(1, 0);
    assert.ok(held);
    await backend.complete(held);
    assert.equal((await backend.offer([{ alert: alert('small') }])).kind, 'stored', 'room again once the big one left');
  } finally {
    await backend.close();
  }
});

test('journal backend - the recovered backlog is read back from the file only while memory has room, oldest first', async () => {
  const { dir, deadLetter } = await openDir();
  const first = await openJournal({ dir });
  const stored = Array.from({ length: 6 }, (_, i) => alert(`b${i}`, 1000));
  await first.journal.append(stored);
  await first.journal.close();
  const oneBytes = alertBytes(stored[0] as Alert);
  // Recovery keeps two in memory; the other four stay in the file as the backlog.
  const { journal, pending, backlog } = await openJournal({ dir, pendingMax: { count: 2, bytes: Number.MAX_SAFE_INTEGER } });
  assert.equal(pending.length, 2);
  assert.equal(backlog.length, 4);
  const maxBytes = oneBytes * 3;
  const backend = createJournalBackend({ journal, deadLetter, recovered: pending, backlog, maxSize: 100, maxBytes: () => maxBytes, seen: seenKeys() });
  try {
    assert.deepEqual((await backend.recover()).map((item) => item.alert.id), ['b0', 'b1']);
    assert.equal(backend.backlogSize, 4);
    assert.equal((await backend.offer([{ alert: alert('new') }])).kind, 'full', 'the backlog took the room first');
    // Room for one more in memory (3 alerts' worth, 2 held): one backlog entry is read, no more.
    const firstRead = await backend.reserve(10, 0);
    assert.deepEqual(firstRead.map((item) => item.alert.id), ['b2']);
    assert.ok(firstRead.every((item) => item.redeliveries === 1), 'a recovered alert may have reached SL1 before the restart');
    assert.deepEqual(await backend.reserve(10, 0), [], 'memory is full: nothing more is read');
    const waiting = backend.reserve(10, 5000);
    await backend.complete(firstRead[0] as NonNullable<(typeof firstRead)[0]>);
    assert.deepEqual((await waiting).map((item) => item.alert.id), ['b3'], 'room freed: the waiting reserve reads the next one');
    assert.equal(backend.backlogSize, 2);
  } finally {
    await backend.close();
  }
});

test('journal backend - seen keys go into the journal with the alerts: after a restart the delivery is still a duplicate', async () => {
  const { dir, deadLetter } = await openDir();
  const opened = await openJournal({ dir });
  const backend = createJournalBackend({ journal: opened.journal, deadLetter, recovered: opened.pending, maxSize: 10, seen: seenKeys() });
  await backend.offer([{ alert: alert('a'), dedupKeys: ['gh:1'] }]);
  await backend.close();
  const seen = new Map<string, number>();
  const reopened = await openJournal({ dir, onSeen: (key, at) => seen.set(key, at) });
  const again = createJournalBackend({
    journal: reopened.journal, deadLetter: createDeadLetterFile({ path: join(dir, 'dead-letter.jsonl') }), recovered: reopened.pending, maxSize: 10,
    seen: { has: (key) => seen.has(key), record: (key, at) => seen.set(key, at) },
  });
  try {
    assert.ok(seen.has('gh:1'));
    assert.deepEqual(await again.offer([{ alert: alert('a2'), dedupKeys: ['gh:1'] }]), { kind: 'stored', duplicates: new Set(['a2']) });
  } finally {
    await again.close();
  }
});

test('QueueFeeder - what local delivery refuses for want of room is kept, in order, and offered again by roomFreed()', async () => {
  const { dir, deadLetter } = await openDir();
  const { journal } = await openJournal({ dir });
  const backend = createJournalBackend({ journal, deadLetter, recovered: [], maxSize: 100, seen: seenKeys() });
  const taken: string[] = [];
  let room = 1;
  const held = new HeldAlerts(backend, quiet);
  const feeder = new QueueFeeder({
    held,
    deliver: (a) => {
      if (room === 0) return false;
      room--;
      taken.push(a.id);
      return true;
    },
    holdMax: () => 10,
    claimIdleMs: 60_000,
    logger: quiet,
    waitMs: 50,
  });
  await feeder.start();
  try {
    await backend.offer(['f1', 'f2', 'f3'].map((id) => ({ alert: alert(id) })));
    await eventually('the feeder holds all three', () => held.size === 3);
    assert.deepEqual(taken, ['f1']);
    room = 5;
    feeder.roomFreed();
    assert.deepEqual(taken, ['f1', 'f2', 'f3'], 'the refused ones, in order, once there is room');
    assert.equal(await held.complete(makeTestAlert({ id: 'not-held' })), false, 'an alert it does not hold is not recorded');
  } finally {
    await feeder.stop();
    await backend.close();
  }
});

test('HeldAlerts - an end is recorded in the backend once, tells the feeder room freed, and is not recorded for an alert another replica took', async () => {
  const { dir, deadLetter } = await openDir();
  const { journal } = await openJournal({ dir });
  const backend = createJournalBackend({ journal, deadLetter, recovered: [], maxSize: 100, seen: seenKeys() });
  const held = new HeldAlerts(backend, quiet);
  let released = 0;
  held.onReleased(() => released++);
  try {
    await backend.offer(['h1', 'h2', 'h3'].map((id) => ({ alert: alert(id) })));
    const reserved = await backend.reserve(3, 50);
    for (const item of reserved) held.hold(item);
    assert.equal(held.size, 3);
    const [first, second, third] = reserved.map((item) => item.alert) as [Alert, Alert, Alert];
    held.markLost(third);
    assert.deepEqual([...held.ownTokens().values()].map((a) => a.id), ['h1', 'h2'], 'an alert another replica claimed is not touched');

    assert.equal(await held.complete(first), true);
    assert.equal(await held.complete(first), false, 'a second end of the same alert is not recorded');
    assert.equal(await held.deadLetter(second, toDeadLetterEntry(second, { reason: 'permanent', attempts: 1, status: 400 })), true);
    assert.equal(await held.complete(third), false, 'a lost alert leaves, its end is not ours');
    await held.settle();
    assert.equal(held.size, 0);
    assert.equal(released, 3, 'each alert that stopped being held frees room once');
    assert.equal((await backend.stats()).pending, 1, 'the lost alert is still in the queue for its new holder');
    const dead = await readDeadLetters(deadLetter.path);
    assert.deepEqual(dead.entries.map((entry) => entry.id), ['h2']);
  } finally {
    await backend.close();
  }
});

test('journal backend - a waiting alert is held without its request body (offered, recovered, read back from the backlog); its dead letter reads it back from the journal, and the bounds still count it', async () => {
  const { dir, deadLetter } = await openDir();
  const origin = { kind: 'json' as const, body: `{"big":"${'b'.repeat(4000)}"}`, headers: { 'x-github-event': 'push' } };
  const withBody = (id: string): Alert => ({ ...alert(id), origin });
  const first = await openJournal({ dir });
  await first.journal.append([withBody('r0'), withBody('r1')]);
  await first.journal.close();
  const { journal, pending, backlog } = await openJournal({ dir, pendingMax: { count: 1, bytes: Number.MAX_SAFE_INTEGER } });
  assert.deepEqual([pending.length, backlog.length], [1, 1]);
  const oneBytes = alertBytes(withBody('r0'));
  const backend = createJournalBackend({ journal, deadLetter, recovered: pending, backlog, maxSize: 100, maxBytes: () => oneBytes * 3, seen: seenKeys() });
  try {
    const [recovered] = await backend.recover();
    assert.ok(recovered);
    assert.equal(recovered.alert.origin, undefined, 'recovered: held without the body');
    assert.equal((await backend.offer([{ alert: withBody('n0') }])).kind, 'stored');
    assert.deepEqual(await backend.offer([{ alert: withBody('n1') }]), { kind: 'full', limit: 'bytes' }, 'each counts its body against the bound, held or not');
    const read = await backend.reserve(10, 0);
    assert.deepEqual(read.map((item) => [item.alert.id, item.alert.origin]), [['r1', undefined], ['n0', undefined]], 'read back from the backlog and offered: held without the body');
    for (const item of [recovered, ...read]) {
      await backend.deadLetter(item, toDeadLetterEntry(item.alert, { reason: 'permanent', attempts: 1, deadLetteredAt: 0 }));
    }
    const { entries } = await readDeadLetters(deadLetter.path);
    assert.deepEqual(entries.map((entry) => [entry.id, entry.origin]), [['r0', origin], ['r1', origin], ['n0', origin]], 'every dead letter carries the body again');
  } finally {
    await backend.close();
  }
});

test('HeldAlerts - an end whose recording fails is tried three times in all, and only once while stopping', async () => {
  const { dir, deadLetter } = await openDir();
  const { journal } = await openJournal({ dir });
  const inner = createJournalBackend({ journal, deadLetter, recovered: [], maxSize: 100, seen: seenKeys() });
  let failuresLeft = 0;
  let tries = 0;
  const backend: typeof inner = Object.assign(Object.create(inner) as typeof inner, {
    complete: (item: Parameters<typeof inner.complete>[0]) => {
      tries++;
      if (failuresLeft > 0) {
        failuresLeft--;
        return Promise.reject(new Error('queue unreachable'));
      }
      return inner.complete(item);
    },
  });
  const warnings: string[] = [];
  const held = new HeldAlerts(backend, { warn: (_details, message) => warnings.push(message) });
  try {
    await inner.offer(['r1', 'r2', 'r3', 'r4'].map((id) => ({ alert: alert(id) })));
    const [r1, r2, r3, r4] = await inner.reserve(4, 50);
    assert.ok(r1 && r2 && r3 && r4);
    for (const item of [r1, r2, r3, r4]) held.hold(item);

    assert.equal(await held.complete(r1.alert), true, 'recorded at the first try');
    assert.equal(tries, 1);

    tries = 0;
    failuresLeft = 2;
    assert.equal(await held.complete(r2.alert), true, 'recorded at the third try');
    assert.equal(tries, 3);

    tries = 0;
    failuresLeft = 5;
    assert.equal(await held.complete(r3.alert), false, 'given up after three tries');
    assert.equal(tries, 3);
    assert.equal(warnings.length, 1, 'one warning for the end that could not be recorded');

    tries = 0;
    failuresLeft = 5;
    held.stopRetrying();
    assert.equal(await held.complete(r4.alert), false);
    assert.equal(tries, 1, 'no retries while shutting down');
    assert.equal((await inner.stats()).pending, 2, 'the unrecorded ends stay in the queue, to be delivered again');
  } finally {
    await inner.close();
  }
});
