/**
 * Write-ahead journal: an accepted alert is on disk (fsync'ed) before GenHook answers 2xx, and leaves the journal
 * only when delivered or dead-lettered. On start, `openJournal` hands back what it still holds, streaming the file.
 */
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Alert } from '../alert.js';
import { checkStoreOption, StoreError, type StoreLogger } from '../store/errors.js';
import { FileJournal } from './file-journal.js';
import {
  journalDurabilities,
  type BacklogEntry,
  type Journal,
  type JournalDurability,
  type JournalHealth,
  type JournalOptions,
  type JournalRecovery,
  type JournalStats,
  type OpenedJournal,
} from './journal-types.js';
import { fsyncDirectory } from '../store/fs-util.js';
import { JournalScanner, scanLines } from './journal-record.js';
import { rewritePath } from './journal-rewrite.js';
import { SeenRecords, type SeenLines } from './seen-lines.js';

/** Durability `off`: nothing touches the disk, so benchmarks can measure what the journal costs. */
class NullJournal implements Journal {
  readonly #live = new Set<string>();
  get size(): number {
    return this.#live.size;
  }
  get stats(): JournalStats {
    return { batches: 0, syncs: 0, compactions: 0, fileBytes: 0, liveBytes: 0 };
  }
  get health(): JournalHealth {
    return { writable: true };
  }
  append(alerts: Alert | readonly Alert[]): Promise<void> {
    for (const alert of 'id' in alerts ? [alerts as Alert] : (alerts as readonly Alert[])) this.#live.add(alert.id);
    return Promise.resolve();
  }
  complete(id: string): void {
    this.#live.delete(id);
  }
  read(): Promise<Alert | undefined> {
    return Promise.resolve(undefined);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function resolveDurability(options: JournalOptions): JournalDurability {
  const durability = options.durability ?? 'fsync';
  checkStoreOption.oneOf('durability', durability, journalDurabilities);
  return durability;
}

/**
 * Opens (or creates) the journal, replays it, and cuts a torn or corrupt tail so new appends never follow garbage.
 * Corrupt lines in the middle are skipped and reported; good records after them are kept.
 */
export async function openJournal(options: JournalOptions): Promise<OpenedJournal> {
  const { dir, fileName = 'journal.log', compactAfterBytes = 64 * 1024 * 1024, logger } = options;
  checkStoreOption.nonEmptyString('dir', dir, 'a directory path for the journal');
  checkStoreOption.positiveNumber('compactAfterBytes', compactAfterBytes);
  const durability = resolveDurability(options);
  if (durability === 'off') return { journal: new NullJournal(), pending: [], backlog: [], recovery: { records: 0, skipped: [] } };
  const path = join(dir, fileName);
  try {
    return await recoverJournal(path, dir, durability, compactAfterBytes, logger, options);
  } catch (error) {
    throw new StoreError('journal_open_failed', `cannot open journal ${path}: ${String(error)}; check that its directory is writable`, { cause: error });
  }
}

async function recoverJournal(
  path: string,
  dir: string,
  durability: JournalDurability,
  compactAfterBytes: number,
  logger: StoreLogger | undefined,
  { pendingMax, onSeen, isSeen }: JournalOptions,
): Promise<OpenedJournal> {
  await mkdir(dir, { recursive: true });
  // A compaction a crash interrupted: the rename never happened, so the journal itself is intact.
  await rm(rewritePath(path), { force: true });
  // Readable as well: alerts beyond the queue's bounds are read back from the file when there is room.
  const handle = await open(path, 'a+');
  let scan: { scanner: JournalScanner; size: number };
  // Only kept when a rewrite can use them (someone says which keys are still remembered).
  const seen = isSeen === undefined ? undefined : new SeenRecords(isSeen);
  let fileBytes: number;
  try {
    scan = await scanFile(handle, onSeen, seen?.lines);
    fileBytes = scan.size;
    const { truncatedAt, roomAt } = scan.scanner;
    // A torn tail is cut, and so is the room a journal that was not closed left (it gets a new one when it writes).
    const cutAt = truncatedAt ?? roomAt;
    if (cutAt !== undefined) {
      await handle.truncate(cutAt);
      await handle.datasync();
      fileBytes = cutAt;
    }
    await fsyncDirectory(dir);
  } catch (error) {
    await handle.close();
    throw error;
  }
  const { scanner } = scan;
  if (scanner.skipped.length > 0) {
    logger?.warn({ file: path, skipped: scanner.skipped, truncatedAt: scanner.truncatedAt }, 'journal: skipped unreadable records while recovering');
  }
  const journal = new FileJournal({ path, dir, handle, isSync: durability === 'fsync', live: scanner.live, fileBytes, compactAfterBytes, logger, seen });
  const pending: Alert[] = [];
  const backlog: BacklogEntry[] = [];
  let heldBytes = 0;
  for (const [id, place] of scanner.live) {
    const fits = pendingMax === undefined || (pending.length < pendingMax.count && (pending.length === 0 || heldBytes + place.length <= pendingMax.bytes));
    if (fits && backlog.length === 0) {
      const alert = await journal.read(id);
      if (alert) {
        pending.push(alert);
        heldBytes += place.length;
        continue;
      }
    }
    backlog.push({ id, bytes: place.length });
  }
  const recovery: JournalRecovery = {
    records: scanner.records,
    skipped: scanner.skipped,
    ...(scanner.truncatedAt === undefined ? {} : { truncatedAt: scanner.truncatedAt }),
  };
  return { journal, pending, backlog, recovery };
}

/** Streams the file through a scanner in 1 MiB reads; a longer line grows the buffer to fit it. */
async function scanFile(handle: FileHandle, onSeen: JournalOptions['onSeen'], seenLines: SeenLines | undefined): Promise<{ scanner: JournalScanner; size: number }> {
  const scanner = new JournalScanner(onSeen, seenLines);
  let buffer = Buffer.allocUnsafe(1024 * 1024);
  let filled = 0;
  let base = 0;
  for (;;) {
    if (filled === buffer.length) {
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, filled);
      buffer = bigger;
    }
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, base + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
    const consumed = scanLines(scanner, buffer, base, filled);
    buffer.copy(buffer, 0, consumed, filled);
    base += consumed;
    filled -= consumed;
  }
  if (filled > 0) scanner.tail(base, buffer.subarray(0, filled));
  return { scanner, size: base + filled };
}
