/**
 * The JSON shapes the admin API answers with, as one contract: the routes build them and the console (its own
 * build, console/src/api.ts) reads them. Types only, importing nothing that needs Node, so the browser build can
 * type-check against them.
 */
import type { SourceError } from '../ops/recent-alert-view.js';

export interface LineView {
  /** NAME with its conditions, as `PUT /admin/lines/:name` takes it. */
  readonly name: string;
  readonly source: string;
  readonly event: string | null;
  readonly conditions: readonly string[];
  readonly fields: string;
  readonly template: string;
  /** 1-based line number in webhooks.ini. */
  readonly line: number;
  /** False for a line behind the `;disabled;` mark. */
  readonly enabled: boolean;
}

export interface SourceView {
  readonly name: string;
  readonly provider: string | null;
  readonly enabled: boolean;
  /** `admin`: its lines are marked disabled; `settings`: `<source>_enabled = false`. */
  readonly disabledBy: 'admin' | 'settings' | null;
  readonly url: string;
  readonly lines: readonly string[];
}

export interface SourceCounts {
  /** Webhooks answered for this source, whatever the outcome (queued, ignored, duplicate, rejected). */
  readonly received: number;
  readonly queued: number;
  readonly delivered: number;
  readonly deadLettered: number;
  /** Template variables the payloads lacked. */
  readonly missingFields: number;
}

/** A row of `GET /admin/sources`: the source, and with the operations API its counts and last delivery error. */
export interface SourceRow extends SourceView {
  readonly counts?: SourceCounts;
  readonly lastError?: SourceError | null;
}

export type LineVerdict = 'matched' | 'conditions_failed' | 'shadowed' | 'less_specific' | 'other_event';

export interface LineExplanation {
  /** NAME with conditions, as written. */
  readonly name: string;
  /** 1-based line in webhooks.ini; 0 for the proposed line. */
  readonly line: number;
  readonly verdict: LineVerdict;
  readonly reason: string;
}

export interface PreviewItem {
  readonly status: 'rendered' | 'filtered' | 'none';
  readonly event: string | null;
  /** The line that matched (`github.pull_request`), or null. */
  readonly rule: string | null;
  readonly message: string | null;
  readonly missing: readonly string[];
  readonly reason?: string;
  /** The exact JSON body GenHook would POST to SL1's /api/alert for this item; null when nothing renders. */
  readonly sl1Request: Readonly<Record<string, string>> | null;
  /** Every line of the source and why it did or did not render this item. */
  readonly lines: readonly LineExplanation[];
}

/** A row of `GET /admin/dead-letters` (the message cut to 300 characters). */
export interface DeadLetterRow {
  readonly id: string;
  readonly source: string;
  readonly event: string | null;
  readonly reason: string;
  readonly status: number | null;
  readonly attempts: number;
  readonly deadLetteredAt: string;
  readonly receivedAt: string;
  readonly message: string;
}
