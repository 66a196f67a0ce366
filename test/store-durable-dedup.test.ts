/**
 * A duplicate is answered only for something journaled: a delivery id counts as seen once its alert is on disk,
 * and concurrent deliveries of one id wait for the first one's outcome instead of answering `200 duplicate`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serveChild, writeConfigDir } from './support/child.js';
import { send } from './support/genhook.js';

const GITHUB_LINE = 'github: action::GitHub $action$\n';
const delivery = (id: string) => ({ 'x-github-event': 'issues', 'x-github-delivery': id });
// Bigger than the 512-byte file limit of the first test, so its journal record can never be written.
const ACTION = 'opened '.repeat(200);

test('journal failing (files may not grow past 512 bytes, a record is bigger): 40 concurrent deliveries of one id all get 503, none 200 duplicate; after a restart it is accepted once', async (t) => {
  const { settingsFile, webhooksFile } = await writeConfigDir({}, GITHUB_LINE);
  const full = await serveChild(settingsFile, webhooksFile, { fileSizeLimitBlocks: 1 });
  t.after(() => full.child.kill('SIGKILL'));
  const answers = await Promise.all(
    Array.from({ length: 40 }, () => send(`${full.url}/webhook/github`, { action: ACTION }, delivery('d-40'))),
  );
  const counts = new Map<string, number>();
  for (const { status, json } of answers) {
    const key = `${status} ${json['status'] ?? json['error']?.code ?? ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(counts), { '503 journal_unavailable': 40 }, 'nothing was stored, so nothing may be called a duplicate');
  full.child.kill('SIGKILL');
  await full.exited;

  const healthy = await serveChild(settingsFile, webhooksFile);
  t.after(() => healthy.child.kill('SIGKILL'));
  const first = await send(`${healthy.url}/webhook/github`, { action: ACTION }, delivery('d-40'));
  assert.equal(first.status, 202, first.text);
  const again = await send(`${healthy.url}/webhook/github`, { action: ACTION }, delivery('d-40'));
  assert.equal(again.status, 200);
  assert.equal(again.json['status'], 'duplicate');
  healthy.child.kill('SIGTERM');
  await healthy.exited;
});

test('concurrent deliveries of one id while the journal works: exactly one 202, the others 200 duplicate', async (t) => {
  const { settingsFile, webhooksFile } = await writeConfigDir({}, GITHUB_LINE);
  const genhook = await serveChild(settingsFile, webhooksFile);
  t.after(() => genhook.child.kill('SIGKILL'));
  const answers = await Promise.all(
    Array.from({ length: 40 }, () => send(`${genhook.url}/webhook/github`, { action: ACTION }, delivery('d-ok'))),
  );
  assert.equal(answers.filter((answer) => answer.status === 202).length, 1);
  assert.equal(answers.filter((answer) => answer.status === 200 && answer.json['status'] === 'duplicate').length, 39);
  genhook.child.kill('SIGTERM');
  await genhook.exited;
});
