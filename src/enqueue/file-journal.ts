/**
 * The journal on disk: group-committed appends to one file (written into zeros ahead of its end, journal-room.ts), and compaction (journal-compaction.ts) that
 * rewrites the live records into a new file while appends go on, then renames it over the old one at a batch boundary.
 * In memory it keeps only where each live record sits (live-records.ts), never the alert: alerts beyond the
 * queue's bounds stay in the file and are read back when there is room, and compaction copies bytes file to file.
 * Every 100 ms (path-check.ts) it checks that its file is still the one at its path, beside a batch's write or alone:
 * a journal deleted or replaced under it is rewritten from the open descriptor with every alert acknowledged so far.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Alert } from '../alert.js';
import { StoreError, type StoreLogger } from '../store/errors.js';
import { GroupCommit } from '../store/group-commit.js';
import { commitCompaction, removeCompaction, startCompaction, type Compaction } from './journal-compaction.js';
import { decodeAddRecord, encodeJournalLine, type RecordPlace } from './journal-record.js';
import { rewriteInPlace } from './journal-rewrite.js';
import type { Journal, JournalHealth, JournalStats, SeenKey } from './journal-types.js';
import { LiveRecords, type BatchItem } from './live-records.js';
import { JournalFile } from './journal-file.js';
import { PathCheck } from './path-check.js';
import type { SeenRecords } from './seen-lines.js';
import { PROBE_ID, WriteHealth } from './write-health.js';

/** How long a done record waits at most for an add's batch to ride along with. */
const DONE_DELAY_MS = 100;

export interface FileJournalInit {
  readonly path: string;
  readonly dir: string;
  /** Opened `a+`: appends go to the end, reads are positional. */
  readonly handle: FileHandle;
  readonly isSync: boolean;
  readonly live: Map<string, RecordPlace>;
  readonly fileBytes: number;
  readonly compactAfterBytes: number;
  readonly logger: StoreLogger | undefined;
  /**
   * Seen records to carry into a rewritten file (compaction, a deleted journal): where they are (recovery found the
   * first ones) and whether a key is still remembered. Without it a rewritten file holds no seen records.
   */
  readonly seen?: SeenRecords | undefined;
}

export class FileJournal implements Journal {
  readonly #path: string;
  readonly #dir: string;
  readonly #isSync: boolean;
  readonly #compactAfterBytes: number;
  readonly #logger: StoreLogger | undefined;
  readonly #committer: GroupCommit<BatchItem>;
  readonly #live: LiveRecords;
  readonly #health: WriteHealth;
  readonly #seen: FileJournalInit['seen'];
  readonly #file: JournalFile;
  #nextCompactionAt: number;
  #compaction: Compaction | undefined;
  #state: 'open' | 'failed' | 'closing' | 'closed' = 'open';
  /** The file was found deleted or replaced and could not be rewritten yet: the next batch tries again first. */
  #isDisplaced = false;
  readonly #pathCheck: PathCheck;
  #syncs = 0;
  #compactions = 0;
  #rehomes = 0;
  #closed: Promise<void> | undefined;

  constructor(init: FileJournalInit) {
    this.#path = init.path;
    this.#dir = init.dir;
    this.#file = new JournalFile(init.path, init.handle, init.fileBytes, init.isSync);
    this.#isSync = init.isSync;
    this.#live = new LiveRecords(init.live);
    this.#compactAfterBytes = init.compactAfterBytes;
    this.#nextCompactionAt = init.compactAfterBytes;
    this.#logger = init.logger;
    this.#seen = init.seen;
    this.#committer = new GroupCommit<BatchItem>({
      flush: (items, isDurable) => this.#flush(items, isDurable),
      onBatchEnd: () => this.#maintain(),
    });
    this.#pathCheck = new PathCheck(this.#file, () => this.#committer.kick());
    this.#health = new WriteHealth(init.path, init.logger, () => {
      if (this.#state === 'closing' || this.#state === 'closed') return this.#health.stop();
      if (this.#committer.queued > 0) return;
      this.#committer.push({ op: 'done', id: PROBE_ID, line: encodeJournalLine({ op: 'done', id: PROBE_ID }) }, this.#isSync).catch(() => undefined);
    });
  }

  get size(): number {
    return this.#live.size;
  }

  get stats(): JournalStats {
    const { batches } = this.#committer;
    return { batches, syncs: this.#syncs, compactions: this.#compactions, rehomes: this.#rehomes, fileBytes: this.#file.bytes, liveBytes: this.#live.bytes };
  }

  get health(): JournalHealth {
    if (this.#state === 'open' && !this.#health.isFailing && !this.#isDisplaced) return { writable: true };
    return { writable: false, error: this.#health.isFailing ? String(this.#health.failure) : this.#unavailable().message };
  }

  append(alerts: Alert | readonly Alert[], seen: readonly SeenKey[] = []): Promise<void> {
    if (this.#state === 'closing' || this.#state === 'closed') return Promise.reject(this.#unavailable());
    const list: readonly Alert[] = 'id' in alerts ? [alerts as Alert] : (alerts as readonly Alert[]);
    // Pushed in one tick, so they share one batch and one promise.
    let written = Promise.resolve();
    for (const alert of list) {
      written = this.#committer.push({ op: 'add', id: alert.id, line: encodeJournalLine({ op: 'add', alert }) }, this.#isSync);
    }
    // Same tick, same batch: the keys are durable exactly when their alerts are.
    for (const { key, at } of seen) {
      written = this.#committer.push({ op: 'seen', id: key, line: encodeJournalLine({ op: 'seen', key, at }) }, this.#isSync);
    }
    return written;
  }

  complete(id: string): void {
    // After close a lost done only means one redelivery on the next start (at-least-once).
    if (this.#state === 'closing' || this.#state === 'closed') return;
    // Not durable, no batch of its own (acks would queue behind it): it rides along with the next add's, or close()'s.
    this.#committer.pushDeferred({ op: 'done', id, line: encodeJournalLine({ op: 'done', id }) }, DONE_DELAY_MS).catch((error: unknown) => {
      this.#logger?.warn({ err: error, alertId: id }, 'journal: could not record a delivered alert; it will be redelivered after a restart');
    });
  }

  read(id: string): Promise<Alert | undefined> {
    const place = this.#live.get(id);
    if (place === undefined || this.#state === 'closed') return Promise.resolve(undefined);
    return this.#file.read(place.offset, place.length).then((data) => decodeAddRecord(data));
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    const wasFailed = this.#state === 'failed' || this.#health.isFailing;
    this.#state = 'closing';
    this.#pathCheck.stop();
    this.#health.stop();
    await this.#committer.drain();
    const compaction = this.#compaction;
    this.#compaction = undefined;
    if (compaction) {
      await compaction.written;
      await this.#discard(compaction);
    }
    try {
      await this.#file.close(this.#isSync && !wasFailed);
    } finally {
      this.#state = 'closed';
    }
  }

  #unavailable(): StoreError {
    if (this.#state === 'failed') return new StoreError('journal_failed', `journal ${this.#path} failed to write and could not be rolled back; retrying`);
    if (this.#isDisplaced) return new StoreError('journal_failed', `journal ${this.#path} was deleted or replaced and could not be rewritten yet; retrying`);
    return new StoreError('journal_closed', `journal ${this.#path} is closed; append before close()`);
  }

  async #flush(items: readonly BatchItem[], isDurable: boolean): Promise<void> {
    if (this.#state === 'failed') await this.#repair();
    if (this.#isDisplaced) await this.#rehomeOrThrow();
    // When due, the path check runs beside the write: each is a thread-pool round trip the batch's acks wait for.
    const displaced = this.#pathCheck.take();
    const lines = items.map((item) => item.line);
    let batchStart: number;
    try {
      batchStart = await this.#file.append(lines, isDurable);
      if (isDurable) this.#syncs++;
    } catch (error) {
      await this.#rollBack();
      this.#health.failing(error);
      throw new StoreError('journal_write_failed', `could not write journal ${this.#path}: ${String(error)}; check disk space and permissions`, { cause: error });
    }
    for (const line of lines) this.#compaction?.tail.push(line);
    const added = this.#live.applyBatch(items, batchStart);
    const seenBefore = this.#seen?.lines.count;
    this.#seen?.noteBatch(items);
    // A deleted or replaced journal found now is rewritten before this batch is acknowledged.
    if (displaced !== undefined && (await displaced)) {
      this.#isDisplaced = true;
      try {
        await this.#rehomeOrThrow(seenBefore);
      } catch (error) {
        // These alerts are answered 503, so they must not come back from a later rewrite either.
        for (const id of added) this.#live.forget(id);
        throw error;
      }
    }
    this.#health.healthy();
  }

  /** A due path check no batch took (none came): the file is rewritten now if it was deleted or replaced. */
  async #checkPathAlone(): Promise<void> {
    if (this.#state !== 'open' || this.#isDisplaced) return;
    const displaced = await this.#pathCheck.take()?.catch((error: unknown) => {
      this.#logger?.warn({ err: error, file: this.#path }, 'journal: cannot check that the journal file is still in place; trying again');
      return undefined;
    });
    if (displaced === undefined) return;
    this.#isDisplaced = true;
    // A failure is reported by the write health (503 until a probe batch rewrites the file).
    await this.#rehomeOrThrow().catch(() => undefined);
  }

  /** Cuts a partly written batch off so the next batch does not land after half a record; fail-stop if we cannot. */
  async #rollBack(): Promise<void> {
    const error = await this.#file.cutBack();
    if (error === undefined) return;
    this.#state = 'failed';
    this.#logger?.warn({ err: error, file: this.#path }, 'journal: cannot roll back a failed write; refusing appends until it can');
  }

  /** A failed roll back is tried again before the next batch: only a clean end of file may take new records. */
  async #repair(): Promise<void> {
    const error = await this.#file.cutBack();
    if (error !== undefined) {
      this.#health.failing(error);
      throw new StoreError('journal_failed', `journal ${this.#path} cannot be rolled back to its last good record: ${String(error)}`, { cause: error });
    }
    this.#state = 'open';
  }

  /**
   * Rewrites every live record from the open descriptor into a new file at the path (keeping a foreign one aside),
   * with the seen records still remembered and those from `unacknowledgedSeen` on (the batch being written).
   */
  async #rehomeOrThrow(unacknowledgedSeen?: number): Promise<void> {
    const how = (await this.#file.displacement().catch(() => 'deleted' as const)) ?? 'deleted';
    try {
      const compaction = this.#compaction;
      this.#compaction = undefined;
      if (compaction) {
        await compaction.written;
        await this.#discard(compaction, false);
      }
      const entries = this.#live.entries();
      const seen = this.#seen?.snapshot(unacknowledgedSeen);
      const { copy, keptAside } = await rewriteInPlace(this.#path, how, this.#file.handle, entries, seen);
      this.#switchTo(copy.handle, copy.bytes, (id) => copy.places.get(id));
      // Inside a batch, so no record was noted while copying: every one the snapshot kept is in the new file.
      this.#seen?.switchTo(copy.seen, seen?.count ?? 0);
      this.#isDisplaced = false;
      this.#rehomes++;
      this.#logger?.warn(
        { file: this.#path, alerts: entries.length, ...(keptAside ? { keptAside } : {}) },
        how === 'deleted'
          ? 'journal: journal file was deleted; rewrote the alerts it held into a new one'
          : 'journal: journal file was replaced by another file; kept that one aside and rewrote the alerts it held',
      );
    } catch (error) {
      this.#health.failing(error);
      throw new StoreError('journal_write_failed', `journal ${this.#path} was ${how} and could not be rewritten: ${String(error)}`, { cause: error });
    }
  }

  /** Makes `handle` the journal: every live record's place is mapped into it, the old file closed once reads settle. */
  #switchTo(handle: FileHandle, fileBytes: number, placeOf: (id: string, old: RecordPlace) => RecordPlace | undefined): void {
    this.#live.remap(placeOf);
    this.#file.switchTo(handle, fileBytes);
  }

  async #maintain(): Promise<void> {
    if (this.#pathCheck.isDue) await this.#checkPathAlone();
    const compaction = this.#compaction;
    if (compaction) {
      if (compaction.settled) await this.#finishCompaction(compaction);
      return;
    }
    this.#seen?.prune();
    if (this.#state !== 'open' || this.#isDisplaced || this.#file.bytes < this.#nextCompactionAt) return;
    if (this.#live.bytes * 2 >= this.#file.bytes) return;
    // At a batch boundary, so the live set and the seen records noted are exactly what the written file holds;
    // every later batch goes to the tail as well.
    this.#compaction = startCompaction(this.#path, this.#file.handle, this.#live.entries(), this.#file.bytes, this.#seen?.snapshot(), () => this.#committer.kick());
  }

  async #finishCompaction(compaction: Compaction): Promise<void> {
    this.#compaction = undefined;
    if (compaction.error !== undefined || this.#state !== 'open' || this.#isDisplaced) return this.#discard(compaction);
    const committed = await commitCompaction(compaction, this.#path, (error) =>
      this.#logger?.warn({ err: error, dir: this.#dir }, 'journal: could not fsync the directory after compaction'),
    );
    if (committed === undefined) return this.#discard(compaction);
    // Renamed: the new file is the journal now, whatever happens next.
    this.#switchTo(committed.handle, committed.fileBytes, committed.placeOf);
    this.#seen?.switchTo(compaction.seen, compaction.seenCount);
    this.#nextCompactionAt = this.#compactAfterBytes;
    this.#compactions++;
  }

  async #discard(compaction: Compaction, isFailure = true): Promise<void> {
    if (isFailure && compaction.error !== undefined) {
      this.#logger?.warn({ err: compaction.error, file: this.#path }, 'journal: compaction failed; will retry after more growth');
    }
    this.#nextCompactionAt = this.#file.bytes + this.#compactAfterBytes;
    await removeCompaction(compaction, this.#path);
  }
}
