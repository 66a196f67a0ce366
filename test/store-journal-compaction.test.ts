import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Alert } from '../src/alert.js';
import { openJournal } from '../src/enqueue/journal.js';

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
});
