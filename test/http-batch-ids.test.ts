/**
 * Batch bodies over a real socket: each element of an Event Grid array or a CloudEvents batch is keyed by its
 * own `id`, so ids that look like another element's position (`X#1` beside `X`) never collide.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGenHook, type TestGenHook } from './support/genhook.js';

const WEBHOOKS = `
azure: eventType,subject::Azure $eventType$: $subject$
batch: name::Batch $name$
`;

let server: TestGenHook;

before(async () => {
  server = await startTestGenHook({ webhooks: WEBHOOKS });
});
after(() => server.close());

const gridEvent = (id: string, subject: string) => ({
  id,
  eventType: 'Microsoft.Storage.BlobCreated',
  subject,
  eventTime: '2026-12-01T10:00:00Z',
  data: {},
  dataVersion: '1',
});

test('Event Grid batch - elements "X#1" and "X" are two alerts, each keyed by its own id', async () => {
  const response = await server.post('/webhook/azure', [gridEvent('X#1', '/a'), gridEvent('X', '/b')], { 'aeg-event-type': 'Notification' });
  assert.equal(response.status, 202, response.text);
  assert.deepEqual(
    response.json['alerts'].map((alert: { id: string }) => alert.id),
    ['azure:X#1', 'azure:X'],
  );
  assert.equal(response.json['skipped'], undefined, 'nothing was dropped as a duplicate');

  // The same batch again: both elements are now duplicates of what was journaled.
  const again = await server.post('/webhook/azure', [gridEvent('X', '/b'), gridEvent('X#1', '/a')], { 'aeg-event-type': 'Notification' });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json['status'], 'duplicate');
  assert.equal(again.json['skipped'].length, 2);
});

test('Event Grid batch - an element keeps its own id as key whatever its position', async () => {
  const first = await server.post('/webhook/azure', [gridEvent('solo-1', '/s')], { 'aeg-event-type': 'Notification' });
  assert.equal(first.status, 202, first.text);
  assert.equal(first.json['id'], 'azure:solo-1');
  // Redelivered as the second element of a larger batch: still the same event, so a duplicate.
  const moved = await server.post('/webhook/azure', [gridEvent('new-1', '/n'), gridEvent('solo-1', '/s')], { 'aeg-event-type': 'Notification' });
  assert.equal(moved.status, 202, moved.text);
  assert.equal(moved.json['id'], 'azure:new-1');
  assert.equal(moved.json['skipped'][0].outcome, 'duplicate');
  assert.equal(moved.json['skipped'][0].id, 'azure:solo-1');
});

test('CloudEvents batch - elements are keyed by their own id', async () => {
  const cloudEvent = (id: string) => ({ specversion: '1.0', id, type: 'com.example.thing', source: '/x', subject: id, data: {} });
  const response = await server.post('/webhook/azure', [cloudEvent('C#1'), cloudEvent('C')], { 'content-type': 'application/cloudevents-batch+json' });
  assert.equal(response.status, 202, response.text);
  assert.deepEqual(response.json['alerts'].map((alert: { id: string }) => alert.id), ['azure:C#1', 'azure:C']);
});

test('generic batch - an element without an id keeps a positional key under the request id', async () => {
  const body = [{ name: 'one', id: 'R#1' }, { name: 'two' }, { name: 'three' }];
  const response = await server.post('/webhook/batch', body, { 'x-request-id': 'R' });
  assert.equal(response.status, 202, response.text);
  const ids = response.json['alerts'].map((alert: { id: string }) => alert.id);
  assert.equal(ids[0], 'batch:R#1');
  assert.equal(ids.length, 3, `three alerts, none dropped: ${ids.join(' ')}`);
  assert.equal(new Set(ids).size, 3, 'three distinct keys');
  // Redelivery of the same request (same request id): every element is recognised, with or without an own id.
  const again = await server.post('/webhook/batch', body, { 'x-request-id': 'R' });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json['status'], 'duplicate');
});
