/**
 * A saturating burst from wrk (the load generator `npm run bench` uses), against a real GenHook child that
 * delivers to a fake SL1: every answer is 2xx or a documented refusal, and every 2xx reaches SL1 exactly once.
 * It proves the bench harness's wrk round and the "nothing answered 2xx is lost" promise under load; it
 * measures no speed (that is the bench's job).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildSignedPush } from '../bench/payloads.js';
import { runWrk } from '../bench/wrk.js';
import { serveChild } from './support/child.js';
import { eventually } from './support/eventually.js';
import { startFakeSl1 } from './support/fake-sl1.js';
import { scrape } from './support/metrics-text.js';

function hasWrk(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test('a wrk burst: every 2xx reaches the fake SL1 exactly once', { timeout: 120_000 }, async (t) => {
  if (!hasWrk()) {
    t.skip('wrk not installed (apt-get install wrk)');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'genhook-wrk-burst-'));
  const sl1 = await startFakeSl1();
  t.after(async () => {
    await sl1.close();
    await rm(dir, { recursive: true, force: true });
  });
  const secret = 'wrk-burst-secret';
  const settingsFile = join(dir, 'settings.ini');
  const webhooksFile = join(dir, 'webhooks.ini');
  const settings = {
    server_host: '127.0.0.1',
    server_port: 0,
    data_dir: join(dir, 'data'),
    log_level: 'info', // serveChild waits for the 'GenHook listening' info line
    sl1_api_url: sl1.url,
    sl1_username: 'genhook',
    sl1_password: 'wrk',
    github_secret: secret,
    // wrk sends one signed body; each request has its own X-GitHub-Delivery, so dedup by id only.
    github_dedup: 'id',
    queue_max_size: 100000,
  };
  await writeFile(settingsFile, Object.entries(settings).map(([key, value]) => `${key} = ${value}`).join('\n') + '\n');
  await writeFile(webhooksFile, 'github.push: ref,repository{name}::push to $repository.name$ ($ref$)\n');
  const genhook = await serveChild(settingsFile, webhooksFile);
  t.after(async () => {
    genhook.child.kill('SIGTERM');
    await genhook.exited;
  });

  const result = await runWrk({ url: `${genhook.url}/webhook/github`, payload: buildSignedPush(secret, 2048), durationSec: 2, connections: 16 });
  assert.ok(result.accepted > 0, 'wrk got no 2xx at all');
  assert.equal(result.errors, 0, `socket errors during the burst: ${JSON.stringify(result)}`);
  assert.equal(result.non2xx, 0, `refusals during the burst: ${JSON.stringify(result)}`);

  // wrk counts only the answers it read before it stopped; GenHook's own count of queued webhooks also holds
  // the few it answered as wrk closed its connections. That count, not wrk's, is what must reach SL1.
  const queued = (await scrape(genhook.url)).value('genhook_webhooks_received_total', { outcome: 'queued' });
  assert.ok(queued >= result.accepted && queued <= result.accepted + 16, `GenHook queued ${queued}, wrk read ${result.accepted} 2xx`);
  // Drained: everything queued is delivered and nothing waits in the journal, so no further request can come.
  await eventually(
    'every queued alert delivered and the journal empty',
    async () => {
      const metrics = await scrape(genhook.url);
      return metrics.value('genhook_alerts_delivered_total') >= queued && metrics.value('genhook_journal_pending') === 0;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  t.diagnostic(`wrk read ${result.accepted} 2xx; GenHook queued ${queued}; the fake SL1 received ${sl1.received.length}`);
  assert.equal(sl1.received.length, queued, `SL1 received a different number of alerts than GenHook queued\n${explain(genhook.output())}`);
  assert.equal((await scrape(genhook.url)).value('genhook_delivery_retries_total'), 0, 'a 201 from SL1 was retried');
  const messages = new Set(sl1.received.map((request) => String(request.body?.['message'])));
  assert.equal(messages.size, 1, `one message for one body, got ${[...messages].slice(0, 3).join(' | ')}`);
  assert.match([...messages][0] ?? '', /^push to /);
});

/** For a failure: alerts GenHook logged as delivered more than once, and its warning and error lines. */
function explain(output: string): string {
  const deliveredTimes = new Map<string, number>();
  const complaints: string[] = [];
  for (const line of output.split('\n')) {
    let record: { level?: number; msg?: string; alertId?: string };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      continue; // not a log record (or the last one, still being written)
    }
    if (record.msg === 'alert delivered to SL1' && record.alertId !== undefined) deliveredTimes.set(record.alertId, (deliveredTimes.get(record.alertId) ?? 0) + 1);
    if ((record.level ?? 0) >= 40 && complaints.length < 10) complaints.push(line.slice(0, 400));
  }
  const twice = [...deliveredTimes].filter(([, times]) => times > 1);
  return `delivered lines: ${deliveredTimes.size} alerts, ${twice.length} more than once (${twice.slice(0, 5).map(([id, n]) => `${id} x${n}`).join(', ')})\nwarnings/errors:\n${complaints.join('\n')}`;
}
