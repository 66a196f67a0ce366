export { extractFields } from './extract-fields.js';
