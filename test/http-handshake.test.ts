/**
 * Provider handshakes over a real socket, answered as each provider expects and never turned into an
 * alert: Slack url_verification, Azure Event Grid SubscriptionValidation, the CloudEvents OPTIONS probe,
 * GitHub ping, and AWS SNS SubscriptionConfirmation with and without `sns_auto_confirm`.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sign as signGithub } from '@octokit/webhooks-methods';
import { getGlobalDispatcher, MockAgent, setGlobalDispatcher } from 'undici';
import { checkSubscribeUrl } from '../src/receive/sns-confirm.js';
import { startFakeSl1, type FakeSl1 } from './support/fake-sl1.js';
import { send, startTestGenHook, waitUntil, type TestGenHook } from './support/genhook.js';
import { confirmation, createSnsSigner } from './support/sns-signing.js';

const SLACK_SECRET = 'slack-handshake-4e6a8c0b';
const GITHUB_SECRET = 'gh-handshake-7d9f1b3c';
const AWS_CONFIRM = 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:alarms&Token=2336412f37fb687f5d51e6e2425c464de';

const WEBHOOKS = `
slack: event{type,text}::Slack $event.type$: $event.text$
github: action::GitHub $action$
azure: eventType,subject::Azure $eventType$: $subject$
aws: TopicArn,Message::AWS $TopicArn$: $Message$
acme: status::Acme $status$
`;

function signSlack(body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const digest = createHmac('sha256', SLACK_SECRET).update(`v0:${timestamp}:${body}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${digest}` };
}

// SNS confirmations are signed like every SNS message; GenHook verifies them before answering or confirming.
const snsSigner = await createSnsSigner();

function snsConfirmation(subscribeUrl: string, messageId: string): string {
  return JSON.stringify(snsSigner.sign(confirmation(messageId, subscribeUrl), { version: '1' }));
}

/** SNS posts JSON as text/plain; a node:http client, so no undici dispatcher a test installs is involved. */
function postSns(url: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'SubscriptionConfirmation' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const queued = (server: TestGenHook) => server.logs.filter((line) => line['msg'] === 'webhook queued');

describe('handshakes answered, no alert', () => {
  let server: TestGenHook;
  let sl1: FakeSl1;
  before(async () => {
    sl1 = await startFakeSl1();
    server = await startTestGenHook({
      webhooks: WEBHOOKS,
      settings: { slack_secret: SLACK_SECRET, github_secret: GITHUB_SECRET, sl1_api_url: sl1.url, sl1_username: 'genhook', sl1_password: 'sl1-pass-handshake', sns_cert_dir: snsSigner.dir },
    });
  });
  after(async () => {
    await server.close();
    await sl1.close();
  });

  test('slack url_verification without a challenge - 400 invalid_handshake in the one error shape, no alert', async () => {
    const body = JSON.stringify({ token: 'legacy', type: 'url_verification' });
    const response = await server.post('/webhook/slack', body, signSlack(body));
    assert.equal(response.status, 400, response.text);
    assert.deepEqual(response.json, { error: { code: 'invalid_handshake', message: 'url_verification without a string challenge' } });
    assert.equal(queued(server).length, 0);
  });

  test('slack url_verification - signed: 200 with the challenge', async () => {
    const body = JSON.stringify({ token: 'legacy', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });
    const response = await server.post('/webhook/slack', body, signSlack(body));
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json, { challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
  });

  test('slack url_verification - unsigned: 401, a handshake is no way around the signature', async () => {
    const response = await server.post('/webhook/slack', { type: 'url_verification', challenge: 'abc' });
    assert.equal(response.status, 401);
    assert.equal(response.json['error']['header'], 'X-Slack-Signature');
  });

  for (const path of ['/webhook/azure', '/webhook']) {
    test(`event grid SubscriptionValidation on ${path} - 200 with validationResponse`, async () => {
      const response = await server.post(
        path,
        [{
          id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
          topic: '/subscriptions/xxx/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct',
          subject: '',
          data: { validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6', validationUrl: 'https://rp-eastus2.eventgrid.azure.net/api/updatestatus?code=x' },
          eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
          eventTime: '2018-01-25T22:12:19.4556811Z',
          metadataVersion: '1',
          dataVersion: '1',
        }],
        { 'aeg-event-type': 'SubscriptionValidation' },
      );
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json, { validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' });
    });

    test(`cloudevents OPTIONS on ${path} - 200 with WebHook-Allowed-Origin and Allowed-Rate`, async () => {
      const response = await send(`${server.url}${path}`, '', { 'webhook-request-origin': 'eventemitter.example.com', 'webhook-request-rate': '120' }, 'OPTIONS');
      assert.equal(response.status, 200, response.text);
      assert.equal(response.headers.get('webhook-allowed-origin'), 'eventemitter.example.com');
      assert.equal(response.headers.get('webhook-allowed-rate'), '120');
      assert.match(response.headers.get('allow') ?? '', /POST/);
    });
  }

  test('cloudevents OPTIONS - an unknown source is 404 and a probe without an origin is 405', async () => {
    const unknown = await send(`${server.url}/webhook/nosuch`, '', { 'webhook-request-origin': 'eventemitter.example.com' }, 'OPTIONS');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('webhook-allowed-origin'), null);
    const bare = await send(`${server.url}/webhook/azure`, '', {}, 'OPTIONS');
    assert.equal(bare.status, 405);
  });

  test('github ping - signed: 200 pong', async () => {
    const body = JSON.stringify({ zen: 'Design for failure.', hook_id: 30, hook: { type: 'Repository' } });
    const response = await server.post('/webhook/github', body, {
      'x-github-event': 'ping',
      'x-github-delivery': 'ping-1',
      'x-hub-signature-256': await signGithub(GITHUB_SECRET, body),
    });
    assert.equal(response.status, 200, response.text);
    assert.equal(response.json['status'], 'pong');
  });

  test('sns SubscriptionConfirmation - 200, logged with its SubscribeURL, manual confirmation flagged at warn', async () => {
    const response = await postSns(`${server.url}/webhook/aws`, snsConfirmation(AWS_CONFIRM, 'sns-confirm-manual'));
    assert.equal(response.status, 200, response.text);
    const answered = server.logs.find((line) => line['handshake'] === 'sns.subscription_confirmation');
    assert.equal(answered?.['SubscribeURL'], AWS_CONFIRM);
    const manual = server.logs.find((line) => line['level'] === 'warn' && /sns_auto_confirm = false/.test(String(line['msg'])));
    assert.equal(manual?.['SubscribeURL'], AWS_CONFIRM);
  });

  test('none of the handshakes became an alert: SL1 sees only the control alert sent last', async () => {
    const control = await server.post('/webhook/acme', { status: 'control' });
    assert.equal(control.status, 202);
    await sl1.waitFor(1);
    assert.equal(sl1.requests.length, 1);
    assert.match(String(sl1.requests[0]?.body?.['message']), /^Acme control$/);
    assert.deepEqual(queued(server).map((line) => line['source']), ['acme']);
  });
});

describe('sns_auto_confirm = true', () => {
  let server: TestGenHook;
  let trap: Server;
  let trapConnections = 0;
  before(async () => {
    // Anything that connects here is a request GenHook must never have made.
    trap = createServer((socket) => {
      trapConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { sns_auto_confirm: true, sns_cert_dir: snsSigner.dir } });
  });
  after(async () => {
    await server.close();
    await new Promise((resolve) => trap.close(resolve));
  });

  test('a SubscribeURL that is not https://sns.<region>.amazonaws.com is never fetched', async () => {
    const port = (trap.address() as AddressInfo).port;
    const urls = [`http://127.0.0.1:${port}/?Action=ConfirmSubscription`, `https://127.0.0.1:${port}/?Action=ConfirmSubscription`];
    for (const [index, url] of urls.entries()) {
      const response = await postSns(`${server.url}/webhook/aws`, snsConfirmation(url, `sns-refused-${index}`));
      assert.equal(response.status, 200, response.text);
    }
    // A round trip after the answers: a GET started behind them would have connected by now.
    assert.equal((await send(`${server.url}/health`, '', {}, 'GET')).status, 200);
    assert.equal(trapConnections, 0, 'GenHook connected to a SubscribeURL it should have refused');
    for (const [index, url] of urls.entries()) {
      const refused = server.logs.find((line) => line['MessageId'] === `sns-refused-${index}` && /SubscribeURL refused/.test(String(line['msg'])));
      assert.equal(refused?.['level'], 'warn', `refusal of ${url} is logged`);
      assert.equal(refused?.['SubscribeURL'], url);
    }
    assert.equal(queued(server).length, 0);
  });

  test('an SNS SubscribeURL is fetched once with a GET; AWS refusing it is logged', async () => {
    const previous = getGlobalDispatcher();
    const aws = new MockAgent();
    aws.disableNetConnect();
    const origin = aws.get('https://sns.us-east-1.amazonaws.com');
    origin.intercept({ path: (path) => path.startsWith('/?Action=ConfirmSubscription'), method: 'GET' }).reply(200, '<ConfirmSubscriptionResponse/>');
    origin.intercept({ path: '/?Action=ConfirmSubscription&Token=expired', method: 'GET' }).reply(403, '<Error>expired</Error>');
    setGlobalDispatcher(aws);
    try {
      const ok = await postSns(`${server.url}/webhook/aws`, snsConfirmation(AWS_CONFIRM, 'sns-auto-1'));
      assert.equal(ok.status, 200);
      await waitUntil(() => server.logs.some((line) => line['MessageId'] === 'sns-auto-1' && line['msg'] === 'SNS subscription confirmed'), 'the confirmation GET');
      const expired = await postSns(`${server.url}/webhook/aws`, snsConfirmation('https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=expired', 'sns-auto-2'));
      assert.equal(expired.status, 200);
      await waitUntil(() => server.logs.some((line) => line['MessageId'] === 'sns-auto-2' && line['status'] === 403), 'the refused confirmation');
      aws.assertNoPendingInterceptors();
      assert.equal(queued(server).length, 0);
    } finally {
      setGlobalDispatcher(previous);
      await aws.close();
    }
  });
});

test('checkSubscribeUrl - only https on sns.<region>.amazonaws.com(.cn), default port, no user info', () => {
  const cases: readonly [string, unknown, boolean][] = [
    ['us-east-1', 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t', true],
    ['China region', 'https://sns.cn-north-1.amazonaws.com.cn/?Action=ConfirmSubscription', true],
    ['upper-case host is normalised', 'https://SNS.eu-west-1.AMAZONAWS.com/', true],
    ['plain http', 'http://sns.us-east-1.amazonaws.com/', false],
    ['suffix attack', 'https://sns.us-east-1.amazonaws.com.evil.example/', false],
    ['user-info attack', 'https://sns.us-east-1.amazonaws.com@evil.example/', false],
    ['credentials', 'https://a:b@sns.us-east-1.amazonaws.com/', false],
    ['other port', 'https://sns.us-east-1.amazonaws.com:8443/', false],
    ['other AWS service', 'https://sqs.us-east-1.amazonaws.com/', false],
    ['trailing dot', 'https://sns.us-east-1.amazonaws.com./', false],
    ['loopback', 'https://127.0.0.1/', false],
    ['IPv6 literal', 'https://[::1]/', false],
    ['not a URL', 'sns.us-east-1.amazonaws.com', false],
    ['missing', undefined, false],
    ['not a string', 42, false],
  ];
  for (const [name, url, isAllowed] of cases) assert.equal(checkSubscribeUrl(url).ok, isAllowed, name);
});
