import assert from 'node:assert/strict';
import { parseSignatureSetting } from '../src/verify/index.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { deliveryIdOf, eventOf, identifySource, providerFor, splitItems } from '../src/identify/index.js';
import { PROVIDERS } from '../src/providers/index.js';
import type { RequestView } from '../src/payload/index.js';

// Real-shaped requests, after the providers' published examples (ids and secrets are the docs' placeholders).

function post(headers: Record<string, string>, body: unknown): RequestView {
  return { method: 'POST', headers, body };
}

const stripeBody = {
  id: 'evt_3MtwBwLkdIwHu7ix28a3tqPa',
  object: 'event',
  api_version: '2022-11-15',
  created: 1680064028,
  data: { object: { id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa', object: 'payment_intent', amount: 2000, currency: 'usd', status: 'succeeded' } },
  livemode: false,
  pending_webhooks: 2,
  request: { id: 'req_xyz', idempotency_key: 'a1b2c3' },
  type: 'payment_intent.succeeded',
};
const stripeHeaders = { 'stripe-signature': 't=1680064028,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' };

const slackBody = {
  token: 'XXYYZZ',
  team_id: 'T123ABC456',
  api_app_id: 'A123ABC456',
  event: { type: 'app_mention', user: 'U123ABC456', text: '<@U0LAN0Z89> is it everything a river should be?', ts: '1515449522.000016', channel: 'C123ABC456', event_ts: '1515449522000016' },
  type: 'event_callback',
  authed_users: ['U123ABC456'],
  event_id: 'Ev123ABC456',
  event_time: 1515449522000016,
};
const slackHeaders = { 'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503', 'x-slack-request-timestamp': '1531420618' };

const shopifyBody = { id: 820982911946154508, email: 'jon@example.com', created_at: '2024-07-01T12:00:00-04:00', total_price: '598.94', currency: 'USD', line_items: [] };
const shopifyHeaders = {
  'x-shopify-topic': 'orders/create',
  'x-shopify-hmac-sha256': 'XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=',
  'x-shopify-shop-domain': 'johns-apparel.myshopify.com',
  'x-shopify-api-version': '2024-07',
  'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
  'x-shopify-event-id': '98880550-7158-44d4-b7cd-2c97c8a091b5',
  'x-shopify-triggered-at': '2024-07-01T16:00:00.000000Z',
};

const blobCreated = {
  topic: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/Storage/providers/Microsoft.Storage/storageAccounts/my-storage-account',
  subject: '/blobServices/default/containers/test-container/blobs/new-file.txt',
  eventType: 'Microsoft.Storage.BlobCreated',
  eventTime: '2017-06-26T18:41:00.9584103Z',
  id: '831e1650-001e-001b-66ab-eeb76e069631',
  data: { api: 'PutBlockList', contentType: 'text/plain', contentLength: 524288, blobType: 'BlockBlob', url: 'https://my-storage-account.blob.core.windows.net/testcontainer/new-file.txt' },
  dataVersion: '',
  metadataVersion: '1',
};
const blobDeleted = { ...blobCreated, eventType: 'Microsoft.Storage.BlobDeleted', id: '6f1f2d0a-101e-0060-1b2c-7b1e4b0669a2', data: { api: 'DeleteBlob' } };
const resourceWrite = {
  ...blobCreated,
  subject: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1',
  eventType: 'Microsoft.Resources.ResourceWriteSuccess',
  id: '4eef929a-a65c-47dd-93e2-46b8c17c6c17',
  data: { operationName: 'Microsoft.Compute/virtualMachines/write', status: 'Succeeded' },
};
const eventGridBody = [blobCreated, blobDeleted, resourceWrite];
const eventGridHeaders = { 'aeg-event-type': 'Notification', 'aeg-subscription-name': 'GENHOOK', 'aeg-delivery-count': '0', 'aeg-metadata-version': '1' };

const cloudEvent = {
  specversion: '1.0',
  type: 'Microsoft.Storage.BlobCreated',
  source: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/Storage/providers/Microsoft.Storage/storageAccounts/my-storage-account',
  id: '9aeb0fdf-c01e-0131-0922-9eb54906e209',
  time: '2019-11-18T15:13:39.4589254Z',
  subject: 'blobServices/default/containers/test-container/blobs/new-file.txt',
  data: { api: 'PutBlockList', contentType: 'image/png' },
};
const cloudEventBatch = [cloudEvent, { ...cloudEvent, type: 'Microsoft.Storage.BlobDeleted', id: 'c5e4a7d2-0f41-4d53-9ad8-2bd1a2a0f2a1' }];

const alarmMessage = JSON.stringify({
  AlarmName: 'awsec2-i-08c6a6e0b1-CPU-Utilization',
  AWSAccountId: '123456789012',
  NewStateValue: 'ALARM',
  NewStateReason: 'Threshold Crossed: 1 datapoint [92.5] was greater than or equal to the threshold (80.0).',
  StateChangeTime: '2024-01-01T00:00:00.000+0000',
  Region: 'US East (N. Virginia)',
  OldStateValue: 'OK',
  Trigger: { MetricName: 'CPUUtilization', Namespace: 'AWS/EC2', Dimensions: [{ value: 'i-08c6a6e0b1', name: 'InstanceId' }], Threshold: 80 },
});
const snsNotification = {
  Type: 'Notification',
  MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
  TopicArn: 'arn:aws:sns:us-west-2:123456789012:MyTopic',
  Subject: 'My First Message',
  Message: 'Hello world!',
  Timestamp: '2012-05-02T00:54:06.655Z',
  SignatureVersion: '1',
  Signature: 'EXAMPLEw6JRN==',
  SigningCertURL: 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
  UnsubscribeURL: 'https://sns.us-west-2.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-west-2:123456789012:MyTopic:c9135db0',
};
const snsAlarm = { ...snsNotification, MessageId: 'a1b2c3d4-0000-4000-8000-000000000001', Subject: 'ALARM: "awsec2-i-08c6a6e0b1-CPU-Utilization" in US East (N. Virginia)', Message: alarmMessage };
const snsHeaders = (type: string, id: string) => ({
  'x-amz-sns-message-type': type,
  'x-amz-sns-message-id': id,
  'x-amz-sns-topic-arn': 'arn:aws:sns:us-west-2:123456789012:MyTopic',
  'content-type': 'text/plain; charset=UTF-8',
  'user-agent': 'Amazon Simple Notification Service Agent',
});

const eventBridgeBody = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-abcd1111', state: 'pending' },
};
const eventBridgeHeaders = { 'user-agent': 'Amazon/EventBridge/ApiDestinations', 'content-type': 'application/json; charset=utf-8' };

const jiraIssueCreated = {
  timestamp: 1525698237764,
  webhookEvent: 'jira:issue_created',
  issue_event_type_name: 'issue_created',
  user: { accountId: '5b10a2844c20165700ede21g', displayName: 'Jane Doe' },
  issue: { id: '10001', key: 'TEST-2', fields: { summary: 'Database is down', priority: { name: 'Highest' } } },
};
const jiraCommentCreated = { timestamp: 1525698240000, webhookEvent: 'comment_created', comment: { id: '10000', body: 'Looking into it' }, issue: { id: '10001', key: 'TEST-2' } };
const jiraHeaders = { 'x-atlassian-webhook-identifier': '1b9f9a2c-6d3e-4c7c-9a55-3f2b1e0d9c11', 'x-atlassian-webhook-retry': '0', 'user-agent': 'Atlassian Webhook HTTP Client' };

const merakiBody = {
  version: '0.1',
  sharedSecret: 'foo',
  sentAt: '2021-10-07T08:42:00.926325Z',
  organizationId: '2930418',
  organizationName: 'My organization',
  organizationUrl: 'https://dashboard.meraki.com/o/VjjsAd/manage/organization/overview',
  networkId: 'N_24329156',
  networkName: 'Main Office',
  networkUrl: 'https://n1.meraki.com//n//manage/nodes/list',
  deviceSerial: 'Q234-ABCD-5678',
  deviceName: 'My access point',
  alertId: '643451796765320956',
  alertType: 'APs came up',
  alertTypeId: 'started_reporting',
  alertLevel: 'informational',
  occurredAt: '2018-02-11T00:00:00.123450Z',
  alertData: {},
};
// Meraki's older documented sample: no alertTypeId, no sharedSecret field is still "organizationId + networkId".
const merakiLegacyBody = {
  alertData: { kbTotal: 10750, period: 1200, usageThreshold: 10240 },
  alertId: '643451796765320957',
  alertType: 'Network usage alert',
  networkId: 'L_123456789123456789',
  organizationId: '123456',
  occurredAt: '2018-10-25T17:17:38.623000Z',
  sentAt: '2018-10-25T17:17:46.608245Z',
  version: '0.1',
};

const sentryBody = { action: 'created', installation: { uuid: 'a8e5d37a-696c-4c54-adb5-b3f28d64c7de' }, data: { issue: { id: '1117540176', title: 'Error: boom', level: 'error' } }, actor: { type: 'application', id: 'sentry', name: 'Sentry' } };
const sentryHeaders = { 'sentry-hook-resource': 'issue', 'sentry-hook-timestamp': '1583953036', 'sentry-hook-signature': '0d5c4f0a4c8b3e5c', 'request-id': '6ee4f4c5-2d1c-4c0d-9e06-7b3f0fd6b2a1' };

const pagerdutyBody = {
  event: {
    id: '01DEN4HPBQAAAG05V5QQYBRZMF',
    event_type: 'incident.triggered',
    resource_type: 'incident',
    occurred_at: '2020-10-02T18:45:22.169Z',
    agent: { id: 'PLH1HKV', summary: 'Tenex Engineer', type: 'user_reference' },
    client: null,
    data: { id: 'PGR0VU2', type: 'incident', number: 2, status: 'triggered', title: 'A little bump in the road' },
  },
};
const pagerdutyHeaders = { 'x-pagerduty-signature': 'v1=f1a2b3c4', 'x-webhook-id': 'f3a0a3e2-1c7e-4c0e-8d4e-6e3e7a1f2b3c', 'user-agent': 'PagerDuty-Webhook/V3.0' };

interface Case {
  readonly name: string;
  readonly req: RequestView;
  readonly provider: string | undefined;
  readonly event: string | undefined;
  readonly deliveryId: string | undefined;
}

const CASES: readonly Case[] = [
  { name: 'stripe payment_intent.succeeded', req: post(stripeHeaders, stripeBody), provider: 'stripe', event: 'payment_intent.succeeded', deliveryId: 'evt_3MtwBwLkdIwHu7ix28a3tqPa' },
  { name: 'slack event_callback', req: post(slackHeaders, slackBody), provider: 'slack', event: 'app_mention', deliveryId: 'Ev123ABC456' },
  {
    name: 'slack app_rate_limited',
    req: post(slackHeaders, { token: 'XXYYZZ', type: 'app_rate_limited', team_id: 'T123ABC456', minute_rate_limited: 1518467820, api_app_id: 'A123ABC456' }),
    provider: 'slack',
    event: 'app_rate_limited',
    deliveryId: undefined,
  },
  { name: 'shopify orders/create', req: post(shopifyHeaders, shopifyBody), provider: 'shopify', event: 'orders/create', deliveryId: '98880550-7158-44d4-b7cd-2c97c8a091b5' },
  {
    name: 'shopify events delivery (no X- prefix), webhook id only',
    req: post({ 'shopify-topic': 'products/update', 'shopify-webhook-id': 'd0bd2a9e-2c4c-4ae3-8f4a-2d6d0a6c1f11', 'shopify-hmac-sha256': 'abc=' }, shopifyBody),
    provider: 'shopify',
    event: 'products/update',
    deliveryId: 'd0bd2a9e-2c4c-4ae3-8f4a-2d6d0a6c1f11',
  },
  { name: 'sns notification', req: post(snsHeaders('Notification', snsNotification.MessageId), snsNotification), provider: 'aws', event: 'sns.notification', deliveryId: snsNotification.MessageId },
  { name: 'sns cloudwatch alarm', req: post(snsHeaders('Notification', snsAlarm.MessageId), snsAlarm), provider: 'aws', event: 'sns.cloudwatch_alarm', deliveryId: snsAlarm.MessageId },
  { name: 'sns notification, body only (header stripped by a proxy)', req: post({}, snsAlarm), provider: 'aws', event: 'sns.cloudwatch_alarm', deliveryId: snsAlarm.MessageId },
  { name: 'eventbridge ec2 state change', req: post(eventBridgeHeaders, eventBridgeBody), provider: 'aws', event: 'EC2 Instance State-change Notification', deliveryId: '7bf73129-1428-4cd3-a780-95db273d1602' },
  { name: 'jira issue_created', req: post(jiraHeaders, jiraIssueCreated), provider: 'jira', event: 'issue_created', deliveryId: '1b9f9a2c-6d3e-4c7c-9a55-3f2b1e0d9c11' },
  { name: 'jira comment_created, body only', req: post({}, jiraCommentCreated), provider: 'jira', event: 'comment_created', deliveryId: undefined },
  { name: 'meraki alert', req: post({ 'content-type': 'application/json' }, merakiBody), provider: 'meraki', event: 'started_reporting', deliveryId: '643451796765320956' },
  { name: 'meraki legacy alert (alertType only)', req: post({}, merakiLegacyBody), provider: 'meraki', event: 'Network usage alert', deliveryId: '643451796765320957' },
  { name: 'sentry issue created', req: post(sentryHeaders, sentryBody), provider: 'sentry', event: 'issue.created', deliveryId: '6ee4f4c5-2d1c-4c0d-9e06-7b3f0fd6b2a1' },
  { name: 'pagerduty incident.triggered', req: post(pagerdutyHeaders, pagerdutyBody), provider: 'pagerduty', event: 'incident.triggered', deliveryId: '01DEN4HPBQAAAG05V5QQYBRZMF' },
  { name: 'cloudevent, single structured', req: post({ 'content-type': 'application/cloudevents+json' }, cloudEvent), provider: 'azure', event: 'Microsoft.Storage.BlobCreated', deliveryId: '9aeb0fdf-c01e-0131-0922-9eb54906e209' },
  {
    name: 'cloudevent, binary mode',
    req: post({ 'ce-specversion': '1.0', 'ce-type': 'com.example.object.deleted.v2', 'ce-source': '/mycontext', 'ce-id': 'A234-1234-1234' }, { note: 'data only' }),
    provider: 'azure',
    event: 'com.example.object.deleted.v2',
    deliveryId: 'A234-1234-1234',
  },
  {
    name: 'generic: event field, x-request-id header',
    req: post({ 'x-request-id': 'req-42' }, { event: 'deploy.finished', id: 'd-1', service: 'api' }),
    provider: undefined,
    event: 'deploy.finished',
    deliveryId: 'req-42',
  },
  { name: 'generic: numeric body id', req: post({}, { event_type: 'backup.failed', id: 12345 }), provider: undefined, event: 'backup.failed', deliveryId: '12345' },
  { name: 'generic: event is an object, falls to type', req: post({}, { event: { name: 'x' }, type: 'disk.full' }), provider: undefined, event: 'disk.full', deliveryId: undefined },
  {
    name: 'generic: header event, idempotency-key',
    req: post({ 'x-event-key': 'repo:push', 'idempotency-key': 'k-9' }, { changes: [] }),
    provider: undefined,
    event: 'repo:push',
    deliveryId: 'k-9',
  },
  { name: 'generic: nothing usable', req: post({}, { message: 'hello' }), provider: undefined, event: undefined, deliveryId: undefined },
];

describe('identify', () => {
  for (const c of CASES) {
    test(`identifySource() - ${c.name}`, () => {
      assert.equal(identifySource(c.req), c.provider);
    });
    test(`eventOf() / deliveryIdOf() - ${c.name}`, () => {
      const [item, ...rest] = splitItems(c.provider, c.req);
      assert.equal(rest.length, 0);
      assert.equal(eventOf(c.provider, c.req, item), c.event);
      assert.equal(deliveryIdOf(c.provider, c.req, item), c.deliveryId);
    });
  }

  test('identifySource() - Event Grid array with aeg headers, and without', () => {
    assert.equal(identifySource(post(eventGridHeaders, eventGridBody)), 'azure');
    assert.equal(identifySource(post({}, eventGridBody)), 'azure');
    assert.equal(identifySource(post({}, cloudEventBatch)), 'azure');
  });

  test('splitItems() - Event Grid array of 3 gives 3 items with their own events and ids', () => {
    const req = post(eventGridHeaders, eventGridBody);
    const items = splitItems('azure', req);
    assert.equal(items.length, 3);
    assert.deepEqual(
      items.map((item) => [eventOf('azure', req, item), deliveryIdOf('azure', req, item)]),
      [
        ['Microsoft.Storage.BlobCreated', '831e1650-001e-001b-66ab-eeb76e069631'],
        ['Microsoft.Storage.BlobDeleted', '6f1f2d0a-101e-0060-1b2c-7b1e4b0669a2'],
        ['Microsoft.Resources.ResourceWriteSuccess', '4eef929a-a65c-47dd-93e2-46b8c17c6c17'],
      ],
    );
    assert.notEqual(items, req.body, 'a copy, so callers cannot reshape the body');
  });

  test('splitItems() - CloudEvents batch gives each event', () => {
    const req = post({ 'content-type': 'application/cloudevents-batch+json' }, cloudEventBatch);
    const items = splitItems('azure', req);
    assert.deepEqual(items.map((item) => eventOf('azure', req, item)), ['Microsoft.Storage.BlobCreated', 'Microsoft.Storage.BlobDeleted']);
    assert.deepEqual(items.map((item) => deliveryIdOf('azure', req, item)), ['9aeb0fdf-c01e-0131-0922-9eb54906e209', 'c5e4a7d2-0f41-4d53-9ad8-2bd1a2a0f2a1']);
  });

  test('splitItems() - generic array: one item each, header ids never shared across elements', () => {
    const req = post({ 'x-request-id': 'req-1', 'x-event-type': 'metric' }, [{ id: 'a', value: 1 }, { value: 2 }]);
    const items = splitItems(undefined, req);
    assert.equal(items.length, 2);
    assert.deepEqual(items.map((item) => deliveryIdOf(undefined, req, item)), ['a', undefined]);
    assert.deepEqual(items.map((item) => eventOf('no-such-provider', req, item)), ['metric', 'metric']);
  });

  test('splitItems() - non-batch providers keep an array body whole', () => {
    for (const provider of ['github', 'stripe', 'slack', 'shopify', 'aws', 'jira', 'meraki']) {
      const req = post({}, [{ a: 1 }, { a: 2 }]);
      assert.deepEqual(splitItems(provider, req), [req.body], provider);
    }
    assert.deepEqual(splitItems('azure', post({}, cloudEvent)), [cloudEvent]);
    assert.deepEqual(splitItems('azure', post({}, [])), []);
  });

  test('SNS subscription messages get their own event names', () => {
    for (const [type, event] of [['SubscriptionConfirmation', 'sns.subscriptionconfirmation'], ['UnsubscribeConfirmation', 'sns.unsubscribeconfirmation']] as const) {
      const body = { ...snsNotification, Type: type, SubscribeURL: 'https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription' };
      assert.equal(eventOf('aws', post(snsHeaders(type, body.MessageId), body), body), event);
      assert.equal(eventOf('aws', post({}, body), body), event, 'from body Type alone');
    }
  });

  test('a Notification whose Message only mentions AlarmName is not an alarm', () => {
    const body = { ...snsNotification, Message: 'text with "AlarmName" but not JSON' };
    assert.equal(eventOf('aws', post({}, body), body), 'sns.notification');
    const other = { ...snsNotification, Message: JSON.stringify({ AlarmName: 42 }) };
    assert.equal(eventOf('aws', post({}, other), other), 'sns.notification');
  });
});

describe('identify - GitHub (every @octokit/webhooks-examples body)', () => {
  const file = path.join(process.cwd(), 'node_modules/@octokit/webhooks-examples/api.github.com/index.json');
  const index = JSON.parse(readFileSync(file, 'utf8')) as { name: string; examples: Record<string, unknown>[] }[];
  const bodies = index.flatMap((entry) => entry.examples.map((body) => ({ name: entry.name, body })));

  test('the examples are there (a vacuous loop would prove nothing)', () => {
    assert.ok(bodies.length > 300, `${bodies.length} bodies`);
  });

  test('identifySource() / eventOf() / deliveryIdOf() - headers name GitHub; event is name[.action]', () => {
    for (const { name, body } of bodies) {
      const req = post({ 'x-github-event': name, 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'x-github-hook-id': '292430182', 'user-agent': 'GitHub-Hookshot/044aadd' }, body);
      assert.equal(identifySource(req), 'github');
      const expected = typeof body['action'] === 'string' ? `${name}.${body['action']}` : name;
      const [item] = splitItems('github', req);
      assert.equal(eventOf('github', req, item), expected);
      assert.equal(deliveryIdOf('github', req, item), '72d3162e-cc78-11e3-81ab-4c9367dc0958');
    }
  });

  test('identifySource() - GitHub bodies without headers look like no provider', () => {
    for (const { name, body } of bodies) assert.equal(identifySource(post({}, body)), undefined, name);
  });
});

describe('identify - no false positives between body shapes', () => {
  const BODY_ONLY: readonly [string, unknown][] = [
    ['stripe', stripeBody],
    ['slack', slackBody],
    ['aws', snsNotification],
    ['aws', snsAlarm],
    ['aws', eventBridgeBody],
    ['azure', eventGridBody],
    ['azure', cloudEvent],
    ['azure', cloudEventBatch],
    ['jira', jiraIssueCreated],
    ['jira', jiraCommentCreated],
    ['meraki', merakiBody],
    ['meraki', merakiLegacyBody],
    ['pagerduty', pagerdutyBody],
  ];

  for (const [expected, body] of BODY_ONLY) {
    test(`exactly one body shape matches - ${expected} ${JSON.stringify(body).slice(0, 40)}`, () => {
      const matching = PROVIDERS.filter((row) => row.bodyShape?.(body) === true).map((row) => row.name);
      assert.deepEqual(matching, [expected]);
      assert.equal(identifySource(post({}, body)), expected);
    });
  }

  test('headers win over a body that resembles another provider', () => {
    assert.equal(identifySource(post({ 'x-github-event': 'push' }, merakiBody)), 'github');
    assert.equal(identifySource(post({ 'x-shopify-topic': 'orders/create' }, stripeBody)), 'shopify');
  });

  test('near misses are not identified', () => {
    const misses: unknown[] = [
      { ...stripeBody, id: 'pi_123' },
      { object: 'event' },
      { type: 'event_callback' },
      { Type: 'Notification', MessageId: 'x' },
      { 'detail-type': 'x', source: 'aws.ec2', detail: {} },
      { 'detail-type': 'x', source: 'aws.ec2', detail: {}, id: 'no-version' },
      [blobCreated, { eventType: 'x' }],
      [],
      { specversion: '1.0', type: 'x' },
      { webhookEvent: 'jira:issue_created' },
      { alertType: 'APs went down' },
      { event: { id: 'x', event_type: 'incident.triggered' } },
    ];
    for (const body of misses) assert.equal(identifySource(post({}, body)), undefined, JSON.stringify(body));
  });
});

describe('identify - table', () => {
  test('providerFor() - by provider name, case-insensitive; unknown is undefined', () => {
    assert.equal(providerFor('github')?.signature, 'github');
    assert.equal(providerFor('AWS')?.name, 'aws');
    assert.equal(providerFor('github-enterprise'), undefined);
    assert.equal(providerFor('toString'), undefined);
    assert.equal(providerFor('__proto__'), undefined);
  });

  test('PROVIDERS - seed rows, unique names, default signatures that parse, frozen', () => {
    const names = PROVIDERS.map((row) => row.name);
    for (const name of ['github', 'stripe', 'slack', 'shopify', 'azure', 'aws', 'jira', 'meraki', 'sentry', 'pagerduty']) assert.ok(names.includes(name), name);
    assert.equal(new Set(names).size, names.length);
    for (const row of PROVIDERS) {
      if (row.signature !== undefined) assert.doesNotThrow(() => parseSignatureSetting(row.signature ?? ''), row.name);
      assert.ok(Object.isFrozen(row) && Object.isFrozen(row.headers), row.name);
    }
    assert.ok(Object.isFrozen(PROVIDERS));
  });

  test('eventOf() / deliveryIdOf() - long or control-character values are undefined', () => {
    const long = 'x'.repeat(201);
    for (const bad of [long, 'push\nX-Injected: 1', 'a\u0000b', 'a\u202eb', '']) {
      const req = post({ 'x-github-event': bad, 'x-github-delivery': bad }, {});
      assert.equal(eventOf('github', req, req.body), undefined, JSON.stringify(bad));
      assert.equal(deliveryIdOf('github', req, req.body), undefined, JSON.stringify(bad));
      assert.equal(eventOf('stripe', post({}, { type: bad }), { type: bad }), undefined);
    }
    assert.equal(eventOf('stripe', post({}, { type: 'x'.repeat(200) }), { type: 'x'.repeat(200) }), 'x'.repeat(200));
    const github = post({ 'x-github-event': 'issues' }, { action: long });
    assert.equal(eventOf('github', github, github.body), 'issues', 'an unusable action leaves the bare event');
  });
});

// The monitoring providers, read from the shipped real fixtures (their .meta.json carries the headers).
function fixtureView(source: string, name: string): RequestView {
  const dir = path.join(process.cwd(), 'fixtures', source);
  const meta = JSON.parse(readFileSync(path.join(dir, `${name}.meta.json`), 'utf8')) as { headers: Record<string, string> };
  return post(meta.headers, JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')) as unknown);
}

describe('monitoring providers', () => {
  test('Alertmanager and Grafana groups are told apart by Grafana\'s orgId and split per alert', () => {
    const alertmanager = fixtureView('alertmanager', 'instance-down-2-firing');
    const grafana = fixtureView('grafana', 'docs-two-firing');
    assert.equal(identifySource(alertmanager), 'alertmanager');
    assert.equal(identifySource(grafana), 'grafana');
    assert.equal(splitItems('alertmanager', alertmanager).length, 2);
    assert.equal(splitItems('grafana', grafana).length, 2);
  });

  test('an alert group event is the alert\'s own status, else the group\'s (old Alertmanagers)', () => {
    const resolved = fixtureView('alertmanager', 'high-cpu-temperature-resolved');
    const [alert] = splitItems('alertmanager', resolved);
    assert.equal(eventOf('alertmanager', resolved, alert), 'resolved');
    const old = fixtureView('alertmanager', 'high-memory-load');
    const [oldAlert] = splitItems('alertmanager', old);
    assert.equal(readOwnStatus(oldAlert), undefined);
    assert.equal(eventOf('alertmanager', old, oldAlert), 'firing');
  });

  test('an alert group key is fingerprint, start and status: a resolution is a new alert, a repeat is not', () => {
    const firing = fixtureView('alertmanager', 'high-cpu-temperature-firing');
    const resolved = fixtureView('alertmanager', 'high-cpu-temperature-resolved');
    const firingKeys = splitItems('alertmanager', firing).map((item) => deliveryIdOf('alertmanager', firing, item));
    assert.deepEqual(firingKeys, [
      'a1bc48475b20e73d:2020-02-06T00:17:58.432911368Z:firing',
      'c2ea85182f28cbd9:2020-02-06T00:17:58.432911368Z:firing',
    ]);
    const [resolvedAlert] = splitItems('alertmanager', resolved);
    assert.equal(deliveryIdOf('alertmanager', resolved, resolvedAlert), 'a1bc48475b20e73d:2020-02-06T00:17:58.432911368Z:resolved');
    // No fingerprint (Alertmanager before 0.19): no key, so no dedup rather than a wrong one.
    const old = fixtureView('alertmanager', 'high-memory-load');
    assert.equal(deliveryIdOf('alertmanager', old, splitItems('alertmanager', old)[0]), undefined);
    // The envelope itself is not an alert and has no key.
    assert.equal(deliveryIdOf('alertmanager', firing, firing.body), undefined);
  });

  test('an alert group without alerts yields no alert; a body without the array is one item', () => {
    assert.deepEqual(splitItems('alertmanager', post({}, { status: 'firing', groupKey: '{}:{}', receiver: 'r', alerts: [] })), []);
    const body = { status: 'firing' };
    assert.deepEqual(splitItems('grafana', post({}, body)), [body]);
  });

  test('Azure Monitor, Google Cloud Monitoring and Datadog are recognised by body, with event and key', () => {
    const azure = fixtureView('azuremonitor', 'metric-cpu-resolved');
    assert.equal(identifySource(azure), 'azuremonitor');
    assert.equal(eventOf('azuremonitor', azure, azure.body), 'Resolved');
    assert.equal(deliveryIdOf('azuremonitor', azure, azure.body), '/subscriptions/<subscription ID>/providers/Microsoft.AlertsManagement/alerts/b9569717-bc32-442f-add5-83a997729330:Resolved');
    const gcp = fixtureView('gcpmonitoring', 'uptime-check-closed');
    assert.equal(identifySource(gcp), 'gcpmonitoring');
    assert.equal(eventOf('gcpmonitoring', gcp, gcp.body), 'closed');
    assert.equal(deliveryIdOf('gcpmonitoring', gcp, gcp.body), '0.ligwyr056k2l:closed');
    const datadog = fixtureView('datadog', 'service-check-triggered-test');
    assert.equal(identifySource(datadog), 'datadog');
    assert.equal(eventOf('datadog', datadog, datadog.body), 'service_check');
    assert.equal(deliveryIdOf('datadog', datadog, datadog.body), '5485379890863845239');
  });

  test('the monitoring rows default to the signature their provider sends, or none', () => {
    assert.equal(providerFor('grafana')?.signature, 'hmac-sha256:X-Grafana-Alerting-Signature:hex');
    for (const name of ['alertmanager', 'azuremonitor', 'gcpmonitoring', 'datadog']) assert.equal(providerFor(name)?.signature, undefined, name);
    for (const row of PROVIDERS) if (row.signature !== undefined) assert.doesNotThrow(() => parseSignatureSetting(row.signature ?? ''), row.name);
  });
});

function readOwnStatus(item: unknown): unknown {
  return typeof item === 'object' && item !== null && Object.hasOwn(item, 'status') ? (item as Record<string, unknown>)['status'] : undefined;
}
