/** The shapes `GET /admin/sources` and `GET /admin/lines` answer with, read from the serving config. */
import { parseWebhooksFile, type Rule, readLines, unmarkForParsing } from '../rules/index.js';
import { displayName } from './edit-webhooks.js';
import type { ServingConfig } from '../config/serving-config.js';
import type { LineView, SourceView } from './views.js';

export type { LineView, SourceView } from './views.js';

export function describeLine(rule: Rule, enabled: boolean): LineView {
  return {
    name: displayName(rule),
    source: rule.source,
    event: rule.event ?? null,
    conditions: rule.conditions.map((condition) => condition.text),
    fields: rule.fieldsText,
    template: rule.templateText,
    line: rule.line,
    enabled,
  };
}

/** Every line of webhooks.ini as served, disabled ones included. */
export function describeLines(serving: ServingConfig): LineView[] {
  const marked = new Set(readLines(serving.webhooksText).filter((line) => line.isMarked).map((line) => line.number));
  const { rules } = parseWebhooksFile(unmarkForParsing(serving.webhooksText), serving.config.webhooksFile);
  return rules.map((rule) => describeLine(rule, !marked.has(rule.line)));
}

export function describeSources(serving: ServingConfig): SourceView[] {
  const lines = describeLines(serving);
  return [...serving.config.sources.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((source) => {
      const disabledBy = serving.disabled.has(source.name) ? 'admin' : source.isEnabled ? null : 'settings';
      return {
        name: source.name,
        provider: source.provider ?? null,
        enabled: source.isEnabled,
        disabledBy,
        url: `/webhook/${source.name}`,
        lines: lines.filter((line) => line.source === source.name).map((line) => line.name),
      };
    });
}
