import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { extractFields } from '../src/extract/index.js';
import { eventOf, identifySource, splitItems } from '../src/identify/index.js';
import { type RequestView } from '../src/payload/index.js';
import { renderMessage } from '../src/render/index.js';
import { formatIssue, parseWebhooksFile, RuleSet, type Rule } from '../src/rules/index.js';

// Tests run from the repo root (house rule), so repo files are found from process.cwd().
const root = process.cwd();
const iniText = readFileSync(join(root, 'webhooks.ini'), 'utf8');
const parsed = parseWebhooksFile(iniText, 'webhooks.ini');
const ruleSet = new RuleSet(parsed.rules);
const missingValue = '<missing>';

interface FixtureSource {
  readonly repository?: string;
  readonly path?: string;
  readonly commit?: string;
  readonly url?: string;
}

interface Fixture {
  readonly source: string;
  readonly name: string;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  readonly events: readonly string[];
  /** Where the payload was published (`.meta.json` `source`). */
  readonly origin: FixtureSource | undefined;
  /** The request as identification sees it. */
  readonly view: RequestView;
  /** One per alert, split as the source's provider row splits the body. */
  readonly items: readonly unknown[];
}

function loadFixtures(): Fixture[] {
  const fixtures: Fixture[] = [];
  const base = join(root, 'fixtures');
  for (const source of readdirSync(base).sort()) {
    for (const file of readdirSync(join(base, source)).sort()) {
      if (!file.endsWith('.json') || file.endsWith('.meta.json') || file.endsWith('.expected.json')) continue;
      const name = file.slice(0, -'.json'.length);
      const meta = JSON.parse(readFileSync(join(base, source, `${name}.meta.json`), 'utf8')) as {
        headers: Record<string, string>;
        events: string[];
        source?: FixtureSource;
      };
      const body = JSON.parse(readFileSync(join(base, source, file), 'utf8')) as unknown;
      const view: RequestView = { method: 'POST', headers: meta.headers, body };
      const items = splitItems(source, view);
      fixtures.push({ source, name, body, headers: meta.headers, events: meta.events, origin: meta.source, view, items });
    }
  }
  return fixtures;
}

const fixtures = loadFixtures();

/** Fixtures that exist to exercise a source-level line: their event has no line of its own. */
const sourceLevelFixtures = new Set([
  'stripe/payout-paid',
  'meraki/network-usage-alert',
  // Older Meraki alerts without alertTypeId: their event is the human alertType, read by the source line.
  'meraki/settings-changed-without-type-id',
  'meraki/switch-port-connected-without-type-id',
  'shopify/collections-update',
  // Datadog's default payload reads the same for every event_type: one source line.
  'datadog/service-check-triggered-test',
  'datadog/metric-alert-triggered',
  'datadog/query-alert-triggered',
  'datadog/query-alert-cpu-triggered',
  'datadog/error-tracking-triggered',
  'datadog/error-tracking-recovered',
]);

/** Renders as intake does: fields from the item, `$^path$` from the whole body (the envelope of a split item). */
function render(rule: Rule, item: unknown, envelope: unknown = item): { message: string; missing: string[] } {
  const { message, missing } = renderMessage(rule.template, extractFields(item, rule.fields), { missingValue }, envelope);
  return { message, missing };
}

test('webhooks.ini - parses with zero issues', () => {
  assert.deepEqual(parsed.issues.map(formatIssue), []);
  assert.ok(parsed.rules.length > 60, `only ${parsed.rules.length} lines`);
});

test('webhooks.ini - the four seed lines come first, verbatim', () => {
  const seeds = [
    'github: action,pull_request{title,user{login}},repository{name}::GitHub $action$ on $repository.name$: "$pull_request.title$" by $pull_request.user.login$',
    'stripe: type,data{object{amount,currency,status}}::Stripe $type$: Payment of $data.object.amount$ $data.object.currency$ status: $data.object.status$',
    'slack: event{type,user,text}::Slack $event.type$ from user $event.user$: "$event.text$"',
    'aws: detail-type,source,region,detail{instance-id,state}::AWS $detail-type$ from $source$ in $region$: Instance $detail.instance-id$ state: $detail.state$',
  ];
  const ruleLines = iniText.split('\n').filter((line) => line.trim() !== '' && !/^\s*[;#[]/.test(line));
  // Each seed keeps its fields and template verbatim; a condition scopes it to the events it was written for.
  const unscoped = ruleLines.slice(0, 4).map((line) => line.replace(/^([a-z]+)\[[^\]]*\]:/, '$1:'));
  assert.deepEqual(unscoped, seeds);
  assert.deepEqual(parsed.rules.slice(0, 4).map((rule) => rule.name), ['github', 'stripe', 'slack', 'aws']);
});

test('webhooks.ini - seed lines render real payloads completely', () => {
  // Each case is a payload its provider published (the fixture's meta names where), so "verbatim" is proven on real data.
  const cases = [
    ['github', 'github/pull-request-opened', 'GitHub opened on Hello-World: "Update the README with new information." by Codertocat'],
    ['stripe', 'stripe/payment-intent-succeeded-cli', 'Stripe payment_intent.succeeded: Payment of 2000 usd status: succeeded'],
    ['slack', 'slack/message-user', 'Slack message from user W111: "Hi there! Thanks for sharing the info!"'],
    ['aws', 'aws/ec2-instance-terminated-docs', 'AWS EC2 Instance State-change Notification from aws.ec2 in us-west-1: Instance i-1234567890abcdef0 state: terminated'],
  ] as const;
  for (const [source, fixtureId, expected] of cases) {
    const fixture = fixtures.find((candidate) => `${candidate.source}/${candidate.name}` === fixtureId);
    assert.ok(fixture, fixtureId);
    assert.match(JSON.stringify(fixture.origin ?? {}), /"(commit|url)"/, `${fixtureId}: a published payload`);
    const rule = ruleSet.lookup(source, undefined);
    assert.ok(rule);
    assert.deepEqual(render(rule, fixture.body), { message: expected, missing: [] }, fixtureId);
  }
});

test('fixtures - every body has a meta with headers, content-type and one event per alert', () => {
  assert.ok(fixtures.length >= 70, `only ${fixtures.length} fixtures`);
  for (const fixture of fixtures) {
    const id = `${fixture.source}/${fixture.name}`;
    assert.equal(typeof fixture.headers['content-type'], 'string', id);
    for (const key of Object.keys(fixture.headers)) assert.equal(key, key.toLowerCase(), `${id}: header ${key}`);
    assert.ok(!Object.keys(fixture.headers).some((key) => /signature|hmac/i.test(key)), `${id}: no signature headers`);
    if (fixture.events.length === 0) continue; // handshake (e.g. github ping): answered 200, no alert
    assert.equal(fixture.events.length, fixture.items.length, `${id}: events per alert`);
  }
  const sns = fixtures.filter((fixture) => fixture.name.startsWith('sns-'));
  assert.ok(sns.length >= 2);
  for (const fixture of sns) assert.equal(fixture.headers['content-type'], 'text/plain; charset=UTF-8');
});

test('fixtures - each alert finds its line, event-specific where one exists, and renders with nothing missing', () => {
  const usedRules = new Set<Rule>();
  for (const fixture of fixtures) {
    if (fixture.events.length === 0) continue; // handshake (e.g. github ping): answered 200, no alert
    for (const [index, item] of fixture.items.entries()) {
      const event = fixture.events[index];
      const id = `${fixture.source}/${fixture.name}[${index}] ${event}`;
      const match = ruleSet.match(fixture.source, event, item);
      assert.equal(match.kind, 'matched', `${id}: ${match.kind === 'filtered' ? match.reason : 'no line'}`);
      if (match.kind !== 'matched') continue;
      const isSourceLevel = sourceLevelFixtures.has(`${fixture.source}/${fixture.name}`);
      assert.equal(match.rule.event === undefined, isSourceLevel, `${id}: matched ${match.rule.name} (line ${match.rule.line})`);
      const result = render(match.rule, item, fixture.body);
      assert.deepEqual(result.missing, [], `${id}: ${result.message}`);
      assert.ok(!result.message.includes(missingValue), id);
      usedRules.add(match.rule);
    }
  }
  const untested = parsed.rules.filter((rule) => rule.event !== undefined && !usedRules.has(rule)).map((rule) => `${rule.name} (line ${rule.line})`);
  assert.deepEqual(untested, [], 'every event line has a fixture');
});

test('fixtures - messages are stable text SL1 policies can match', () => {
  const expected: Record<string, string> = {
    'github/push': "GitHub push to adsabs/mission-control (refs/heads/master) by vsudilov: config: 's/SECRET_KEY/GITHUB_SECRET/g' for webhook secret",
    'github/push-branch-created': 'GitHub push to Codertocat/Hello-World (refs/heads/master) by Codertocat: ref created at "Initial commit"',
    'github/push-tag-deleted': 'GitHub push to Codertocat/Hello-World (refs/tags/simple-tag) by Codertocat: ref deleted',
    'aws/sns-cloudwatch-alarm':
      'AWS CloudWatch alarm bucketbytesAlarm is ALARM (was INSUFFICIENT_DATA) in EU (Ireland): Threshold Crossed: 1 datapoint [1062305.0 (14/02/19 23:53:00)] was greater than or equal to the threshold (0.0).',
    'jira/issue-updated-status-transition': 'Jira issue_updated TEST-1 now In Progress: "Fix That" by James Williams; changed status from "To Do" to "In Progress"',
    'azure/servicebus-no-listeners-queue':
      'Azure Microsoft.ServiceBus.ActiveMessagesAvailableWithNoListeners: namespace othercloudtest queue gaoqueue',
    'azure/cloudevents-blob-created':
      'Azure Microsoft.Storage.BlobCreated: https://gridtesting.blob.core.windows.net/testcontainer/{new-file} (30699 bytes, image/png) by PutBlockList',
    'shopify/products-update': 'Shopify products/update: product "product" (gid://shopify/Product/8416570474776) by Testing, active, SKUs: (none)',
    'shopify/orders-cancelled':
      'Shopify orders/cancelled: order #1009 (gid://shopify/Order/5324790137142) 1806.38 USD cancelled (other), now refunded, for russel.winfield@example.com: The Complete Snowboard - Powder, The Complete Snowboard - Electric',
    'meraki/settings-changed':
      'Meraki settings_changed on network Main Office: page "Routing and DHCP" (/manage/configure/switch_l3) changed: {"createStaticRoute":{"label":"Added static route on SP-Warehouse","newText":"10.10.10.0/24 -> 172.16.254.253","changedBy":"miles@meraki.com","oldText":"","ssidId":"My SSID"}}',
    'meraki/aps-went-down': 'Meraki stopped_reporting (critical) on network Main Office: MR "My access point" (Q234-ABCD-5678) went down (stopped reporting) at 2018-02-11T00:00:00.123450Z',
  };
  for (const [id, message] of Object.entries(expected)) {
    const fixture = fixtures.find((candidate) => `${candidate.source}/${candidate.name}` === id);
    assert.ok(fixture, id);
    // The first alert of the body, split as intake splits it (an Event Grid body is an array of events).
    const match = ruleSet.match(fixture.source, fixture.events[0], fixture.items[0]);
    assert.equal(match.kind, 'matched', id);
    if (match.kind === 'matched') assert.equal(render(match.rule, fixture.items[0], fixture.body).message, message, id);
  }
});

interface OctokitEvent {
  readonly name: string;
  readonly examples: readonly Record<string, unknown>[];
}

test('@octokit/webhooks-examples - every example of an event with a github.<event> line renders with nothing missing', () => {
  const indexPath = join(root, 'node_modules/@octokit/webhooks-examples/api.github.com/index.json');
  const events = JSON.parse(readFileSync(indexPath, 'utf8')) as OctokitEvent[];
  let rendered = 0;
  for (const { name, examples } of events) {
    if (ruleSet.lookup('github', name)?.event === undefined) continue;
    for (const [index, example] of examples.entries()) {
      const event = typeof example['action'] === 'string' ? `${name}.${example['action']}` : name;
      const match = ruleSet.match('github', event, example);
      assert.equal(match.kind, 'matched', `${event} #${index}: ${match.kind === 'filtered' ? match.reason : ''}`);
      if (match.kind !== 'matched') continue;
      assert.notEqual(match.rule.event, undefined, `${event} #${index}`);
      const result = render(match.rule, example);
      assert.deepEqual(result.missing, [], `${event} #${index} via ${match.rule.name}: ${result.message}`);
      rendered++;
    }
  }
  assert.ok(rendered > 150, `only ${rendered} examples rendered`);
});

/** Every fixture of these sources is a real published payload naming where it came from. */
const MONITORING_SOURCES = ['alertmanager', 'azuremonitor', 'datadog', 'gcpmonitoring', 'grafana', 'pagerduty', 'sentry'];
/** Sources whose edited or invented fixtures were replaced: every fixture names its origin too. */
const FULLY_SOURCED = [...MONITORING_SOURCES, 'aws', 'azure', 'github', 'meraki', 'shopify', 'slack', 'stripe'];
/**
 * Real published payloads found so far where fewer than six: the number is what ships (the other fixtures
 * of those sources predate provenance and name no source).
 */
const FEWER_REAL_PAYLOADS: Readonly<Record<string, number>> = {};

function namesItsOrigin(origin: FixtureSource | undefined): boolean {
  if (origin === undefined) return false;
  const fromRepository = typeof origin.repository === 'string' && typeof origin.path === 'string' && /^[0-9a-f]{40}$/.test(origin.commit ?? '');
  const fromDocs = typeof origin.url === 'string' && origin.url.startsWith('https://');
  return fromRepository || fromDocs;
}

test('fixtures - each source ships real published payloads that name their origin', () => {
  for (const source of new Set(fixtures.map((fixture) => fixture.source))) {
    const own = fixtures.filter((fixture) => fixture.source === source);
    for (const fixture of own) {
      const id = `${fixture.source}/${fixture.name}`;
      // A source, when given, must say where: repository, path and commit, or a doc URL.
      if (fixture.origin !== undefined || FULLY_SOURCED.includes(source)) assert.ok(namesItsOrigin(fixture.origin), `${id}: source needs repository, path and commit, or a doc URL`);
    }
    const real = own.filter((fixture) => namesItsOrigin(fixture.origin)).length;
    const expected = FEWER_REAL_PAYLOADS[source] ?? 6;
    assert.ok(real >= expected, `${source}: ${real} real published fixtures, want at least ${expected}`);
  }
});

test('fixtures - each body is identified as its provider and split into the alerts and events its meta lists', () => {
  for (const fixture of fixtures) {
    const id = `${fixture.source}/${fixture.name}`;
    if (fixture.source === 'github' && fixture.events.length === 0) continue; // ping: a handshake
    assert.equal(identifySource(fixture.view), fixture.source, `${id}: identified provider`);
    if (fixture.events.length === 0) continue;
    const events = fixture.items.map((item) => eventOf(fixture.source, fixture.view, item));
    assert.deepEqual(events, fixture.events, `${id}: events`);
  }
});

test('fixtures - every alert renders with nothing missing, through its event line and through the source line', () => {
  let rendered = 0;
  for (const fixture of fixtures) {
    for (const [index, item] of fixture.items.entries()) {
      const event = fixture.events[index];
      if (event === undefined) continue; // handshake
      const id = `${fixture.source}/${fixture.name}[${index}] ${event}`;
      for (const [via, match] of [['event line', ruleSet.match(fixture.source, event, item)], ['source line', ruleSet.match(fixture.source, undefined, item)]] as const) {
        assert.equal(match.kind, 'matched', `${id}: no ${via}`);
        if (match.kind !== 'matched') continue;
        if (via === 'source line') assert.equal(match.rule.event, undefined, `${id}: ${match.rule.name}`);
        const result = render(match.rule, item, fixture.body);
        assert.deepEqual(result.missing, [], `${id} via ${via} ${match.rule.name} (line ${match.rule.line}): ${result.message}`);
      }
      rendered++;
    }
  }
  assert.ok(rendered >= 150, `only ${rendered} alerts rendered`);
});

/** Variables of a line that render as empty text for this item although no `default` says what to write then. */
function emptyVariables(rule: Rule, item: unknown, envelope: unknown): string[] {
  const extracted = extractFields(item, rule.fields);
  return rule.template
    .filter((token) => token.kind === 'var' && !(token.filters ?? []).some((filter) => filter.name === 'default'))
    .filter((token) => renderMessage([token], extracted, { missingValue }, envelope).message.trim() === '')
    .map((token) => (token.kind === 'var' ? `$${token.raw}$` : ''));
}

test('fixtures - no variable renders as empty text without a default (an empty value reads like a hole in SL1)', () => {
  const empty: string[] = [];
  for (const fixture of fixtures) {
    for (const [index, item] of fixture.items.entries()) {
      const event = fixture.events[index];
      if (event === undefined) continue; // handshake
      for (const match of [ruleSet.match(fixture.source, event, item), ruleSet.match(fixture.source, undefined, item)]) {
        if (match.kind !== 'matched') continue;
        const found = emptyVariables(match.rule, item, fixture.body);
        if (found.length > 0) empty.push(`${fixture.source}/${fixture.name}[${index}] via ${match.rule.name} (line ${match.rule.line}): ${found.join(', ')}`);
      }
    }
  }
  assert.deepEqual([...new Set(empty)], []);
});
