/**
 * The delivery slots (deliver/concurrency.ts) hold an attempt's task only while it waits or runs: a finished
 * attempt's alert is garbage even while other attempts keep the queue from emptying (delivery behind, SL1 slow).
 * p-queue keeps the tasks it dequeued in its array until it empties or compacts, so a task holding its alert
 * kept up to 100 finished alerts alive beyond queue_max_bytes: the heap OOM of a restart on a big journal.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ConcurrencyLimits } from '../src/deliver/concurrency.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** Queues `count` attempts, each holding an object of its own, and says which of those objects are still alive. */
function queueHolders(limits: ConcurrencyLimits, source: string, count: number): { alive(): number; ran: Promise<unknown> } {
  const refs: WeakRef<object>[] = [];
  const runs: Promise<number>[] = [];
  for (let n = 0; n < count; n++) {
    const held = { alert: 'x'.repeat(1024) + String(n) };
    refs.push(new WeakRef(held));
    runs.push(limits.run(source, () => Promise.resolve(held.alert.length)));
  }
  return { alive: () => refs.filter((ref) => ref.deref() !== undefined).length, ran: Promise.all(runs) };
}

for (const { name, perSource } of [
  { name: 'global slots only', perSource: new Map<string, number>() },
  { name: 'a source with a limit of its own', perSource: new Map([['limited', 1]]) },
]) {
  test(`delivery slots (${name}): finished attempts are not kept alive while others still wait`, async () => {
    const limits = new ConcurrencyLimits(1, perSource);
    const source = perSource.size > 0 ? 'limited' : 'any';
    const first = deferred();
    void limits.run(source, () => first.promise);
    const holders = queueHolders(limits, source, 40);
    // Behind the 40: one attempt that runs until the end of the test, and one that waits, so the queue never empties.
    const lastStarted = deferred();
    const last = deferred();
    void limits.run(source, () => {
      lastStarted.resolve();
      return last.promise;
    });
    void limits.run(source, () => Promise.resolve(0));
    first.resolve();
    await holders.ran;
    await lastStarted.promise;
    for (let round = 0; round < 3 && holders.alive() > 0; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
    }
    assert.equal(holders.alive(), 0, 'every finished attempt can be collected although the queue is not empty');
    last.resolve();
  });
}

test('delivery slots: each task runs exactly once, in order, within the limit', async () => {
  const limits = new ConcurrencyLimits(2, new Map());
  const order: number[] = [];
  let running = 0;
  let most = 0;
  await Promise.all(Array.from({ length: 10 }, (_, n) => limits.run('any', async () => {
    running++;
    most = Math.max(most, running);
    order.push(n);
    await new Promise((resolve) => setImmediate(resolve));
    running--;
  })));
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(most, 2);
});
