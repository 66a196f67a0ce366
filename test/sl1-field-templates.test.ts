/**
 * `<source>_sl1_<field>` and `<source>_aligned_resource` are templates: SL1 receives the entity, value,
 * threshold and time the payload names, through a real GenHook and a real fake SL1. Only SL1's documented
 * fields are accepted.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, formatConfigIssue } from '../src/errors/config-error.js';
import { compileConfig } from '../src/config/runtime.js';
import { startFakeSl1 } from './support/fake-sl1.js';
import { startTestGenHook } from './support/genhook.js';
import { tempDir } from './support/temp-dir.js';

function issuesOf(settingsText: string): string[] {
  try {
    compileConfig({ settingsFile: 's.ini', webhooksFile: 'w.ini', settingsText, webhooksText: 'github: action::GitHub $action$\n' });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map(formatConfigIssue);
  }
}

test('SL1 field templates - any other <source>_sl1_* key is a config error naming its line', () => {
  assert.deepEqual(issuesOf('; x\ngithub_sl1_api_url = https://sl1.example.com\ngithub_sl1_force_ytype = 7\ngithub_sl1_message = hi\n'), [
    's.ini:2:1: github_sl1_api_url: "api_url" is not an SL1 alert field GenHook sends; use one of <source>_sl1_aligned_resource, <source>_sl1_force_ytype, <source>_sl1_force_yid, <source>_sl1_force_yname, <source>_sl1_value, <source>_sl1_threshold, <source>_sl1_message_time',
    's.ini:4:1: github_sl1_message: "message" is not an SL1 alert field GenHook sends; use one of <source>_sl1_aligned_resource, <source>_sl1_force_ytype, <source>_sl1_force_yid, <source>_sl1_force_yname, <source>_sl1_value, <source>_sl1_threshold, <source>_sl1_message_time; the message is the webhooks.ini line',
  ]);
  assert.deepEqual(issuesOf('github_sl1_value = $a|nope$\n'), [
    's.ini:1:1: github_sl1_value (character 4 of the value): unknown filter "nope"; filters: default:TEXT, upper, lower, trim, trunc:N, map:k1=v1,k2=v2,*=other, lookup:NAME, join:SEP, first, last, count, json, date:FORMAT[:ZONE]',
  ]);
});

test('SL1 field templates - rendered per item from the raw payload; a field with a missing variable keeps its fallback', async () => {
  const dir = await tempDir('genhook-sl1-fields-');
  await writeFile(join(dir, 'devices.csv'), 'Q2XX-1,/api/device/12\n');
  const sl1 = await startFakeSl1();
  const server = await startTestGenHook({
    dir,
    webhooks: 'meraki: alertType::Meraki $alertType$\n',
    settings: {
      sl1_api_url: `${sl1.url}/api/alert`,
      lookup_devices: 'devices.csv',
      meraki_sl1_aligned_resource: '$deviceSerial|lookup:devices|default:"/api/organization/0"$',
      meraki_sl1_message_time: '$sentAt|date:%s$',
      meraki_sl1_value: '$alertData.value$',
      meraki_sl1_threshold: '$alertData.threshold|default:"0"$',
      meraki_sl1_force_ytype: '7',
      meraki_sl1_force_yname: 'port $alertData.port|default:"?"$',
    },
  });
  try {
    const base = { organizationId: '1', networkId: 'N_1', version: '0.1', alertType: 'Port down', sentAt: '2024-03-10T22:15:30.000000Z' };
    assert.equal((await server.post('/webhook/meraki', { ...base, alertId: 'a1', deviceSerial: 'Q2XX-1', alertData: { value: 95, threshold: 90, port: 3 } })).status, 202);
    assert.equal((await server.post('/webhook/meraki', { ...base, alertId: 'a2', deviceSerial: 'Q2XX-9', alertData: {} })).status, 202);
    await sl1.waitFor(2);
    const bodies = [...sl1.received].sort((a, b) => String(a.body?.['value']).localeCompare(String(b.body?.['value']))).map((request) => request.body);
    assert.deepEqual(bodies, [
      { force_ytype: '7', force_yid: '0', force_yname: 'port ?', message: 'Meraki Port down', value: '0', threshold: '0', message_time: '1710108930', aligned_resource: '/api/organization/0' },
      { force_ytype: '7', force_yid: '0', force_yname: 'port 3', message: 'Meraki Port down', value: '95', threshold: '90', message_time: '1710108930', aligned_resource: '/api/device/12' },
    ]);
    const hole = server.logs.find((line) => line['msg'] === 'alert rendered with fields missing from the payload');
    assert.deepEqual(hole?.['missing'], ['value: alertData.value']);
  } finally {
    await server.close();
    await sl1.close();
  }
});
