/**
 * Metrics show 0, not "No data": every per-source series exists from the first scrape, build info and the
 * last reload's result are exported, no gauge is named like a counter, and the dashboard's inputs match
 * what its panels use. A real GenHook, scraped over HTTP.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startTestGenHook } from './support/genhook.js';
import { scrape } from './support/metrics-text.js';

const WEBHOOKS = 'alpha: n::Alpha $n$\nbeta: n::Beta $n$\n';

test('metrics - per-source series at 0 before any webhook; build_info; last reload success; no gauge named _total', async () => {
  const server = await startTestGenHook({ webhooks: WEBHOOKS });
  try {
    const m = await scrape(server.url);
    for (const source of ['alpha', 'beta']) {
      for (const name of ['genhook_queue_depth', 'genhook_deliveries_in_flight']) {
        const series = m.series(name).filter((s) => s.labels['source'] === source);
        assert.equal(series.length, 1, `${name}{source="${source}"} exists`);
        assert.equal(series[0]?.value, 0);
      }
      for (const limit of ['count', 'bytes']) {
        assert.equal(m.series('genhook_queue_full_total').filter((s) => s.labels['source'] === source && s.labels['limit'] === limit).length, 1, `queue_full ${source} ${limit}`);
      }
      assert.equal(m.series('genhook_alerts_delivered_total').filter((s) => s.labels['source'] === source).length, 2, 'delivered, both modes');
    }
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const info = m.series('genhook_build_info');
    assert.equal(info.length, 1);
    assert.equal(info[0]?.labels['version'], version);
    assert.equal(info[0]?.labels['node'], process.versions.node);
    assert.equal(info[0]?.value, 1);
    assert.equal(m.value('genhook_config_last_reload_success'), 1);
    const gaugesNamedTotal = [...m.types].filter(([name, type]) => type === 'gauge' && name.endsWith('_total')).map(([name]) => name);
    assert.deepEqual(gaugesNamedTotal, []);
  } finally {
    await server.close();
  }
});

test('metrics - genhook_config_last_reload_success is 0 while settings.ini on disk is refused, 1 once fixed', async () => {
  const server = await startTestGenHook({ webhooks: WEBHOOKS });
  const file = join(server.dir, 'settings.ini');
  const good = await readFile(file, 'utf8');
  try {
    await writeFile(file, `${good}queue_max_size = lots\n`);
    assert.equal((await server.genhook.reload('file')).ok, false);
    assert.equal((await scrape(server.url)).value('genhook_config_last_reload_success'), 0);
    await writeFile(file, good);
    assert.equal((await server.genhook.reload('file')).ok, true);
    assert.equal((await scrape(server.url)).value('genhook_config_last_reload_success'), 1);
  } finally {
    await server.close();
  }
});

test('dashboard - every ${variable} its panels use is a templating variable or an __inputs entry, and every input is used', async () => {
  const text = await readFile('dashboards/genhook-dashboard.json', 'utf8');
  const dashboard = JSON.parse(text) as { __inputs?: { name: string }[]; templating?: { list?: { name: string }[] } };
  const inputs = (dashboard.__inputs ?? []).map((input) => input.name);
  const variables = (dashboard.templating?.list ?? []).map((variable) => variable.name);
  const used = [...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}/g)].map((match) => match[1] ?? ''))];
  assert.deepEqual(used.filter((name) => !inputs.includes(name) && !variables.includes(name)), [], 'used but never defined');
  assert.deepEqual(inputs.filter((name) => !used.includes(name)), [], 'inputs no panel uses');
});
