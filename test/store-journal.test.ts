import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Alert } from '../src/alert.js';
import { alertIdFor } from '../src/enqueue/alert-id.js';
import { GroupCommit } from '../src/store/group-commit.js';
import { openJournal } from '../src/enqueue/journal.js';

function makeAlert(n: number): Alert {
  return {
    id: `test:${n}`,
    requestId: `req-${n}`,
    source: 'github',
    event: n % 2 === 0 ? 'pull_request.opened' : undefined,
    message: `alert ${n}: "quoted" é ✓\nsecond line`,
    fields: { aligned_resource: '/api/organization/0' },
    receivedAt: 1_700_000_000_000 + n,
  };
}

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'genhook-journal-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('openJournal()', () => {
  test('.append() / .complete() - reopen gives exactly the pending alerts, in order, field for field', async () => {
    const dir = join(root, 'basic', 'nested');
    const first = await openJournal({ dir });
    assert.deepEqual(first.pending, []);
    assert.deepEqual(first.recovery, { records: 0, skipped: [] });
    const alerts = Array.from({ length: 10 }, (_, i) => makeAlert(i));
    await first.journal.append(alerts.slice(0, 4));
    for (const alert of alerts.slice(4)) await first.journal.append(alert);
    for (const n of [0, 3, 7]) first.journal.complete(`test:${n}`);
    await first.journal.close();

    const second = await openJournal({ dir });
    const expected = alerts.filter((_, i) => ![0, 3, 7].includes(i));
    assert.deepEqual(second.pending, expected);
    assert.equal(second.journal.size, 7);
    assert.equal(second.recovery.records, 13);
    assert.equal(second.recovery.truncatedAt, undefined);
    // Completing a replayed alert removes it for good.
    second.journal.complete('test:1');
    await second.journal.close();
    const third = await openJournal({ dir });
    assert.deepEqual(third.pending.map((a) => a.id), expected.map((a) => a.id).filter((id) => id !== 'test:1'));
    await third.journal.close();
  });

  test('.append() - group commit: 100 concurrent appends share a handful of fsyncs', async () => {
    const { journal } = await openJournal({ dir: join(root, 'group') });
    await Promise.all(Array.from({ length: 100 }, (_, i) => journal.append(makeAlert(i))));
    const { syncs, batches } = journal.stats;
    assert.ok(syncs >= 1 && syncs <= 5, `expected a handful of fsyncs for 100 appends, got ${syncs}`);
    assert.ok(batches <= 5, `expected a handful of write batches, got ${batches}`);
    assert.equal(journal.size, 100);
    await journal.close();
  });

  test('.complete() - alone costs no fsync, and close() still writes it', async () => {
    const dir = join(root, 'done-only');
    const { journal } = await openJournal({ dir });
    await journal.append(makeAlert(1));
    const syncsBefore = journal.stats.syncs;
    journal.complete('test:1');
    await journal.close();
    assert.equal(journal.stats.syncs, syncsBefore);
    const reopened = await openJournal({ dir });
    assert.deepEqual(reopened.pending, []);
    await reopened.journal.close();
  });

  test('.append() - a redelivered id is kept once and one done removes it', async () => {
    const dir = join(root, 'dup');
    const { journal } = await openJournal({ dir });
    await journal.append([makeAlert(1), makeAlert(2), makeAlert(1)]);
    assert.equal(journal.size, 2);
    journal.complete('test:1');
    await journal.close();
    const reopened = await openJournal({ dir });
    assert.deepEqual(reopened.pending.map((a) => a.id), ['test:2']);
    await reopened.journal.close();
  });

  test('.append() - rejects with journal_closed after close()', async () => {
    const { journal } = await openJournal({ dir: join(root, 'closed') });
    await journal.close();
    await assert.rejects(journal.append(makeAlert(1)), { name: 'StoreError', code: 'journal_closed' });
    journal.complete('test:1'); // a no-op, not a throw
  });

  test('durability: write - no fsyncs, still readable after reopen', async () => {
    const dir = join(root, 'write');
    const { journal } = await openJournal({ dir, durability: 'write' });
    await Promise.all([1, 2, 3].map((n) => journal.append(makeAlert(n))));
    assert.equal(journal.stats.syncs, 0);
    await journal.close();
    const reopened = await openJournal({ dir, durability: 'write' });
    assert.equal(reopened.pending.length, 3);
    await reopened.journal.close();
  });

  test('durability: off - same API, no file', async () => {
    const dir = join(root, 'off');
    const { journal, pending } = await openJournal({ dir, durability: 'off' });
    await journal.append([makeAlert(1), makeAlert(2)]);
    journal.complete('test:1');
    assert.equal(journal.size, 1);
    assert.deepEqual(pending, []);
    await journal.close();
    await assert.rejects(readdir(dir), { code: 'ENOENT' });
  });

  test('options - invalid values are refused with the fixed sentence', async () => {
    await assert.rejects(openJournal({ dir: join(root, 'bad'), compactAfterBytes: -1 }), {
      code: 'store_option_invalid',
      message: '[store] Expected `compactAfterBytes` to be a positive finite number, got `-1` (number)',
    });
    await assert.rejects(openJournal({ dir: '' }), { code: 'store_option_invalid' });
  });

  test('file format - one `<crc32 hex8> <json>` line per record', async () => {
    const dir = join(root, 'format');
    const { journal } = await openJournal({ dir });
    await journal.append(makeAlert(5));
    journal.complete('test:5');
    await journal.close();
    const lines = (await readFile(join(dir, 'journal.log'), 'utf8')).split('\n');
    assert.equal(lines.length, 3);
    assert.equal(lines[2], '');
    for (const line of lines.slice(0, 2)) assert.match(line, /^[0-9a-f]{8} \{"op":"(add|done)"/);
  });
});

describe('GroupCommit', () => {
  test('pushes made while a batch is being written wait for, and share, the next batch', async () => {
    const batches: string[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const committer = new GroupCommit<string>({
      flush: async (items) => {
        batches.push([...items]);
        if (batches.length === 1) await gate;
      },
    });
    const first = committer.push('a', true);
    while (batches.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const rest = ['b', 'c', 'd'].map((item) => committer.push(item, true));
    release();
    await Promise.all([first, ...rest]);
    assert.deepEqual(batches, [['a'], ['b', 'c', 'd']]);
    assert.equal(committer.batches, 2);
  });

  test('pushes from callbacks of one event-loop turn share one batch', async () => {
    // Two requests whose bytes came in the same poll are two callbacks; both go into the batch the first started.
    const batches: string[][] = [];
    const committer = new GroupCommit<string>({ flush: async (items) => void batches.push([...items]) });
    const pushed = await new Promise<Promise<void>[]>((resolve) => {
      const pushes: Promise<void>[] = [];
      setImmediate(() => pushes.push(committer.push('a', true)));
      setImmediate(() => resolve([...pushes, committer.push('b', true)]));
    });
    await Promise.all(pushed);
    assert.deepEqual(batches, [['a', 'b']]);
  });

  test('a failed batch rejects its pushes only', async () => {
    let calls = 0;
    const committer = new GroupCommit<number>({
      flush: async () => {
        if (++calls === 1) throw new Error('disk full');
      },
    });
    await assert.rejects(committer.push(1, true), /disk full/);
    await committer.push(2, true);
  });
});

describe('alertIdFor()', () => {
  const long = 'x'.repeat(300);
  const cases: { name: string; args: Parameters<typeof alertIdFor>; expected: RegExp }[] = [
    { name: 'delivery id', args: ['github', 'abc-123'], expected: /^github:abc-123$/ },
    { name: 'positional key of a batch element', args: ['batch', 'abc-123#2'], expected: /^batch:abc-123#2$/ },
    { name: 'long delivery id is hashed', args: ['jira', long], expected: /^jira:[A-Za-z0-9_-]{22}$/ },
    { name: 'no delivery id is random', args: ['meraki', undefined], expected: /^meraki:[0-9a-f-]{36}$/ },
  ];
  for (const { name, args, expected } of cases) {
    test(name, () => assert.match(alertIdFor(...args), expected));
  }
  test('deterministic with a delivery id, unique without one', () => {
    assert.equal(alertIdFor('jira', long), alertIdFor('jira', long));
    assert.notEqual(alertIdFor('x', undefined), alertIdFor('x', undefined));
  });
});

