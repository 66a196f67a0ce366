/** The configuration for requests that are not arriving now (fixtures, stored dead letters): admission taken out. */
import type { RuntimeConfig, SourceRuntime } from '../config/runtime.js';

/**
 * `config` with what only a live request can pass (signatures, address allowlists, rate limits, the failed
 * verification bound) taken out; everything else as loaded. `genhook test` renders fixtures with it, and
 * `dlq replay --rerender` stored requests (verified when they arrived; their signatures are not checked again).
 */
export function withoutAdmission(config: RuntimeConfig): RuntimeConfig {
  const sources = new Map<string, SourceRuntime>();
  for (const [name, source] of config.sources) {
    sources.set(name, Object.freeze({ ...source, verify: undefined, verifyReadsBody: false, limiter: undefined, failedVerifications: undefined, isIpAllowed: undefined }));
  }
  return Object.freeze({ ...config, sources });
}
