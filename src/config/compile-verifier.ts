/**
 * A source's verifier from `<source>_secret`, `_secret_previous`, `_signature`, `_signature_tolerance` and `_username`
 * (or its provider's default scheme); undefined for an unsigned source or after a mistake, which becomes an issue.
 */
import { SettingError, type ConfigIssue } from '../errors/index.js';
import { providerFor } from '../identify/index.js';
import { compileVerifier, parseSignatureSetting, type Verifier } from '../verify/index.js';
import type { Settings, SourceSettingValue } from './settings.js';
import { durationKind } from './settings-spec.js';

export function compileSourceVerifier(
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
