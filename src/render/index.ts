export { formatValue, renderMessage, renderOptionsFrom, type RenderOptions, type RenderResult } from './render-message.js';
export { escapeForTerminal, replaceControlCharacters } from './control-characters.js';
