import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { handshakeOf, unsignedHandshakeOf, type HandshakeAnswer } from '../src/identify/handshake.js';
import { identifySource, splitItems } from '../src/identify/index.js';
import { PROVIDERS } from '../src/providers/index.js';
import type { RequestView } from '../src/payload/index.js';

// Handshake requests shaped after the providers' published examples.

const githubPingBody = (() => {
  const file = path.join(process.cwd(), 'node_modules/@octokit/webhooks-examples/api.github.com/index.json');
  const index = JSON.parse(readFileSync(file, 'utf8')) as { name: string; examples: Record<string, unknown>[] }[];
  const ping = index.find((entry) => entry.name === 'ping')?.examples[0];
  assert.ok(ping, 'ping example present');
  return ping;
})();

const validationEvent = {
  id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
  topic: '/subscriptions/00000000-0000-0000-0000-000000000000',
  subject: '',
  data: {
    validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
    validationUrl: 'https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/myeventsub/validate?id=0000000000-0000-0000-0000-00000000000000&t=2022-10-28T04:23:35.1981776Z&apiVersion=2018-05-01-preview&token=1A1A1A1A',
  },
  eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
  eventTime: '2022-10-28T04:23:35.1981776Z',
  metadataVersion: '1',
  dataVersion: '1',
};

const deletedEvent = {
  id: '8f4a3e4b-4f3d-4f0e-9a4e-0f2b1c7a5d61',
  topic: '/subscriptions/00000000-0000-0000-0000-000000000000',
  subject: '',
  data: { eventSubscriptionId: '/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.EventGrid/eventSubscriptions/genhook' },
  eventType: 'Microsoft.EventGrid.SubscriptionDeletedEvent',
  eventTime: '2022-10-28T05:00:00.0000000Z',
  metadataVersion: '1',
  dataVersion: '1',
};

const snsSubscribeURL =
  'https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:123456789012:MyTopic&Token=2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736';
const snsSubscription = {
  Type: 'SubscriptionConfirmation',
  MessageId: '165545c9-2a5c-472c-8df2-7ff2be2b3b1b',
  Token: '2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c03b0879594eeac82c01f235d0e717736',
  TopicArn: 'arn:aws:sns:us-west-2:123456789012:MyTopic',
  Message: 'You have chosen to subscribe to the topic arn:aws:sns:us-west-2:123456789012:MyTopic.\nTo confirm the subscription, visit the SubscribeURL included in this message.',
  SubscribeURL: snsSubscribeURL,
  Timestamp: '2012-04-26T20:45:04.751Z',
  SignatureVersion: '1',
  Signature: 'EXAMPLEpH+DcEwjAPg8O9mY8dReBSwksfg2S7WKQcikcNKWLQjwu6A4VbeS0QHVCkhRS7fUQvi2egU3N858fiTDN6bkkOxYDVrY0Ad8L10Hs3zH81mtnPk5uvvolIC1CXGu43obcgFxeL3khZl8IKvO61GWB6jI9b5+gLPoBc1Q=',
  SigningCertURL: 'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem',
};
const snsUnsubscribe = { ...snsSubscription, Type: 'UnsubscribeConfirmation', MessageId: '47138184-6831-46b8-8f7c-afc488602d7d', Message: 'You have chosen to deactivate subscription arn:aws:sns:us-west-2:123456789012:MyTopic:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55.' };
const snsHeaders = (type: string) => ({ 'x-amz-sns-message-type': type, 'x-amz-sns-topic-arn': snsSubscription.TopicArn, 'content-type': 'text/plain; charset=UTF-8' });

function req(method: string, headers: Record<string, string>, body?: unknown): RequestView {
  return { method, headers, body };
}

interface Case {
  readonly name: string;
  readonly provider: string | undefined;
  readonly req: RequestView;
  readonly answer: HandshakeAnswer | undefined;
}

const SLACK_CHALLENGE = '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P';

const CASES: readonly Case[] = [
  {
    name: 'slack url_verification',
    provider: 'slack',
    req: req('POST', { 'x-slack-signature': 'v0=abc', 'x-slack-request-timestamp': '1531420618' }, { token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge: SLACK_CHALLENGE, type: 'url_verification' }),
    answer: { kind: 'slack.url_verification', status: 200, body: { challenge: SLACK_CHALLENGE } },
  },
  {
    name: 'slack url_verification with a non-string challenge',
    provider: 'slack',
    req: req('POST', {}, { token: 't', challenge: { nested: true }, type: 'url_verification' }),
    answer: { kind: 'slack.url_verification', refusal: 'url_verification without a string challenge' },
  },
  { name: 'slack event_callback is not a handshake', provider: 'slack', req: req('POST', {}, { type: 'event_callback', token: 't', event: { type: 'app_mention' } }), answer: undefined },
  {
    name: 'event grid validation (header + array)',
    provider: 'azure',
    req: req('POST', { 'aeg-event-type': 'SubscriptionValidation', 'aeg-subscription-name': 'GENHOOK' }, [validationEvent]),
    answer: { kind: 'eventgrid.subscription_validation', status: 200, body: { validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' }, log: { validationUrl: validationEvent.data.validationUrl } },
  },
  {
    name: 'event grid validation (element only, header stripped)',
    provider: 'azure',
    req: req('POST', {}, [validationEvent]),
    answer: { kind: 'eventgrid.subscription_validation', status: 200, body: { validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' }, log: { validationUrl: validationEvent.data.validationUrl } },
  },
  {
    name: 'event grid validation header without a code',
    provider: 'azure',
    req: req('POST', { 'aeg-event-type': 'SubscriptionValidation' }, [{ ...validationEvent, data: {} }]),
    answer: { kind: 'eventgrid.subscription_validation', refusal: 'SubscriptionValidation without data.validationCode' },
  },
  { name: 'event grid subscription deletion (header)', provider: 'azure', req: req('POST', { 'aeg-event-type': 'SubscriptionDeletion' }, [deletedEvent]), answer: { kind: 'eventgrid.subscription_deletion', status: 200 } },
  { name: 'event grid subscription deleted event (element only)', provider: 'azure', req: req('POST', {}, [deletedEvent]), answer: { kind: 'eventgrid.subscription_deletion', status: 200 } },
  {
    name: 'event grid notification is not a handshake',
    provider: 'azure',
    req: req('POST', { 'aeg-event-type': 'Notification' }, [{ ...validationEvent, eventType: 'Microsoft.Storage.BlobCreated', data: { api: 'PutBlockList' } }]),
    answer: undefined,
  },
  {
    name: 'cloudevents OPTIONS, no provider known, with a rate',
    provider: undefined,
    req: req('OPTIONS', { 'webhook-request-origin': 'eventemitter.example.com', 'webhook-request-rate': '120' }),
    answer: { kind: 'cloudevents.abuse_protection', status: 200, headers: { 'WebHook-Allowed-Origin': 'eventemitter.example.com', Allow: 'POST', 'WebHook-Allowed-Rate': '120' } },
  },
  {
    name: 'cloudevents OPTIONS, azure, no rate asked',
    provider: 'azure',
    req: req('OPTIONS', { 'webhook-request-origin': 'eventgrid.azure.net' }),
    answer: { kind: 'cloudevents.abuse_protection', status: 200, headers: { 'WebHook-Allowed-Origin': 'eventgrid.azure.net', Allow: 'POST' } },
  },
  {
    name: 'cloudevents OPTIONS, unknown provider, odd rate answered with *',
    provider: 'my-custom-app',
    req: req('OPTIONS', { 'webhook-request-origin': 'eventgrid.azure.net', 'webhook-request-rate': 'lots' }),
    answer: { kind: 'cloudevents.abuse_protection', status: 200, headers: { 'WebHook-Allowed-Origin': 'eventgrid.azure.net', Allow: 'POST', 'WebHook-Allowed-Rate': '*' } },
  },
  {
    name: 'cloudevents OPTIONS with an origin that is not a host name',
    provider: undefined,
    req: req('OPTIONS', { 'webhook-request-origin': 'evil.example, other.example' }),
    answer: { kind: 'cloudevents.abuse_protection', refusal: 'WebHook-Request-Origin is not a host name' },
  },
  { name: 'OPTIONS without webhook-request-origin', provider: undefined, req: req('OPTIONS', {}), answer: undefined },
  { name: 'POST with webhook-request-origin is not the probe', provider: 'azure', req: req('POST', { 'webhook-request-origin': 'eventgrid.azure.net' }, []), answer: undefined },
  {
    name: 'github ping',
    provider: 'github',
    req: req('POST', { 'x-github-event': 'ping', 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' }, githubPingBody),
    answer: { kind: 'github.ping', status: 200, body: { status: 'pong', zen: githubPingBody['zen'] }, log: { hook_id: githubPingBody['hook_id'] } },
  },
  { name: 'github push is not a handshake', provider: 'github', req: req('POST', { 'x-github-event': 'push' }, { ref: 'refs/heads/main' }), answer: undefined },
  {
    name: 'sns SubscriptionConfirmation',
    provider: 'aws',
    req: req('POST', snsHeaders('SubscriptionConfirmation'), snsSubscription),
    answer: { kind: 'sns.subscription_confirmation', status: 200, log: { SubscribeURL: snsSubscribeURL, TopicArn: snsSubscription.TopicArn, MessageId: snsSubscription.MessageId } },
  },
  {
    name: 'sns SubscriptionConfirmation from the body Type alone',
    provider: 'aws',
    req: req('POST', {}, snsSubscription),
    answer: { kind: 'sns.subscription_confirmation', status: 200, log: { SubscribeURL: snsSubscribeURL, TopicArn: snsSubscription.TopicArn, MessageId: snsSubscription.MessageId } },
  },
  {
    name: 'sns UnsubscribeConfirmation',
    provider: 'aws',
    req: req('POST', snsHeaders('UnsubscribeConfirmation'), snsUnsubscribe),
    answer: { kind: 'sns.unsubscribe_confirmation', status: 200, log: { SubscribeURL: snsSubscribeURL, TopicArn: snsSubscription.TopicArn, MessageId: snsUnsubscribe.MessageId } },
  },
  { name: 'sns Notification is not a handshake', provider: 'aws', req: req('POST', snsHeaders('Notification'), { ...snsSubscription, Type: 'Notification' }), answer: undefined },
  { name: 'eventbridge event is not a handshake', provider: 'aws', req: req('POST', {}, { version: '0', id: 'x', 'detail-type': 'y', source: 'aws.ec2', detail: {} }), answer: undefined },
];

describe('handshake', () => {
  for (const c of CASES) {
    test(`handshakeOf() - ${c.name}`, () => {
      assert.deepEqual(handshakeOf(c.provider, c.req), c.answer);
    });
  }

  test('unsignedHandshakeOf() - only the OPTIONS probe is answered before verification', () => {
    for (const c of CASES) {
      const expected = c.answer?.kind === 'cloudevents.abuse_protection' ? c.answer : undefined;
      assert.deepEqual(unsignedHandshakeOf(c.provider, c.req), expected, c.name);
    }
  });

  test('a handshake is only recognised for its own provider', () => {
    const slack = CASES[0];
    assert.ok(slack?.answer);
    for (const provider of ['stripe', 'github', 'aws', undefined]) assert.equal(handshakeOf(provider, slack.req), undefined, String(provider));
    const ping = CASES.find((c) => c.name === 'github ping');
    assert.ok(ping);
    assert.equal(handshakeOf('generic', ping.req), undefined);
    const probe = req('OPTIONS', { 'webhook-request-origin': 'eventgrid.azure.net' });
    for (const provider of ['github', 'stripe', 'slack']) assert.equal(handshakeOf(provider, probe), undefined, provider);
  });

  test('handshake requests identify as their provider when no source is in the URL', () => {
    const expectations: [string, string | undefined][] = [
      ['slack url_verification', 'slack'],
      ['event grid validation (element only, header stripped)', 'azure'],
      ['github ping', 'github'],
      ['sns SubscriptionConfirmation from the body Type alone', 'aws'],
      ['cloudevents OPTIONS, no provider known, with a rate', undefined],
    ];
    for (const [name, provider] of expectations) {
      const c = CASES.find((entry) => entry.name === name);
      assert.ok(c, name);
      assert.equal(identifySource(c.req), provider, name);
    }
  });

  test('answers survive the HTTP edge unchanged and every handshake in the table has a case', () => {
    for (const c of CASES) {
      const found = handshakeOf(c.provider, c.req);
      // A refusal is answered through the error catalogue; a reply's body and headers go out as written.
      if (found !== undefined && 'refusal' in found) {
        assert.ok(found.refusal.length > 0, c.name);
        continue;
      }
      const actual = found;
      // What the edge sends is JSON.stringify(body): an undefined, a function or a class instance would change on the way.
      if (actual?.body !== undefined) assert.deepEqual(JSON.parse(JSON.stringify(actual.body)), actual.body, c.name);
      for (const [name, value] of Object.entries(actual?.headers ?? {})) assert.equal(typeof value, 'string', `${c.name}: header ${name}`);
    }
    const kinds = new Set(CASES.map((c) => c.answer?.kind));
    for (const row of PROVIDERS) for (const handshake of row.handshakes) assert.ok(kinds.has(handshake.kind), handshake.kind);
  });

  test('a validation batch still splits, so a caller that skips handshakeOf() sees the element', () => {
    assert.equal(splitItems('azure', req('POST', {}, [validationEvent])).length, 1);
  });
});
