/**
 * AWS SNS signature verification through a real GenHook: messages signed (SignatureVersion 1 and 2) with a key
 * and certificate the test makes; the certificate fetched over real TLS from a local HTTPS server standing in
 * for sns.us-east-1.amazonaws.com (the fetcher's connections are pointed at it; every URL check still runs),
 * or read from sns_cert_dir with nothing fetched.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Agent, buildConnector } from 'undici';
import { startTestGenHook, type TestGenHook } from './support/genhook.js';
import { CERT_FILE, CERT_URL, confirmation, createSnsSigner, notification, snsSigningUnavailable, type SnsSigner } from './support/sns-signing.js';

const WEBHOOKS = `
aws: TopicArn,Message::AWS $TopicArn$: $Message$
aws.sns.notification: Subject,Message::SNS $Subject$: $Message$
`;
const skip = snsSigningUnavailable();

/** POST as SNS does: JSON as text/plain, the message type in a header. */
function postSns(url: string, message: object, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, any> }> {
  const body = JSON.stringify(message);
  const type = (message as { Type?: string }).Type;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', headers: { 'content-type': 'text/plain; charset=UTF-8', ...(type ? { 'x-amz-sns-message-type': type } : {}), ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          let json: Record<string, any> = {};
          try {
            json = JSON.parse(text) as Record<string, any>;
          } catch {
            // handshake answers may be empty
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Connections for sns.*.amazonaws.com go to `port` on 127.0.0.1, with TLS checked against the test CA for the real host name. */
function dispatcherTo(port: number, caPem: string): Agent {
  const connect = buildConnector({ ca: caPem });
  return new Agent({
    connect: (options, callback) => connect({ ...options, hostname: '127.0.0.1', host: `127.0.0.1:${port}`, port: String(port), servername: options.hostname }, callback),
  });
}

const queuedIds = (server: TestGenHook) => server.logs.filter((line) => line['msg'] === 'webhook queued').map((line) => String(line['alertId']));

describe('aws source, certificate fetched over https', { skip }, () => {
  let signer: SnsSigner;
  let sns: HttpsServer;
  const fetched: string[] = [];
  let agent: Agent;
  let server: TestGenHook;

  before(async () => {
    signer = await createSnsSigner();
    sns = createHttpsServer({ key: signer.keyPem, cert: signer.certPem }, (req, res) => {
      fetched.push(req.url ?? '');
      if (req.url === `/${CERT_FILE}`) return void res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(signer.certPem);
      if (req.url === '/SimpleNotificationService-redirect.pem') return void res.writeHead(302, { location: `/${CERT_FILE}` }).end();
      if (req.url === '/SimpleNotificationService-huge.pem') return void res.writeHead(200).end('A'.repeat(100_000));
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => sns.listen(0, '127.0.0.1', resolve));
    agent = dispatcherTo((sns.address() as AddressInfo).port, signer.certPem);
    server = await startTestGenHook({ webhooks: WEBHOOKS, snsCertificateDispatcher: agent, settings: { sns_auto_confirm: false } });
  });
  after(async () => {
    await server?.close();
    await agent?.close();
    await new Promise((resolve) => sns?.close(resolve));
  });

  test('SignatureVersion 2 (SHA256withRSA) and 1 (SHA1withRSA) are accepted; the certificate is fetched once', async () => {
    const v2 = await postSns(`${server.url}/webhook/aws`, signer.sign(notification('n-v2'), { version: '2' }));
    assert.equal(v2.status, 202, JSON.stringify(v2.json));
    assert.equal(v2.json['event'], 'sns.notification');
    const v1 = await postSns(`${server.url}/webhook/aws`, signer.sign(notification('n-v1'), { version: '1' }));
    assert.equal(v1.status, 202, JSON.stringify(v1.json));
    assert.deepEqual(fetched, [`/${CERT_FILE}`], 'one fetch, then the cache');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /genhook_sns_certificates_total\{outcome="fetched"\} 1/);
  });

  test('a Notification without Subject is signed without it, and accepted', async () => {
    const message = notification('n-nosubject');
    delete message['Subject'];
    const response = await postSns(`${server.url}/webhook/aws`, signer.sign(message));
    assert.equal(response.status, 202, JSON.stringify(response.json));
  });

  test('a message changed after signing is 401 invalid_signature and no alert', async () => {
    const signed = signer.sign(notification('n-forged'));
    const response = await postSns(`${server.url}/webhook/aws`, { ...signed, Message: 'all is well' });
    assert.equal(response.status, 401, JSON.stringify(response.json));
    assert.equal(response.json['error']['code'], 'invalid_signature');
    // Adding a Subject the signer never covered also breaks it.
    const noSubject = notification('n-forged-2');
    delete noSubject['Subject'];
    const added = await postSns(`${server.url}/webhook/aws`, { ...signer.sign(noSubject), Subject: 'injected' });
    assert.equal(added.status, 401);
    assert.ok(!queuedIds(server).some((id) => id.includes('n-forged')), 'no alert from a forged message');
    assert.ok(server.logs.some((line) => line['code'] === 'invalid_signature' && line['level'] === 'warn'), 'refusal logged at warn');
  });

  test('a genuine message older than dedup_window (a replay dedup forgot) is 401 stale_timestamp', async () => {
    const old = new Date(Date.now() - 25 * 3_600_000).toISOString();
    const response = await postSns(`${server.url}/webhook/aws`, signer.sign(notification('n-old', { Timestamp: old })));
    assert.equal(response.status, 401, JSON.stringify(response.json));
    assert.equal(response.json['error']['code'], 'stale_timestamp');
    const ahead = new Date(Date.now() + 3_600_000).toISOString();
    assert.equal((await postSns(`${server.url}/webhook/aws`, signer.sign(notification('n-ahead', { Timestamp: ahead })))).status, 401);
    const recent = new Date(Date.now() - 3_600_000).toISOString();
    assert.equal((await postSns(`${server.url}/webhook/aws`, signer.sign(notification('n-retried', { Timestamp: recent })))).status, 202, 'an hour-old SNS retry is fine');
  });

  test('a signature by another key is 401', async () => {
    const other = await createSnsSigner();
    const response = await postSns(`${server.url}/webhook/aws`, other.sign(notification('n-otherkey')));
    assert.equal(response.status, 401);
    assert.equal(response.json['error']['code'], 'invalid_signature');
  });

  test('a certificate URL on another host, over http, or not .pem is 401 untrusted_certificate and never fetched', async () => {
    const before = fetched.length;
    const urls = [
      `https://evil.example.com/${CERT_FILE}`,
      `http://sns.us-east-1.amazonaws.com/${CERT_FILE}`,
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.txt',
      `https://sns.us-east-1.amazonaws.com.evil.example/${CERT_FILE}`,
      `https://sns.us-east-1.amazonaws.com:8443/${CERT_FILE}`,
      `https://sns.us-east-1.amazonaws.com/${CERT_FILE}?v=2`,
    ];
    for (const url of urls) {
      const response = await postSns(`${server.url}/webhook/aws`, signer.sign(notification(`n-host-${urls.indexOf(url)}`), { certUrl: url }));
      assert.equal(response.status, 401, `${url}: ${JSON.stringify(response.json)}`);
      assert.equal(response.json['error']['code'], 'untrusted_certificate', url);
    }
    assert.equal(fetched.length, before, 'no request for any of them');
  });

  test('a redirect or an oversized certificate is 401 certificate_unavailable, logged and counted', async () => {
    for (const name of ['SimpleNotificationService-redirect.pem', 'SimpleNotificationService-huge.pem', 'SimpleNotificationService-missing.pem']) {
      const url = `https://sns.us-east-1.amazonaws.com/${name}`;
      const response = await postSns(`${server.url}/webhook/aws`, signer.sign(notification(`n-${name}`), { certUrl: url }));
      assert.equal(response.status, 401, `${name}: ${JSON.stringify(response.json)}`);
      assert.equal(response.json['error']['code'], 'certificate_unavailable');
      assert.ok(server.logs.some((line) => line['url'] === url && line['msg'] === 'SNS signing certificate could not be loaded; message refused'), `${name} logged`);
    }
    // The redirect points at the good certificate: following it would have answered 202.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /genhook_sns_certificates_total\{outcome="failed"\} 3/);
  });

  test('SubscriptionConfirmation: signed is answered 200; a SubscribeURL changed after signing is 401 and not logged as a handshake', async () => {
    const url = 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:123456789012:alarms&Token=2336412f37fb687f5d51e6e2425c464de';
    const signed = signer.sign(confirmation('c-ok', url));
    const ok = await postSns(`${server.url}/webhook/aws`, signed);
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.ok(server.logs.some((line) => line['handshake'] === 'sns.subscription_confirmation' && line['MessageId'] === 'c-ok'));

    const forged = { ...signer.sign(confirmation('c-forged', url)), SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:999999999999:attacker&Token=x' };
    const refused = await postSns(`${server.url}/webhook/aws`, forged);
    assert.equal(refused.status, 401, JSON.stringify(refused.json));
    assert.equal(refused.json['error']['code'], 'invalid_signature');
    assert.ok(!server.logs.some((line) => line['handshake'] !== undefined && line['MessageId'] === 'c-forged'));
  });

  test('UnsubscribeConfirmation is verified too', async () => {
    const url = 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t';
    const ok = await postSns(`${server.url}/webhook/aws`, signer.sign(confirmation('u-ok', url, 'UnsubscribeConfirmation')));
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    const unsigned = await postSns(`${server.url}/webhook/aws`, confirmation('u-unsigned', url, 'UnsubscribeConfirmation'));
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.json['error']['code'], 'missing_signature');
  });

  test('an unsigned SNS-typed message is 401 by default; a header type that contradicts the body is 401', async () => {
    const unsigned = await postSns(`${server.url}/webhook/aws`, notification('n-unsigned'));
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.json['error']['code'], 'missing_signature');
    const mismatch = await postSns(`${server.url}/webhook/aws`, signer.sign(notification('n-mismatch')), { 'x-amz-sns-message-type': 'SubscriptionConfirmation' });
    assert.equal(mismatch.status, 401);
  });

  test('a body that claims another SNS Type, or is neither SNS nor EventBridge, is 401 and not an unverified alert', async () => {
    const noHeader = { 'x-amz-sns-message-type': '' };
    const lower = await postSns(`${server.url}/webhook/aws`, { ...notification('n-lower'), Type: 'notification' }, noHeader);
    assert.equal(lower.status, 401, JSON.stringify(lower.json));
    const bare = await postSns(`${server.url}/webhook/aws`, { TopicArn: 'arn:aws:sns:us-east-1:123456789012:alarms', Message: 'fake alarm' });
    assert.equal(bare.status, 401, JSON.stringify(bare.json));
    assert.match(bare.json['error']['message'], /neither an AWS SNS message .* nor an EventBridge event/);
    assert.ok(!queuedIds(server).some((id) => id.includes('n-lower')));
  });

  test('a SigningCertURL with a malformed %-escape is 401 untrusted_certificate, not a 500', async () => {
    const response = await postSns(`${server.url}/webhook/aws`, signer.sign(notification('n-escape'), { certUrl: 'https://sns.us-east-1.amazonaws.com/%ZZ.pem' }));
    assert.equal(response.status, 401, JSON.stringify(response.json));
    assert.equal(response.json['error']['code'], 'untrusted_certificate');
  });

  test('certificate URLs that fail to load count as failed verifications of the sender (aws_rate_limit)', async () => {
    const limited = await startTestGenHook({ webhooks: WEBHOOKS, snsCertificateDispatcher: agent, settings: { aws_rate_limit: '2/1d', trusted_proxies: '127.0.0.1' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const url = `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-bogus${i}.pem`;
        statuses.push((await postSns(`${limited.url}/webhook/aws`, signer.sign(notification(`n-bogus-${i}`), { certUrl: url }), { 'x-forwarded-for': '203.0.113.7' })).status);
      }
      assert.deepEqual(statuses, [401, 401, 429]);
      const genuine = await postSns(`${limited.url}/webhook/aws`, signer.sign(notification('n-genuine')), { 'x-forwarded-for': '192.0.2.5' });
      assert.equal(genuine.status, 202, JSON.stringify(genuine.json));
    } finally {
      await limited.close();
    }
  });

  test('a message that is not SNS (EventBridge) still reaches the aws source unverified, as before', async () => {
    const response = await postSns(`${server.url}/webhook/aws`, {
      version: '0', id: 'eb-1', 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', account: '123456789012',
      time: '2026-12-01T10:00:00Z', region: 'us-east-1', resources: [], detail: { state: 'stopped' },
    });
    assert.equal(response.status, 202, JSON.stringify(response.json));
  });
});

describe('sns_cert_dir: certificates placed ahead of time, never fetched', { skip }, () => {
  let signer: SnsSigner;
  let trap: TcpServer;
  let trapConnections = 0;
  let agent: Agent;
  let server: TestGenHook;

  before(async () => {
    signer = await createSnsSigner();
    // Any connection here is a fetch GenHook must not make.
    trap = createTcpServer((socket) => {
      trapConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    agent = dispatcherTo((trap.address() as AddressInfo).port, signer.certPem);
    server = await startTestGenHook({ webhooks: WEBHOOKS, snsCertificateDispatcher: agent, settings: { sns_cert_dir: signer.dir, aws_signature: 'sns' } });
  });
  after(async () => {
    await server?.close();
    await agent?.close();
    await new Promise((resolve) => trap?.close(resolve));
  });

  test('a message signed with the certificate in the folder is accepted without any connection', async () => {
    const response = await postSns(`${server.url}/webhook/aws`, signer.sign(notification('d-1')));
    assert.equal(response.status, 202, JSON.stringify(response.json));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /genhook_sns_certificates_total\{outcome="dir"\} 1/);
    assert.equal(trapConnections, 0);
  });

  test('a certificate the folder lacks is 401 certificate_unavailable naming the file; still nothing fetched', async () => {
    const url = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-ffffffffffffffffffffffffffffffff.pem';
    const response = await postSns(`${server.url}/webhook/aws`, signer.sign(notification('d-2'), { certUrl: url }));
    assert.equal(response.status, 401);
    assert.equal(response.json['error']['code'], 'certificate_unavailable');
    assert.match(response.json['error']['message'], /SimpleNotificationService-ffffffffffffffffffffffffffffffff\.pem is not in sns_cert_dir/);
    assert.equal(trapConnections, 0);
  });

  test('aws_signature = sns refuses a body that is not an SNS message', async () => {
    const response = await postSns(`${server.url}/webhook/aws`, { version: '0', id: 'eb-2', 'detail-type': 'x', source: 'aws.ec2', detail: {} });
    assert.equal(response.status, 401, JSON.stringify(response.json));
    assert.match(response.json['error']['message'], /not an AWS SNS message/);
  });

  test('a China-region certificate URL is trusted and read from the folder by its file name', async () => {
    const url = `https://sns.cn-north-1.amazonaws.com.cn/${CERT_FILE}`;
    const response = await postSns(`${server.url}/webhook/aws`, signer.sign(notification('d-cn'), { certUrl: url }));
    assert.equal(response.status, 202, JSON.stringify(response.json));
    assert.equal(trapConnections, 0);
    assert.ok(CERT_URL.endsWith(CERT_FILE));
  });
});

describe('aws_signature = basic keeps working (credentials in the subscription URL)', { skip }, () => {
  let server: TestGenHook;
  before(async () => {
    server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { aws_signature: 'basic', aws_secret: 'sns:pw' } });
  });
  after(() => server.close());

  test('an SNS message with the right Basic credentials is accepted; without them it is 401', async () => {
    const auth = { authorization: `Basic ${Buffer.from('sns:pw').toString('base64')}` };
    const ok = await postSns(`${server.url}/webhook/aws`, notification('b-1'), auth);
    assert.equal(ok.status, 202, JSON.stringify(ok.json));
    const refused = await postSns(`${server.url}/webhook/aws`, notification('b-2'));
    assert.equal(refused.status, 401);
    assert.equal(refused.json['error']['code'], 'missing_credentials');
  });
});
