/**
 * settings.ini → typed, frozen settings. The `ini` package reads values (quotes, comments, sections);
 * a light scan of the same text finds each key's line so every problem names file, line and key.
 * Sections are only for grouping: `[server]` and `[sl1]` keys are read as if written at the top.
 * Every key can be overridden by the environment as GENHOOK_<KEY> (GENHOOK_SL1_PASSWORD).
 */
import ini from 'ini';
import { redactUrlPasswords } from './redact-url.js';
import { ConfigError, type ConfigIssue } from '../errors/index.js';
import {
  SETTINGS_SPEC,
  SOURCE_SETTING_DOCS,
  type GlobalSettings,
  type SettingSpec,
  type SettingsKey,
  type SourceSettingSuffix,
} from './settings-spec.js';

/** Where a value came from, for error messages. */
export interface ValueOrigin {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly key: string;
}

export interface SourceSettingValue {
  readonly value: string;
  readonly origin: ValueOrigin;
}

/** Per-source keys as written, validated later by the stage that uses them. */
export interface SourceSettingsText {
  readonly values: ReadonlyMap<Exclude<SourceSettingSuffix, 'sl1_'>, SourceSettingValue>;
  /** `github_sl1_force_ytype = 7` → `force_ytype` → `7`. */
  readonly sl1Fields: ReadonlyMap<string, SourceSettingValue>;
}

export type Settings = GlobalSettings & {
  readonly file: string;
  readonly sources: ReadonlyMap<string, SourceSettingsText>;
  /** `lookup_NAME = devices.csv`: lower-cased NAME → the file as written (read by config/lookup-tables.ts). */
  readonly lookups: ReadonlyMap<string, SourceSettingValue>;
};

/** Keys `lookup_NAME` name lookup tables for the `lookup:NAME` filter (so no source can be called `lookup`). */
const LOOKUP_KEY = /^lookup_([a-z0-9][a-z0-9_-]*)$/;

export interface LoadedSettings {
  readonly settings: Settings;
  readonly warnings: readonly ConfigIssue[];
}

/** Environment variables that name files rather than settings. */
const ENV_NOT_SETTINGS = new Set(['GENHOOK_SETTINGS', 'GENHOOK_WEBHOOKS', 'GENHOOK_WORKER_INDEX']);
const ENV_PREFIX = 'GENHOOK_';

const KEY_BY_SPELLING: ReadonlyMap<string, SettingsKey> = new Map(
  (Object.entries(SETTINGS_SPEC) as [SettingsKey, SettingSpec<unknown>][]).flatMap(([key, spec]) => [
    [key, key] as const,
    ...(spec.aliases ?? []).map((alias) => [alias, key] as const),
  ]),
);

const SOURCE_SUFFIXES = (Object.keys(SOURCE_SETTING_DOCS) as SourceSettingSuffix[])
  .filter((suffix) => suffix !== 'sl1_')
  // Longest first, so `secret_previous` wins over `secret`.
  .sort((a, b) => b.length - a.length);
const SOURCE_NAME = /^[a-z0-9][a-z0-9_-]*$/;

export function parseSettingsText(text: string, file: string, env: NodeJS.ProcessEnv = {}): LoadedSettings {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const entries = [...readIniEntries(text, file, warnings), ...readEnvEntries(env)];

  const globals = new Map<SettingsKey, { value: unknown; origin: ValueOrigin }>();
  const sources = new Map<string, { values: Map<string, SourceSettingValue>; sl1Fields: Map<string, SourceSettingValue> }>();
  const lookups = new Map<string, SourceSettingValue>();
  const issueAt = (origin: ValueOrigin, message: string): ConfigIssue => ({
    file: origin.file,
    line: origin.line,
    column: origin.column,
    message,
  });

  for (const { key, value, origin } of entries) {
    const globalKey = KEY_BY_SPELLING.get(key);
    if (globalKey !== undefined) {
      const spec: SettingSpec<unknown> = SETTINGS_SPEC[globalKey];
      const parsed = spec.kind.parse(value);
      if (parsed === undefined && !(value === '' && spec.defaultValue === undefined)) {
        errors.push(issueAt(origin, `${key} = ${spec.isSecret ? '(hidden)' : redactUrlPasswords(JSON.stringify(value))} is not valid: expected ${spec.kind.expected}`));
        continue;
      }
      const earlier = globals.get(globalKey);
      if (earlier && earlier.origin.file === origin.file && origin.file === file) {
        warnings.push(issueAt(origin, `${key} is set again (first at line ${earlier.origin.line}); this value wins`));
      }
      globals.set(globalKey, { value: parsed, origin });
      continue;
    }
    const lookup = LOOKUP_KEY.exec(key);
    if (lookup?.[1]) {
      lookups.set(lookup[1], { value, origin });
      continue;
    }
    const perSource = matchSourceKey(key);
    if (perSource) {
      const slot = sources.get(perSource.source) ?? { values: new Map(), sl1Fields: new Map() };
      sources.set(perSource.source, slot);
      (perSource.sl1Field ? slot.sl1Fields : slot.values).set(perSource.sl1Field ?? perSource.suffix, { value, origin });
      continue;
    }
    warnings.push(issueAt(origin, `unknown setting ${key} (ignored); see the settings reference in README.md`));
  }

  if (errors.length > 0) throw new ConfigError(errors);

  const values: Record<string, unknown> = { file };
  for (const key of Object.keys(SETTINGS_SPEC) as SettingsKey[]) {
    values[key] = globals.has(key) ? globals.get(key)?.value : SETTINGS_SPEC[key].defaultValue;
  }
  values['sources'] = new Map(
    [...sources].map(([source, slot]) => [source, Object.freeze({ values: slot.values, sl1Fields: slot.sl1Fields })]),
  );
  values['lookups'] = lookups;
  const settings = Object.freeze(values) as Settings;
  checkCombinations(settings, globals, errors);
  if (errors.length > 0) throw new ConfigError(errors);
  return { settings, warnings };
}

function checkCombinations(
  settings: Settings,
  globals: ReadonlyMap<SettingsKey, { origin: ValueOrigin }>,
  errors: ConfigIssue[],
): void {
  const where = (key: SettingsKey): ValueOrigin =>
    globals.get(key)?.origin ?? { file: settings.file, line: 1, column: 1, key };
  if (settings.ssl_enabled && (!settings.ssl_cert_path || !settings.ssl_key_path)) {
    const origin = where('ssl_enabled');
    errors.push({ ...origin, message: 'ssl_enabled = true needs ssl_cert_path and ssl_key_path (PEM files)' });
  }
  if (settings.retry_base_delay > settings.retry_max_delay) {
    const origin = where('retry_base_delay');
    errors.push({ ...origin, message: 'retry_base_delay is longer than retry_max_delay; expected base <= max' });
  }
}

function matchSourceKey(key: string): { source: string; suffix: string; sl1Field?: string } | undefined {
  const sl1 = /^(.+?)_sl1_([a-z][a-z0-9_]*)$/.exec(key);
  if (sl1?.[1] && sl1[2] && SOURCE_NAME.test(sl1[1])) return { source: sl1[1], suffix: 'sl1_', sl1Field: sl1[2] };
  for (const suffix of SOURCE_SUFFIXES) {
    if (key.length > suffix.length + 1 && key.endsWith(`_${suffix}`)) {
      const source = key.slice(0, -suffix.length - 1);
      if (SOURCE_NAME.test(source)) return { source, suffix };
    }
  }
  return undefined;
}

interface RawEntry {
  readonly key: string;
  readonly value: string;
  readonly origin: ValueOrigin;
}

/** Values from `ini`, positions from a scan of the same lines. */
function readIniEntries(text: string, file: string, warnings: ConfigIssue[]): RawEntry[] {
  const parsed = ini.parse(text) as Record<string, unknown>;
  const positions = locateKeys(text);
  const entries: RawEntry[] = [];
  const add = (section: string, key: string, raw: unknown): void => {
    const position = positions.get(`${section}\u0000${key}`) ?? { line: 1, column: 1 };
    const origin = { file, ...position, key };
    if (Array.isArray(raw) || (raw !== null && typeof raw === 'object')) {
      warnings.push({ file, ...position, message: `${key} is not a single value (ignored); write key = value` });
      return;
    }
    entries.push({ key: key.trim().toLowerCase(), value: raw === null ? '' : String(raw).trim(), origin });
  };
  for (const [name, value] of Object.entries(parsed)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) add(name, key, inner);
    } else {
      add('', name, value);
    }
  }
  return entries.sort((a, b) => a.origin.line - b.origin.line);
}

function locateKeys(text: string): Map<string, { line: number; column: number }> {
  const positions = new Map<string, { line: number; column: number }>();
  let section = '';
  text.split(/\r?\n/).forEach((lineText, index) => {
    const header = /^\s*\[([^\]]*)\]/.exec(lineText);
    if (header) {
      section = (header[1] ?? '').trim();
      return;
    }
    const assignment = /^(\s*)([^=;#\s][^=]*?)\s*=/.exec(lineText);
    if (!assignment) return;
    const id = `${section}\u0000${assignment[2] ?? ''}`;
    // ini keeps the last value of a repeated key, so the last position is the one to name.
    positions.set(id, { line: index + 1, column: (assignment[1]?.length ?? 0) + 1 });
  });
  return positions;
}

function readEnvEntries(env: NodeJS.ProcessEnv): RawEntry[] {
  return Object.entries(env)
    .filter(([name, value]) => name.startsWith(ENV_PREFIX) && !ENV_NOT_SETTINGS.has(name) && value !== undefined)
    .map(([name, value]) => {
      const key = name.slice(ENV_PREFIX.length).toLowerCase();
      return { key, value: (value ?? '').trim(), origin: { file: `environment ${name}`, line: 0, column: 0, key } };
    });
}

/** Settings as a person may see them: secrets replaced, sources flattened. */
export function describeSettings(settings: Settings): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const key of Object.keys(SETTINGS_SPEC) as SettingsKey[]) {
    const spec: SettingSpec<unknown> = SETTINGS_SPEC[key];
    const value = settings[key];
    shown[key] = spec.isSecret && value !== undefined ? '[redacted]' : value;
  }
  for (const [source, text] of settings.sources) {
    for (const [suffix, { value }] of text.values) {
      shown[`${source}_${suffix}`] = suffix.startsWith('secret') ? '[redacted]' : value;
    }
    for (const [field, { value }] of text.sl1Fields) shown[`${source}_sl1_${field}`] = value;
  }
  for (const [name, { value }] of settings.lookups) shown[`lookup_${name}`] = value;
  return shown;
}
