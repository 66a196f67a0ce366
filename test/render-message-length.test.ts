/** message_max_length: a payload field cannot grow the SL1 message without bound; the cut is marked with `…`. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cutMessage } from '../src/render/index.js';
import { startFakeSl1 } from './support/fake-sl1.js';
import { startTestGenHook } from './support/genhook.js';

test('cutMessage - at most maxLength characters ending in …, never half a surrogate pair', () => {
  assert.equal(cutMessage('short', 10), 'short');
  assert.equal(cutMessage('0123456789', 10), '0123456789');
  assert.equal(cutMessage('0123456789A', 10), '012345678…');
  assert.equal(cutMessage('12345678😀😀', 10), '12345678…', 'the emoji would be split: it goes whole');
  assert.equal(cutMessage('x'.repeat(100), undefined), 'x'.repeat(100));
});

test('a 1 MB field reaches SL1 cut to message_max_length, ending in …', async (t) => {
  const sl1 = await startFakeSl1();
  t.after(() => sl1.close());
  const server = await startTestGenHook({
    webhooks: 'big: text::Big $text$\n',
    settings: { sl1_api_url: `${sl1.url}/api/alert`, message_max_length: 100, max_body_size: '2MB' },
  });
  t.after(() => server.close());
  const answer = await server.post('/webhook/big', { text: 'z'.repeat(1024 * 1024) });
  assert.equal(answer.status, 202, answer.text);
  await sl1.waitFor(1);
  const message = String(sl1.received[0]?.body?.['message']);
  assert.equal(message.length, 100);
  assert.equal(message, `Big ${'z'.repeat(95)}…`);
});

test('message_max_length has a default that keeps a 1 MB field out of SL1', async (t) => {
  const sl1 = await startFakeSl1();
  t.after(() => sl1.close());
  const server = await startTestGenHook({ webhooks: 'big: text::Big $text$\n', settings: { sl1_api_url: `${sl1.url}/api/alert`, max_body_size: '2MB' } });
  t.after(() => server.close());
  assert.equal((await server.post('/webhook/big', { text: 'z'.repeat(1024 * 1024) })).status, 202);
  await sl1.waitFor(1);
  const message = String(sl1.received[0]?.body?.['message']);
  assert.equal(message.length, server.genhook.config().settings.message_max_length);
  assert.ok(message.endsWith('…'));
});
