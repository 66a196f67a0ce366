/**
 * `workers = 2` on one port: a scrape or a probe lands on one worker (the primary hands out connections),
 * yet /metrics must count the whole group and /ready must name every worker. A real `genhook serve` with
 * two workers, a real redis-server and a fake SL1 (a real HTTP server).
 */
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { test } from 'node:test';
import { serveChild, writeConfigDir } from './support/child.js';
import { eventually } from './support/eventually.js';
import { startFakeSl1 } from './support/fake-sl1.js';
import { send } from './support/genhook.js';
import { parseExposition, type Exposition } from './support/metrics-text.js';
import { redisSkip, startTestRedis } from './support/redis-server.js';
import { pidsLogging } from './support/log-lines.js';

/**
 * GET on a fresh connection each time, so that successive probes are spread over the workers. A
 * connection the primary hands to a worker at the moment it dies is never answered: give up on it.
 */
function fresh(url: string, timeoutMs = 8000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, headers: { connection: 'close' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        let json: Record<string, any> = {};
        try {
          json = JSON.parse(text) as Record<string, any>;
        } catch {
          // the metrics text
        }
        resolve({ status: response.statusCode ?? 0, text, json });
      });
    });
    request.on('error', reject);
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer from ${url}`)));
  });
}

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly json: Record<string, any>;
}

/**
 * Starts a probe every 50 ms (each given up after `probeMs`) until one answer matches; rejects after `totalMs`
 * with what was seen. Probes overlap, so one handed to a worker that cannot answer does not hold up the rest.
 */
function probeUntil(url: string, matches: (answer: Answer) => boolean, { probeMs = 2000, totalMs = 20_000 } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    let isDone = false;
    const finish = (answer: Answer | Error): void => {
      if (isDone) return;
      isDone = true;
      clearInterval(timer);
      clearTimeout(guard);
      if (answer instanceof Error) reject(answer);
      else resolve(answer);
    };
    const probe = (): void => {
      fresh(url, probeMs).then(
        (answer) => {
          seen.push(`${answer.status} ${JSON.stringify(answer.json['workers'] ?? answer.json['error'] ?? answer.text.slice(0, 60))}`);
          if (matches(answer)) finish(answer);
        },
        (error: unknown) => seen.push(String(error)),
      );
    };
    const timer = setInterval(probe, 50);
    const guard = setTimeout(() => finish(new Error(`no matching answer from ${url} in ${totalMs} ms; seen: ${seen.slice(-5).join(' | ')}`)), totalMs);
    probe();
  });
}

test('workers = 2: /metrics sums the whole group and /ready names every worker, a dead one too', { skip: redisSkip }, async () => {
  const redis = await startTestRedis();
  const sl1 = await startFakeSl1();
  const { settingsFile, webhooksFile } = await writeConfigDir(
    { workers: 2, redis_url: redis.url, sl1_api_url: sl1.url, redis_claim_idle: '1s', watch_config: false },
    'app: n::App alert $n$\n',
  );
  const genhook = await serveChild(settingsFile, webhooksFile);
  try {
    await eventually('both workers listening', () => pidsLogging(genhook.output(), 'GenHook listening').size === 2).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${genhook.output()}`);
    });
    for (let n = 1; n <= 40; n++) assert.equal((await send(`${genhook.url}/webhook/app`, { n }, { connection: 'close' })).status, 202);
    await sl1.waitFor(40);
    // Each worker took a share: a scrape answered by one worker alone would count fewer than 40.
    assert.equal(pidsLogging(genhook.output(), 'webhook queued').size, 2, 'both workers queued webhooks');

    const scrapes: Exposition[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await fresh(`${genhook.url}/metrics`);
      assert.equal(response.status, 200, response.text);
      scrapes.push(parseExposition(response.text));
    }
    for (const metrics of scrapes) {
      assert.equal(metrics.value('genhook_webhooks_received_total', { source: 'app', outcome: 'queued' }), 40, 'received: every worker counted');
      assert.equal(metrics.value('genhook_workers'), 2);
      assert.equal(metrics.value('genhook_workers_up'), 2);
      assert.equal(metrics.value('genhook_worker_restarts_total'), 0);
      // Gauges that must not be summed keep their meaning: one build, one shared Redis stream, connected.
      assert.equal(metrics.value('genhook_build_info'), 1);
      assert.equal(metrics.value('genhook_redis_connected'), 1);
      assert.equal(metrics.value('genhook_sl1_auth_paused'), 0);
    }
    const delivered = await eventually('every delivery counted in one scrape', async () => {
      const metrics = parseExposition((await fresh(`${genhook.url}/metrics`)).text);
      return metrics.value('genhook_alerts_delivered_total', { source: 'app', mode: 'sl1' }) === 40 ? metrics : undefined;
    });
    assert.equal(delivered.value('genhook_sl1_requests_total', { status_class: '2xx' }), sl1.requests.length);

    const workers = [...pidsLogging(genhook.output(), 'GenHook listening')].sort((a, b) => a - b);
    for (let i = 0; i < 4; i++) {
      const ready = await fresh(`${genhook.url}/ready`);
      assert.equal(ready.status, 200, ready.text);
      assert.equal(ready.json['status'], 'ready');
      const rows = ready.json['workers'] as { worker: number; pid: number; status: string }[];
      assert.deepEqual(rows.map((row) => [row.worker, row.status]), [[0, 'ready'], [1, 'ready']]);
      assert.deepEqual(rows.map((row) => row.pid).sort((a, b) => a - b), workers);
      assert.equal(typeof ready.json['worker'], 'number', 'says which worker answered');
    }

    // One worker dies: until its replacement listens, the group is not ready and names it.
    const victim = (await fresh(`${genhook.url}/ready`)).json['workers'][0] as { worker: number; pid: number };
    process.kill(victim.pid, 'SIGKILL');
    // A connection handed to the worker at the instant it died is never answered, so probes overlap instead of waiting in turn.
    const notReady = await probeUntil(`${genhook.url}/ready`, (ready) => {
      const row = (ready.json['workers'] as { worker: number; status: string }[] | undefined)?.find((r) => r.worker === victim.worker);
      return row !== undefined && (row.status === 'down' || row.status === 'starting');
    });
    assert.equal(notReady.status, 503);
    assert.equal(notReady.json['status'], 'not_ready');
    const back = await probeUntil(`${genhook.url}/ready`, (ready) => ready.status === 200);
    const row = (back.json['workers'] as { worker: number; pid: number; restarts: number }[]).find((r) => r.worker === victim.worker);
    assert.equal(row?.restarts, 1);
    assert.notEqual(row?.pid, victim.pid);
    const after = parseExposition((await fresh(`${genhook.url}/metrics`)).text);
    assert.equal(after.value('genhook_worker_restarts_total'), 1);
    assert.equal(after.value('genhook_workers_up'), 2);

    genhook.child.kill('SIGTERM');
    assert.equal(await genhook.exited, 0);
  } finally {
    if (genhook.child.exitCode === null) genhook.child.kill('SIGKILL');
    await sl1.close();
    await redis.stop();
  }
});

test('workers = 2: a frozen worker (SIGSTOP) makes /metrics answer 503 metrics_unavailable, not a partial sum; after SIGCONT it answers 200 again', { skip: redisSkip }, async () => {
  const redis = await startTestRedis();
  const { settingsFile, webhooksFile } = await writeConfigDir({ workers: 2, redis_url: redis.url, watch_config: false }, 'app: n::App alert $n$\n');
  const genhook = await serveChild(settingsFile, webhooksFile);
  let frozen: number | undefined;
  try {
    const workers = await eventually('both workers listening', () => {
      const pids = pidsLogging(genhook.output(), 'GenHook listening');
      return pids.size === 2 ? [...pids] : undefined;
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${genhook.output()}`);
    });
    const whole = await probeUntil(`${genhook.url}/metrics`, (answer) => answer.status === 200);
    assert.equal(parseExposition(whole.text).value('genhook_workers_up'), 2);

    frozen = workers[0] as number;
    process.kill(frozen, 'SIGSTOP');
    // A scrape the primary hands to the frozen worker is never answered; one the other worker takes waits for the
    // primary's gather, which gives up on the frozen worker (prom-client's 5 s) and fails the whole scrape.
    const refused = await probeUntil(`${genhook.url}/metrics`, (answer) => answer.status !== 200, { probeMs: 15_000, totalMs: 30_000 });
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.json['error']?.code, 'metrics_unavailable', refused.text);
    assert.match(String(refused.json['error']?.message), /worker group unavailable/);
    assert.doesNotMatch(refused.text, /genhook_webhooks_received_total/, 'no partial sum');
    await eventually('the refused scrape logged', () => /metrics of the worker group unavailable/.test(genhook.output()));

    process.kill(frozen, 'SIGCONT');
    frozen = undefined;
    const again = await probeUntil(`${genhook.url}/metrics`, (answer) => answer.status === 200, { probeMs: 15_000, totalMs: 30_000 });
    const metrics = parseExposition(again.text);
    assert.equal(metrics.value('genhook_workers'), 2);
    assert.equal(metrics.value('genhook_workers_up'), 2);
    assert.equal(metrics.value('genhook_worker_restarts_total'), 0, 'frozen is not dead: nothing was restarted');

    genhook.child.kill('SIGTERM');
    assert.equal(await genhook.exited, 0);
  } finally {
    if (frozen !== undefined) process.kill(frozen, 'SIGCONT');
    if (genhook.child.exitCode === null) genhook.child.kill('SIGKILL');
    await redis.stop();
  }
});
