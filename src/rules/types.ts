/**
 * Compiled forms of one webhooks.ini line. Every line is parsed once at load into these frozen
 * objects, so a request only walks arrays (extract) and joins tokens (render).
 */

import type { CompiledFilter } from '../template/filters.js';
import type { PathSegment } from '../payload/index.js';

export type { PathSegment };

/** A field to keep from the payload; `children` empty means "keep the whole value". */
export interface FieldNode {
  readonly name: string;
  readonly children: readonly FieldNode[];
}

/** A precompiled `$path|filter$` variable of a template. */
export interface VarToken {
  readonly kind: 'var';
  readonly path: readonly PathSegment[];
  /** The variable as written between the dollars (`pull_request.user.login|default:"-"`). */
  readonly raw: string;
  /** The path as written (`pull_request.user.login`, `^commonLabels.alertname`); reported when missing. Defaults to `raw`. */
  readonly pathText?: string;
  /** `item` (default) reads the extracted fields; `envelope` (`$^path$`) reads the whole request body. */
  readonly scope?: 'item' | 'envelope';
  /** Compiled filters, applied left to right; none when absent. */
  readonly filters?: readonly CompiledFilter[];
}

/** A precompiled piece of a message template. */
export type TemplateToken = { readonly kind: 'text'; readonly text: string } | VarToken;

export const conditionOperators = ['=', '!=', '>=', '>', '<=', '<'] as const;
export type ConditionOperator = (typeof conditionOperators)[number];

/** Bound of an ordering condition (`>=`, `>`, `<=`, `<`), classified once at load. */
export type ConditionBound =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'severity'; readonly rank: number; readonly word: string };

/** One `path OP value` test from a line's `[...]`, evaluated against the raw payload. */
export interface Condition {
  readonly path: readonly PathSegment[];
  readonly pathText: string;
  readonly operator: ConditionOperator;
  /** Alternatives for `=` / `!=`; a single entry for ordering operators. */
  readonly values: readonly string[];
  /** Set for ordering operators only. */
  readonly bound: ConditionBound | undefined;
  /** The condition as written, whitespace-trimmed (`action=opened|closed`). */
  readonly text: string;
}

/** One compiled webhooks.ini line. */
export interface Rule {
  /** The NAME as written (`github.pull_request.opened`), conditions excluded. */
  readonly name: string;
  /** Lower-cased text before the first `.` (`github`). */
  readonly source: string;
  /** Lower-cased rest of the name (`pull_request.opened`), undefined for a source-level line. */
  readonly event: string | undefined;
  readonly conditions: readonly Condition[];
  readonly fields: readonly FieldNode[];
  readonly template: readonly TemplateToken[];
  readonly fieldsText: string;
  readonly templateText: string;
  readonly file: string;
  /** 1-based line number in `file`. */
  readonly line: number;
}

/** A problem found while reading webhooks.ini; the same shape settings.ini problems have. */
export type { ConfigIssue } from '../errors/index.js';
