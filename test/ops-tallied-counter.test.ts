import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { talliedCounter } from '../src/ops/tallied-counter.js';

function makeCounter() {
  const registry = new Registry();
  const counter = talliedCounter({ name: 'tally_test_total', help: 'test', labelNames: ['source', 'outcome'] as const, registers: [registry] });
  return { registry, counter };
}

const valueOf = async (counter: ReturnType<typeof makeCounter>['counter'], labels: Record<string, string>) =>
  (await counter.get()).values.find((v) => Object.entries(labels).every(([k, x]) => (v.labels as Record<string, unknown>)[k] === x))?.value;

test('tallied counter - counts per label set as prom-client does, seen when read (get and the registry text)', async () => {
  const { registry, counter } = makeCounter();
  counter.inc({ source: 'github', outcome: 'queued' });
  counter.inc({ source: 'github', outcome: 'queued' });
  counter.inc({ outcome: 'queued', source: 'github' }, 3);
  counter.inc({ source: 'stripe', outcome: 'rejected' });
  assert.equal(await valueOf(counter, { source: 'github', outcome: 'queued' }), 5);
  assert.equal(await valueOf(counter, { source: 'stripe', outcome: 'rejected' }), 1);
  counter.inc({ source: 'github', outcome: 'queued' });
  assert.match(await registry.metrics(), /tally_test_total\{source="github",outcome="queued"\} 6/);
  // Read twice: folded once, not added again.
  assert.equal(await valueOf(counter, { source: 'github', outcome: 'queued' }), 6);
});

test('tallied counter - a label object changed after inc does not change what was counted', async () => {
  const { counter } = makeCounter();
  const labels = { source: 'github', outcome: 'queued' };
  counter.inc(labels);
  labels.source = 'other';
  counter.inc({ source: 'github', outcome: 'queued' });
  assert.equal(await valueOf(counter, { source: 'github', outcome: 'queued' }), 2);
});

test('tallied counter - refuses what prom-client refuses, also for a label set already tallied; reset drops the tally', async () => {
  const { counter } = makeCounter();
  counter.inc({ source: 'github', outcome: 'queued' });
  assert.throws(() => counter.inc({ source: 'github', outcome: 'queued' }, -1), /decrease/);
  assert.throws(() => counter.inc({ source: 'github', nosuch: 'x' } as never), /label/i);
  counter.inc({ source: 'github', outcome: 'queued' }, 2);
  counter.reset();
  assert.equal(await valueOf(counter, { source: 'github', outcome: 'queued' }), undefined);
  counter.inc({ source: 'github', outcome: 'queued' });
  assert.equal(await valueOf(counter, { source: 'github', outcome: 'queued' }), 1);
});
