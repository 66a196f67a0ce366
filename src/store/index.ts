export { alertIdFor } from './alert-id.js';
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
} from './dead-letter.js';
export {
  parseDeadLetters,
  readDeadLetters,
  replayDeadLetters,
  type DeadLetters,
  type ReplayOptions,
  type ReplayResult,
  type SkippedLine,
} from './dead-letter-replay.js';
export { StoreError, storeErrorCodes, type StoreErrorCode, type StoreLogger } from './errors.js';
export { acquireDataDirLock, DATA_DIR_LOCK_FILE, type DataDirLock, type DataDirLockOwner } from './data-dir-lock.js';
export type { FileLockOptions } from './file-lock.js';
export {
  journalDurabilities,
  openJournal,
  type Journal,
  type JournalDurability,
  type JournalOptions,
  type JournalRecovery,
  type JournalStats,
  type OpenedJournal,
} from './journal.js';
export type { SkippedRecord } from './journal-record.js';
