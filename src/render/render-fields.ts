import type { TemplateToken } from '../rules/types.js';
import { renderMessage, type RenderOptions } from './render-message.js';

/** The SL1 alert body fields a source may set from settings.ini (`<source>_sl1_<field>`); `message` comes from the line. */
export const SL1_TEMPLATE_FIELDS = ['aligned_resource', 'force_ytype', 'force_yid', 'force_yname', 'value', 'threshold', 'message_time'] as const;
export type Sl1TemplateField = (typeof SL1_TEMPLATE_FIELDS)[number];

/** One `<source>_sl1_<field>` whose value reads the payload, compiled at load. */
export interface Sl1FieldTemplate {
  readonly field: Sl1TemplateField;
  readonly tokens: readonly TemplateToken[];
  /** What the field is when a variable is missing; undefined leaves it out, so SL1's default body value applies. */
  readonly fallback: string | undefined;
}

export interface RenderedFields {
  readonly fields: Readonly<Record<string, string>>;
  /** `aligned_resource: deviceSerial` for every variable the item lacked. */
  readonly missing: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Renders the payload-driven SL1 fields of one item over the static ones. Variables read the raw
 * item (a source setting serves every line, whatever its field list) and `$^path$` the whole body.
 * A field with a missing variable keeps its fallback rather than a half-filled entity URI.
 */
export function renderSl1Fields(
  staticFields: Readonly<Record<string, string>>,
  templates: readonly Sl1FieldTemplate[],
  item: unknown,
  envelope: unknown,
  options: RenderOptions,
): RenderedFields {
  if (templates.length === 0) return { fields: staticFields, missing: [], warnings: [] };
  const fields: Record<string, string> = { ...staticFields };
  const missing: string[] = [];
  const warnings: string[] = [];
  for (const template of templates) {
    const result = renderMessage(template.tokens, item, options, envelope);
    warnings.push(...result.warnings.map((warning) => `${template.field}: ${warning}`));
    if (result.missing.length > 0) {
      missing.push(...result.missing.map((path) => `${template.field}: ${path}`));
      if (template.fallback !== undefined) fields[template.field] = template.fallback;
    } else {
      fields[template.field] = result.message;
    }
  }
  return { fields, missing, warnings };
}
