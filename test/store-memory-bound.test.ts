/**
 * Memory is bounded by bytes: a flood of 1 MB webhooks while SL1 hangs ends in 503s (queue_max_bytes), never in a
 * crash, and a restart on a journal far bigger than the heap recovers within the same bound, feeding the alerts
 * beyond it in as room frees. GenHook runs as a child process with a small heap, so running out is a real crash.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeJournalRecord } from '../src/enqueue/journal-record.js';
import { serveChild, writeConfigDir } from './support/child.js';
import { send } from './support/genhook.js';

const HEAP = ['--max-old-space-size=64'];
const LINE = 'flood: seq,text::Flood $seq$ $text$\n';

/**
 * An SL1 that counts what it accepted and keeps nothing (the test's own heap stays small), or hangs. It answers
 * after `answerDelayMs`: a slow SL1 keeps delivery behind, as a loaded machine does.
 */
async function countingSl1(answerDelayMs = 0): Promise<{ url: string; accepted: Set<number>; hang(on: boolean): void; close(): Promise<void> }> {
  const accepted = new Set<number>();
  let isHanging = true;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let head = '';
    req.on('data', (chunk: Buffer) => {
      if (head.length < 200) head += chunk.toString('utf8', 0, Math.min(chunk.length, 200));
    });
    req.on('end', () => {
      if (isHanging) return;
      setTimeout(() => {
        const seq = /Flood (\d+)/.exec(head)?.[1];
        if (seq !== undefined) accepted.add(Number(seq));
        res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
      }, answerDelayMs);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/alert`,
    accepted,
    hang: (on) => void (isHanging = on),
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

test('1 MB webhooks while SL1 hangs: 503 queue_full past queue_max_bytes, with Retry-After, a metric and a log line; the process survives', async (t) => {
  const sl1 = await countingSl1();
  t.after(() => sl1.close());
  const { settingsFile, webhooksFile } = await writeConfigDir(
    { sl1_api_url: sl1.url, sl1_timeout: '60s', queue_max_bytes: '8MB', message_max_length: 2_000_000, max_body_size: '2MB' },
    LINE,
  );
  const genhook = await serveChild(settingsFile, webhooksFile, { nodeArgs: HEAP });
  t.after(() => genhook.child.kill('SIGKILL'));
  const text = 'x'.repeat(1024 * 1024);
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  let next = 0;
  const sender = async (): Promise<void> => {
    while (next < 200) {
      const seq = next++;
      const answer = await send(`${genhook.url}/webhook/flood`, `{"seq":${seq},"text":"${text}"}`);
      statuses.push(answer.status);
      if (answer.status === 503) {
        assert.equal(answer.json['error']?.code, 'queue_full', answer.text);
        retryAfter = answer.headers.get('retry-after');
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, sender));
  const accepted = statuses.filter((status) => status === 202).length;
  assert.equal(statuses.length, 200);
  // Each alert holds its 1 MB message and the 1 MB body it keeps for a re-render: about 2 MB each.
  assert.ok(accepted >= 2 && accepted <= 5, `about 8 MB of 2 MB alerts fit; accepted ${accepted}`);
  assert.equal(statuses.filter((status) => status === 503).length, 200 - accepted);
  assert.ok(retryAfter !== null && Number(retryAfter) > 0, 'a 503 says when to retry');
  const metrics = await fetch(`${genhook.url}/metrics`).then((response) => response.text());
  assert.match(metrics, /genhook_queue_full_total\{source="flood",limit="bytes"\} (\d+)/);
  assert.match(genhook.output(), /webhook refused: queue full.*queue_max_bytes|queue_max_bytes.*webhook refused: queue full/);
  assert.equal((await fetch(`${genhook.url}/health`)).status, 200, 'still alive after the flood');
});

test('restart on a journal of 120 half-megabyte alerts (far more than the 64 MB heap holds twice), SL1 slow: recovers within queue_max_bytes and delivers all as room frees', async (t) => {
  // Slow answers keep alerts waiting for a delivery slot the whole time: an alert whose delivery ended must not
  // stay alive behind them (it did in the slots' queue, 100 at most: an OOM here in 1 of 3 loaded runs).
  const sl1 = await countingSl1(100);
  t.after(() => sl1.close());
  const { dir, settingsFile, webhooksFile } = await writeConfigDir(
    { sl1_api_url: sl1.url, sl1_timeout: '60s', queue_max_bytes: '4MB', max_worker_threads: 2 },
    LINE,
  );
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const text = 'y'.repeat(512 * 1024);
  const lines: string[] = [];
  for (let seq = 0; seq < 120; seq += 1) {
    const alert = { id: `flood:${seq}`, requestId: `r${seq}`, source: 'flood', message: `Flood ${seq} ${text}`, fields: { aligned_resource: '/api/organization/0' }, receivedAt: Date.now() };
    lines.push(encodeJournalRecord({ op: 'add', alert: { ...alert, event: undefined } }));
  }
  await writeFile(join(dataDir, 'journal.log'), lines.join(''));
  lines.length = 0;

  sl1.hang(false);
  const genhook = await serveChild(settingsFile, webhooksFile, { nodeArgs: HEAP });
  t.after(() => genhook.child.kill('SIGKILL'));
  const deadline = Date.now() + 60_000;
  while (sl1.accepted.size < 120 && Date.now() < deadline) {
    const exited = await Promise.race([genhook.exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 50))]);
    assert.equal(exited, false, `GenHook died while recovering:\n${genhook.output().slice(-2000)}`);
  }
  assert.equal(sl1.accepted.size, 120, 'every journaled alert reached SL1');
  assert.match(genhook.output(), /alerts beyond queue_max_size or queue_max_bytes stay journaled/);
});
