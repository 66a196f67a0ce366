export { handshakeOf, unsignedHandshakeOf } from './handshake.js';
export { deliveryIdOf, eventOf, identifySource, providerFor, rowFor, splitItems } from './identify.js';
export {
  compileSourceReading,
  parseReadingAccessors,
  type ReadingAccessor,
  type ReadingOverrides,
  type SourceReading,
} from './source-reading.js';
