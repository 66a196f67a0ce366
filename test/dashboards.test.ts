/**
 * dashboards/ stays true to the code: every `genhook_…` metric the Grafana dashboard and the Prometheus
 * alerting rules reference exists in a real server's GET /metrics (histograms by _bucket/_sum/_count).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startTestGenHook, type TestGenHook } from './support/genhook.js';
import { scrape, type Exposition } from './support/metrics-text.js';

let server: TestGenHook;
let exposition: Exposition;

before(async () => {
  server = await startTestGenHook({ webhooks: 'acme: status::Acme $status$\n' });
  await server.post('/webhook/acme', { status: 'up' });
  exposition = await scrape(server.url);
});
after(() => server.close());

/** Every string under a key named `expr` or `query` (panel targets, template variables). */
function expressionsIn(value: unknown, key = ''): string[] {
  if (typeof value === 'string') return key === 'expr' || key === 'query' ? [value] : [];
  if (Array.isArray(value)) return value.flatMap((item) => expressionsIn(item, key));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => expressionsIn(v, k));
  return [];
}

function metricNames(expressions: readonly string[]): string[] {
  return [...new Set(expressions.flatMap((expr) => [...expr.matchAll(/\bgenhook_[a-z0-9_]+/g)].map((match) => match[0])))].sort();
}

function missingFrom(names: readonly string[], metrics: Exposition): string[] {
  return names.filter((name) => {
    if (metrics.types.has(name)) return false;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return !(base !== name && metrics.types.get(base) === 'histogram');
  });
}

test('dashboards/genhook-dashboard.json - valid JSON whose every genhook_ metric is served', async () => {
  const dashboard = JSON.parse(await readFile('dashboards/genhook-dashboard.json', 'utf8')) as { panels: { type: string; targets?: unknown[] }[]; uid: string };
  assert.equal(dashboard.uid, 'genhook');
  const graphs = dashboard.panels.filter((panel) => panel.type !== 'row');
  assert.ok(graphs.length >= 10 && graphs.every((panel) => (panel.targets?.length ?? 0) > 0), 'every panel queries something');
  const names = metricNames(expressionsIn(dashboard));
  for (const required of ['genhook_webhooks_received_total', 'genhook_queue_depth', 'genhook_sl1_request_duration_seconds_bucket', 'genhook_dead_letters_total', 'genhook_circuit_breaker_state', 'genhook_delivery_latency_seconds_bucket']) {
    assert.ok(names.includes(required), `the dashboard shows ${required}`);
  }
  assert.deepEqual(missingFrom(names, exposition), [], 'referenced but not in GET /metrics');
});

test('dashboards/genhook-alerts.yml - rules for dead-letters, breaker, queue and SL1 latency; every metric served', async () => {
  const rules = parseYaml(await readFile('dashboards/genhook-alerts.yml', 'utf8')) as { groups: { name: string; rules: { alert: string; expr: string; for: string; labels: { severity: string } }[] }[] };
  const all = rules.groups.flatMap((group) => group.rules);
  const names = all.map((rule) => rule.alert);
  for (const required of ['GenHookDeadLettersGrowing', 'GenHookCircuitBreakerOpen', 'GenHookQueueNearCapacity', 'GenHookSl1LatencyHigh']) {
    assert.ok(names.includes(required), `${required} in ${names.join(', ')}`);
  }
  for (const rule of all) {
    assert.ok(rule.expr.length > 0 && /\bgenhook_/.test(rule.expr), `${rule.alert} has an expression over GenHook metrics`);
    assert.match(rule.for, /^\d+[smh]$/, `${rule.alert} for:`);
    assert.ok(['info', 'warning', 'critical'].includes(rule.labels.severity), `${rule.alert} severity`);
  }
  assert.deepEqual(missingFrom(metricNames(all.map((rule) => rule.expr)), exposition), [], 'referenced but not in GET /metrics');
});

test('missingFrom() - can fail: a made-up metric and a histogram suffix on a counter are reported', () => {
  assert.deepEqual(missingFrom(['genhook_made_up_total', 'genhook_dead_letters_total_bucket', 'genhook_delivery_latency_seconds_sum'], exposition), [
    'genhook_made_up_total',
    'genhook_dead_letters_total_bucket',
  ]);
});
