import type { ConfigIssue } from '../errors/index.js';
import { SL1_TEMPLATE_FIELDS, type Sl1FieldTemplate, type Sl1TemplateField } from '../render/index.js';
import { parseTemplate } from '../rules/parse-template.js';
import type { LookupTables } from '../template/filters.js';
import type { Settings, SourceSettingValue } from './settings.js';

/**
 * `<source>_aligned_resource` and `<source>_sl1_<field>`: SL1's documented fields only, each a template in
 * the line language. A value without variables is static; one with variables is rendered per item and
 * falls back to the static value (or SL1's default) when a variable is missing.
 */
export function compileSl1Fields(
  settings: Settings,
  aligned: SourceSettingValue | undefined,
  fieldSettings: ReadonlyMap<string, SourceSettingValue>,
  lookups: LookupTables,
  issues: ConfigIssue[],
): { sl1Fields: Readonly<Record<string, string>>; sl1FieldTemplates: readonly Sl1FieldTemplate[] } {
  const sl1Fields: Record<string, string> = { aligned_resource: settings.sl1_aligned_resource };
  const templates: Sl1FieldTemplate[] = [];
  const entries: [Sl1TemplateField, SourceSettingValue][] = [];
  if (aligned) entries.push(['aligned_resource', aligned]);
  for (const [field, setting] of fieldSettings) {
    if (!(SL1_TEMPLATE_FIELDS as readonly string[]).includes(field)) {
      const hint = field === 'message' ? '; the message is the webhooks.ini line' : '';
      issues.push({ ...setting.origin, message: `${setting.origin.key}: "${field}" is not an SL1 alert field GenHook sends; use one of ${SL1_TEMPLATE_FIELDS.map((name) => `<source>_sl1_${name}`).join(', ')}${hint}` });
      continue;
    }
    entries.push([field as Sl1TemplateField, setting]);
  }
  for (const [field, setting] of entries) {
    let isValid = true;
    const parsed = parseTemplate(setting.value, 0, (offset, message) => {
      isValid = false;
      issues.push({ ...setting.origin, message: `${setting.origin.key} (character ${offset + 1} of the value): ${message}` });
    }, { lookups });
    if (!isValid) continue;
    if (parsed.vars.length === 0) {
      sl1Fields[field] = parsed.tokens.map((token) => (token.kind === 'text' ? token.text : '')).join('');
      continue;
    }
    // Without its variables the field is what it would be unset: aligned_resource the global one, others SL1's default.
    const fallback = sl1Fields[field];
    delete sl1Fields[field];
    templates.push(Object.freeze({ field, tokens: parsed.tokens, fallback }));
  }
  return { sl1Fields: Object.freeze(sl1Fields), sl1FieldTemplates: Object.freeze(templates) };
}

