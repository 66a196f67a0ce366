export { deliveryIdOf, eventOf, identifySource, providerFor, rowFor, splitItems } from './identify.js';
export { SIGNATURE_SCHEMES } from './provider-row.js';
export type { Accessor, ItemReader, Lookup, ProviderRow, SignatureScheme } from './provider-row.js';
export { GENERIC_PROVIDER, PROVIDERS } from './providers.js';
export { MAX_SAFE_STRING_LENGTH, isRecord, isSafeString, readHeader, readOwn, readPath } from './request-view.js';
export type { RequestView } from './request-view.js';
