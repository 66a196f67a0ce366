export { backoffDelay, JITTER_MODES, type BackoffOptions, type JitterMode } from './backoff.js';
export { BREAKER_STATES, type BreakerOptions, type BreakerState } from './breaker.js';
export {
  classifyError,
  classifyResponse,
  parseRetryAfter,
  pickEm7Headers,
  type ClassifyOptions,
  type Outcome,
  type ResponseHeaders,
} from './classify.js';
export { createDispatcher, type Dispatcher, type Reservation, type SourceStats } from './dispatcher.js';
export { diffDispatcherOptions, type DeliverySetting, type Reconfiguration } from './options-diff.js';
export type {
  DeadLetterEvent,
  DeadLetterReason,
  DeliveryLogger,
  DispatcherHooks,
  DispatcherOptions,
} from './dispatcher-options.js';
export { AlertExpiredError, DeliveryFailure, DeliveryOptionError, DispatcherClosedError } from './errors.js';
export {
  BODY_EXCERPT_BYTES,
  buildAlertBody,
  createSl1Client,
  SL1_DEFAULT_BODY,
  Sl1ClientClosedError,
  type Sl1Client,
  type Sl1CloseOptions,
  type Sl1ClientOptions,
  type Sl1Response,
} from './sl1-client.js';
