/** ssl_enabled serves HTTPS with the configured PEM certificate and key. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { Agent, request } from 'undici';
import { startTestGenHook } from './support/genhook.js';
import { tempDir } from './support/temp-dir.js';

test('ssl_enabled - webhooks are received over HTTPS', async () => {
  const dir = await tempDir('genhook-tls-');
  // A throwaway self-signed certificate for 127.0.0.1, made by the openssl the machine ships.
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  const server = await startTestGenHook({
    dir,
    webhooks: 'app: n::App alert $n$\n',
    settings: { ssl_enabled: true, ssl_cert_path: 'cert.pem', ssl_key_path: 'key.pem' },
  });
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  try {
    assert.match(server.url, /^https:\/\//);
    const response = await request(`${server.url}/webhook/app`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 7 }),
      dispatcher: agent,
    });
    assert.equal(response.statusCode, 202);
    assert.equal(((await response.body.json()) as { status: string }).status, 'queued');
  } finally {
    await agent.close();
    await server.close();
  }
});
