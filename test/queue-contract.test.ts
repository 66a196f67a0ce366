/**
 * One contract suite, every queue backend: the local journal and Redis Streams must behave the same for
 * offer, reserve, claim, touch, complete, deadLetter and recover (the way storage libraries test all
 * their drivers). The Redis run starts a real redis-server and is skipped when none is installed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Alert } from '../src/alert.js';
import type { QueueBackend } from '../src/queue/backend.js';
import { DedupCache } from '../src/admit/dedup.js';
import { createJournalBackend } from '../src/queue/journal-backend.js';
import { createRedisBackend } from '../src/queue/redis-backend.js';
import { createDeadLetterFile, readDeadLetters, toDeadLetterEntry, type DeadLetterEntry } from '../src/dead-letter/index.js';
import { openJournal } from '../src/enqueue/index.js';
import { eventually } from './support/eventually.js';
import { makeTestAlert } from './support/fake-sl1.js';
import { redisSkip, startTestRedis, type TestRedis } from './support/redis-server.js';
import { tempDir } from './support/temp-dir.js';

const MAX_SIZE = 5;
const CLAIM_IDLE_MS = 150;

interface Harness {
  /** Opens the backend of consumer `name` (the same name again is a restart of that consumer). */
  open(name?: string): Promise<QueueBackend>;
  deadLetters(): Promise<DeadLetterEntry[]>;
  /** Whether other consumers exist that could go silent (Redis) or not (one process per data_dir). */
  readonly isShared: boolean;
}

interface Driver {
  readonly name: string;
  readonly skip: string | undefined;
  create(): Promise<Harness>;
}

let redis: TestRedis | undefined;
let redisDb = 0;
after(async () => redis?.stop());

const drivers: Driver[] = [
  {
    name: 'journal',
    skip: undefined,
    async create() {
      const dir = await tempDir('genhook-contract-');
      const deadLetterPath = join(dir, 'dead-letter.jsonl');
      let current: QueueBackend | undefined;
      return {
        isShared: false,
        async open() {
          // One process per data_dir: opening again is a restart, so the previous one is closed first.
          await current?.close();
          const { journal, pending } = await openJournal({ dir });
          current = createJournalBackend({ journal, deadLetter: createDeadLetterFile({ path: deadLetterPath }), recovered: pending, maxSize: MAX_SIZE, seen: new DedupCache({ windowMs: 60_000, maxEntries: 10_000 }) });
          return current;
        },
        deadLetters: async () => (await readDeadLetters(deadLetterPath)).entries,
      };
    },
  },
  {
    name: 'redis',
    skip: redisSkip,
    async create() {
      redis ??= await startTestRedis();
      // A fresh logical database per test keeps the tests apart on one server.
      const url = `redis://127.0.0.1:${redis.port}/${redisDb++ % 16}`;
      const opened: QueueBackend[] = [];
      const open = async (name = 'a') => {
        const backend = await createRedisBackend({ url, consumer: name, claimIdleMs: CLAIM_IDLE_MS, maxSize: MAX_SIZE, dedupWindowMs: 60_000 });
        opened.push(backend);
        return backend;
      };
      const first = await open('flush');
      await (first as Awaited<ReturnType<typeof createRedisBackend>>).redis.flushdb();
      await first.close();
      after(async () => Promise.all(opened.map((backend) => backend.close())));
      return {
        isShared: true,
        open,
        async deadLetters() {
          const reader = await createRedisBackend({ url, consumer: 'reader', claimIdleMs: CLAIM_IDLE_MS, maxSize: MAX_SIZE, dedupWindowMs: 60_000 });
          try {
            return (await reader.listDeadLetters()).map((row) => row.entry);
          } finally {
            await reader.close();
          }
        },
      };
    },
  },
];

const alert = (id: string): Alert => makeTestAlert({ id, message: `alert ${id}` });
const ids = (items: readonly { alert: Alert }[]) => items.map((item) => item.alert.id).sort();

/** Reserves until `count` alerts came back or a guard timeout passes (reserve may return fewer per call). */
async function reserveAll(backend: QueueBackend, count: number): Promise<Awaited<ReturnType<QueueBackend['reserve']>>> {
  const out: Awaited<ReturnType<QueueBackend['reserve']>> = [];
  const deadline = Date.now() + 5000;
  while (out.length < count && Date.now() < deadline) out.push(...(await backend.reserve(count - out.length, 100)));
  return out;
}

for (const driver of drivers) {
  describe(`queue backend contract: ${driver.name}`, { skip: driver.skip }, () => {
    test('.offer() then .reserve() - each stored alert is handed out once, oldest first, as a first delivery', async () => {
      const h = await driver.create();
      const backend = await h.open();
      const first = alert('1');
      assert.deepEqual(await backend.offer([{ alert: first }, { alert: alert('2') }]), { kind: 'stored', duplicates: new Set() });
      const got = await reserveAll(backend, 2);
      assert.deepEqual(got.map((item) => item.alert.id), ['1', '2']);
      assert.ok(got.every((item) => item.redeliveries === 0));
      assert.deepEqual(got[0]?.alert, first, 'the alert comes back as it was offered');
      assert.deepEqual(await backend.reserve(10, 50), [], 'nothing is handed out twice');
      assert.equal((await backend.stats()).pending, 2);
    });

    test('.reserve() - waits for an offer that comes while it waits', async () => {
      const h = await driver.create();
      const backend = await h.open();
      const waiting = backend.reserve(5, 3000);
      await backend.offer([{ alert: alert('late') }]);
      assert.deepEqual(ids(await waiting).concat(ids(await backend.reserve(5, 10))), ['late']);
    });

    test('.offer() - a dedup key stored within the window is reported duplicate and not stored again', async () => {
      const h = await driver.create();
      const backend = await h.open();
      await backend.offer([{ alert: alert('a'), dedupKeys: ['gh:1'] }]);
      const again = await backend.offer([{ alert: alert('a2'), dedupKeys: ['gh:1'] }, { alert: alert('b'), dedupKeys: ['gh:2'] }, { alert: alert('b2'), dedupKeys: ['gh:2'] }, { alert: alert('c') }]);
      assert.deepEqual(again, { kind: 'stored', duplicates: new Set(['a2', 'b2']) });
      assert.deepEqual(ids(await reserveAll(backend, 3)), ['a', 'b', 'c']);
      // Several keys (delivery id and body digest): any one seen makes a duplicate; all are recorded.
      const keyed = await backend.offer([{ alert: alert('d'), dedupKeys: ['gh:3', 'digest:x'] }, { alert: alert('e'), dedupKeys: ['digest:y', 'gh:1'] }]);
      assert.deepEqual(keyed, { kind: 'stored', duplicates: new Set(['e']) });
      assert.deepEqual(await backend.offer([{ alert: alert('f'), dedupKeys: ['digest:x'] }]), { kind: 'stored', duplicates: new Set(['f']) });
      assert.deepEqual(await backend.offer([{ alert: alert('g'), dedupKeys: ['digest:y'] }]), { kind: 'stored', duplicates: new Set() }, 'a duplicate records none of its keys');
    });

    test('.offer() - beyond maxSize it answers full and stores nothing of the batch', async () => {
      const h = await driver.create();
      const backend = await h.open();
      await backend.offer([1, 2, 3].map((n) => ({ alert: alert(`x${n}`) })));
      assert.equal((await backend.offer([4, 5, 6].map((n) => ({ alert: alert(`x${n}`), dedupKeys: [`k${n}`] })))).kind, 'full');
      assert.equal((await backend.stats()).pending, 3);
      // The refused batch set no dedup marks: the provider's retry is accepted once there is room.
      const [first] = await reserveAll(backend, 1);
      assert.ok(first);
      await backend.complete(first);
      assert.equal((await backend.offer([{ alert: alert('x4'), dedupKeys: ['k4'] }])).kind, 'stored');
      assert.deepEqual(await backend.offer([{ alert: alert('x4b'), dedupKeys: ['k4'] }]), { kind: 'stored', duplicates: new Set(['x4b']) });
    });

    test('.complete() and .deadLetter() - the alert leaves the queue; a dead letter is readable with its reason', async () => {
      const h = await driver.create();
      const backend = await h.open();
      await backend.offer([{ alert: alert('ok') }, { alert: alert('bad') }]);
      const [ok, bad] = await reserveAll(backend, 2);
      assert.ok(ok && bad);
      await backend.complete(ok);
      await backend.deadLetter(bad, toDeadLetterEntry(bad.alert, { reason: 'permanent', attempts: 1, status: 400 }));
      assert.equal((await backend.stats()).pending, 0);
      const dead = await h.deadLetters();
      assert.deepEqual(dead.map((entry) => [entry.id, entry.reason, entry.status]), [['bad', 'permanent', 400]]);
    });

    test('.recover() - after a restart the same consumer gets back what it held and had not finished', async () => {
      const h = await driver.create();
      const before = await h.open('a');
      await before.offer([{ alert: alert('done') }, { alert: alert('held') }, { alert: alert('waiting') }]);
      const held = await reserveAll(before, 2);
      const done = held.find((item) => item.alert.id === 'done');
      assert.ok(done);
      await before.complete(done);
      const after = await h.open('a'); // a restart: no close() of `before` for Redis, as after kill -9
      const recovered = await after.recover();
      assert.ok(ids(recovered).includes('held'));
      assert.ok(!ids(recovered).includes('done'), 'a completed alert is not delivered again');
      assert.ok(recovered.every((item) => item.redeliveries > 0), 'a recovered alert may have reached SL1 already');
      // What was never handed out comes back once: from recover (the journal: all it holds is its own) or from reserve.
      const rest = await reserveAll(after, 2 - recovered.length);
      assert.deepEqual(ids([...recovered, ...rest]), ['held', 'waiting']);
      assert.deepEqual(await after.reserve(5, 20), []);
    });

    test('.claim() - an alert whose holder keeps touching it is never claimed; one whose holder went silent is', async () => {
      const h = await driver.create();
      const holder = await h.open('holder');
      await holder.offer([{ alert: alert('kept') }, { alert: alert('orphan') }]);
      const got = await reserveAll(holder, 2);
      const kept = got.find((item) => item.alert.id === 'kept');
      assert.ok(kept);
      if (!h.isShared) {
        // One writer per data_dir: there is no other consumer to claim from.
        assert.deepEqual(await holder.claim(10), []);
        assert.deepEqual([...(await holder.touch([kept.token]))], [kept.token]);
        return;
      }
      const survivor = await h.open('survivor');
      // The holder keeps touching what it kept (well within the claim idle) while the survivor tries to claim.
      const claimed = await eventually(
        'the survivor to claim the alert nobody touched',
        async () => {
          assert.deepEqual([...(await holder.touch([kept.token]))], [kept.token], 'the holder still owns what it touches');
          const got = await survivor.claim(10);
          return got.length > 0 ? got : undefined;
        },
        { intervalMs: CLAIM_IDLE_MS / 3 },
      );
      assert.deepEqual(ids(claimed), ['orphan']);
      assert.ok(claimed.every((item) => item.redeliveries > 0));
      // The silent holder comes back: touching what was claimed from it says it is no longer its own.
      const orphanToken = claimed[0]?.token ?? '';
      assert.deepEqual([...(await holder.touch([kept.token, orphanToken]))], [kept.token]);
      await survivor.complete(claimed[0]!);
      await holder.complete(kept);
      assert.equal((await survivor.stats()).pending, 0);
    });
  });
}
