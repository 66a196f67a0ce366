export { formatValue, renderMessage, type RenderOptions, type RenderResult } from './render-message.js';
