/**
 * Hot reload over real files and a real server: a broken config never replaces a working one, a good one
 * takes effect on file change, SIGHUP or POST /admin/reload, restart-only settings are named, and alerts
 * already accepted are delivered as they were rendered.
 */
import assert from 'node:assert/strict';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { serveChild } from './support/child.js';
import { startFakeSl1 } from './support/fake-sl1.js';
import { send, startTestGenHook, waitUntil, type TestGenHook } from './support/genhook.js';
import { scrape } from './support/metrics-text.js';

const TOKEN = 'reload-token';
const GOOD = 'acme: status::Acme is $status$\n';
const auth = { authorization: `Bearer ${TOKEN}` };

/** Saves the way many editors do: a new file renamed over the old one (a new inode). */
async function saveByRename(file: string, text: string): Promise<void> {
  await writeFile(`${file}.swp`, text);
  await rename(`${file}.swp`, file);
}

async function messageOf(server: TestGenHook, body: object): Promise<unknown> {
  const response = await server.post('/webhook/acme', body);
  assert.equal(response.status, 202, response.text);
  return server.logs.find((line) => line['alertId'] === response.json['id'] && line['delivered'] === false)?.['message'];
}

test('reload - a broken line keeps the old config serving; the errors name file:line:column and are counted', async () => {
  const server = await startTestGenHook({ webhooks: GOOD, settings: { admin_token: TOKEN } });
  try {
    const file = join(server.dir, 'webhooks.ini');
    await writeFile(file, `${GOOD}; a comment\nacme.down: status,service{name::Acme $service.name$ down\n`);
    const refused = await send(`${server.url}/admin/reload`, '', auth);
    assert.equal(refused.status, 422, refused.text);
    const issues = refused.json['error']?.['issues'] as { text: string; line: number; column: number }[];
    assert.ok(issues.some((issue) => issue.text.startsWith(`${file}:3:`) && issue.line === 3 && issue.column > 1), JSON.stringify(issues));

    const logged = server.logs.find((line) => String(line['msg']).startsWith('configuration reload refused'));
    assert.ok(logged, 'the refusal is logged');
    assert.ok((logged['issues'] as string[]).some((text) => text.startsWith(`${file}:3:`)));
    const metrics = await scrape(server.url);
    assert.equal(metrics.value('genhook_config_reloads_total', { result: 'invalid', trigger: 'admin' }), 1);
    assert.equal(metrics.value('genhook_config_reloads_total', { result: 'ok' }), 0);

    assert.equal(await messageOf(server, { status: 'fine' }), 'Acme is fine', 'the old line still serves');
    const direct = await server.genhook.reload('sighup');
    assert.equal(direct.ok, false);
  } finally {
    await server.close();
  }
});

test('reload - a good file change takes effect by itself (rename-replace save); a broken save is refused, then fixed', async () => {
  const server = await startTestGenHook({ webhooks: GOOD, settings: { watch_config: true, missing_value: '?' } });
  try {
    const file = join(server.dir, 'webhooks.ini');
    await saveByRename(file, 'acme: status,region::Acme is $status$ in $region$\n');
    await waitUntil(() => server.genhook.config().rules.lookup('acme', undefined)?.templateText.includes('$region$') === true, 'the watcher to apply the new line');
    assert.equal(await messageOf(server, { status: 'down' }), 'Acme is down in ?');

    await writeFile(file, 'acme: status,region{::broken\n');
    await waitUntil(() => server.logs.some((line) => String(line['msg']).startsWith('configuration reload refused')), 'the broken save to be refused');
    assert.equal(await messageOf(server, { status: 'up', region: 'eu' }), 'Acme is up in eu', 'the last good config still serves');

    await saveByRename(file, 'acme: status::Acme fixed $status$\n');
    await waitUntil(() => server.genhook.config().rules.lookup('acme', undefined)?.templateText === 'Acme fixed $status$', 'the fixed file to apply');
    const metrics = await scrape(server.url);
    assert.ok(metrics.value('genhook_config_reloads_total', { result: 'ok', trigger: 'file' }) >= 2);
    assert.ok(metrics.value('genhook_config_reloads_total', { result: 'invalid', trigger: 'file' }) >= 1);
  } finally {
    await server.close();
  }
});

test('reload - settings: hot ones apply at once, restart-only ones are named and keep their running value', async () => {
  const server = await startTestGenHook({ webhooks: 'acme: status,region::Acme $status$ in $region$\n', settings: { admin_token: TOKEN, missing_value: '?' } });
  try {
    const settingsFile = join(server.dir, 'settings.ini');
    const text = await readFile(settingsFile, 'utf8');
    await writeFile(settingsFile, text.replace('missing_value = ?', 'missing_value = n/a') + 'queue_max_size = 7\ndedup_window = 2h\nacme_rate_limit = 1/1h\n');
    const reloaded = await send(`${server.url}/admin/reload`, '', auth);
    assert.equal(reloaded.status, 200, reloaded.text);
    assert.deepEqual(reloaded.json['restartNeeded'], ['dedup_window']);
    assert.ok(server.logs.some((line) => /dedup_window changed: takes effect after a restart/.test(String(line['msg']))));
    assert.equal(await messageOf(server, { status: 'down' }), 'Acme down in n/a', 'missing_value applies at once');
    assert.equal((await server.post('/webhook/acme', { status: 'x' })).status, 429, 'the new rate limit applies at once');
    assert.equal((await server.genhook.metrics.registry.getSingleMetricAsString('genhook_queue_capacity')).trim().split('\n').pop(), 'genhook_queue_capacity 7', 'queue_max_size applies at once');
  } finally {
    await server.close();
  }
});

test('reload - a management write is applied once, not again by the file watcher', async () => {
  const server = await startTestGenHook({ webhooks: GOOD, settings: { admin_token: TOKEN, watch_config: true } });
  try {
    const put = await send(`${server.url}/admin/lines/zeta`, { fields: 'a', template: 'Zeta $a$' }, auth, 'PUT');
    assert.equal(put.status, 201, put.text);
    // The watcher sees our own rename and finds the bytes it already serves; then a real edit proves it is alive.
    await waitUntil(() => server.logs.some((line) => line['msg'] === 'configuration files unchanged: nothing to reload'), 'the watcher to see our own write');
    let metrics = await scrape(server.url);
    assert.equal(metrics.value('genhook_config_reloads_total', { result: 'ok', trigger: 'write' }), 1);
    assert.equal(metrics.value('genhook_config_reloads_total', { trigger: 'file' }), 0, 'our own write is not reloaded again');
    const file = join(server.dir, 'webhooks.ini');
    await writeFile(file, `${await readFile(file, 'utf8')}omega: a::Omega $a$\n`);
    await waitUntil(() => server.genhook.config().rules.hasSource('omega'), 'the hand edit to apply');
    metrics = await scrape(server.url);
    assert.equal(metrics.value('genhook_config_reloads_total', { result: 'ok', trigger: 'file' }), 1);
  } finally {
    await server.close();
  }
});

test('reload - alerts accepted before a reload are delivered as they were rendered', async () => {
  const sl1 = await startFakeSl1();
  sl1.hang();
  const server = await startTestGenHook({ webhooks: GOOD, settings: { admin_token: TOKEN, sl1_api_url: sl1.url, sl1_timeout: '1s', retry_base_delay: '10ms' } });
  try {
    const accepted = await server.post('/webhook/acme', { status: 'before' });
    assert.equal(accepted.status, 202);
    await sl1.waitForRequests(1);
    await writeFile(join(server.dir, 'webhooks.ini'), 'other: a::Other $a$\n');
    assert.equal((await send(`${server.url}/admin/reload`, '', auth)).status, 200);
    assert.equal((await server.post('/webhook/acme', { status: 'after' })).status, 404, 'acme is gone for new webhooks');
    sl1.respondWith(201);
    await sl1.waitFor(1);
    assert.equal(sl1.received[0]?.body?.['message'], 'Acme is before');
  } finally {
    await server.close();
    await sl1.close();
  }
});

test('SIGHUP - genhook serve re-reads its files; a broken file is logged and the old config keeps serving', async () => {
  const server = await startTestGenHook({ webhooks: GOOD });
  const settingsFile = join(server.dir, 'settings.ini');
  const webhooksFile = join(server.dir, 'webhooks.ini');
  await server.close();
  const child = await serveChild(settingsFile, webhooksFile);
  try {
    assert.equal((await send(`${child.url}/webhook/zeta`, { a: 1 })).status, 404);
    await writeFile(webhooksFile, `${GOOD}zeta: a::Zeta $a$\n`);
    child.child.kill('SIGHUP');
    await waitUntil(() => /"trigger":"sighup".*configuration reloaded/.test(child.output()), 'the SIGHUP reload');
    assert.equal((await send(`${child.url}/webhook/zeta`, { a: 1 })).status, 202);

    await writeFile(webhooksFile, `${GOOD}zeta: a{::Zeta\n`);
    child.child.kill('SIGHUP');
    await waitUntil(() => child.output().includes('configuration reload refused'), 'the refusal');
    assert.ok(child.output().includes(`${webhooksFile}:2:`), 'file:line:column in the log');
    assert.equal((await send(`${child.url}/webhook/zeta`, { a: 2 })).status, 202, 'the old config still serves');
  } finally {
    child.child.kill('SIGTERM');
    await child.exited;
  }
});
