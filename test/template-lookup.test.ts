/**
 * Lookup tables (`lookup_NAME = FILE` + `$x|lookup:NAME$`) through the configuration edge and a real
 * server: read from real files, errors at file:line, reloaded with the config; holes logged at info
 * once a minute per line; filter warnings counted.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, formatConfigIssue } from '../src/errors/config-error.js';
import { parseLookupCsv } from '../src/config/lookup-tables.js';
import { compileConfig } from '../src/config/runtime.js';
import { send, startTestGenHook } from './support/genhook.js';
import { scrape } from './support/metrics-text.js';
import { tempDir } from './support/temp-dir.js';

const LINE = 'meraki: deviceSerial,alertType::Meraki $alertType$ on $deviceSerial|lookup:devices|default:"unknown device"$\n';

function compileWith(settingsText: string, files: Record<string, string>, webhooksText = LINE): string[] {
  try {
    compileConfig({
      settingsFile: '/etc/genhook/settings.ini',
      webhooksFile: '/etc/genhook/webhooks.ini',
      settingsText,
      webhooksText,
      readTable: (path) => {
        const text = files[path];
        if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
        return text;
      },
    });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map(formatConfigIssue);
  }
}

test('lookup tables - CSV with an optional header, comments, quotes; keys exact', () => {
  const issues: never[] = [];
  const table = parseLookupCsv('key,value\n# comment\n\nQ2XX-1, /api/device/12\r\n"a,b","say ""hi"""\n', 't.csv', issues);
  assert.deepEqual(issues, []);
  assert.deepEqual([...(table ?? [])], [['Q2XX-1', '/api/device/12'], ['a,b', 'say "hi"']]);
  const noHeader = parseLookupCsv('x,1\n', 't.csv', []);
  assert.deepEqual([...(noHeader ?? [])], [['x', '1']]);
});

test('lookup tables - a duplicate key or a bad row is a config error at the table file:line', () => {
  const issues = compileWith('lookup_devices = devices.csv\n', { '/etc/genhook/devices.csv': 'key,value\na,1\nb,2\na,3\nc\n' });
  assert.deepEqual(issues, [
    '/etc/genhook/devices.csv:4:1: duplicate key "a" (first on line 2)',
    '/etc/genhook/devices.csv:5:1: expected two columns key,value, found 1',
  ]);
});

test('lookup tables - a missing file is a config error at the settings line; an unknown table at the webhooks column', () => {
  assert.deepEqual(compileWith('; tables\nlookup_devices = nope.csv\n', {}), [
    '/etc/genhook/settings.ini:2:1: lookup_devices = nope.csv: cannot read /etc/genhook/nope.csv: file not found',
  ]);
  const [unknown] = compileWith('', {}, 'meraki: s::$s|lookup:devices$\n');
  assert.match(unknown ?? '', /^\/etc\/genhook\/webhooks\.ini:1:15: filter lookup:devices: no lookup table "devices"; name its file in settings\.ini as lookup_devices = FILE\.csv$/);
});

test('lookup tables - end to end: rendered from the file, reloaded with the config; holes at info once a minute per line; warnings counted', async () => {
  const dir = await tempDir('genhook-lookup-');
  await writeFile(join(dir, 'devices.csv'), 'key,value\nQ2XX-1,core switch\n');
  const server = await startTestGenHook({
    dir,
    settings: { lookup_devices: 'devices.csv', admin_token: 'tok', log_level: 'info' },
    webhooks: `${LINE}acme: status,checks,region::Acme $status|upper$ ($checks|count$ checks) in $region$\n`,
  });
  try {
    const messageOf = async (path: string, body: object): Promise<unknown> => {
      const response = await server.post(path, body);
      assert.equal(response.status, 202, response.text);
      return server.logs.find((line) => line['alertId'] === response.json['id'] && line['delivered'] === false)?.['message'];
    };
    const alert = { alertType: 'APs went down', organizationId: '1', networkId: 'N_1', sentAt: '2024-01-01T00:00:00Z', version: '0.1' };
    assert.equal(await messageOf('/webhook/meraki', { ...alert, alertId: 'a1', deviceSerial: 'Q2XX-1' }), 'Meraki APs went down on core switch');
    assert.equal(await messageOf('/webhook/meraki', { ...alert, alertId: 'a2', deviceSerial: 'Q2XX-9' }), 'Meraki APs went down on unknown device');

    await writeFile(join(dir, 'devices.csv'), 'Q2XX-1,edge router\n');
    const reload = await send(`${server.url}/admin/reload`, '', { authorization: 'Bearer tok' });
    assert.equal(reload.status, 200, reload.text);
    assert.equal(await messageOf('/webhook/meraki', { ...alert, alertId: 'a3', deviceSerial: 'Q2XX-1' }), 'Meraki APs went down on edge router');

    for (let i = 0; i < 3; i++) assert.equal(await messageOf('/webhook/acme', { status: 'down', checks: 'db' }), 'Acme DOWN (db checks) in ');
    const holes = server.logs.filter((line) => line['msg'] === 'alert rendered with fields missing from the payload');
    assert.equal(holes.length, 1, JSON.stringify(holes));
    assert.equal(holes[0]?.['level'], 'info');
    assert.deepEqual(holes[0]?.['missing'], ['region']);
    assert.deepEqual(holes[0]?.['filterWarnings'], ['$checks|count$: count needs a list, not text "db"']);
    const metrics = await scrape(server.url);
    assert.equal(metrics.value('genhook_template_missing_fields_total', { source: 'acme' }), 3);
    assert.equal(metrics.value('genhook_template_render_warnings_total', { source: 'acme' }), 3);
  } finally {
    await server.close();
  }
});
