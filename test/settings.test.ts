import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError, formatConfigIssue } from '../src/errors/index.js';
import { SETTINGS_SPEC, SOURCE_SETTING_DOCS } from '../src/config/settings-spec.js';
import { describeSettings, parseSettingsText } from '../src/config/settings.js';
import { parseDurationMs, parseSizeBytes } from '../src/config/units.js';

test('parseDurationMs / parseSizeBytes - the forms settings.ini accepts', () => {
  const durations: [string, number | undefined][] = [
    ['30s', 30_000], ['500ms', 500], ['2m', 120_000], ['1h', 3_600_000], ['1d', 86_400_000],
    ['30', 30_000], ['1.5s', 1500], [' 10 s ', 10_000], ['', undefined], ['-1s', undefined], ['5 parsecs', undefined],
  ];
  for (const [text, expected] of durations) assert.equal(parseDurationMs(text), expected, text);
  const sizes: [string, number | undefined][] = [
    ['100MB', 100 * 1024 ** 2], ['1mb', 1024 ** 2], ['512KB', 512 * 1024], ['1GiB', 1024 ** 3], ['2048', 2048], ['lots', undefined],
  ];
  for (const [text, expected] of sizes) assert.equal(parseSizeBytes(text), expected, text);
});

test('parseSettingsText - defaults, sections, seed spellings and per-source keys', () => {
  const text = [
    '[server]',
    'server_port = 9090',
    '[threading]',
    'max_threads = 12',
    'queue_size = 50',
    'thread_timeout = 45s',
    'sl1_retry_attempts = 5',
    '[sources]',
    'shopify_max_concurrent = 10',
    'github_secret = "s3cr;et#1"',
    'github_sl1_force_ytype = 7',
    'github-enterprise_provider = github',
  ].join('\n');
  const { settings, warnings } = parseSettingsText(text, 'settings.ini');
  assert.deepEqual(warnings, []);
  assert.equal(settings.server_port, 9090);
  assert.equal(settings.max_worker_threads, 12);
  assert.equal(settings.queue_max_size, 50);
  assert.equal(settings.processing_timeout, 45_000);
  assert.equal(settings.retry_max_attempts, 5);
  assert.equal(settings.sl1_api_url, undefined, 'no URL means log mode');
  assert.equal(settings.server_host, SETTINGS_SPEC.server_host.defaultValue);
  assert.equal(settings.sources.get('shopify')?.values.get('max_concurrent')?.value, '10');
  assert.equal(settings.sources.get('github')?.values.get('secret')?.value, 's3cr;et#1');
  assert.equal(settings.sources.get('github')?.sl1Fields.get('force_ytype')?.value, '7');
  assert.equal(settings.sources.get('github-enterprise')?.values.get('provider')?.value, 'github');
  assert.equal(settings.sources.get('github')?.values.get('secret')?.origin.line, 10);
});

test('parseSettingsText - the environment overrides the file', () => {
  const { settings } = parseSettingsText('server_port = 9090\n', 'settings.ini', {
    GENHOOK_SERVER_PORT: '7070',
    GENHOOK_SL1_PASSWORD: 'hunter2',
    GENHOOK_GITHUB_SECRET: 'from-env',
    GENHOOK_SETTINGS: '/not/a/setting.ini',
  });
  assert.equal(settings.server_port, 7070);
  assert.equal(settings.sl1_password, 'hunter2');
  assert.equal(settings.sources.get('github')?.values.get('secret')?.value, 'from-env');
  const shown = JSON.stringify(describeSettings(settings));
  assert.ok(!shown.includes('hunter2') && !shown.includes('from-env'), 'a settings dump never shows secrets');
});

test('parseSettingsText - bad values stop startup naming file, line, key and the expected form', () => {
  const text = ['server_port = eighty', 'sl1_timeout = soon', 'queue_max_size = -3', 'sl1_api_url = ftp://x', 'ssl_enabled = maybe'].join('\n');
  const error = (() => {
    try {
      parseSettingsText(text, 'settings.ini');
    } catch (caught) {
      return caught;
    }
    return undefined;
  })();
  assert.ok(error instanceof ConfigError);
  const lines = error.issues.map(formatConfigIssue);
  assert.deepEqual(lines, [
    'settings.ini:1:1: server_port = "eighty" is not valid: expected a TCP port from 0 to 65535',
    'settings.ini:2:1: sl1_timeout = "soon" is not valid: expected a duration above 0 and at most 24d, such as 300, 30s, 500ms, 5m, 5 minutes or 1.5h',
    'settings.ini:3:1: queue_max_size = "-3" is not valid: expected a whole number above 0',
    'settings.ini:4:1: sl1_api_url = "ftp://x" is not valid: expected an http:// or https:// URL such as https://sl1.example.com/api/alert',
    'settings.ini:5:1: ssl_enabled = "maybe" is not valid: expected true or false',
  ]);
});


test('parseSettingsText - unknown keys are warnings naming their line', () => {
  const { warnings } = parseSettingsText('server_port = 1\nserver_prot = 2\n', 'settings.ini');
  assert.deepEqual(warnings.map(formatConfigIssue), [
    'settings.ini:2:1: unknown setting server_prot (ignored); see the settings reference in README.md',
  ]);
});

test('parseSettingsText - HTTPS needs its certificate and key', () => {
  assert.throws(() => parseSettingsText('ssl_enabled = true\n', 'settings.ini'), /ssl_enabled = true needs ssl_cert_path and ssl_key_path/);
});

test('the shipped settings.ini loads without warnings', () => {
  const { warnings } = parseSettingsText(readFileSync('settings.ini', 'utf8'), 'settings.ini');
  assert.deepEqual(warnings, []);
});

test('README documents every setting key', () => {
  const readme = readFileSync('README.md', 'utf8');
  const keys = [...Object.keys(SETTINGS_SPEC), ...Object.keys(SOURCE_SETTING_DOCS).map((suffix) => `<source>_${suffix}`)];
  const undocumented = keys.filter((key) => !readme.includes(`\`${key}\``));
  assert.deepEqual(undocumented, []);
});
