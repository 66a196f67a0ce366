/**
 * Write-ahead journal: an accepted alert is on disk (fsync'ed) before GenHook answers 2xx, and leaves the journal
 * only when delivered or dead-lettered. On start, `openJournal` hands back what it still holds.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Alert } from '../alert.js';
import { assertPositiveNumber, StoreError, type StoreLogger } from '../store/errors.js';
import { FileJournal } from './file-journal.js';
import {
  journalDurabilities,
  type Journal,
  type JournalDurability,
  type JournalOptions,
  type JournalRecovery,
  type JournalStats,
  type OpenedJournal,
} from './journal-types.js';
import { fsyncDirectory, isNotFound } from '../store/fs-util.js';
import { encodeJournalRecord, scanJournal } from './journal-record.js';

/** Durability `off`: nothing touches the disk, so benchmarks can measure what the journal costs. */
class NullJournal implements Journal {
  readonly #live = new Set<string>();
  get size(): number {
    return this.#live.size;
  }
  get stats(): JournalStats {
    return { batches: 0, syncs: 0, compactions: 0, fileBytes: 0, liveBytes: 0 };
  }
  append(alerts: Alert | readonly Alert[]): Promise<void> {
    for (const alert of 'id' in alerts ? [alerts as Alert] : (alerts as readonly Alert[])) this.#live.add(alert.id);
    return Promise.resolve();
  }
  complete(id: string): void {
    this.#live.delete(id);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function resolveDurability(options: JournalOptions): JournalDurability {
  const durability = options.durability ?? 'fsync';
  if (!journalDurabilities.includes(durability)) {
    throw new StoreError('store_option_invalid', `Expected \`durability\` to be one of ${journalDurabilities.join(', ')}, got \`${String(durability)}\``);
  }
  return durability;
}

/**
 * Opens (or creates) the journal, replays it, and cuts a torn or corrupt tail so new appends never follow garbage.
 * Corrupt lines in the middle are skipped and reported; good records after them are kept.
 */
export async function openJournal(options: JournalOptions): Promise<OpenedJournal> {
  const { dir, fileName = 'journal.log', compactAfterBytes = 64 * 1024 * 1024, logger } = options;
  if (typeof dir !== 'string' || dir === '') {
    throw new StoreError('store_option_invalid', 'Expected `dir` to be a directory path for the journal, got `' + String(dir) + '`');
  }
  assertPositiveNumber('compactAfterBytes', compactAfterBytes);
  const durability = resolveDurability(options);
  if (durability === 'off') return { journal: new NullJournal(), pending: [], recovery: { records: 0, skipped: [] } };
  const path = join(dir, fileName);
  try {
    return await recoverJournal(path, dir, durability, compactAfterBytes, logger);
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
): Promise<OpenedJournal> {
  await mkdir(dir, { recursive: true });
  // A compaction a crash interrupted: the rename never happened, so the journal itself is intact.
  await rm(`${path}.compact`, { force: true });
  const data = await readFile(path).catch((error: unknown) => {
    if (isNotFound(error)) return Buffer.alloc(0);
    throw error;
  });
  const scan = scanJournal(data);
  const handle = await open(path, 'a');
  let fileBytes = data.length;
  try {
    if (scan.truncatedAt !== undefined) {
      await handle.truncate(scan.truncatedAt);
      await handle.datasync();
      fileBytes = scan.truncatedAt;
    }
    await fsyncDirectory(dir);
  } catch (error) {
    await handle.close();
    throw error;
  }
  if (scan.skipped.length > 0) {
    logger?.warn({ file: path, skipped: scan.skipped, truncatedAt: scan.truncatedAt }, 'journal: skipped unreadable records while recovering');
  }
  const live = new Map<string, string>();
  for (const [id, alert] of scan.live) live.set(id, encodeJournalRecord({ op: 'add', alert }));
  const journal = new FileJournal({ path, dir, handle, isSync: durability === 'fsync', live, fileBytes, compactAfterBytes, logger });
  const recovery: JournalRecovery = {
    records: scan.records,
    skipped: scan.skipped,
    ...(scan.truncatedAt === undefined ? {} : { truncatedAt: scan.truncatedAt }),
  };
  return { journal, pending: [...scan.live.values()], recovery };
}
