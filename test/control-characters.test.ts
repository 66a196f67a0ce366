/**
 * Control characters in payloads, through a whole GenHook and a real fake SL1: SL1's message has them replaced
 * (unless `message_control_characters = keep`), and `genhook dlq list` never prints them raw to a terminal.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { escapeForTerminal, replaceControlCharacters } from '../src/render/control-characters.js';
import { runCli } from './support/child.js';
import { startFakeSl1 } from './support/fake-sl1.js';
import { startTestGenHook, waitUntil } from './support/genhook.js';
import { eventually } from './support/eventually.js';

const LINE = 'app: n::App alert $n$\n';
// Clear the screen, return to column 0 and paint a line that looks like another dead letter; a bell, a
// backspace, a one-byte CSI (U+009B) and a right-to-left override for good measure.
const HOSTILE = 'real\u001b[2J\u001b[H\rapp:fake\tpermanent\tattempts=1\nsecond\u0007\u0008\u009b31m\u202eevil';

// Control characters other than TAB and LF, anywhere in a string.
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

test('SL1 receives the message with control characters other than \\n and \\t replaced', async () => {
  const sl1 = await startFakeSl1();
  const server = await startTestGenHook({ webhooks: LINE, settings: { sl1_api_url: `${sl1.url}/api/alert` } });
  try {
    const response = await server.post('/webhook/app', { n: HOSTILE });
    assert.equal(response.status, 202, response.text);
    await waitUntil(() => sl1.received.length === 1, 'SL1 to receive the alert');
    const message = String(sl1.received[0]?.body?.['message']);
    assert.doesNotMatch(message, RAW_CONTROL);
    assert.equal(message, 'App alert real\uFFFD[2J\uFFFD[H\napp:fake\tpermanent\tattempts=1\nsecond\uFFFD\uFFFD\uFFFD31m\u202eevil');
  } finally {
    await server.close();
    await sl1.close();
  }
});

test('message_control_characters = keep sends the message as rendered', async () => {
  const sl1 = await startFakeSl1();
  const server = await startTestGenHook({ webhooks: LINE, settings: { sl1_api_url: `${sl1.url}/api/alert`, message_control_characters: 'keep' } });
  try {
    assert.equal((await server.post('/webhook/app', { n: HOSTILE })).status, 202);
    await waitUntil(() => sl1.received.length === 1, 'SL1 to receive the alert');
    assert.equal(sl1.received[0]?.body?.['message'], `App alert ${HOSTILE}`);
  } finally {
    await server.close();
    await sl1.close();
  }
});

test('genhook dlq list escapes control characters: one line per entry, nothing a terminal would obey', async () => {
  const sl1 = await startFakeSl1();
  sl1.reject(400, 'no');
  // keep: the dead letter holds the raw characters, so only the listing stands between them and a terminal.
  const server = await startTestGenHook({ webhooks: LINE, settings: { sl1_api_url: `${sl1.url}/api/alert`, message_control_characters: 'keep' } });
  const id = (await server.post('/webhook/app', { n: HOSTILE })).json['id'];
  const file = join(server.dir, 'data', 'dead-letter.jsonl');
  const deadLetters = await eventually(`the dead letter of ${String(id)}`, async () => {
    const text = await readFile(file, 'utf8').catch(() => '');
    return text.includes(String(id)) ? text : undefined;
  });
  await server.close();
  await sl1.close();
  assert.match(deadLetters, /\\u001b\[2J/, 'the dead letter itself keeps the raw text (JSON-escaped)');

  const listed = await runCli(['dlq', 'list', '--settings', join(server.dir, 'settings.ini'), '--webhooks', join(server.dir, 'webhooks.ini')]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.doesNotMatch(listed.stdout, RAW_CONTROL, 'no ESC, CR, BEL, BS or C1 reaches the terminal');
  assert.doesNotMatch(listed.stdout, /\u202e/, 'no bidi override either');
  const lines = listed.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one dead letter is one line: ${JSON.stringify(listed.stdout)}`);
  assert.ok(
    lines[0]?.endsWith('App alert real\\e[2J\\e[H\\rapp:fake\\tpermanent\\tattempts=1\\nsecond\\x07\\x08\\x9b31m\\u202eevil'),
    lines[0],
  );
  // --json stays exact: JSON escapes every control character itself.
  const json = await runCli(['dlq', 'list', '--json', '--settings', join(server.dir, 'settings.ini'), '--webhooks', join(server.dir, 'webhooks.ini')]);
  assert.equal(JSON.parse(json.stdout.trim())['message'], `App alert ${HOSTILE}`);
});

test('replaceControlCharacters and escapeForTerminal leave ordinary text alone', () => {
  const text = 'Déploiement ✓ 部署 — tab\there\nnext line';
  assert.equal(replaceControlCharacters(text), text);
  assert.equal(escapeForTerminal('Déploiement ✓ 部署'), 'Déploiement ✓ 部署');
  assert.equal(replaceControlCharacters('a\r\nb\rc'), 'a\nb\nc');
});
