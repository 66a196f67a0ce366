/**
 * Admit: whether an identified source takes this request. In order: switched off (200 ignored), the IP
 * allowlist, the bound on failed verifications per address, the signature, then the source's rate limit
 * (charged only after verification, so unsigned junk cannot use up what the real provider may send).
 * The one intake step with state: it charges the limiters the source carries.
 */
import type { SourceRuntime } from '../config/runtime.js';
import { clientIp } from '../admit/index.js';
import { CERTIFICATE_NEEDED } from '../verify/index.js';
import type { ReadBody } from './read-body.js';
import { accepted, reject, type IntakeContext, type IntakeDecision, type IntakeRequest } from './types.js';

/** undefined: admitted; otherwise the decision to answer with. */
export function admitRequest(request: IntakeRequest, source: SourceRuntime, readBody: ReadBody, context: IntakeContext): IntakeDecision | undefined {
  const { config, nowMs } = context;
  if (!source.isEnabled) return accepted(source.name, [], [{ outcome: 'ignored', event: undefined, reason: `source ${source.name} is disabled` }]);

  const ip = clientIp({
    remoteAddress: request.remoteAddress,
    xForwardedFor: request.headers['x-forwarded-for'],
    trustedProxies: config.trustedProxies,
  });
  if (source.isIpAllowed && (ip === undefined || !source.isIpAllowed(ip))) {
    return reject('ip_not_allowed', `address ${ip ?? 'unknown'} may not post to source ${source.name} (see ${source.name}_allow_ips)`, source.name);
  }
  if (source.verify) {
    // An address whose requests keep failing verification is refused before any more verifying work.
    const address = ip ?? 'unknown';
    const failures = source.failedVerifications?.check(address, nowMs);
    if (failures && !failures.ok) {
      return reject('too_many_failed_verifications', `address ${address} sent more requests that failed verification than ${source.name}_rate_limit allows; retry later`, source.name, {
        headers: { 'retry-after': String(failures.retryAfterSeconds) },
      });
    }
    // Signatures are checked on the raw bytes before anything reads the body; only Meraki, whose shared
    // secret sits inside the JSON, needs it parsed first.
    let body: unknown;
    if (source.verifyReadsBody) {
      const result = readBody();
      if ('kind' in result) return result;
      body = result.body;
    }
    const verdict = source.verify({
      rawBody: request.rawBody,
      headers: request.headers,
      body,
      nowMs,
      ...(context.snsCertificates ? { snsCertificates: context.snsCertificates } : {}),
    });
    if (!verdict.ok && verdict.code === CERTIFICATE_NEEDED && verdict.certificateUrl !== undefined) {
      return { kind: 'certificate_needed', source: source.name, url: verdict.certificateUrl };
    }
    if (!verdict.ok) {
      source.failedVerifications?.take(address, nowMs);
      // A certificate still needed without a URL to load it from cannot be verified: unavailable.
      const code = verdict.code === CERTIFICATE_NEEDED ? 'certificate_unavailable' : verdict.code;
      return reject(code, verdict.message, source.name, { details: { header: verdict.header } });
    }
  }

  if (source.limiter) {
    const decision = source.limiter.take(source.name, nowMs);
    if (!decision.ok) {
      return reject('rate_limited', `source ${source.name} is over its rate limit (${source.name}_rate_limit); retry later`, source.name, {
        headers: { 'retry-after': String(decision.retryAfterSeconds) },
      });
    }
  }
  return undefined;
}
