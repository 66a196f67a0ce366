/** Resolve: which line a payload item falls under, and the message and SL1 fields it renders to. Pure. */
import type { RuntimeConfig, SourceRuntime } from '../config/runtime.js';
import { extractFields } from '../extract/index.js';
import type { RequestView } from '../payload/index.js';
import { renderMessage, renderSl1Fields, type RenderOptions } from '../render/index.js';

/** What one payload item becomes under the current lines; shared by intake, `genhook render` and preview. */
export type ItemResolution =
  | { readonly kind: 'none'; readonly event: string | undefined; readonly reason: string }
  | { readonly kind: 'filtered'; readonly event: string | undefined; readonly ruleName: string; readonly reason: string }
  | {
      readonly kind: 'rendered';
      readonly event: string | undefined;
      readonly ruleName: string;
      readonly message: string;
      /** SL1 body fields besides the message: the source's static ones and its payload templates, rendered. */
      readonly fields: Readonly<Record<string, string>>;
      /** Holes of the message (paths), then of the SL1 fields (`aligned_resource: deviceSerial`). */
      readonly missing: readonly string[];
      readonly warnings: readonly string[];
    };

export function resolveItem(
  rules: RuntimeConfig['rules'],
  source: Pick<SourceRuntime, 'name' | 'reading' | 'sl1Fields' | 'sl1FieldTemplates'>,
  view: RequestView,
  item: unknown,
  options: RenderOptions & { readonly event?: string | undefined },
): ItemResolution {
  const event = options.event ?? source.reading.event(view, item);
  const match = rules.match(source.name, event, item);
  if (match.kind === 'none') {
    return { kind: 'none', event, reason: `no line in webhooks.ini for ${source.name}${event ? `.${event}` : ''}` };
  }
  const ruleName = match.rule.event === undefined ? match.rule.source : `${match.rule.source}.${match.rule.event}`;
  if (match.kind === 'filtered') return { kind: 'filtered', event, ruleName, reason: match.reason };
  const extracted = extractFields(item, match.rule.fields);
  const rendered = renderMessage(match.rule.template, extracted, options, view.body);
  const sl1 = renderSl1Fields(source.sl1Fields, source.sl1FieldTemplates, item, view.body, options);
  const missing = sl1.missing.length === 0 ? rendered.missing : [...rendered.missing, ...sl1.missing];
  const warnings = sl1.warnings.length === 0 ? rendered.warnings : [...rendered.warnings, ...sl1.warnings];
  return { kind: 'rendered', event, ruleName, message: rendered.message, fields: sl1.fields, missing, warnings };
}
