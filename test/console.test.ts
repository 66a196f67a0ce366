/**
 * The web console in real headless Chromium (Debian's /usr/bin/chromium driven by playwright-core) against a
 * real GenHook and a fake SL1: sign in with the keyboard, preview a line and see its missing field, replay a
 * dead letter (SL1 receives it), look at Sources and Health. Any browser console error or any request to
 * another origin fails the test. GENHOOK_CONSOLE_SCREENSHOT=path also saves a screenshot of the Playground.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { withFakeSl1 } from './support/fake-sl1.js';
import { send, startTestGenHook, type TestGenHook } from './support/genhook.js';
import { eventually } from './support/eventually.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const skipBrowser = existsSync(CHROMIUM) ? false : `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to test the console in a browser`;
const TOKEN = 'console-token-42';
const WEBHOOKS = ['# console test', 'acme: status,service{name}::Acme $service.name$ is $status$', 'acme.deploy[phase=done]: phase::Deploy $phase$', ''].join('\n');

async function withBrowser(fn: (context: BrowserContext) => Promise<void>): Promise<void> {
  const profile = await mkdtemp(join(tmpdir(), 'genhook-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
  try {
    await fn(context);
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

/** The browser reports the answer and its console line separately; wait for both (a guard, not a timing check). */
async function waitForCount(list: readonly unknown[], count: number): Promise<void> {
  await eventually(`${count} reports`, () => list.length >= count, { timeoutMs: 5000 }).catch(() => undefined);
}

async function deadLetterCount(server: TestGenHook): Promise<number> {
  const answer = await send(`${server.url}/admin/dead-letters`, '', { authorization: `Bearer ${TOKEN}` }, 'GET');
  return Number(answer.json['total']);
}

test('/console is 404 without admin_token, and served locally with a strict CSP when it is set', async () => {
  const off = await startTestGenHook({ webhooks: WEBHOOKS });
  try {
    for (const path of ['/console', '/console/', '/console/console.js']) assert.equal((await send(`${off.url}${path}`, '', {}, 'GET')).status, 404, path);
  } finally {
    await off.close();
  }
  const on = await startTestGenHook({ webhooks: WEBHOOKS, settings: { admin_token: TOKEN } });
  try {
    const redirect = await fetch(`${on.url}/console`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/console/');
    const page = await send(`${on.url}/console/`, '', {}, 'GET');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.doesNotMatch(page.text, /https?:\/\//, 'the page loads nothing from another origin');
    const script = await send(`${on.url}/console/console.js`, '', {}, 'GET');
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal((await send(`${on.url}/console/../settings.ini`, '', {}, 'GET')).status, 404);
    assert.equal((await send(`${on.url}/console/nope.js`, '', {}, 'GET')).status, 404);
  } finally {
    await on.close();
  }
});

test('console in headless Chromium: sign in, preview a line with a missing field, replay a dead letter', { skip: skipBrowser }, async () => {
  await withFakeSl1(async (fake) => {
    fake.reject(400, { error: 'no such organization' });
    const server = await startTestGenHook({
      webhooks: WEBHOOKS,
      settings: { admin_token: TOKEN, sl1_api_url: fake.url, sl1_username: 'genhook', sl1_password: 'secret', retry_base_delay: '10ms' },
    });
    try {
      const posted = await server.post('/webhook/acme', { status: 'degraded', service: { name: 'payments' } });
      assert.equal(posted.status, 202);
      const alertId = String(posted.json['id']);
      await eventually('the alert to be dead-lettered', async () => (await deadLetterCount(server)) === 1);

      await withBrowser(async (context) => {
        const page = await context.newPage();
        const consoleErrors: string[] = [];
        const offsite: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') consoleErrors.push(message.text());
        });
        page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
        page.on('response', (response) => {
          if (response.status() >= 400) consoleErrors.push(`${response.status()} for ${response.request().method()} ${response.url()}`);
        });
        page.on('request', (request) => {
          if (!request.url().startsWith(server.url) && !request.url().startsWith('data:')) offsite.push(request.url());
        });

        // Sign in with the keyboard.
        await page.goto(`${server.url}/console`);
        await page.getByTestId('token').focus();
        await page.keyboard.type(TOKEN);
        await page.keyboard.press('Enter');
        await page.getByTestId('line').waitFor();
        assert.equal(await page.evaluate("sessionStorage.getItem('genhook.admin_token')"), TOKEN);

        // Every form control has a label a screen reader can read.
        // A string, evaluated in the page (the tests compile without the DOM library).
        const unlabelled = await page.evaluate(
          "[...document.querySelectorAll('input, select, textarea')].filter((e) => e.labels.length === 0 && !e.getAttribute('aria-label')).map((e) => e.outerHTML)",
        );
        assert.deepEqual(unlabelled, []);

        // Playground: choose the source, its first line comes in; a payload without service.name.
        await page.getByLabel('Source').selectOption('acme');
        assert.equal(await page.getByTestId('line').inputValue(), 'acme: status,service{name}::Acme $service.name$ is $status$');
        await page.getByTestId('payload').fill('{"status": "down", "region": "eu-west-1"}');
        await page.getByTestId('preview').click();
        await page.getByTestId('message').waitFor();
        assert.equal(await page.getByTestId('message').textContent(), 'Acme  is down');
        assert.match((await page.getByTestId('missing').textContent()) ?? '', /service\.name/);
        const why = await page.getByRole('table', { name: /why each/ }).textContent();
        assert.match(why ?? '', /matched/);
        assert.match(why ?? '', /acme\.deploy\[phase=done\].*other event/);
        assert.match((await page.locator('pre.code').textContent()) ?? '', /"message": "Acme  is down"/);

        // A typed line for a new event, previewed with the event given.
        await page.getByTestId('line').fill('acme.deploy[phase=done]: phase,service{name}::Deploy of $service.name$ $phase$');
        await page.getByLabel('Event (optional)').fill('deploy');
        await page.getByTestId('payload').fill('{"phase": "done"}');
        await page.getByTestId('preview').click();
        await page.getByTestId('message').filter({ hasText: 'Deploy of  done' }).waitFor();
        assert.match((await page.getByTestId('missing').textContent()) ?? '', /service\.name/);
        // Save: a valid line is written to webhooks.ini (the refusal of an invalid one is checked last).
        await page.getByTestId('line').fill('acme.deploy[phase=done]: phase,service{name}::Deploy of $service.name$ $phase$');
        await page.getByRole('button', { name: 'Save line' }).click();
        await page.getByText('Saved acme.deploy[phase=done]: replaced at line 3 of webhooks.ini.').waitFor();
        assert.match(await readFile(join(server.dir, 'webhooks.ini'), 'utf8'), /^acme\.deploy\[phase=done\]: phase,service\{name\}::Deploy of \$service\.name\$ \$phase\$$/m);
        await page.getByTestId('preview').click();
        await page.getByTestId('message').filter({ hasText: 'Deploy of  done' }).waitFor();

        const shot = process.env['GENHOOK_CONSOLE_SCREENSHOT'];
        if (shot) await page.screenshot({ path: shot, fullPage: true });

        // Dead letters: the row is there; SL1 accepts now; replay it from the row.
        await page.getByRole('link', { name: 'Dead letters' }).click();
        await page.getByTestId('dlq').waitFor();
        const row = page.getByTestId('dlq-row');
        await row.first().waitFor();
        assert.equal(await row.count(), 1);
        const rowText = (await row.first().textContent()) ?? '';
        assert.match(rowText, /permanent/);
        assert.match(rowText, /400/);
        assert.match(rowText, /Acme payments is degraded/);
        await page.getByRole('button', { name: `Open ${alertId}` }).click();
        const detail = page.getByRole('region', { name: `Dead letter ${alertId}` });
        await detail.waitFor();
        assert.match((await detail.textContent()) ?? '', /no such organization/);
        assert.match((await detail.textContent()) ?? '', /"sl1Request"/);
        fake.respondWith(200);
        const before = fake.received.length;
        await page.getByRole('button', { name: `Replay ${alertId}`, exact: true }).click();
        await fake.waitFor(before + 1);
        assert.equal(fake.received.at(-1)?.body?.['message'], 'Acme payments is degraded');
        await row.first().waitFor({ state: 'detached' });
        assert.equal(await deadLetterCount(server), 0);
        await page.getByText('1 put back in the queue').waitFor();

        // Recent alerts: the replayed alert, delivered (the page refreshes itself).
        await page.getByRole('link', { name: 'Recent alerts' }).click();
        await page.getByRole('row').filter({ hasText: 'Acme payments is degraded' }).filter({ hasText: 'delivered' }).waitFor();

        // Sources: counts, and a source switched off and on again from its row.
        await page.getByRole('link', { name: 'Sources' }).click();
        const sources = page.getByTestId('sources');
        await sources.waitFor();
        const acmeRow = sources.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /acme/ }) });
        assert.match((await acmeRow.textContent()) ?? '', /enabled/);
        assert.match((await acmeRow.textContent()) ?? '', /dead-lettered \(permanent\)/);
        await page.getByRole('button', { name: 'Disable acme' }).click();
        await page.getByText('acme disabled.').waitFor();
        assert.match(await readFile(join(server.dir, 'webhooks.ini'), 'utf8'), /^;disabled; acme:/m);
        await page.getByRole('button', { name: 'Enable acme' }).click();
        await page.getByText('acme enabled.').waitFor();
        assert.doesNotMatch(await readFile(join(server.dir, 'webhooks.ini'), 'utf8'), /;disabled;/);
        await page.getByRole('link', { name: 'Health' }).click();
        await page.getByRole('heading', { name: 'Last configuration reload' }).waitFor();
        assert.match((await page.locator('main').textContent()) ?? '', /closed/);

        // SL1 refuses the credentials: Health says delivery is paused, with SL1's status, and offers to resume.
        fake.reject(401, { error: 'bad credentials' });
        await server.post('/webhook/acme', { status: 'down', service: { name: 'auth' } });
        await fake.waitForRequests(fake.requests.length + 1);
        await page.getByRole('link', { name: 'Health' }).click();
        await page.getByText('paused: SL1 refused them (401)').waitFor();
        fake.respondWith(200);
        await page.getByRole('button', { name: 'Resume delivery' }).click();
        await page.getByText('Delivery resumed').waitFor();
        await page.getByText('paused: SL1 refused them').waitFor({ state: 'detached' });

        assert.deepEqual(consoleErrors, [], 'the browser console logged errors');
        assert.deepEqual(offsite, [], 'the console requested something from another origin');

        // Last, on purpose: an invalid line is refused (422) and the page lists the problem as file:line:column.
        // Chromium logs every 4xx answer as a console error, so exactly that answer is expected here, nothing else.
        await page.getByRole('link', { name: 'Playground' }).click();
        await page.getByTestId('line').fill('acme.deploy[phase=done]: phase::Deploy $phase');
        await page.getByRole('button', { name: 'Save line' }).click();
        const refusal = page.getByRole('alert');
        await refusal.waitFor();
        assert.match((await refusal.textContent()) ?? '', /not valid.*request line:1:\d+/s);
        await waitForCount(consoleErrors, 2);
        assert.deepEqual([...consoleErrors].sort(), [
          `422 for PUT ${server.url}/admin/lines/acme.deploy%5Bphase%3Ddone%5D`,
          'Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)',
        ]);
      });
    } finally {
      await server.close();
    }
  });
});
