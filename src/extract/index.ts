export { extractFields } from './extract-fields.js';
export { collectPathValues, readPathValues } from './read-path.js';
export { isRecord, parseJsonText, readOwn } from './own.js';
