/**
 * Every shipped fixture, posted to `POST /webhook` with the headers its provider really sends, is identified,
 * rendered by an event line with no missing field, journaled, and delivered to a (fake) SL1.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startFakeSl1, type FakeSl1 } from './support/fake-sl1.js';
import { startTestGenHook, waitUntil, type TestGenHook } from './support/genhook.js';

interface Fixture {
  readonly source: string;
  readonly name: string;
  readonly body: string;
  readonly headers: Record<string, string>;
  readonly events: string[];
}

async function loadFixtures(): Promise<Fixture[]> {
  const fixtures: Fixture[] = [];
  for (const source of (await readdir('fixtures')).sort()) {
    for (const file of (await readdir(join('fixtures', source))).sort()) {
      if (!file.endsWith('.json') || file.endsWith('.meta.json') || file.endsWith('.expected.json')) continue;
      const name = file.slice(0, -'.json'.length);
      const meta = JSON.parse(await readFile(join('fixtures', source, `${name}.meta.json`), 'utf8')) as {
        headers: Record<string, string>;
        events: string[];
      };
      // `meta.source` names where the payload was published; the folder names the GenHook source.
      fixtures.push({ source, name, body: await readFile(join('fixtures', source, file), 'utf8'), headers: meta.headers, events: meta.events });
    }
  }
  return fixtures;
}

let sl1: FakeSl1;
let server: TestGenHook;
let fixtures: Fixture[];

before(async () => {
  sl1 = await startFakeSl1();
  server = await startTestGenHook({
    settings: {
      sl1_api_url: `${sl1.url}/api/alert`,
      sl1_username: 'genhook',
      sl1_password: 'pw',
      missing_value: '<missing>',
      // Some fixtures share a provider's example delivery id; this test is about rendering, not dedup.
      dedup_window: '1ms',
      // The published SNS examples are signed with AWS's certificate, which cannot be fetched from here;
      // SNS signatures have their own test (http-sns-signature).
      aws_signature: 'none',
    },
  });
  fixtures = await loadFixtures();
});

after(async () => {
  await server.close();
  await sl1.close();
});

test('POST /webhook - every fixture is identified, rendered without missing fields and delivered', async () => {
  assert.ok(fixtures.length >= 40, `expected the shipped fixtures, found ${fixtures.length}`);
  const sources = new Set(fixtures.map((fixture) => fixture.source));
  assert.deepEqual([...sources].sort(), [
    'alertmanager', 'aws', 'azure', 'azuremonitor', 'datadog', 'gcpmonitoring', 'github', 'grafana',
    'jira', 'meraki', 'pagerduty', 'sentry', 'shopify', 'slack', 'stripe',
  ]);

  let expectedAlerts = 0;
  for (const fixture of fixtures) {
    const label = `${fixture.source}/${fixture.name}`;
    const response = await server.post('/webhook', fixture.body, fixture.headers);
    if (fixture.events.length === 0) {
      assert.ok(response.status === 200, `${label}: a handshake answers 200, got ${response.status} ${response.text}`);
      continue;
    }
    assert.equal(response.status, 202, `${label}: ${response.text}`);
    assert.equal(response.json['source'], fixture.source, label);
    const events = fixture.events.length === 1 ? [response.json['event']] : response.json['alerts'].map((a: { event: string }) => a.event);
    assert.deepEqual(events, fixture.events, `${label}: identified events`);
    expectedAlerts += fixture.events.length;
  }
  await sl1.waitFor(expectedAlerts, 15_000);
  const messages = sl1.received.map((request) => String(request.body?.['message']));
  const incomplete = messages.filter((message) => message.includes('<missing>'));
  assert.deepEqual(incomplete, [], 'no shipped line renders a missing field for its fixtures');
  for (const request of sl1.received) {
    assert.equal(request.body?.['aligned_resource'], '/api/organization/0');
    assert.deepEqual(request.auth, { username: 'genhook', password: 'pw' });
  }
  await waitUntil(() => server.genhook.dispatcher.inFlight === 0, 'deliveries to finish');
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, new RegExp(`genhook_alerts_delivered_total\\{source="github",mode="sl1"\\} \\d+`));
});
