export { deliveryIdOf, eventOf, identifySource, providerFor, rowFor, splitItems } from './identify.js';
export type { Accessor, ItemReader, Lookup, ProviderRow } from './provider-row.js';
export { GENERIC_PROVIDER, PROVIDERS } from './providers.js';
export { MAX_SAFE_STRING_LENGTH, isRecord, isSafeString, readHeader, readOwn, readPath } from './request-view.js';
export type { RequestView } from './request-view.js';
export {
  compileSourceReading,
  parseReadingAccessors,
  type ReadingAccessor,
  type ReadingOverrides,
  type SourceReading,
} from './source-reading.js';
