/**
 * Step 1, open storage: the data folder and its lock, the write-ahead journal (replayed) and the dead-letter
 * file. The journal handed on reports whether it can write (it probes while it cannot), which /ready shows.
 */
import { mkdir } from 'node:fs/promises';
import type { GenHookPaths } from '../config/index.js';
import { createDeadLetterFile, type DeadLetterFile } from '../dead-letter/index.js';
import { openJournal, type BacklogEntry, type Journal, type JournalDurability } from '../enqueue/index.js';
import type { Alert } from '../alert.js';
import type { Logger } from '../ops/logger.js';
import type { DedupCache } from '../admit/index.js';
import { acquireDataDirLock, type DataDirLock } from '../store/index.js';

export interface Storage {
  /** The journal; `isWritable` is its health (false while writes fail; it probes and comes back by itself). */
  readonly journal: Journal & { readonly isWritable: boolean };
  /** Alerts the journal still held at start, oldest first, within the queue's bounds: they are delivered again. */
  readonly pending: readonly Alert[];
  /** The rest, only in the file: fed in as room frees (by the journal queue backend, queue/journal-backend.ts). */
  readonly backlog: readonly BacklogEntry[];
  readonly deadLetter: DeadLetterFile;
  /** genhook.lock in data_dir: one GenHook per data_dir. Released last on shutdown. */
  readonly dataDirLock: DataDirLock;
}

export interface StorageOptions {
  readonly durability: JournalDurability;
  /** Recovery holds no more in memory than the queue may (queue_max_size, queue_max_bytes). */
  readonly pendingMax: { readonly count: number; readonly bytes: number };
  /** Seen delivery keys are read back into it at start and written from it when the journal is rewritten. */
  readonly dedup?: DedupCache;
  readonly logger: Logger;
  /** Called with the alerts of every append that reached the journal. */
  readonly onAppended?: (alerts: readonly Alert[]) => void;
}

export async function openStorage(paths: GenHookPaths, { durability, pendingMax, dedup, logger, onAppended }: StorageOptions): Promise<Storage> {
  await mkdir(paths.dataDir, { recursive: true });
  // Before the journal is opened: a second GenHook on this data_dir would compact away the first one's alerts.
  const dataDirLock = await acquireDataDirLock(paths.dataDir);
  if (dataDirLock.tookOverFrom !== undefined) {
    logger.warn({ file: dataDirLock.path, previous: dataDirLock.tookOverFrom }, 'data_dir lock of a GenHook that is gone taken over');
  }
  const seen = dedup === undefined ? {} : { onSeen: (key: string, at: number) => dedup.record(key, at), isSeen: (key: string) => dedup.has(key, Date.now()) };
  const { journal, pending, backlog, recovery } = await openJournal({ dir: paths.dataDir, durability, pendingMax, logger, ...seen }).catch(async (error: unknown) => {
    await dataDirLock.release();
    throw error;
  });
  for (const skipped of recovery.skipped) {
    logger.warn({ offset: skipped.offset, reason: skipped.reason, file: paths.journalFile }, 'journal record skipped (corrupt or torn)');
  }
  const deadLetter = createDeadLetterFile({ path: paths.deadLetterFile });
  return { journal: trackWrites(journal, onAppended), pending, backlog, deadLetter, dataDirLock };
}

function trackWrites(journal: Journal, onAppended: StorageOptions['onAppended']): Journal & { readonly isWritable: boolean } {
  return {
    get isWritable() {
      return journal.health.writable;
    },
    get health() {
      return journal.health;
    },
    get size() {
      return journal.size;
    },
    get stats() {
      return journal.stats;
    },
    append: async (alerts, seenKeys) => {
      await journal.append(alerts, seenKeys);
      onAppended?.(Array.isArray(alerts) ? alerts : [alerts as Alert]);
    },
    read: (id) => journal.read(id),
    complete: (id) => journal.complete(id),
    close: () => journal.close(),
  };
}
