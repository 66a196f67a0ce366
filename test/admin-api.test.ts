/**
 * The management API over a real socket, against a real webhooks.ini in a temp dir: auth, listing, writes
 * that keep comments and order and survive a restart, validation like `genhook check`, enable/disable,
 * preview that delivers nothing.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DISABLED_MARK } from '../src/rules/index.js';
import { SL1_DEFAULT_BODY } from '../src/deliver/sl1-client.js';
import { send, startTestGenHook, type TestGenHook, type TestResponse } from './support/genhook.js';
import { scrape } from './support/metrics-text.js';

const TOKEN = 'admin-test-token-0123456789';
const WEBHOOKS = [
  '; Team alerts. Keep this comment.',
  '[webhooks]',
  'github.pull_request[action=opened|closed]: action,number,repository{name}::GitHub PR $action$ #$number$ on $repository.name$',
  '',
  '; Acme status page',
  'acme: status,service{name}::Acme $service.name$ is $status$',
  '# trailing comment',
  '',
].join('\n');

/** `token` null: no Authorization header at all. */
function admin(server: TestGenHook, method: string, path: string, body?: object, token: string | null = TOKEN): Promise<TestResponse> {
  return send(`${server.url}/admin${path}`, body ?? '', token === null ? {} : { authorization: `Bearer ${token}` }, method);
}

async function withServer(fn: (server: TestGenHook) => Promise<void>, settings: Record<string, string> = { admin_token: TOKEN }): Promise<void> {
  const server = await startTestGenHook({ webhooks: WEBHOOKS, settings });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

test('/admin auth - 404 when admin_token is unset, 401 JSON without or with a wrong token', async () => {
  await withServer(async (server) => {
    const off = await admin(server, 'GET', '/sources');
    assert.equal(off.status, 404);
    assert.match(off.json['error']?.['message'], /admin_token/);
  }, {});
  await withServer(async (server) => {
    for (const token of [null, 'wrong', `${TOKEN}x`, '']) {
      const refused = await admin(server, 'GET', '/sources', undefined, token);
      assert.equal(refused.status, 401, `token ${token}`);
      assert.equal(refused.json['error']?.['code'], 'unauthorized');
      assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    const refusedWrite = await admin(server, 'PUT', '/lines/acme', { fields: 'status', template: 'x $status$' }, 'wrong');
    assert.equal(refusedWrite.status, 401);
    assert.equal(await readFile(join(server.dir, 'webhooks.ini'), 'utf8'), WEBHOOKS, 'nothing written without the token');
    assert.ok(!JSON.stringify(server.logs).includes(TOKEN), 'the token is never logged');
    assert.equal((await admin(server, 'GET', '/sources')).status, 200);
  });
});

test('GET /admin/sources and /admin/lines - sources with provider, state and lines', async () => {
  await withServer(async (server) => {
    const sources = await admin(server, 'GET', '/sources');
    assert.equal(sources.status, 200);
    const zero = { received: 0, queued: 0, delivered: 0, deadLettered: 0, missingFields: 0 };
    assert.deepEqual(sources.json['sources'], [
      { name: 'acme', provider: null, enabled: true, disabledBy: null, url: '/webhook/acme', lines: ['acme'], counts: zero, lastError: null },
      { name: 'github', provider: 'github', enabled: true, disabledBy: null, url: '/webhook/github', lines: ['github.pull_request[action=opened|closed]'], counts: zero, lastError: null },
    ]);
    const lines = await admin(server, 'GET', '/lines');
    assert.deepEqual(lines.json['lines'][0], {
      name: 'github.pull_request[action=opened|closed]',
      source: 'github',
      event: 'pull_request',
      conditions: ['action=opened|closed'],
      fields: 'action,number,repository{name}',
      template: 'GitHub PR $action$ #$number$ on $repository.name$',
      line: 3,
      enabled: true,
    });
  });
});

test('PUT/DELETE /admin/lines - in place, appended, removed; comments and order kept; served at once; survives a restart', async () => {
  const server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { admin_token: TOKEN } });
  const file = join(server.dir, 'webhooks.ini');
  try {
    const replaced = await admin(server, 'PUT', '/lines/acme', { fields: 'status,service{name},region', template: 'Acme $service.name$ is $status$ in $region$' });
    assert.equal(replaced.status, 200, replaced.text);
    assert.equal(replaced.json['status'], 'replaced');
    assert.equal(replaced.json['line']?.['line'], 6);

    const created = await admin(server, 'PUT', `/lines/${encodeURIComponent('deploy[env=prod]')}`, {
      line: 'deploy[env=prod]: env,version::Deploy $version$ finished in $env$',
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json['line']?.['name'], 'deploy[env=prod]');

    const expected = WEBHOOKS.replace(
      'acme: status,service{name}::Acme $service.name$ is $status$',
      'acme: status,service{name},region::Acme $service.name$ is $status$ in $region$',
    ) + 'deploy[env=prod]: env,version::Deploy $version$ finished in $env$\n';
    assert.equal(await readFile(file, 'utf8'), expected, 'one line replaced in place, one appended; every comment and blank line kept');

    // Served at once: the webhook renders with the new line, no reload needed.
    const queued = await server.post('/webhook/acme', { status: 'down', service: { name: 'api' }, region: 'eu' });
    assert.equal(queued.status, 202, queued.text);
    const logged = server.logs.find((line) => line['alertId'] === queued.json['id'] && line['delivered'] === false);
    assert.equal(logged?.['message'], 'Acme api is down in eu');
    assert.equal((await server.post('/webhook/deploy', { env: 'prod', version: '1.2' })).status, 202);

    const deleted = await admin(server, 'DELETE', `/lines/${encodeURIComponent('github.pull_request[action=opened|closed]')}`);
    assert.equal(deleted.status, 200, deleted.text);
    assert.deepEqual(deleted.json['lines'], [3]);
    assert.equal((await admin(server, 'DELETE', '/lines/github.pull_request')).status, 404, 'no line without conditions by that name');
    assert.equal((await server.post('/webhook/github', { action: 'opened' }, { 'x-github-event': 'pull_request' })).status, 404);
  } finally {
    await server.close();
  }
  const onDisk = await readFile(file, 'utf8');
  const restarted = await startTestGenHook({ dir: server.dir, keepFiles: true, settings: { admin_token: TOKEN } });
  try {
    assert.equal(await readFile(file, 'utf8'), onDisk, 'a restart does not rewrite the file');
    const lines = await admin(restarted, 'GET', '/lines');
    assert.deepEqual(lines.json['lines'].map((line: { name: string }) => line.name), ['acme', 'deploy[env=prod]']);
    const queued = await restarted.post('/webhook/acme', { status: 'up', service: { name: 'db' }, region: 'us' });
    assert.equal(queued.status, 202);
    assert.equal(restarted.logs.find((line) => line['alertId'] === queued.json['id'] && line['delivered'] === false)?.['message'], 'Acme db is up in us');
  } finally {
    await restarted.close();
  }
});

test('PUT /admin/lines - an invalid line is refused with 422 and file:line:column; nothing is written', async () => {
  await withServer(async (server) => {
    const file = join(server.dir, 'webhooks.ini');
    const broken = await admin(server, 'PUT', '/lines/acme', { fields: 'status,service{name', template: 'Acme $status$' });
    assert.equal(broken.status, 422, broken.text);
    assert.equal(broken.json['error']?.['code'], 'config_invalid');
    assert.match(broken.json['error']?.['issues']?.[0]?.['text'], /^request line:1:\d+: unclosed '\{'/);

    const unknownVar = await admin(server, 'PUT', '/lines/acme', { line: 'acme: status::Acme $region$' });
    assert.equal(unknownVar.status, 422);
    const mismatch = await admin(server, 'PUT', '/lines/acme', { line: 'other: status::x $status$' });
    assert.equal(mismatch.status, 422);
    assert.equal(mismatch.json['error']?.['code'], 'name_mismatch');
    const injected = await admin(server, 'PUT', '/lines/acme', { fields: 'status', template: 'x $status$\nevil: a::b' });
    assert.equal(injected.status, 422, 'a line break cannot smuggle in a second line');
    assert.equal(await readFile(file, 'utf8'), WEBHOOKS);
  });
});

test('PUT /admin/lines - validated as the whole would-be file: a hand-broken file refuses writes with its own issues', async () => {
  await withServer(async (server) => {
    const file = join(server.dir, 'webhooks.ini');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, `${WEBHOOKS}broken line without separator\n`);
    const refused = await admin(server, 'PUT', '/lines/zeta', { fields: 'a', template: 'Zeta $a$' });
    assert.equal(refused.status, 422, refused.text);
    assert.ok(refused.json['error']?.['issues'].some((issue: { file: string; line: number }) => issue.file === file && issue.line === 8));
    assert.equal(await readFile(file, 'utf8'), `${WEBHOOKS}broken line without separator\n`);
  });
});

test('POST /admin/sources/:source/disable and /enable - 200 ignored while off, marked lines, survives a restart', async () => {
  const server = await startTestGenHook({ webhooks: WEBHOOKS, settings: { admin_token: TOKEN } });
  const file = join(server.dir, 'webhooks.ini');
  const payload = { status: 'down', service: { name: 'api' } };
  try {
    const off = await admin(server, 'POST', '/sources/acme/disable');
    assert.equal(off.status, 200, off.text);
    assert.deepEqual(off.json, { source: 'acme', enabled: false, disabledBy: 'admin', changedLines: 1 });
    assert.match(await readFile(file, 'utf8'), new RegExp(`^${DISABLED_MARK}acme: status`, 'm'));
    const ignored = await server.post('/webhook/acme', payload);
    assert.equal(ignored.status, 200);
    assert.equal(ignored.json['status'], 'ignored');
    assert.match(ignored.json['reason'], /disabled/);
    assert.equal((await admin(server, 'POST', '/sources/nope/disable')).status, 404);
  } finally {
    await server.close();
  }
  const restarted = await startTestGenHook({ dir: server.dir, keepFiles: true, settings: { admin_token: TOKEN } });
  try {
    assert.equal((await restarted.post('/webhook/acme', payload)).json['status'], 'ignored', 'still off after a restart');
    const sources = await admin(restarted, 'GET', '/sources');
    assert.equal(sources.json['sources'].find((s: { name: string }) => s.name === 'acme')?.enabled, false);
    const on = await admin(restarted, 'POST', '/sources/acme/enable');
    assert.deepEqual(on.json, { source: 'acme', enabled: true, disabledBy: null, changedLines: 1 });
    assert.equal(await readFile(file, 'utf8'), WEBHOOKS, 'enable restores the exact bytes');
    assert.equal((await restarted.post('/webhook/acme', payload)).status, 202);
  } finally {
    await restarted.close();
  }
});

test('POST /admin/preview/:source - message and missing fields, with the current or a proposed line; delivers nothing', async () => {
  await withServer(async (server) => {
    const before = await scrape(server.url);
    const current = await admin(server, 'POST', '/preview/acme', { payload: { status: 'degraded' } });
    assert.equal(current.status, 200, current.text);
    assert.deepEqual(current.json, {
      source: 'acme',
      delivered: false,
      items: [
        {
          status: 'rendered',
          event: null,
          rule: 'acme',
          message: 'Acme  is degraded',
          missing: ['service.name'],
          sl1Request: { ...SL1_DEFAULT_BODY, message: 'Acme  is degraded' },
          lines: [{ name: 'acme', line: 6, verdict: 'matched', reason: 'most specific NAME for this event' }],
        },
      ],
    });

    const proposed = await admin(server, 'POST', '/preview/github', {
      payload: { action: 'opened', number: 7, repository: { name: 'hello' } },
      headers: { 'X-GitHub-Event': 'pull_request' },
      line: 'github.pull_request[action = opened|closed]: action,number::PR $number$ $action$',
    });
    assert.equal(proposed.json['items'][0]['message'], 'PR 7 opened');
    assert.equal(proposed.json['items'][0]['event'], 'pull_request.opened');

    const filtered = await admin(server, 'POST', '/preview/github', { payload: { action: 'edited' }, event: 'pull_request' });
    assert.equal(filtered.json['items'][0]['status'], 'filtered');
    assert.match(filtered.json['items'][0]['reason'], /action/);
    assert.equal(filtered.json['items'][0]['sl1Request'], null);
    assert.deepEqual(
      filtered.json['items'][0]['lines'].map((line: { name: string; verdict: string }) => [line.name, line.verdict]),
      [['github.pull_request[action=opened|closed]', 'conditions_failed']],
    );

    const newSource = await admin(server, 'POST', '/preview/zeta', { payload: { a: 1 }, line: 'zeta: a,b::Zeta $a$ $b$' });
    assert.deepEqual(newSource.json['items'][0], {
      status: 'rendered',
      event: null,
      rule: 'zeta',
      message: 'Zeta 1 ',
      missing: ['b'],
      sl1Request: { ...SL1_DEFAULT_BODY, message: 'Zeta 1 ' },
      lines: [{ name: 'zeta', line: 0, verdict: 'matched', reason: 'most specific NAME for this event' }],
    });
    assert.equal((await admin(server, 'POST', '/preview/zeta', { payload: {} })).status, 404);
    const badLine = await admin(server, 'POST', '/preview/zeta', { payload: {}, line: 'zeta: a{::x' });
    assert.equal(badLine.status, 422);
    assert.equal((await admin(server, 'POST', '/preview/acme', { nopayload: 1 })).status, 400);

    const after = await scrape(server.url);
    for (const name of ['genhook_webhooks_received_total', 'genhook_alerts_delivered_total', 'genhook_template_missing_fields_total']) {
      assert.equal(after.value(name), before.value(name), `${name} unchanged by previews`);
    }
    assert.equal(server.genhook.dispatcher.size + server.genhook.dispatcher.inFlight, 0);
    assert.ok(!server.logs.some((line) => line['delivered'] === false), 'no alert was logged as delivered');
  });
});
