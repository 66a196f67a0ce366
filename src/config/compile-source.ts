/** One configured source's `<source>_*` settings compiled into a SourceRuntime, every mistake an issue at file:line. */
import { SlidingWindowLimiter, parseCidrList } from '../admit/index.js';
import { SettingError, type ConfigIssue } from '../errors/index.js';
import { compileSourceReading, parseReadingAccessors, providerFor, type ReadingOverrides } from '../identify/index.js';
import type { LookupTables } from '../template/filters.js';
import { compileSl1Fields } from './compile-sl1-fields.js';
import { compileSourceVerifier } from './compile-verifier.js';
import type { SourceRuntime } from './runtime-types.js';
import type { Settings, SourceSettingValue, SourceSettingsText } from './settings.js';
import { parseBoolean, parsePositiveInt, parseRateLimit } from './units.js';

/** Client addresses whose failed verifications are counted apart; beyond it they share one count. */
const FAILED_VERIFICATION_ADDRESSES = 10_000;

const NO_VALUES: SourceSettingsText = { values: new Map(), sl1Fields: new Map() };

export function compileSource(name: string, settings: Settings, issues: ConfigIssue[], lookups: LookupTables): SourceRuntime {
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

/** Parses an optional setting; a SettingError becomes an issue at its origin. */
export function compileOptional<T>(
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
