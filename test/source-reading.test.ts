/**
 * `<source>_split`, `<source>_event`, `<source>_id`: an INI-only source reads events, batches and delivery
 * ids like a built-in one, over a real GenHook. The payload has Alertmanager's documented shape.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, formatConfigIssue } from '../src/errors/config-error.js';
import { compileConfig } from '../src/config/runtime.js';
import { startTestGenHook } from './support/genhook.js';

const LINES = [
  'am.firing: labels{alertname,instance,severity},annotations{summary}::Alertmanager firing $labels.alertname$ on $labels.instance$ ($labels.severity|upper$): $annotations.summary$ [group $^groupLabels.alertname$, $^alerts|count$ in batch]',
  'am.resolved: labels{alertname,instance}::Alertmanager resolved $labels.alertname$ on $labels.instance$',
  'am: status::Alertmanager $status$',
  'hdr: state::Hdr $state$',
].join('\n');

const batch = {
  version: '4',
  groupKey: '{}:{alertname="HighCPU"}',
  status: 'firing',
  receiver: 'genhook',
  groupLabels: { alertname: 'HighCPU' },
  externalURL: 'http://alertmanager:9093',
  alerts: [
    { status: 'firing', labels: { alertname: 'HighCPU', instance: 'db1', severity: 'critical' }, annotations: { summary: 'CPU over 90%' }, fingerprint: 'f1' },
    { status: 'resolved', labels: { alertname: 'HighCPU', instance: 'db2', severity: 'warning' }, annotations: {}, fingerprint: 'f2' },
  ],
};

test('source settings - split per element, event and id from the element, envelope from $^...$', async () => {
  const server = await startTestGenHook({
    webhooks: `${LINES}\n`,
    settings: { am_split: 'alerts', am_event: 'status', am_id: 'fingerprint, ^groupKey', hdr_event: 'header:X-Hdr-Event, state', hdr_id: 'header:X-Hdr-Delivery' },
  });
  try {
    const response = await server.post('/webhook/am', batch);
    assert.equal(response.status, 202, response.text);
    assert.deepEqual(response.json['alerts'], [
      { id: 'am:f1', event: 'firing' },
      { id: 'am:f2', event: 'resolved' },
    ]);
    const messages = server.logs.filter((line) => line['delivered'] === false).map((line) => line['message']);
    assert.deepEqual(messages, [
      'Alertmanager firing HighCPU on db1 (CRITICAL): CPU over 90% [group HighCPU, 2 in batch]',
      'Alertmanager resolved HighCPU on db2',
    ]);
    // Same ids again: duplicates, no second alert.
    const again = await server.post('/webhook/am', batch);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.json['status'], 'duplicate');

    // A body without the array is one item itself: it renders (visibly), it does not vanish.
    const single = await server.post('/webhook/am', { status: 'firing', groupKey: 'g-2' });
    assert.equal(single.status, 202, single.text);
    assert.equal(single.json['id'], 'am:g-2');

    const empty = await server.post('/webhook/am', { ...batch, alerts: [] });
    assert.equal(empty.status, 200, empty.text);
    assert.equal(empty.json['status'], 'ignored');
    assert.match(JSON.stringify(empty.json), /empty batch/);

    const byHeader = await server.post('/webhook/hdr', { state: 'down' }, { 'x-hdr-event': 'outage', 'x-hdr-delivery': 'd-1' });
    assert.equal(byHeader.status, 202, byHeader.text);
    assert.deepEqual([byHeader.json['id'], byHeader.json['event']], ['hdr:d-1', 'outage']);
    const byPath = await server.post('/webhook/hdr', { state: 'up' }, { 'x-hdr-delivery': 'd-2' });
    assert.equal(byPath.json['event'], 'up');
  } finally {
    await server.close();
  }
});

test('source settings - malformed values are config errors naming the key and line', () => {
  const settingsText = ['am_split = alerts, other', 'am_event = header:', 'am_id = a..b', 'bm_split = ^alerts'].join('\n');
  try {
    compileConfig({ settingsFile: 's.ini', webhooksFile: 'w.ini', settingsText, webhooksText: 'am: a::$a$\nbm: a::$a$\n' });
    assert.fail('expected a ConfigError');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const issues = error.issues.map(formatConfigIssue);
    assert.equal(issues.length, 4, issues.join('\n'));
    assert.match(issues[0] ?? '', /^s\.ini:1:1: am_split = "alerts, other" is not valid: expected the path of an array in the body/);
    assert.match(issues[1] ?? '', /^s\.ini:2:1: am_event = "header:" is not valid: "header:": expected a header name after header:/);
    assert.match(issues[2] ?? '', /^s\.ini:3:1: am_id = "a\.\.b" is not valid: empty name in path "a\.\.b"/);
    assert.match(issues[3] ?? '', /^s\.ini:4:1: bm_split = "\^alerts" is not valid/);
  }
});
