export { cutMessage, formatValue, renderMessage, renderOptionsFrom, type RenderOptions, type RenderResult } from './render-message.js';
export { escapeForTerminal, replaceControlCharacters } from './control-characters.js';
export {
  SL1_TEMPLATE_FIELDS,
  renderSl1Fields,
  type RenderedFields,
  type Sl1FieldTemplate,
  type Sl1TemplateField,
} from './render-fields.js';
