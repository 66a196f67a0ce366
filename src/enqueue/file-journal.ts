/**
 * The journal on disk: group-committed appends to one O_APPEND file, and compaction that rewrites the live records
 * into a new file while appends go on, then renames it over the old one at a batch boundary.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import type { Alert } from '../alert.js';
import { StoreError, type StoreLogger } from '../store/errors.js';
import { fsyncDirectory, writeAll } from '../store/fs-util.js';
import { GroupCommit } from '../store/group-commit.js';
import { encodeJournalRecord } from './journal-record.js';
import type { Journal, JournalStats } from './journal-types.js';

interface Item {
  readonly op: 'add' | 'done';
  readonly id: string;
  readonly line: string;
}

interface Compaction {
  /** Batches written to the old file after the snapshot; copied to the new file before the switch. */
  readonly tail: Buffer[];
  settled: boolean;
  handle?: FileHandle;
  error?: unknown;
  written: Promise<void>;
}

export interface FileJournalInit {
  readonly path: string;
  readonly dir: string;
  readonly handle: FileHandle;
  readonly isSync: boolean;
  readonly live: Map<string, string>;
  readonly fileBytes: number;
  readonly compactAfterBytes: number;
  readonly logger: StoreLogger | undefined;
}

export class FileJournal implements Journal {
  readonly #path: string;
  readonly #dir: string;
  readonly #isSync: boolean;
  readonly #compactAfterBytes: number;
  readonly #logger: StoreLogger | undefined;
  readonly #committer: GroupCommit<Item>;
  // id -> its encoded add line: compaction writes these without re-encoding.
  readonly #live: Map<string, string>;
  #handle: FileHandle;
  #liveBytes = 0;
  #fileBytes: number;
  #nextCompactionAt: number;
  #compaction: Compaction | undefined;
  #state: 'open' | 'failed' | 'closing' | 'closed' = 'open';
  #syncs = 0;
  #compactions = 0;
  #closed: Promise<void> | undefined;

  constructor(init: FileJournalInit) {
    this.#path = init.path;
    this.#dir = init.dir;
    this.#handle = init.handle;
    this.#isSync = init.isSync;
    this.#live = init.live;
    for (const line of init.live.values()) this.#liveBytes += Buffer.byteLength(line);
    this.#fileBytes = init.fileBytes;
    this.#compactAfterBytes = init.compactAfterBytes;
    this.#nextCompactionAt = init.compactAfterBytes;
    this.#logger = init.logger;
    this.#committer = new GroupCommit<Item>({
      flush: (items, isDurable) => this.#flush(items, isDurable),
      onBatchEnd: () => this.#maintain(),
    });
  }

  get size(): number {
    return this.#live.size;
  }

  get stats(): JournalStats {
    const { batches } = this.#committer;
    return { batches, syncs: this.#syncs, compactions: this.#compactions, fileBytes: this.#fileBytes, liveBytes: this.#liveBytes };
  }

  append(alerts: Alert | readonly Alert[]): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(this.#unavailable());
    const list: readonly Alert[] = 'id' in alerts ? [alerts as Alert] : (alerts as readonly Alert[]);
    // Pushed in one tick, so they share one batch and one promise.
    let written = Promise.resolve();
    for (const alert of list) {
      written = this.#committer.push({ op: 'add', id: alert.id, line: encodeJournalRecord({ op: 'add', alert }) }, this.#isSync);
    }
    return written;
  }

  complete(id: string): void {
    // After close a lost done only means one redelivery on the next start (at-least-once).
    if (this.#state !== 'open') return;
    // Not durable on its own: it rides along with the next add's fsync, or close()'s.
    this.#committer.push({ op: 'done', id, line: encodeJournalRecord({ op: 'done', id }) }, false).catch((error: unknown) => {
      this.#logger?.warn({ err: error, alertId: id }, 'journal: could not record a delivered alert; it will be redelivered after a restart');
    });
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    const wasFailed = this.#state === 'failed';
    this.#state = 'closing';
    await this.#committer.drain();
    const compaction = this.#compaction;
    this.#compaction = undefined;
    if (compaction) {
      await compaction.written;
      await this.#discard(compaction);
    }
    try {
      if (this.#isSync && !wasFailed) await this.#handle.datasync();
    } finally {
      this.#state = 'closed';
      await this.#handle.close();
    }
  }

  #unavailable(): StoreError {
    return this.#state === 'failed'
      ? new StoreError('journal_failed', `journal ${this.#path} failed to write earlier; restart GenHook to recover from it`)
      : new StoreError('journal_closed', `journal ${this.#path} is closed; append before close()`);
  }

  async #flush(items: readonly Item[], isDurable: boolean): Promise<void> {
    if (this.#state === 'failed') throw this.#unavailable();
    const data = Buffer.from(items.map((item) => item.line).join(''), 'utf8');
    try {
      await writeAll(this.#handle, data);
      if (isDurable) {
        await this.#handle.datasync();
        this.#syncs++;
      }
    } catch (error) {
      await this.#rollBack();
      throw new StoreError('journal_write_failed', `could not write journal ${this.#path}: ${String(error)}; check disk space and permissions`, { cause: error });
    }
    this.#fileBytes += data.length;
    this.#compaction?.tail.push(data);
    for (const item of items) {
      if (item.op === 'add') {
        if (this.#live.has(item.id)) continue;
        this.#live.set(item.id, item.line);
        this.#liveBytes += Buffer.byteLength(item.line);
      } else {
        const line = this.#live.get(item.id);
        if (line === undefined) continue;
        this.#live.delete(item.id);
        this.#liveBytes -= Buffer.byteLength(line);
      }
    }
  }

  /** Cuts a partly written batch off so the next batch does not land after half a record; fail-stop if we cannot. */
  async #rollBack(): Promise<void> {
    try {
      await this.#handle.truncate(this.#fileBytes);
      await this.#handle.datasync();
    } catch (error) {
      this.#state = 'failed';
      this.#logger?.warn({ err: error, file: this.#path }, 'journal: cannot roll back a failed write; refusing further appends');
    }
  }

  async #maintain(): Promise<void> {
    const compaction = this.#compaction;
    if (compaction) {
      if (compaction.settled) await this.#finishCompaction(compaction);
      return;
    }
    if (this.#state !== 'open' || this.#fileBytes < this.#nextCompactionAt) return;
    if (this.#liveBytes * 2 >= this.#fileBytes) return;
    this.#startCompaction();
  }

  /**
   * Runs at a batch boundary, so the live set is exactly what the written file holds; every later batch goes to
   * `tail` as well. Records are idempotent (add keeps the first, done of an absent id is ignored), so snapshot + tail
   * reads back to the same live set.
   */
  #startCompaction(): void {
    const snapshot = Buffer.from([...this.#live.values()].join(''), 'utf8');
    const compaction: Compaction = { tail: [], settled: false, written: Promise.resolve() };
    compaction.written = this.#writeSnapshot(compaction, snapshot)
      .catch((error: unknown) => void (compaction.error = error))
      .finally(() => {
        compaction.settled = true;
        this.#committer.kick();
      });
    this.#compaction = compaction;
  }

  async #writeSnapshot(compaction: Compaction, snapshot: Buffer): Promise<void> {
    const tempPath = `${this.#path}.compact`;
    await rm(tempPath, { force: true });
    const handle = await open(tempPath, 'a');
    compaction.handle = handle;
    await writeAll(handle, snapshot);
    await handle.datasync();
  }

  async #finishCompaction(compaction: Compaction): Promise<void> {
    this.#compaction = undefined;
    const { handle } = compaction;
    if (compaction.error !== undefined || !handle || this.#state !== 'open') return this.#discard(compaction);
    const tail = Buffer.concat(compaction.tail);
    const tempPath = `${this.#path}.compact`;
    try {
      await writeAll(handle, tail);
      await handle.datasync();
      await rename(tempPath, this.#path);
    } catch (error) {
      compaction.error = error;
      return this.#discard(compaction);
    }
    // Renamed: the new file is the journal now, whatever happens next.
    const old = this.#handle;
    this.#handle = handle;
    this.#fileBytes = (await handle.stat()).size;
    this.#nextCompactionAt = this.#compactAfterBytes;
    this.#compactions++;
    await old.close().catch(() => undefined);
    await fsyncDirectory(this.#dir).catch((error: unknown) => {
      this.#logger?.warn({ err: error, dir: this.#dir }, 'journal: could not fsync the directory after compaction');
    });
  }

  async #discard(compaction: Compaction): Promise<void> {
    if (compaction.error !== undefined) {
      this.#logger?.warn({ err: compaction.error, file: this.#path }, 'journal: compaction failed; will retry after more growth');
    }
    this.#nextCompactionAt = this.#fileBytes + this.#compactAfterBytes;
    await compaction.handle?.close().catch(() => undefined);
    await rm(`${this.#path}.compact`, { force: true }).catch(() => undefined);
  }
}
