/**
 * The edge where configuration is read: settings.ini and webhooks.ini become one frozen RuntimeConfig
 * (rules indexed, verifiers compiled, limits parsed), or a ConfigError listing every problem in both files.
 * Nothing after this point parses configuration; a reload builds a new RuntimeConfig and swaps it in.
 * Each source is compiled by compile-source.ts; the types are in runtime-types.ts.
 */
import { parseCidrList } from '../admit/index.js';
import { ConfigError, type ConfigIssue } from '../errors/index.js';
import { RuleSet, parseWebhooksFile } from '../rules/index.js';
import { compileOptional, compileSource } from './compile-source.js';
import { loadLookupTables } from './lookup-tables.js';
import type { ConfigFiles, LoadedConfig, RuntimeConfig, SourceRuntime } from './runtime-types.js';
import { parseSettingsText } from './settings.js';

export type { ConfigFiles, LoadedConfig, RuntimeConfig, SourceRuntime } from './runtime-types.js';

/** Pure: both files' text in, a RuntimeConfig out (or a ConfigError with every issue of both files). */
export function compileConfig(input: ConfigFiles & { settingsText: string; webhooksText: string }): LoadedConfig {
  const issues: ConfigIssue[] = [];
  let loadedSettings: ReturnType<typeof parseSettingsText> | undefined;
  try {
    loadedSettings = parseSettingsText(input.settingsText, input.settingsFile, input.env ?? {});
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    issues.push(...error.issues);
  }
  // Tables first: the `lookup:NAME` filters of webhooks.ini are compiled against them.
  const lookups = loadedSettings
    ? loadLookupTables(loadedSettings.settings.lookups, input.settingsFile, issues, input.readTable)
    : { tables: new Map(), files: [], fingerprint: '' };
  const parsedRules = parseWebhooksFile(input.webhooksText, input.webhooksFile, { lookups: lookups.tables });
  issues.push(...parsedRules.issues);
  if (!loadedSettings || issues.length > 0) throw new ConfigError(issues);

  const { settings } = loadedSettings;
  const warnings = [...loadedSettings.warnings];
  const rules = new RuleSet(parsedRules.rules);
  const sources = new Map<string, SourceRuntime>();
  for (const name of rules.sources()) {
    sources.set(name, compileSource(name, settings, issues, lookups.tables));
  }
  for (const [name, text] of settings.sources) {
    if (sources.has(name)) continue;
    const first = [...text.values.values(), ...text.sl1Fields.values()][0];
    if (first) {
      warnings.push({
        ...first.origin,
        message: `${first.origin.key} is set but ${input.webhooksFile} has no line for source "${name}"`,
      });
    }
  }
  const trustedProxies = compileOptional(settings.trusted_proxies, (text) => parseCidrList(text), {
    file: settings.file,
    line: 1,
    column: 1,
    key: 'trusted_proxies',
  }, issues);
  if (issues.length > 0) throw new ConfigError(issues);

  const sourceByProvider = new Map<string, string>();
  for (const source of sources.values()) {
    if (source.provider && !sourceByProvider.has(source.provider)) sourceByProvider.set(source.provider, source.name);
  }
  const config: RuntimeConfig = Object.freeze({
    settings,
    rules,
    sources,
    sourceByProvider,
    trustedProxies,
    settingsFile: input.settingsFile,
    webhooksFile: input.webhooksFile,
    lookupFiles: Object.freeze(lookups.files),
    lookupFingerprint: lookups.fingerprint,
  });
  return { config, warnings };
}
