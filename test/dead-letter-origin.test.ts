/**
 * A dead letter keeps what rendering it again needs: the request body as received and the headers that identify
 * it (never credentials or signatures), and for a split batch which item it was. It travels with the alert
 * through the journal, spliced in unescaped. Real GenHook, fake SL1 answering 400, real dead-letter file.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { alertBytes, decodeAlertJson, encodeAlertJson, type Alert } from '../src/alert.js';
import { parseDeadLetters } from '../src/dead-letter/index.js';
import { decodeJournalLine, encodeJournalLine } from '../src/enqueue/journal-record.js';
import { withFakeSl1 } from './support/fake-sl1.js';
import { eventually } from './support/eventually.js';
import { startTestGenHook, type TestGenHook } from './support/genhook.js';

const ALERT: Alert = { id: 'app:1', requestId: 'r1', source: 'app', event: 'push', message: 'm', fields: {}, receivedAt: 1 };

test('origin codec - a JSON body is spliced in unescaped and taken back out by position', () => {
  const body = '{"text":"a \\"quoted\\" ,\\"payloadLength\\":3}", "n": [1, 2]}';
  const alert: Alert = { ...ALERT, origin: { kind: 'json', body, headers: { 'x-github-event': 'push' }, item: 1, items: 2 } };
  const text = encodeAlertJson(alert);
  assert.ok(text.includes(`"payload":${body}`), 'the body as it arrived, not escaped into a string');
  assert.deepEqual(JSON.parse(text).payload, JSON.parse(body), 'any JSON reader (jq) sees the payload as JSON');
  assert.deepEqual(decodeAlertJson(text), alert);
  const form: Alert = { ...ALERT, origin: { kind: 'form', body: 'payload=%7B%22a%22%3A1%7D&x="', headers: {} } };
  assert.deepEqual(decodeAlertJson(encodeAlertJson(form)), form);
  assert.deepEqual(decodeAlertJson(encodeAlertJson(ALERT)), ALERT, 'no origin: plain JSON');
  // A hand-edited line whose payloadLength no longer fits is still read (parsed whole).
  const edited = text.replace('"n": [1, 2]', '"n": [1, 2, 3]');
  assert.deepEqual((decodeAlertJson(edited) as Alert).origin?.body, JSON.stringify(JSON.parse(body.replace('[1, 2]', '[1, 2, 3]'))));
});

test('origin codec - journal add records carry it; records written before it are still read', () => {
  const alert: Alert = { ...ALERT, origin: { kind: 'json', body: '{"a":"\u00e9\u2028"}', headers: {} } };
  const pretty = encodeJournalLine({ op: 'add', alert: { ...ALERT, origin: { kind: 'json', body: '{\r\n  "a": 1\n}', headers: {} } } });
  assert.equal(pretty.indexOf(0x0a), pretty.length - 1, 'a pretty-printed body stays on one journal line');
  const line = encodeJournalLine({ op: 'add', alert });
  assert.deepEqual(decodeJournalLine(line.subarray(0, line.length - 1)), { op: 'add', alert });
  const old = encodeJournalLine({ op: 'add', alert: ALERT });
  assert.deepEqual(decodeJournalLine(old.subarray(0, old.length - 1)), { op: 'add', alert: ALERT });
  assert.equal(alertBytes(alert), alertBytes(ALERT) + alert.origin!.body.length, 'the body counts against queue_max_bytes');
});

/** The dead-letter file once it holds `count` entries (the log line comes a moment before the write). */
function deadLetters(server: TestGenHook, count: number) {
  return eventually(`${count} dead letters in the file`, async () => {
    const text = await readFile(join(server.dir, 'data', 'dead-letter.jsonl'), 'utf8').catch(() => '');
    const { entries } = parseDeadLetters(text);
    return entries.length >= count ? { text, entries } : undefined;
  });
}

test('dead letters keep the raw body and the identifying headers, not credentials or signatures', () =>
  withFakeSl1(async (sl1) => {
    sl1.reject(400, { error: 'bad aligned_resource' });
    const server = await startTestGenHook({ webhooks: 'app: n::App alert $n$\n', settings: { sl1_api_url: sl1.url, sl1_username: 'u', sl1_password: 'p' } });
    try {
      const raw = '{ "n": 7,\n  "note": "say \\"hi\\"" }';
      const answer = await server.post('/webhook/app', raw, {
        'x-github-event': 'push',
        'x-github-delivery': 'd-1',
        authorization: 'Bearer secret-token',
        'x-hub-signature-256': 'sha256=00',
        cookie: 'session=1',
      });
      assert.equal(answer.status, 202, answer.text);
      const { text, entries } = await deadLetters(server, 1);
      const [entry] = entries;
      assert.equal(entry?.message, 'App alert 7');
      assert.equal(entry?.origin?.body, raw.replace('\n', ' '), 'the body as text, its line break between tokens a space (one record per line)');
      assert.equal(entry?.origin?.kind, 'json');
      assert.deepEqual(entry?.origin?.headers, { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': 'd-1' });
      assert.equal(entry?.origin?.item, undefined);
      assert.doesNotMatch(text, /secret-token|sha256=00|session=1/);
      assert.deepEqual(JSON.parse(text.split('\n')[0] ?? '').payload, { n: 7, note: 'say "hi"' }, 'jq .payload shows it');
    } finally {
      await server.close();
    }
  }));

test('dead letters of a split batch share the body and say which item; over the budget they keep none', () =>
  withFakeSl1(async (sl1) => {
    sl1.reject(400, { error: 'no' });
    const server = await startTestGenHook({
      webhooks: 'app: n::App item $n$\n',
      settings: { sl1_api_url: sl1.url, sl1_username: 'u', sl1_password: 'p', app_split: 'items', max_body_size: '1KB' },
    });
    try {
      const batch = JSON.stringify({ env: 'prod', items: [{ n: 1 }, { n: 2 }] });
      assert.equal((await server.post('/webhook/app', batch)).status, 202);
      const first = await deadLetters(server, 2);
      const byItem = first.entries.map((entry) => [entry.message, entry.origin?.item, entry.origin?.items, entry.origin?.body]).sort();
      assert.deepEqual(byItem, [['App item 1', 0, 2, batch], ['App item 2', 1, 2, batch]]);

      // 2 items × ~600 bytes > max_body_size (1 KB): the request would store twice its size, so neither keeps it.
      const big = JSON.stringify({ pad: 'x'.repeat(600), items: [{ n: 3 }, { n: 4 }] });
      assert.equal((await server.post('/webhook/app', big)).status, 202);
      const second = await deadLetters(server, 4);
      const late = second.entries.filter((entry) => entry.message === 'App item 3' || entry.message === 'App item 4');
      assert.equal(late.length, 2);
      for (const entry of late) assert.equal(entry.origin, undefined);
    } finally {
      await server.close();
    }
  }));
