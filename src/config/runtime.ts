/**
 * The edge where configuration is read: settings.ini and webhooks.ini become one frozen RuntimeConfig
 * (rules indexed, verifiers compiled, limits parsed), or a ConfigError listing every problem in both files.
 * Nothing after this point parses configuration; a reload builds a new RuntimeConfig and swaps it in.
 */
import { compileSourceReading, parseReadingAccessors, providerFor, type ReadingOverrides, type SourceReading } from '../identify/index.js';
import { SL1_TEMPLATE_FIELDS, type Sl1FieldTemplate, type Sl1TemplateField } from '../render/index.js';
import { RuleSet, parseWebhooksFile } from '../rules/index.js';
import { parseTemplate } from '../rules/parse-template.js';
import type { LookupTables } from '../template/filters.js';
import { SlidingWindowLimiter, parseCidrList, type RateLimit, type IpMatcher } from '../admit/index.js';
import { SettingError, ConfigError, type ConfigIssue } from '../errors/index.js';
import { compileVerifier, parseSignatureSetting, type Verifier } from '../verify/index.js';
import { loadLookupTables, type ReadTableFile } from './lookup-tables.js';
import { parseSettingsText, type Settings, type SourceSettingValue, type SourceSettingsText } from './settings.js';
import { durationKind } from './settings-spec.js';
import { parseBoolean, parsePositiveInt, parseRateLimit } from './units.js';

/** Everything GenHook knows about one configured source, compiled. */
export interface SourceRuntime {
  readonly name: string;
  /** Built-in provider rules it follows (identification, events, handshakes), or undefined for a generic source. */
  readonly provider: string | undefined;
  readonly isEnabled: boolean;
  readonly verify: Verifier | undefined;
  /** The verifier reads the parsed body (Meraki's sharedSecret), so the body is parsed before verifying. */
  readonly verifyReadsBody: boolean;
  /** `<source>_rate_limit`, charged per verified request (every request when the source has no verifier). */
  readonly limiter: SlidingWindowLimiter | undefined;
  /** `<source>_rate_limit` as parsed, for the limit shared across replicas (redis_url). */
  readonly rateLimit: RateLimit | undefined;
  /**
   * The same rate per client address, charged per request that failed verification and checked before
   * verifying: junk from one address is refused cheaply without using up the source's limit.
   */
  readonly failedVerifications: SlidingWindowLimiter | undefined;
  readonly isIpAllowed: IpMatcher | undefined;
  /** SL1 alert body fields beyond `message` (aligned_resource, force_ytype, ...) that do not read the payload. */
  readonly sl1Fields: Readonly<Record<string, string>>;
  /** `<source>_sl1_<field>` values with variables, rendered per item over `sl1Fields`. */
  readonly sl1FieldTemplates: readonly Sl1FieldTemplate[];
  readonly maxConcurrent: number | undefined;
  /**
   * `<source>_dedup`: what makes a request a duplicate within dedup_window. `id`: the provider's delivery id;
   * `body`: a digest of the raw body; `both` (the default with a secret): either. Signatures of GitHub, Shopify and
   * Jira cover the body only, so a captured body re-sent with another delivery id is still a replay.
   */
  readonly dedupBy: 'id' | 'body' | 'both';
  /** Items, event and delivery id of a request: the provider's, or `<source>_split/_event/_id`. */
  readonly reading: SourceReading;
}

export interface RuntimeConfig {
  readonly settings: Settings;
  readonly rules: RuleSet;
  readonly sources: ReadonlyMap<string, SourceRuntime>;
  /** Provider name → the configured source that receives it on `POST /webhook`. */
  readonly sourceByProvider: ReadonlyMap<string, string>;
  readonly trustedProxies: IpMatcher | undefined;
  readonly settingsFile: string;
  readonly webhooksFile: string;
  /** Lookup table files read for this config (absolute), so a watcher can reload when one changes. */
  readonly lookupFiles: readonly string[];
  /** Digest of the lookup tables' contents: a file event with unchanged .ini files reloads only when it differs. */
  readonly lookupFingerprint: string;
}

export interface ConfigFiles {
  readonly settingsFile: string;
  readonly webhooksFile: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Reads lookup table files (`lookup_NAME = FILE`); the file system unless a test says otherwise. */
  readonly readTable?: ReadTableFile;
}

export interface LoadedConfig {
  readonly config: RuntimeConfig;
  readonly warnings: readonly ConfigIssue[];
}

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

/** Client addresses whose failed verifications are counted apart; beyond it they share one count. */
const FAILED_VERIFICATION_ADDRESSES = 10_000;

const NO_VALUES: SourceSettingsText = { values: new Map(), sl1Fields: new Map() };

function compileSource(name: string, settings: Settings, issues: ConfigIssue[], lookups: LookupTables): SourceRuntime {
  const text = settings.sources.get(name) ?? NO_VALUES;
  const value = (suffix: Parameters<SourceSettingsText['values']['get']>[0]): SourceSettingValue | undefined =>
    text.values.get(suffix);
  const fail = (setting: SourceSettingValue, expected: string): undefined => {
    issues.push({ ...setting.origin, message: `${setting.origin.key} = ${JSON.stringify(setting.value)} is not valid: expected ${expected}` });
    return undefined;
  };
  const fromSetting = <T>(setting: SourceSettingValue | undefined, parse: (text: string) => T | undefined, expected: string) =>
    setting === undefined ? undefined : (parse(setting.value) ?? fail(setting, expected));

  const providerSetting = value('provider');
  const provider = providerSetting ? providerSetting.value.toLowerCase() : providerFor(name) ? name : undefined;
  if (providerSetting && !providerFor(provider ?? '')) {
    fail(providerSetting, 'the name of a built-in provider (github, stripe, slack, shopify, azure, aws, jira, meraki, ...)');
  }

  const secrets = [value('secret'), value('secret_previous')].flatMap((setting) => (setting?.value ? [setting.value] : []));
  const signature = value('signature');
  const verifier = compileSourceVerifier(name, provider, secrets, signature, value('signature_tolerance'), value('username'), issues, settings);

  const limit = value('rate_limit');
  const rateLimit = compileOptional(limit?.value, parseRateLimit, limit?.origin, issues);
  const allow = value('allow_ips');
  const { sl1Fields, sl1FieldTemplates } = compileSl1Fields(settings, value('aligned_resource'), text.sl1Fields, lookups, issues);

  return Object.freeze({
    name,
    provider,
    isEnabled: fromSetting(value('enabled'), parseBoolean, 'true or false') ?? true,
    verify: verifier?.verify,
    verifyReadsBody: verifier?.readsBody ?? false,
    limiter: rateLimit ? new SlidingWindowLimiter(rateLimit) : undefined,
    rateLimit,
    failedVerifications: rateLimit && verifier ? new SlidingWindowLimiter(rateLimit, { maxKeys: FAILED_VERIFICATION_ADDRESSES }) : undefined,
    isIpAllowed: compileOptional(allow?.value, parseCidrList, allow?.origin, issues),
    sl1Fields,
    sl1FieldTemplates,
    maxConcurrent: fromSetting(value('max_concurrent'), parsePositiveInt, 'a whole number above 0'),
    dedupBy: fromSetting(value('dedup'), parseDedupBy, 'one of id, body, both') ?? (secrets.length > 0 ? 'both' : 'id'),
    reading: compileSourceReading(provider, readingOverrides(value, issues)),
  });
}

function parseDedupBy(text: string): 'id' | 'body' | 'both' | undefined {
  const word = text.trim().toLowerCase();
  return word === 'id' || word === 'body' || word === 'both' ? word : undefined;
}

/**
 * `<source>_aligned_resource` and `<source>_sl1_<field>`: SL1's documented fields only, each a template in
 * the line language. A value without variables is static; one with variables is rendered per item and
 * falls back to the static value (or SL1's default) when a variable is missing.
 */
function compileSl1Fields(
  settings: Settings,
  aligned: SourceSettingValue | undefined,
  fieldSettings: ReadonlyMap<string, SourceSettingValue>,
  lookups: LookupTables,
  issues: ConfigIssue[],
): { sl1Fields: Readonly<Record<string, string>>; sl1FieldTemplates: readonly Sl1FieldTemplate[] } {
  const sl1Fields: Record<string, string> = { aligned_resource: settings.sl1_aligned_resource };
  const templates: Sl1FieldTemplate[] = [];
  const entries: [Sl1TemplateField, SourceSettingValue][] = [];
  if (aligned) entries.push(['aligned_resource', aligned]);
  for (const [field, setting] of fieldSettings) {
    if (!(SL1_TEMPLATE_FIELDS as readonly string[]).includes(field)) {
      const hint = field === 'message' ? '; the message is the webhooks.ini line' : '';
      issues.push({ ...setting.origin, message: `${setting.origin.key}: "${field}" is not an SL1 alert field GenHook sends; use one of ${SL1_TEMPLATE_FIELDS.map((name) => `<source>_sl1_${name}`).join(', ')}${hint}` });
      continue;
    }
    entries.push([field as Sl1TemplateField, setting]);
  }
  for (const [field, setting] of entries) {
    let isValid = true;
    const parsed = parseTemplate(setting.value, 0, (offset, message) => {
      isValid = false;
      issues.push({ ...setting.origin, message: `${setting.origin.key} (character ${offset + 1} of the value): ${message}` });
    }, { lookups });
    if (!isValid) continue;
    if (parsed.vars.length === 0) {
      sl1Fields[field] = parsed.tokens.map((token) => (token.kind === 'text' ? token.text : '')).join('');
      continue;
    }
    // Without its variables the field is what it would be unset: aligned_resource the global one, others SL1's default.
    const fallback = sl1Fields[field];
    delete sl1Fields[field];
    templates.push(Object.freeze({ field, tokens: parsed.tokens, fallback }));
  }
  return { sl1Fields: Object.freeze(sl1Fields), sl1FieldTemplates: Object.freeze(templates) };
}

/** `<source>_split = PATH`, `<source>_event` and `<source>_id = PATH | ^PATH | header:NAME[, ...]`. */
function readingOverrides(
  value: (suffix: 'split' | 'event' | 'id') => SourceSettingValue | undefined,
  issues: ConfigIssue[],
): ReadingOverrides {
  const overrides: { -readonly [K in keyof ReadingOverrides]: ReadingOverrides[K] } = {};
  for (const suffix of ['split', 'event', 'id'] as const) {
    const setting = value(suffix);
    if (setting === undefined) continue;
    const parsed = parseReadingAccessors(setting.value, suffix !== 'split');
    const expected = suffix === 'split' ? 'the path of an array in the body, such as alerts' : 'PATH, ^PATH (the whole body) or header:NAME, several separated by commas';
    if ('error' in parsed) {
      issues.push({ ...setting.origin, message: `${setting.origin.key} = ${JSON.stringify(setting.value)} is not valid: ${parsed.error} (expected ${expected})` });
      continue;
    }
    if (suffix === 'split') {
      const [only] = parsed;
      if (parsed.length !== 1 || only === undefined || 'header' in only || only.scope === 'envelope') {
        issues.push({ ...setting.origin, message: `${setting.origin.key} = ${JSON.stringify(setting.value)} is not valid: expected ${expected}` });
        continue;
      }
      overrides.split = only.path;
    } else {
      overrides[suffix] = parsed;
    }
  }
  return overrides;
}

function compileSourceVerifier(
  name: string,
  provider: string | undefined,
  secrets: readonly string[],
  signature: SourceSettingValue | undefined,
  tolerance: SourceSettingValue | undefined,
  username: SourceSettingValue | undefined,
  issues: ConfigIssue[],
  settings: Settings,
): { verify: Verifier; readsBody: boolean } | undefined {
  const schemeText = signature?.value ?? (provider ? providerFor(provider)?.signature : undefined);
  const where = signature?.origin ?? { file: settings.file, line: 1, column: 1, key: `${name}_secret` };
  // AWS signs SNS messages with its certificate: no secret. SNS-typed messages to an `aws` source are verified
  // by default; `<source>_signature = sns` refuses anything else, and another scheme (basic, bearer, none) replaces it.
  const isExplicitSns = signature !== undefined && /^\s*sns\s*$/i.test(signature.value);
  if (isExplicitSns || (signature === undefined && secrets.length === 0 && provider === 'aws')) {
    if (secrets.length > 0) {
      issues.push({ ...where, message: `${name}_signature = sns takes no secret (AWS signs SNS messages with its certificate); remove ${name}_secret` });
      return undefined;
    }
    const toleranceMs = tolerance ? parseTolerance(tolerance, issues) : settings.dedup_window;
    if (toleranceMs === undefined) return undefined;
    return { verify: compileVerifier({ scheme: 'sns', secrets: [], requireSns: isExplicitSns, toleranceMs }), readsBody: true };
  }
  if (secrets.length === 0) {
    if (signature && !/^none$/i.test(signature.value)) {
      issues.push({ ...signature.origin, message: `${name}_signature is set but ${name}_secret is not; set ${name}_secret (or GENHOOK_${name.toUpperCase().replace(/-/g, '_')}_SECRET)` });
    }
    return undefined;
  }
  if (!schemeText) {
    issues.push({ ...where, message: `${name}_secret is set but "${name}" has no default signature scheme; set ${name}_signature (for example hmac-sha256:X-Signature:hex)` });
    return undefined;
  }
  try {
    const setting = parseSignatureSetting(schemeText);
    const toleranceMs = tolerance ? parseTolerance(tolerance, issues) : undefined;
    const verify = compileVerifier({
      ...setting,
      secrets,
      ...(toleranceMs === undefined ? {} : { toleranceMs }),
      ...(username ? { username: username.value } : {}),
    });
    return { verify, readsBody: setting.scheme === 'meraki' };
  } catch (error) {
    if (!(error instanceof SettingError)) throw error;
    issues.push({ ...where, message: `${where.key}: ${error.message}` });
    return undefined;
  }
}

/** `<source>_signature_tolerance`, in the one duration grammar and bounds of settings.ini's durations. */
function parseTolerance(tolerance: SourceSettingValue, issues: ConfigIssue[]): number | undefined {
  const ms = durationKind.parse(tolerance.value);
  if (ms === undefined) {
    issues.push({ ...tolerance.origin, message: `${tolerance.origin.key} = ${JSON.stringify(tolerance.value)} is not valid: expected ${durationKind.expected}` });
  }
  return ms;
}

function compileOptional<T>(
  text: string | undefined,
  parse: (text: string) => T,
  origin: { file: string; line: number; column: number; key: string } | undefined,
  issues: ConfigIssue[],
): T | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return parse(text);
  } catch (error) {
    if (!(error instanceof SettingError)) throw error;
    issues.push({ file: origin?.file ?? '', line: origin?.line ?? 1, column: origin?.column ?? 1, message: `${origin?.key}: ${error.message}` });
    return undefined;
  }
}
