/** What intake takes and what it decides; the steps (identify, admit, plan) share these. */
import type { Alert } from '../alert.js';
import { httpStatusOf, type HttpErrorCode } from '../errors/index.js';
import type { DedupCache } from '../admit/index.js';
import type { RuntimeConfig } from '../config/runtime.js';
import type { HandshakeAnswer } from '../identify/handshake.js';
import type { SnsCertificateLookup } from '../verify/index.js';

export interface IntakeRequest {
  readonly method: string;
  /** `:source` of `POST /webhook/:source`, or undefined for `POST /webhook`. */
  readonly sourceParam: string | undefined;
  /** Lower-case names, one value each. */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Uint8Array;
  readonly remoteAddress: string | undefined;
  readonly requestId: string;
}

export interface IntakeContext {
  readonly config: RuntimeConfig;
  /** Read only: a key counts as seen once its alert is journaled, which the edge records after the write. */
  readonly dedup: Pick<DedupCache, 'has'>;
  readonly nowMs: number;
  /** SNS signing certificates loaded so far (the `sns` scheme); a missing one is asked for, not fetched here. */
  readonly snsCertificates?: SnsCertificateLookup;
}

/** Why a request was refused; `reason` is a bounded metric label. */
export interface Rejection {
  readonly kind: 'reject';
  /** The catalogue's status for `code` (errors/http-errors.ts). */
  readonly status: number;
  readonly code: HttpErrorCode;
  readonly message: string;
  readonly source: string | undefined;
  readonly headers?: Readonly<Record<string, string>>;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface PlannedAlert {
  readonly alert: Alert;
  /** Keys this alert is deduplicated on (its delivery id); recorded as seen only once the alert is journaled. */
  readonly dedupKeys: readonly string[];
  /** Line that rendered it, as a bounded metric label (`github.push`). */
  readonly ruleName: string;
  readonly missing: readonly string[];
  /** Filters that met a value they could not use (the value passed through). */
  readonly warnings: readonly string[];
  /** Index of its item in the body (0 when the body is one item). */
  readonly item: number;
}

export interface SkippedItem {
  readonly outcome: 'ignored' | 'duplicate';
  readonly event: string | undefined;
  readonly reason: string;
  readonly ruleName?: string;
  readonly id?: string;
  /** Index of the item in the body; absent when the whole request was skipped (a disabled source, an empty batch). */
  readonly item?: number;
}

export type IntakeDecision =
  | Rejection
  | { readonly kind: 'handshake'; readonly source: string | undefined; readonly answer: HandshakeAnswer }
  /** The SNS signing certificate at `url` must be loaded before this request can be verified; then decide again. */
  | { readonly kind: 'certificate_needed'; readonly source: string; readonly url: string }
  | {
      readonly kind: 'accept';
      readonly source: string;
      readonly alerts: readonly PlannedAlert[];
      readonly skipped: readonly SkippedItem[];
      /** How many items the body split into; absent when it was not read (a disabled source). */
      readonly items?: number;
    };

export const reject = (
  code: HttpErrorCode,
  message: string,
  source: string | undefined,
  extra: Pick<Rejection, 'headers' | 'details'> = {},
): Rejection => ({ kind: 'reject', status: httpStatusOf(code), code, message, source, ...extra });

export function accepted(source: string, alerts: readonly PlannedAlert[], skipped: readonly SkippedItem[], items?: number): IntakeDecision {
  return items === undefined ? { kind: 'accept', source, alerts, skipped } : { kind: 'accept', source, alerts, skipped, items };
}


