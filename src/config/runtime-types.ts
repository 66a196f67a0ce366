/** What configuration compiles into: the frozen RuntimeConfig every stage reads, and one compiled source. */
import type { IpMatcher, RateLimit, SlidingWindowLimiter } from '../admit/index.js';
import type { SourceReading } from '../identify/index.js';
import type { Sl1FieldTemplate } from '../render/index.js';
import type { RuleSet } from '../rules/index.js';
import type { Verifier } from '../verify/index.js';
import type { ConfigIssue } from '../errors/index.js';
import type { ReadTableFile } from './lookup-tables.js';
import type { Settings } from './settings.js';

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

