import type { KeyObject } from 'node:crypto';

/** Signature schemes GenHook can check; a per-source setting picks one (see `parseSignatureSetting`). */
export const SIGNATURE_SCHEMES = [
  'github',
  'stripe',
  'slack',
  'shopify',
  'hmac',
  'sns',
  'bearer',
  'basic',
  'meraki',
  'none',
] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

export const HMAC_ALGORITHMS = ['sha1', 'sha256', 'sha512'] as const;
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number];

export const SIGNATURE_ENCODINGS = ['hex', 'base64'] as const;
export type SignatureEncoding = (typeof SIGNATURE_ENCODINGS)[number];

export type VerifyFailureCode =
  | 'missing_signature'
  | 'invalid_signature'
  | 'stale_timestamp'
  | 'missing_timestamp'
  | 'missing_credentials'
  | 'invalid_credentials'
  /** SNS: SigningCertURL is not https on sns.<region>.amazonaws.com naming a .pem file. */
  | 'untrusted_certificate'
  /** SNS: the certificate could not be loaded (fetch failed, not in sns_cert_dir, not an RSA certificate). */
  | 'certificate_unavailable'
  /** SNS: not a refusal yet; the edge loads `certificateUrl` and verifies again. */
  | 'certificate_needed';

/**
 * Outcome of a verification. `header` names the header (or body field) at fault and `message` says what
 * was missing or wrong — never why a signature differed (no expected digest, no secret).
 */
export type VerifyResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: VerifyFailureCode;
      readonly header: string;
      readonly message: string;
      /** With `certificate_needed`: the checked SigningCertURL to load. */
      readonly certificateUrl?: string;
    };

/** A loaded SNS signing certificate's public key, or why it could not be loaded (remembered briefly). */
export type SnsCertificate = { readonly key: KeyObject } | { readonly failure: string };

/** SNS signing certificates tried so far, by `SigningCertURL`; undefined when not tried yet. */
export interface SnsCertificateLookup {
  get(url: string): SnsCertificate | undefined;
}

export interface VerifyInput {
  /** The body exactly as received, before any decoding or parsing. */
  readonly rawBody: Uint8Array;
  /** Request headers with lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed body; only the `meraki` and `sns` schemes read it. */
  readonly body?: unknown;
  /** Certificates the `sns` scheme checks signatures with. */
  readonly snsCertificates?: SnsCertificateLookup;
  /** The current time, epoch milliseconds (passed in so tests need no clock). */
  readonly nowMs: number;
}

export type Verifier = (input: VerifyInput) => VerifyResult;

/** What a source's `<source>_signature` setting says; `compileVerifier` adds the secrets. */
export interface SignatureSetting {
  readonly scheme: SignatureScheme;
  /**
   * How far the signed timestamp may be from now, either way (`stripe`, `slack`).
   * @default 300_000
   */
  readonly toleranceMs?: number;
  /**
   * Header carrying the signature (`hmac`, required) or the token (`bearer`).
   * @default 'Authorization' for `bearer`
   */
  readonly header?: string;
  /**
   * HMAC digest (`hmac`, required). For `github`, `sha1` also accepts the legacy `X-Hub-Signature: sha1=`
   * when `X-Hub-Signature-256` is absent.
   * @default 'sha256' for `github`
   */
  readonly algorithm?: HmacAlgorithm;
  /**
   * How the digest is written in the header (`hmac`).
   * @default 'hex'
   */
  readonly encoding?: SignatureEncoding;
  /**
   * Text before the digest (`hmac`), e.g. `sha256=` or `v1=`.
   * @default ''
   */
  readonly prefix?: string;
  /**
   * The header holds comma-separated values, any of which may match (`hmac`, e.g. PagerDuty during rotation).
   * Values without `prefix` are ignored.
   * @default false
   */
  readonly allowMultiple?: boolean;
  /**
   * User name for `basic`; without it each secret is the whole `user:password`.
   */
  readonly username?: string;
  /**
   * `sns`: refuse anything that is not a signed SNS message (true, the explicit setting), or verify SNS-typed
   * messages and pass the rest (false, the `aws` provider's default).
   * @default true
   */
  readonly requireSns?: boolean;
}

/**
 * A source's verification: its setting plus its secrets.
 * @example { scheme: 'stripe', secrets: ['whsec_old', 'whsec_new'], toleranceMs: 300_000 }
 */
export interface VerifierConfig extends SignatureSetting {
  /** Every secret currently valid; a request matching any of them is accepted (rotation). */
  readonly secrets: readonly string[];
}
