export {
  createDeadLetterFile,
  deadLetterKey,
  deadLetterReasons,
  toAlert,
  toDeadLetterEntry,
  type DeadLetterEntry,
  type DeadLetterFile,
  type DeadLetterFileOptions,
  type DeadLetterOutcome,
  type DeadLetterReason,
} from './dead-letter-file.js';
export {
  forEachAtMost,
  parseDeadLetters,
  readDeadLetters,
  replayDeadLetters,
  type DeadLetters,
  type ReplayOptions,
  type ReplayResult,
  type SkippedLine,
} from './replay.js';
export { retryingDeadLetters, type DeadLetterHealth, type RetryingDeadLetters, type RetryOptions } from './retrying-append.js';
export { rerenderDeadLetter, type Rerendered } from './rerender.js';
