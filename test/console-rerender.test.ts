/**
 * The console's "Replay re-rendered" (issue: dead letters rendered anew with today's lines) in real headless
 * Chromium against a real GenHook and a fake SL1: a dead letter written under an old line, the line fixed and
 * reloaded, the row's button pressed from the keyboard, and SL1 receives the new message. Any browser console
 * error fails the test.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { eventually } from './support/eventually.js';
import { withFakeSl1 } from './support/fake-sl1.js';
import { send, startTestGenHook } from './support/genhook.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const skipBrowser = existsSync(CHROMIUM) ? false : `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to test the console in a browser`;
const TOKEN = 'rerender-token-7';

test('console: "Replay re-rendered" sends the dead letter rendered with today\'s line', { skip: skipBrowser }, async () => {
  await withFakeSl1(async (fake) => {
    fake.reject(400, { error: 'no such organization' });
    const server = await startTestGenHook({
      webhooks: 'acme: status,service{name}::Acme $service.name$ is $status$\n',
      settings: { admin_token: TOKEN, sl1_api_url: fake.url, sl1_username: 'genhook', sl1_password: 'secret' },
    });
    const admin = (method: string, path: string) => send(`${server.url}/admin${path}`, '', { authorization: `Bearer ${TOKEN}` }, method);
    const profile = await mkdtemp(join(tmpdir(), 'genhook-chromium-'));
    try {
      const posted = await server.post('/webhook/acme', { status: 'degraded', service: { name: 'payments' } });
      const alertId = String(posted.json['id']);
      await eventually('the dead letter', async () => ((await admin('GET', '/dead-letters')).json['total'] === 1 ? true : undefined));
      await writeFile(join(server.dir, 'webhooks.ini'), 'acme: status,service{name}::Fixed: $service.name$ is $status$\n');
      assert.equal((await admin('POST', '/reload')).status, 200);
      fake.respondWith(201);

      const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      try {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') errors.push(message.text());
        });
        page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
        await page.goto(`${server.url}/console`);
        await page.getByTestId('token').focus();
        await page.keyboard.type(TOKEN);
        await page.keyboard.press('Enter');
        await page.getByRole('link', { name: 'Dead letters' }).click();
        await page.getByTestId('dlq-row').first().waitFor();

        // Labelled for a screen reader, and pressed from the keyboard.
        const button = page.getByRole('button', { name: `Replay ${alertId} re-rendered with today's lines`, exact: true });
        assert.equal(await button.textContent(), 'Replay re-rendered');
        await button.focus();
        await page.keyboard.press('Enter');
        await fake.waitFor(1);
        assert.equal(fake.received[0]?.body?.['message'], 'Fixed: payments is degraded');
        await page.getByText(/1 put back in the queue re-rendered with today's lines/).waitFor();
        await page.getByTestId('dlq-row').first().waitFor({ state: 'detached' });
        assert.equal(await page.getByRole('button', { name: "Replay all re-rendered with today's lines" }).isDisabled(), true, 'nothing left to replay');
        assert.deepEqual(errors, []);
      } finally {
        await context.close();
      }
    } finally {
      await rm(profile, { recursive: true, force: true });
      await server.close();
    }
  });
});
