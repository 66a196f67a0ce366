export { forbiddenKeys, isForbiddenKey } from './forbidden-keys.js';
export { findOwn, hasOwnKey, isRecord, readOwn, readString } from './own.js';
export { contentKind, decodeUtf8, parseFormPayload, parseJsonSafe, parseJsonText, positionOf, type ContentKind, type ParseJsonOptions } from './parse-json.js';
export { collectPathValues, readPath, readPathValues, type PathSegment } from './read-path.js';
export { MAX_SAFE_STRING_LENGTH, hasHeader, isSafeString, readHeader, type RequestView } from './request-view.js';
export { shorten } from './shorten.js';
