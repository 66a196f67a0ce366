export { alertIdFor } from './alert-id.js';
export { openJournal } from './journal.js';
export type { SkippedRecord } from './journal-record.js';
export {
  journalDurabilities,
  type BacklogEntry,
  type Journal,
  type JournalHealth,
  type SeenKey,
  type JournalDurability,
  type JournalOptions,
  type JournalRecovery,
  type JournalStats,
  type OpenedJournal,
} from './journal-types.js';
