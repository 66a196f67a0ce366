/**
 * Signatures at the door, over a real socket: every seed provider's genuine request is accepted and every
 * forgery, tampering, missing header, stale timestamp and replay is refused with the right status and a JSON
 * error naming the header, never a digest or a secret. Requests are signed by the providers' own helpers
 * (@octokit/webhooks-methods, stripe) or by node:crypto following the provider's documentation, never by
 * GenHook's verifiers.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { sign as signGithub } from '@octokit/webhooks-methods';
import Stripe from 'stripe';
import { startTestGenHook, type TestGenHook, type TestResponse } from './support/genhook.js';

const SECRETS = {
  github: 'gh-current-9c1e5b7a',
  githubPrevious: 'gh-previous-41d0aa2f',
  stripe: 'whsec_test_3f9d1c2b8e7a6d5c',
  slack: 'slack-signing-8b2f0e6d4c1a',
  shopify: 'shpss_client_5a7c9e1b3d',
  jira: 'jira-hook-2d4f6a8c0e',
  meraki: 'meraki-shared-7e9b1d3f5a',
  bearer: 'bearer-token-0f2e4d6c8b',
  basic: 'basic-pass-6c8e0a2b4d',
  acme: 'acme-hmac-1b3d5f7a9c',
} as const;
const WRONG = 'not-the-secret-00000000';

const WEBHOOKS = `
github: action,repository{name}::GitHub $action$ on $repository.name$
stripe: type,id::Stripe $type$ $id$
slack: event{type,text}::Slack $event.type$: $event.text$
shopify: id::Shopify order $id$
jira: webhookEvent::Jira $webhookEvent$
meraki: alertType::Meraki $alertType$
events: detail-type::Events $detail-type$
legacy: status::Legacy $status$
acme: status::Acme $status$
ghe: action::GitHub Enterprise $action$
`;

const SETTINGS = {
  github_secret: SECRETS.github,
  github_secret_previous: SECRETS.githubPrevious,
  stripe_secret: SECRETS.stripe,
  slack_secret: SECRETS.slack,
  shopify_secret: SECRETS.shopify,
  jira_secret: SECRETS.jira,
  jira_signature: 'hmac-sha256:X-Hub-Signature:hex:sha256=',
  meraki_secret: SECRETS.meraki,
  events_secret: SECRETS.bearer,
  events_signature: 'bearer',
  legacy_secret: SECRETS.basic,
  legacy_signature: 'basic:alice',
  acme_secret: SECRETS.acme,
  acme_signature: 'hmac-sha512:X-Acme-Signature:base64:sig=',
  ghe_provider: 'github',
  ghe_secret: SECRETS.github,
  ghe_signature: 'github-sha1',
};

const hmac = (algorithm: string, secret: string, data: string) => createHmac(algorithm, secret).update(data).digest();
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** One provider as a sending client sees it. */
interface ProviderCase {
  readonly source: string;
  readonly secret: string;
  /** The header (or body field) a refusal must name. */
  readonly header: string;
  readonly missingCode: string;
  readonly wrongCode: string;
  /** A body carrying delivery id `id` (in the body or, via `headers`, in a header). */
  /** Distinct per delivery (a real provider's bodies differ): the same signed body twice is a replay, refused by body digest. */
  readonly body: (id: string, secret: string) => string;
  readonly headers: (id: string) => Record<string, string>;
  /** Signature headers for `body` with `secret`; `timestamp` only for timestamped schemes. */
  readonly sign: (body: string, secret: string, timestamp?: number) => Promise<Record<string, string>> | Record<string, string>;
  /** False when the credential does not cover the body (bearer, basic, Meraki). */
  readonly signsBody: boolean;
  readonly timestamped: boolean;
}

const CASES: readonly ProviderCase[] = [
  {
    source: 'github',
    secret: SECRETS.github,
    header: 'X-Hub-Signature-256',
    missingCode: 'missing_signature',
    wrongCode: 'invalid_signature',
    body: (id) => JSON.stringify({ action: 'opened', repository: { name: 'hello' }, seq: id }),
    headers: (id) => ({ 'x-github-event': 'issues', 'x-github-delivery': id }),
    sign: async (body, secret) => ({ 'x-hub-signature-256': await signGithub(secret, body) }),
    signsBody: true,
    timestamped: false,
  },
  {
    source: 'stripe',
    secret: SECRETS.stripe,
    header: 'Stripe-Signature',
    missingCode: 'missing_signature',
    wrongCode: 'invalid_signature',
    body: (id) => JSON.stringify({ id, object: 'event', type: 'payment_intent.succeeded', data: { object: { amount: 100 } } }),
    headers: () => ({}),
    sign: (payload, secret, timestamp = nowSeconds()) => ({
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp }),
    }),
    signsBody: true,
    timestamped: true,
  },
  {
    source: 'slack',
    secret: SECRETS.slack,
    header: 'X-Slack-Signature',
    missingCode: 'missing_signature',
    wrongCode: 'invalid_signature',
    body: (id) => JSON.stringify({ type: 'event_callback', event_id: id, event: { type: 'message', text: 'hi' } }),
    headers: () => ({}),
    // https://api.slack.com/authentication/verifying-requests-from-slack: v0= hex HMAC-SHA256 of v0:ts:body
    sign: (body, secret, timestamp = nowSeconds()) => ({
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': `v0=${hmac('sha256', secret, `v0:${timestamp}:${body}`).toString('hex')}`,
    }),
    signsBody: true,
    timestamped: true,
  },
  {
    source: 'shopify',
    secret: SECRETS.shopify,
    header: 'X-Shopify-Hmac-Sha256',
    missingCode: 'missing_signature',
    wrongCode: 'invalid_signature',
    body: (id) => JSON.stringify({ id: 820982911946154500, name: '#1001', seq: id }),
    headers: (id) => ({ 'x-shopify-topic': 'orders/create', 'x-shopify-webhook-id': id }),
    // https://shopify.dev/docs/apps/build/webhooks/subscribe/https: base64 HMAC-SHA256 of the raw body
    sign: (body, secret) => ({ 'x-shopify-hmac-sha256': hmac('sha256', secret, body).toString('base64') }),
    signsBody: true,
    timestamped: false,
  },
  {
    source: 'jira',
    secret: SECRETS.jira,
    header: 'X-Hub-Signature',
    missingCode: 'missing_signature',
    wrongCode: 'invalid_signature',
    body: (id) => JSON.stringify({ webhookEvent: 'jira:issue_created', issue: { key: 'OPS-1' }, seq: id }),
    headers: (id) => ({ 'x-atlassian-webhook-identifier': id }),
    sign: (body, secret) => ({ 'x-hub-signature': `sha256=${hmac('sha256', secret, body).toString('hex')}` }),
    signsBody: true,
    timestamped: false,
  },
  {
    source: 'acme',
    secret: SECRETS.acme,
    header: 'X-Acme-Signature',
    missingCode: 'missing_signature',
    wrongCode: 'invalid_signature',
    body: (id) => JSON.stringify({ status: 'degraded', seq: id }),
    headers: (id) => ({ 'x-delivery-id': id }),
    sign: (body, secret) => ({ 'x-acme-signature': `sig=${hmac('sha512', secret, body).toString('base64')}` }),
    signsBody: true,
    timestamped: false,
  },
  {
    source: 'meraki',
    secret: SECRETS.meraki,
    header: 'sharedSecret',
    missingCode: 'missing_credentials',
    wrongCode: 'invalid_credentials',
    body: (id, secret) =>
      JSON.stringify({ version: '0.1', sharedSecret: secret, alertId: id, alertTypeId: 'appliances_went_down', alertType: 'Appliance went down', organizationId: '1', networkId: 'N_1', sentAt: '2024-01-01T00:00:00Z' }),
    headers: () => ({}),
    sign: () => ({}),
    signsBody: false,
    timestamped: false,
  },
  {
    source: 'events',
    secret: SECRETS.bearer,
    header: 'Authorization',
    missingCode: 'missing_credentials',
    wrongCode: 'invalid_credentials',
    body: (id) => JSON.stringify({ id, 'detail-type': 'Build Failed', detail: {} }),
    headers: () => ({}),
    sign: (_body, secret) => ({ authorization: `Bearer ${secret}` }),
    signsBody: false,
    timestamped: false,
  },
  {
    source: 'legacy',
    secret: SECRETS.basic,
    header: 'Authorization',
    missingCode: 'missing_credentials',
    wrongCode: 'invalid_credentials',
    body: (id) => JSON.stringify({ status: 'down', seq: id }),
    headers: (id) => ({ 'x-delivery-id': id }),
    sign: (_body, secret) => ({ authorization: `Basic ${Buffer.from(`alice:${secret}`).toString('base64')}` }),
    signsBody: false,
    timestamped: false,
  },
];

let server: TestGenHook;
let deliveries = 0;
const nextId = (source: string) => `${source}-delivery-${++deliveries}`;

before(async () => {
  server = await startTestGenHook({ webhooks: WEBHOOKS, settings: SETTINGS });
});
after(() => server.close());

/** "webhook queued" log lines for this alert id: one per alert GenHook accepted. */
function queuedCount(alertId: string): number {
  return server.logs.filter((line) => line['msg'] === 'webhook queued' && line['alertId'] === alertId).length;
}

/** A 401 names the header and leaks neither the secret nor any digest of the request. */
function assertRefused(response: TestResponse, status: number, code: string, header: string, leaks: readonly string[]): void {
  assert.equal(response.status, status, response.text);
  assert.equal(response.json['error']?.['code'], code, response.text);
  assert.equal(response.json['error']?.['header'], header, response.text);
  assert.match(response.json['error']?.['message'], new RegExp(header), 'the message names the header');
  for (const leak of leaks) if (leak.length >= 8) assert.ok(!response.text.includes(leak), `the answer leaks ${leak}`);
}

/** Every digest-like value a request carried or that a right signature would have: none may be echoed. */
function leaksOf(c: ProviderCase, body: string, sent: Record<string, string>): string[] {
  const signed = Object.values(sent).flatMap((value) => value.split(/[=,\s]/));
  return [...Object.values(SECRETS), WRONG, ...signed, hmac('sha256', c.secret, body).toString('hex'), hmac('sha256', c.secret, body).toString('base64')];
}

for (const c of CASES) {
  describe(`${c.source} signatures`, () => {
    test(`${c.source} - a genuine request is 202 and becomes one alert`, async () => {
      const id = nextId(c.source);
      const body = c.body(id, c.secret);
      const response = await server.post(`/webhook/${c.source}`, body, { ...c.headers(id), ...(await c.sign(body, c.secret)) });
      assert.equal(response.status, 202, response.text);
      assert.equal(response.json['source'], c.source);
      assert.equal(queuedCount(response.json['id']), 1);
    });

    test(`${c.source} - the wrong secret is 401 naming ${c.header}`, async () => {
      const id = nextId(c.source);
      const body = c.body(id, c.source === 'meraki' ? WRONG : c.secret);
      const sent = await c.sign(body, WRONG);
      const response = await server.post(`/webhook/${c.source}`, body, { ...c.headers(id), ...sent });
      assertRefused(response, 401, c.wrongCode, c.header, leaksOf(c, body, sent));
    });

    test(`${c.source} - a missing ${c.header} is 401 naming it`, async () => {
      const id = nextId(c.source);
      const body = c.source === 'meraki' ? JSON.stringify({ ...JSON.parse(c.body(id, c.secret)), sharedSecret: undefined }) : c.body(id, c.secret);
      const response = await server.post(`/webhook/${c.source}`, body, c.headers(id));
      assertRefused(response, 401, c.missingCode, c.header, leaksOf(c, body, {}));
    });

    if (c.signsBody) {
      test(`${c.source} - a tampered body is 401, and its delivery id is not burnt`, async () => {
        const id = nextId(c.source);
        const body = c.body(id, c.secret);
        const sent = await c.sign(body, c.secret);
        const tampered = body.replace(/}$/, ',"injected":true}');
        const forged = await server.post(`/webhook/${c.source}`, tampered, { ...c.headers(id), ...sent });
        assertRefused(forged, 401, 'invalid_signature', c.header, leaksOf(c, tampered, sent));
        // A forgery must not mark the id as seen: the genuine delivery still goes through.
        const genuine = await server.post(`/webhook/${c.source}`, body, { ...c.headers(id), ...sent });
        assert.equal(genuine.status, 202, genuine.text);
      });
    }

    if (c.timestamped) {
      for (const [when, offset] of [['ten minutes old', -600], ['ten minutes ahead', 600]] as const) {
        test(`${c.source} - a genuine signature ${when} is 401 stale_timestamp`, async () => {
          const id = nextId(c.source);
          const body = c.body(id, c.secret);
          const sent = await c.sign(body, c.secret, nowSeconds() + offset);
          const response = await server.post(`/webhook/${c.source}`, body, { ...c.headers(id), ...sent });
          const named = c.source === 'slack' ? 'X-Slack-Request-Timestamp' : c.header;
          assertRefused(response, 401, 'stale_timestamp', named, leaksOf(c, body, sent));
        });
      }
    }

    test(`${c.source} - a replayed delivery is 200 duplicate and no second alert`, async () => {
      const id = nextId(c.source);
      const body = c.body(id, c.secret);
      const headers = { ...c.headers(id), ...(await c.sign(body, c.secret)) };
      const first = await server.post(`/webhook/${c.source}`, body, headers);
      assert.equal(first.status, 202, first.text);
      const replay = await server.post(`/webhook/${c.source}`, body, headers);
      assert.equal(replay.status, 200, replay.text);
      assert.equal(replay.json['status'], 'duplicate');
      assert.equal(queuedCount(first.json['id']), 1);
    });
  });
}

describe('rotation and identification', () => {
  test('github_secret_previous - a request signed with the previous secret is accepted during rotation', async () => {
    const id = nextId('github');
    const body = JSON.stringify({ action: 'closed', repository: { name: 'rotated' } });
    const response = await server.post('/webhook/github', body, {
      'x-github-event': 'issues',
      'x-github-delivery': id,
      'x-hub-signature-256': await signGithub(SECRETS.githubPrevious, body),
    });
    assert.equal(response.status, 202, response.text);
  });

  test('github-sha1 - legacy X-Hub-Signature is accepted only when X-Hub-Signature-256 is absent (no downgrade)', async () => {
    const body = JSON.stringify({ action: 'opened' });
    const sha1 = `sha1=${hmac('sha1', SECRETS.github, body).toString('hex')}`;
    const legacy = await server.post('/webhook/ghe', body, { 'x-github-event': 'issues', 'x-github-delivery': nextId('ghe'), 'x-hub-signature': sha1 });
    assert.equal(legacy.status, 202, legacy.text);
    const downgrade = await server.post('/webhook/ghe', body, {
      'x-github-event': 'issues',
      'x-github-delivery': nextId('ghe'),
      'x-hub-signature': sha1,
      'x-hub-signature-256': await signGithub(WRONG, body),
    });
    assert.equal(downgrade.status, 401);
    assert.equal(downgrade.json['error']['header'], 'X-Hub-Signature-256');
  });

  test('stripe - any v1 of several may match (Stripe signs with old and new secrets while rolling)', async () => {
    const payload = JSON.stringify({ id: nextId('stripe'), object: 'event', type: 'charge.succeeded', data: { object: {} } });
    const timestamp = nowSeconds();
    const wrong = Stripe.webhooks.generateTestHeaderString({ payload, secret: WRONG, timestamp });
    const right = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRETS.stripe, timestamp });
    const header = `${wrong},v1=${right.split('v1=')[1]},v0=${'0'.repeat(64)}`;
    const response = await server.post('/webhook/stripe', payload, { 'stripe-signature': header });
    assert.equal(response.status, 202, response.text);
  });

  test('POST /webhook - an identified provider is verified like its named route', async () => {
    const body = JSON.stringify({ action: 'opened', repository: { name: 'auto' } });
    const headers = { 'x-github-event': 'issues', 'x-github-delivery': nextId('github') };
    const unsigned = await server.post('/webhook', body, headers);
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.json['error']['header'], 'X-Hub-Signature-256');
    const signed = await server.post('/webhook', body, { ...headers, 'x-hub-signature-256': await signGithub(SECRETS.github, body) });
    assert.equal(signed.status, 202, signed.text);
  });

  test('slack - a signed form-encoded payload= body (interactivity) is read and accepted', async () => {
    const payload = JSON.stringify({ type: 'block_actions', user: { id: 'U1' }, actions: [{ action_id: 'ack' }] });
    const body = `payload=${encodeURIComponent(payload)}`;
    const timestamp = nowSeconds();
    const response = await server.post('/webhook/slack', body, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': `v0=${hmac('sha256', SECRETS.slack, `v0:${timestamp}:${body}`).toString('hex')}`,
    });
    assert.equal(response.status, 202, response.text);
  });

  test('GENHOOK_<SOURCE>_SECRET - a secret from the environment is enforced like one from settings.ini', async () => {
    const secret = 'env-secret-5d7f9b1c3e';
    const local = await startTestGenHook({
      webhooks: 'acme: status::Acme $status$\n',
      settings: { acme_signature: 'hmac-sha256:X-Signature' },
      env: { GENHOOK_ACME_SECRET: secret },
    });
    try {
      const body = '{"status":"up"}';
      const unsigned = await local.post('/webhook/acme', body);
      assert.equal(unsigned.status, 401);
      const signed = await local.post('/webhook/acme', body, { 'x-signature': hmac('sha256', secret, body).toString('hex') });
      assert.equal(signed.status, 202, signed.text);
      assert.ok(!JSON.stringify(local.logs).includes(secret));
    } finally {
      await local.close();
    }
  });

  test('config - a secret with signature none is refused at start: a secret always means "verify"', async () => {
    await assert.rejects(
      startTestGenHook({ webhooks: 'acme: status::Acme $status$\n', settings: { acme_secret: 'x-secret-1234', acme_signature: 'none' } }),
      (error: Error) => error.name === 'ConfigError' && /acme_signature|none/.test(error.message) && !error.message.includes('x-secret-1234'),
    );
  });
});

describe('secrets never reach the logs', () => {
  test('no log line holds a secret, a token or a credential header value', () => {
    assert.ok(server.logs.length > 50, 'the suite above produced logs to search');
    const text = JSON.stringify(server.logs);
    for (const [name, secret] of Object.entries(SECRETS)) assert.ok(!text.includes(secret), `${name} secret is in the logs`);
    assert.ok(!text.includes(Buffer.from(`alice:${SECRETS.basic}`).toString('base64')), 'the Basic credential is in the logs');
  });

  test('logger - settings, headers and credential fields are redacted when someone logs them', () => {
    const { logger } = server.genhook;
    const before = server.logs.length;
    logger.info({ settings: server.genhook.config().settings }, 'settings dump');
    logger.info(
      { headers: { authorization: `Bearer ${SECRETS.bearer}`, 'x-hub-signature-256': `sha256=${SECRETS.github}`, 'stripe-signature': SECRETS.stripe }, secret: SECRETS.acme, detail: { password: SECRETS.basic } },
      'request dump',
    );
    const lines = server.logs.slice(before);
    assert.equal(lines.length, 2);
    const text = JSON.stringify(lines);
    for (const [name, secret] of Object.entries(SECRETS)) assert.ok(!text.includes(secret), `${name} secret survived redaction`);
    const settings = lines[0]?.['settings'] as Record<string, unknown>;
    assert.equal(settings['github_secret'], '[redacted]');
    assert.equal(settings['github_secret_previous'], '[redacted]');
    assert.equal(settings['jira_signature'], 'hmac-sha256:X-Hub-Signature:hex:sha256=', 'non-secret settings stay readable');
  });
});
