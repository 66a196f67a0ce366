/**
 * /openapi.json is a valid OpenAPI 3.1 document (checked by @readme/openapi-parser) that describes every route in
 * the running app's route table, so a route added without its description fails here; /docs renders it in
 * headless Chromium from local assets only.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { compileErrors, validate } from '@readme/openapi-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { chromium } from 'playwright-core';
import { send, startTestGenHook, type TestGenHook } from './support/genhook.js';

const CHROMIUM = '/usr/bin/chromium';
const skipBrowser = existsSync(CHROMIUM) ? false : `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) to check that /docs renders`;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

let server: TestGenHook;
let document: OpenAPIV3_1.Document;

before(async () => {
  server = await startTestGenHook({ webhooks: 'acme: status::Acme $status$\n', settings: { admin_token: 'docs-token' } });
  const answer = await send(`${server.url}/openapi.json`, '', {}, 'GET');
  assert.equal(answer.status, 200);
  document = answer.json as OpenAPIV3_1.Document;
});
after(() => server.close());

/** `/webhook/:source` → `/webhook/{source}`, `/console/:file{.*}` → `/console/{file}`. */
const toOpenApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}');

test('/openapi.json is a valid OpenAPI 3.1 document', async () => {
  assert.equal(document.openapi, '3.1.0');
  assert.equal(document.info.title, 'GenHook');
  const result = await validate(structuredClone(document) as never);
  assert.ok(result.valid, result.valid ? '' : compileErrors(result));
});

test('/openapi.json describes every route of the running app, each with a summary and its answers', () => {
  const routes = server.genhook.app.routes.filter((route: { method: string }) => route.method !== 'ALL');
  assert.ok(routes.length > 20);
  const missing: string[] = [];
  for (const route of routes) {
    const operation = document.paths?.[toOpenApiPath(route.path)]?.[route.method.toLowerCase() as (typeof METHODS)[number]];
    if (!operation?.summary || !operation.responses || Object.keys(operation.responses).length === 0) missing.push(`${route.method} ${route.path}`);
  }
  assert.deepEqual(missing, [], 'routes without a description (add describeRoute(...) where the route is defined)');

  for (const path of ['/webhook', '/webhook/{source}', '/health', '/ready', '/metrics', '/admin/sources', '/admin/dead-letters/{id}/replay', '/openapi.json', '/docs']) {
    assert.ok(document.paths?.[path], `${path} documented`);
  }
  assert.ok(document.paths?.['/webhook/{source}']?.options, 'the CloudEvents handshake is documented');
  assert.ok(document.paths?.['/webhook/{source}']?.post?.responses?.['202']);
  // Every admin operation needs the bearer token and says so.
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith('/admin/')) continue;
    for (const method of METHODS) {
      const operation = item?.[method];
      if (!operation) continue;
      assert.deepEqual(operation.security, [{ adminToken: [] }], `${method} ${path}`);
      assert.ok(operation.responses?.['401'], `${method} ${path} documents 401`);
    }
  }
  assert.deepEqual(document.components?.securitySchemes?.['adminToken'], { type: 'http', scheme: 'bearer', description: 'The admin_token from settings.ini' });
});

test('/docs renders the API in headless Chromium from local assets only', { skip: skipBrowser }, async () => {
  const page = await send(`${server.url}/docs`, '', {}, 'GET');
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.text, /https?:\/\//, 'the page loads nothing from another origin');
  const profile = await mkdtemp(join(tmpdir(), 'genhook-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const tab = await context.newPage();
    const problems: string[] = [];
    tab.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    tab.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    tab.on('request', (request) => {
      if (!request.url().startsWith(server.url) && !request.url().startsWith('data:')) problems.push(`offsite request: ${request.url()}`);
    });
    await tab.goto(`${server.url}/docs`);
    await tab.getByRole('heading', { name: /GenHook/ }).first().waitFor();
    await tab.getByText('/admin/dead-letters/{id}/replay').first().waitFor();
    await tab.getByText('/webhook/{source}').first().waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
});
