/**
 * `POST /admin/preview/:source`: what a payload renders to under the current lines, or with one proposed
 * line in place of the line of the same NAME. Pure; delivers and records nothing. Uses the same
 * resolveItem as intake and `genhook render`, so a preview cannot disagree with the real thing.
 */
import type { ConfigIssue } from '../errors/index.js';
import { compileSourceReading, providerFor } from '../identify/index.js';
import type { RequestView } from '../payload/index.js';
import { resolveItem } from '../intake/index.js';
import { MAX_LINE_LENGTH } from '../rules/limits.js';
import { renderOptionsFrom } from '../render/index.js';
import { RuleSet, parseWebhooksFile, type Rule, keyOfRule } from '../rules/index.js';
import { buildAlertBody } from '../deliver/sl1-client.js';
import { explainLines } from './explain-lines.js';
import type { PreviewItem } from './views.js';

export type { PreviewItem } from './views.js';
import type { ServingConfig } from '../config/serving-config.js';

export interface PreviewRequest {
  readonly payload: unknown;
  /** Request headers as the provider would send them (the event header, for instance). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Event to use instead of the one read from headers and payload. */
  readonly event?: string;
  /** A proposed `NAME: FIELDS::TEMPLATE` line for this source. */
  readonly line?: string;
}

export type PreviewOutcome =
  | { readonly kind: 'preview'; readonly source: string; readonly items: readonly PreviewItem[] }
  | { readonly kind: 'unknown_source'; readonly source: string }
  | { readonly kind: 'invalid_line'; readonly issues: readonly ConfigIssue[] };

export const PROPOSED_LINE_FILE = 'proposed line';

export function previewPayload(serving: ServingConfig, sourceParam: string, request: PreviewRequest): PreviewOutcome {
  const { config } = serving;
  const name = sourceParam.toLowerCase();
  let rules = config.rules;
  if (request.line !== undefined) {
    const proposed = parseProposedLine(request.line, name);
    if ('issues' in proposed) return { kind: 'invalid_line', issues: proposed.issues };
    rules = withRule(config.rules, proposed.rule);
  }
  const known = config.sources.get(name);
  if (!known && !rules.hasSource(name)) return { kind: 'unknown_source', source: name };
  const provider = providerFor(name) ? name : undefined;
  const source = known ?? { name, provider, reading: compileSourceReading(provider), sl1Fields: {}, sl1FieldTemplates: [] };

  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [key, value] of Object.entries(request.headers ?? {})) headers[key.toLowerCase()] = String(value);
  const view: RequestView = { method: 'POST', headers, body: request.payload };
  const items = source.reading.items(view).map((item): PreviewItem => {
    const resolved = resolveItem(rules, source, view, item, { ...renderOptionsFrom(config.settings), event: request.event });
    const event = resolved.event ?? null;
    const lines = explainLines(rules, name, resolved.event, item, PROPOSED_LINE_FILE);
    if (resolved.kind === 'rendered') {
      const sl1Request = buildAlertBody({ message: resolved.message, fields: resolved.fields });
      return { status: 'rendered', event, rule: resolved.ruleName, message: resolved.message, missing: resolved.missing, sl1Request, lines };
    }
    const rule = resolved.kind === 'filtered' ? resolved.ruleName : null;
    return { status: resolved.kind, event, rule, message: null, missing: [], reason: resolved.reason, sl1Request: null, lines };
  });
  return { kind: 'preview', source: name, items };
}

/** One line, for `source`, exactly as webhooks.ini would compile it (columns count from its first character). */
export function parseProposedLine(text: string, source: string | undefined, file = PROPOSED_LINE_FILE): { rule: Rule } | { issues: readonly ConfigIssue[] } {
  if (/[\r\n]/.test(text)) return { issues: [{ file, line: 1, column: text.search(/[\r\n]/) + 1, message: 'a line cannot contain a line break' }] };
  if (text.length > MAX_LINE_LENGTH) {
    return { issues: [{ file, line: 1, column: MAX_LINE_LENGTH + 1, message: `the line is ${text.length} characters long; at most ${MAX_LINE_LENGTH} are allowed` }] };
  }
  const { rules, issues } = parseWebhooksFile(text, file);
  if (issues.length > 0) return { issues };
  const [rule] = rules;
  if (rule === undefined) return { issues: [{ file, line: 1, column: 1, message: 'expected NAME: FIELDS::TEMPLATE, got a comment or a blank line' }] };
  if (source !== undefined && rule.source !== source) {
    return { issues: [{ file, line: 1, column: 1, message: `the line is for source "${rule.source}", not "${source}"` }] };
  }
  return { rule };
}

/** The rule set with `rule` in place of the line with the same NAME and conditions, or added after the rest. */
function withRule(rules: RuleSet, rule: Rule): RuleSet {
  const key = keyOfRule(rule);
  const list = [...rules.rules];
  const at = list.findIndex((existing) => keyOfRule(existing) === key);
  if (at === -1) list.push(rule);
  else list[at] = rule;
  return new RuleSet(list);
}
