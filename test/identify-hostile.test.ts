import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { handshakeOf, unsignedHandshakeOf } from '../src/identify/handshake.js';
import { deliveryIdOf, eventOf, identifySource, splitItems } from '../src/identify/index.js';
import { PROVIDERS } from '../src/providers/index.js';
import type { RequestView } from '../src/payload/index.js';

const PROVIDER_NAMES: readonly (string | undefined)[] = [undefined, 'no-such-provider', ...PROVIDERS.map((row) => row.name)];

const HUGE = 200_000;

// Bodies a hostile or broken sender can produce once JSON is parsed (plus a few a buggy caller might pass).
const BODIES: readonly [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['string', 'evt_123'],
  ['number', 42],
  ['boolean', true],
  ['empty object', {}],
  ['empty array', []],
  ['array of nulls', [null, null]],
  ['array of strings', ['a', 'b']],
  ['nested arrays', [[[]]]],
  ['huge array of nulls', new Array<null>(HUGE).fill(null)],
  ['huge array of event-grid-ish objects', Array.from({ length: HUGE }, (_, i) => ({ eventType: 'x', eventTime: 't', dataVersion: '', id: `id-${i}` }))],
  ['own __proto__ key', JSON.parse('{"__proto__": {"type": "polluted", "id": "evt_polluted", "alertType": "x"}}')],
  ['constructor/toString keys', JSON.parse('{"constructor": {"prototype": {"type": "x"}}, "toString": "y", "hasOwnProperty": 1}')],
  ['wrong types everywhere', { type: 7, id: {}, event: [], eventType: null, action: { a: 1 }, Type: 1, Message: 5, 'detail-type': [], webhookEvent: 1, alertTypeId: false }],
  ['Message that is broken JSON', { Type: 'Notification', TopicArn: 'arn', MessageId: 'm', Message: '{"AlarmName": ' }],
  ['slack url_verification without a challenge', { type: 'url_verification', token: 't' }],
  ['event grid validation without data', [{ eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', eventTime: 't', dataVersion: '1', data: null }]],
];

const HEADER_SETS: readonly [string, Record<string, string>][] = [
  ['none', {}],
  ['every identifying header, empty', Object.fromEntries(PROVIDERS.flatMap((row) => row.headers.map((name) => [name, '']))) as Record<string, string>],
  ['sns type nonsense', { 'x-amz-sns-message-type': '\u0000\u0001' }],
  ['aeg validation', { 'aeg-event-type': 'SubscriptionValidation' }],
  ['proto-ish names', JSON.parse('{"__proto__": "x", "constructor": "y"}')],
];

describe('identify - hostile shapes never throw', () => {
  for (const [bodyName, body] of BODIES) {
    test(`all functions, every provider - body: ${bodyName}`, () => {
      for (const [, headers] of HEADER_SETS) {
        for (const method of ['POST', 'OPTIONS']) {
          const req: RequestView = { method, headers, body };
          identifySource(req);
          for (const provider of PROVIDER_NAMES) {
            const items = splitItems(provider, req);
            assert.ok(Array.isArray(items));
            // Reading every element of a huge batch is the caller's business; a few prove the readers.
            for (const item of items.slice(0, 3)) {
              const event = eventOf(provider, req, item);
              const id = deliveryIdOf(provider, req, item);
              assert.ok(event === undefined || typeof event === 'string');
              assert.ok(id === undefined || typeof id === 'string');
            }
            handshakeOf(provider, req);
            unsignedHandshakeOf(provider, req);
          }
        }
      }
    });
  }

  test('splitItems() - a huge batch splits into every element', () => {
    const req: RequestView = { method: 'POST', headers: {}, body: new Array<null>(HUGE).fill(null) };
    assert.equal(splitItems('azure', req).length, HUGE);
    assert.equal(splitItems(undefined, req).length, HUGE);
    assert.equal(identifySource(req), undefined);
  });

  test('a huge array of Event Grid events is still Event Grid (no stack-sized spreads)', () => {
    const body = BODIES.find(([name]) => name === 'huge array of event-grid-ish objects')?.[1];
    assert.equal(identifySource({ method: 'POST', headers: {}, body }), 'azure');
  });
});

describe('identify - never reads prototype properties', () => {
  test('an own "__proto__" key is data, not a way in', () => {
    const body: unknown = JSON.parse('{"__proto__": {"type": "polluted", "id": "evt_polluted", "event_id": "Ev1"}}');
    const req: RequestView = { method: 'POST', headers: {}, body };
    for (const provider of PROVIDER_NAMES) {
      assert.equal(eventOf(provider, req, body), undefined, String(provider));
      assert.equal(deliveryIdOf(provider, req, body), undefined, String(provider));
    }
    assert.equal(identifySource(req), undefined);
  });

  test('a polluted Object.prototype changes nothing', () => {
    const keys = ['type', 'id', 'event', 'action', 'x-github-event', 'x-github-delivery', 'aeg-event-type', 'webhookEvent', 'timestamp', 'alertType', 'sharedSecret', 'Type', 'TopicArn', 'MessageId', 'challenge'];
    const proto = Object.prototype as Record<string, unknown>;
    try {
      for (const key of keys) proto[key] = key === 'timestamp' ? 1 : key === 'type' ? 'url_verification' : 'Notification';
      const req: RequestView = { method: 'POST', headers: {}, body: {} };
      assert.equal(identifySource(req), undefined);
      for (const provider of PROVIDER_NAMES) {
        assert.equal(eventOf(provider, req, req.body), undefined, String(provider));
        assert.equal(deliveryIdOf(provider, req, req.body), undefined, String(provider));
        assert.equal(handshakeOf(provider, req), undefined, String(provider));
      }
    } finally {
      for (const key of keys) delete proto[key];
    }
  });

  test('an object with an inherited field is not read (Object.create)', () => {
    const body: unknown = Object.create({ type: 'inherited', id: 'inherited' });
    const req: RequestView = { method: 'POST', headers: Object.create({ 'x-github-event': 'push' }) as Record<string, string>, body };
    assert.equal(identifySource(req), undefined);
    assert.equal(eventOf('stripe', req, body), undefined);
    assert.equal(eventOf('github', req, body), undefined);
    assert.equal(deliveryIdOf(undefined, req, body), undefined);
  });
});
