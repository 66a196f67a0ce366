/**
 * The journal on disk: group-committed appends to one O_APPEND file, and compaction that rewrites the live records
 * into a new file while appends go on, then renames it over the old one at a batch boundary.
 * In memory it keeps only where each live record sits (id → offset, length), never the alert: alerts beyond the
 * queue's bounds stay in the file and are read back when there is room, and compaction copies bytes file to file.
 * After each batch it checks that its file is still the one at its path: a journal deleted or replaced under it is
 * rewritten in place from the open descriptor before the batch is acknowledged, so no 2xx lands in an unlinked file.
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import type { Alert } from '../alert.js';
import { StoreError, type StoreLogger } from '../store/errors.js';
import { replaceFile } from '../store/atomic-write.js';
import { isNotFound, writeAll } from '../store/fs-util.js';
import { GroupCommit } from '../store/group-commit.js';
import { decodeAddRecord, encodeJournalLine, encodeJournalRecord, type RecordPlace } from './journal-record.js';
import { copyRecords, readAt } from './record-copy.js';
import type { Journal, JournalHealth, JournalStats, SeenKey } from './journal-types.js';

interface Item {
  readonly op: 'add' | 'done' | 'seen';
  readonly id: string;
  /** The encoded record (encodeJournalLine): its length is its place in the file. */
  readonly line: Buffer;
}

interface Compaction {
  /** Live records at the snapshot, and where the snapshot put them in the new file. */
  readonly entries: readonly (readonly [string, RecordPlace])[];
  readonly snapshotAt: number;
  places?: Map<string, RecordPlace>;
  snapshotBytes: number;
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
  /** Opened `a+`: appends go to the end, reads are positional. */
  readonly handle: FileHandle;
  readonly isSync: boolean;
  readonly live: Map<string, RecordPlace>;
  readonly fileBytes: number;
  readonly compactAfterBytes: number;
  readonly logger: StoreLogger | undefined;
  /** Seen delivery keys to carry into a rewritten file (compaction, a deleted journal). */
  readonly seenEntries?: (() => Iterable<readonly [string, number]>) | undefined;
}

/** While writes fail, one probe record (a done for no alert: ignored on recovery) is tried this often. */
const PROBE_INTERVAL_MS = 1000;
const PROBE_ID = '\u0000probe';

export class FileJournal implements Journal {
  readonly #path: string;
  readonly #dir: string;
  readonly #isSync: boolean;
  readonly #compactAfterBytes: number;
  readonly #logger: StoreLogger | undefined;
  readonly #committer: GroupCommit<Item>;
  readonly #live: Map<string, RecordPlace>;
  readonly #reads = new Set<Promise<unknown>>();
  readonly #seenEntries: FileJournalInit['seenEntries'];
  #handle: FileHandle;
  #liveBytes = 0;
  #fileBytes: number;
  #nextCompactionAt: number;
  #compaction: Compaction | undefined;
  #state: 'open' | 'failed' | 'closing' | 'closed' = 'open';
  /** The last write's error while writes fail; undefined while they succeed. */
  #failure: unknown;
  #probe: NodeJS.Timeout | undefined;
  /** The file was found deleted or replaced and could not be rewritten yet: the next batch tries again first. */
  #isDisplaced = false;
  /** ino and dev of `#handle`'s file, read on the first check after it was opened. */
  #ownInode: { readonly ino: number; readonly dev: number } | undefined;
  #syncs = 0;
  #compactions = 0;
  #rehomes = 0;
  #closed: Promise<void> | undefined;

  constructor(init: FileJournalInit) {
    this.#path = init.path;
    this.#dir = init.dir;
    this.#handle = init.handle;
    this.#isSync = init.isSync;
    this.#live = init.live;
    for (const place of init.live.values()) this.#liveBytes += place.length;
    this.#fileBytes = init.fileBytes;
    this.#compactAfterBytes = init.compactAfterBytes;
    this.#nextCompactionAt = init.compactAfterBytes;
    this.#logger = init.logger;
    this.#seenEntries = init.seenEntries;
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
    return { batches, syncs: this.#syncs, compactions: this.#compactions, rehomes: this.#rehomes, fileBytes: this.#fileBytes, liveBytes: this.#liveBytes };
  }

  get health(): JournalHealth {
    if (this.#state === 'open' && this.#failure === undefined && !this.#isDisplaced) return { writable: true };
    return { writable: false, error: this.#failure === undefined ? this.#unavailable().message : String(this.#failure) };
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
    // Not durable on its own: it rides along with the next add's fsync, or close()'s.
    this.#committer.push({ op: 'done', id, line: encodeJournalLine({ op: 'done', id }) }, false).catch((error: unknown) => {
      this.#logger?.warn({ err: error, alertId: id }, 'journal: could not record a delivered alert; it will be redelivered after a restart');
    });
  }

  read(id: string): Promise<Alert | undefined> {
    const place = this.#live.get(id);
    if (place === undefined || this.#state === 'closed') return Promise.resolve(undefined);
    const reading = readAt(this.#handle, place.offset, place.length).then((data) => decodeAddRecord(data));
    this.#reads.add(reading);
    void reading.catch(() => undefined).finally(() => this.#reads.delete(reading));
    return reading;
  }

  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    const wasFailed = this.#state === 'failed' || this.#failure !== undefined;
    this.#state = 'closing';
    this.#stopProbe();
    await this.#committer.drain();
    const compaction = this.#compaction;
    this.#compaction = undefined;
    if (compaction) {
      await compaction.written;
      await this.#discard(compaction);
    }
    await Promise.allSettled([...this.#reads]);
    try {
      if (this.#isSync && !wasFailed) await this.#handle.datasync();
    } finally {
      this.#state = 'closed';
      await this.#handle.close();
    }
  }

  #unavailable(): StoreError {
    if (this.#state === 'failed') return new StoreError('journal_failed', `journal ${this.#path} failed to write and could not be rolled back; retrying`);
    if (this.#isDisplaced) return new StoreError('journal_failed', `journal ${this.#path} was deleted or replaced and could not be rewritten yet; retrying`);
    return new StoreError('journal_closed', `journal ${this.#path} is closed; append before close()`);
  }

  async #flush(items: readonly Item[], isDurable: boolean): Promise<void> {
    if (this.#state === 'failed') await this.#repair();
    if (this.#isDisplaced) await this.#rehomeOrThrow();
    const data = items.length === 1 && items[0] !== undefined ? items[0].line : Buffer.concat(items.map((item) => item.line));
    try {
      await writeAll(this.#handle, data);
      if (isDurable) {
        await this.#handle.datasync();
        this.#syncs++;
      }
    } catch (error) {
      await this.#rollBack();
      this.#failing(error);
      throw new StoreError('journal_write_failed', `could not write journal ${this.#path}: ${String(error)}; check disk space and permissions`, { cause: error });
    }
    const batchStart = this.#fileBytes;
    this.#fileBytes += data.length;
    this.#compaction?.tail.push(data);
    let offset = batchStart;
    const added: string[] = [];
    for (const item of items) {
      const { length } = item.line;
      if (item.op === 'add') {
        if (!this.#live.has(item.id)) {
          this.#live.set(item.id, { offset, length });
          this.#liveBytes += length;
          added.push(item.id);
        }
      } else if (item.op === 'done') {
        const place = this.#live.get(item.id);
        if (place !== undefined) {
          this.#live.delete(item.id);
          this.#liveBytes -= place.length;
        }
      }
      offset += length;
    }
    // Acknowledged only once it is in the file at our path: a deleted or replaced journal is rewritten first.
    if (await this.#displacement()) {
      this.#isDisplaced = true;
      try {
        await this.#rehomeOrThrow();
      } catch (error) {
        // These alerts are answered 503, so they must not come back from a later rewrite either.
        for (const id of added) this.#forget(id);
        throw error;
      }
    }
    this.#healthy();
  }

  #forget(id: string): void {
    const place = this.#live.get(id);
    if (place === undefined) return;
    this.#live.delete(id);
    this.#liveBytes -= place.length;
  }

  /** Cuts a partly written batch off so the next batch does not land after half a record; fail-stop if we cannot. */
  async #rollBack(): Promise<void> {
    try {
      await this.#handle.truncate(this.#fileBytes);
      await this.#handle.datasync();
    } catch (error) {
      this.#state = 'failed';
      this.#logger?.warn({ err: error, file: this.#path }, 'journal: cannot roll back a failed write; refusing appends until it can');
    }
  }

  /** A failed roll back is tried again before the next batch: only a clean end of file may take new records. */
  async #repair(): Promise<void> {
    try {
      await this.#handle.truncate(this.#fileBytes);
      await this.#handle.datasync();
    } catch (error) {
      this.#failing(error);
      throw new StoreError('journal_failed', `journal ${this.#path} cannot be rolled back to its last good record: ${String(error)}`, { cause: error });
    }
    this.#state = 'open';
  }

  #failing(error: unknown): void {
    const wasHealthy = this.#failure === undefined;
    this.#failure = error;
    if (wasHealthy) this.#logger?.warn({ err: error, file: this.#path }, 'journal: writes fail; webhooks get 503 until a probe write succeeds');
    // Nobody may send (a load balancer reads /ready): probe on our own so the journal comes back by itself.
    this.#probe ??= setInterval(() => {
      if (this.#state === 'closing' || this.#state === 'closed') return this.#stopProbe();
      if (this.#committer.queued > 0) return;
      this.#committer.push({ op: 'done', id: PROBE_ID, line: encodeJournalLine({ op: 'done', id: PROBE_ID }) }, this.#isSync).catch(() => undefined);
    }, PROBE_INTERVAL_MS);
    this.#probe.unref();
  }

  #healthy(): void {
    if (this.#failure !== undefined) this.#logger?.warn({ file: this.#path }, 'journal: writes succeed again; accepting webhooks');
    this.#failure = undefined;
    this.#stopProbe();
  }

  #stopProbe(): void {
    if (this.#probe !== undefined) clearInterval(this.#probe);
    this.#probe = undefined;
  }

  /**
   * Whether the open file is still the one at the path: `deleted` (nothing there) or `replaced`. The open file's
   * inode is read once per handle (an open file's inode cannot be reused), so each batch costs one stat of the path.
   */
  async #displacement(): Promise<'deleted' | 'replaced' | undefined> {
    const own = (this.#ownInode ??= await this.#handle.stat());
    try {
      const there = await stat(this.#path);
      return there.ino === own.ino && there.dev === own.dev ? undefined : 'replaced';
    } catch (error) {
      if (isNotFound(error)) return 'deleted';
      throw error;
    }
  }

  /** Rewrites every live record from the open descriptor into a new file at the path (keeping a foreign one aside). */
  async #rehomeOrThrow(): Promise<void> {
    const how = (await this.#displacement().catch(() => 'deleted' as const)) ?? 'deleted';
    try {
      const compaction = this.#compaction;
      this.#compaction = undefined;
      if (compaction) {
        await compaction.written;
        await this.#discard(compaction, false);
      }
      let keptAside: string | undefined;
      if (how === 'replaced') {
        keptAside = `${this.#path}.replaced-${Date.now()}`;
        await rename(this.#path, keptAside);
      }
      const entries = [...this.#live];
      const tempPath = `${this.#path}.compact`;
      await rm(tempPath, { force: true });
      const handle = await open(tempPath, 'a+');
      try {
        const { places, bytes } = await copyRecords(this.#handle, handle, entries);
        const seenBytes = await this.#writeSeen(handle, this.#seenLines());
        await handle.datasync();
        await replaceFile(tempPath, this.#path);
        this.#switchTo(handle, bytes + seenBytes, (id) => places.get(id));
      } catch (error) {
        await handle.close().catch(() => undefined);
        throw error;
      }
      this.#isDisplaced = false;
      this.#rehomes++;
      this.#logger?.warn(
        { file: this.#path, alerts: entries.length, ...(keptAside ? { keptAside } : {}) },
        how === 'deleted'
          ? 'journal: journal file was deleted; rewrote the alerts it held into a new one'
          : 'journal: journal file was replaced by another file; kept that one aside and rewrote the alerts it held',
      );
    } catch (error) {
      this.#failing(error);
      throw new StoreError('journal_write_failed', `journal ${this.#path} was ${how} and could not be rewritten: ${String(error)}`, { cause: error });
    }
  }

  /** Makes `handle` the journal: every live record's place is mapped into it, the old file closed once reads settle. */
  #switchTo(handle: FileHandle, fileBytes: number, placeOf: (id: string, old: RecordPlace) => RecordPlace | undefined): void {
    for (const [id, place] of this.#live) {
      const moved = placeOf(id, place);
      if (moved === undefined) this.#forget(id);
      else this.#live.set(id, moved);
    }
    const old = this.#handle;
    this.#handle = handle;
    this.#ownInode = undefined;
    this.#fileBytes = fileBytes;
    const reads = [...this.#reads];
    void Promise.allSettled(reads).then(() => old.close().catch(() => undefined));
  }

  async #maintain(): Promise<void> {
    const compaction = this.#compaction;
    if (compaction) {
      if (compaction.settled) await this.#finishCompaction(compaction);
      return;
    }
    if (this.#state !== 'open' || this.#isDisplaced || this.#fileBytes < this.#nextCompactionAt) return;
    if (this.#liveBytes * 2 >= this.#fileBytes) return;
    this.#startCompaction();
  }

  /**
   * Runs at a batch boundary, so the live set is exactly what the written file holds; every later batch goes to
   * `tail` as well. Records are idempotent (add keeps the first, done of an absent id is ignored), so snapshot + tail
   * reads back to the same live set.
   */
  #startCompaction(): void {
    const compaction: Compaction = { entries: [...this.#live], snapshotAt: this.#fileBytes, snapshotBytes: 0, tail: [], settled: false, written: Promise.resolve() };
    const source = this.#handle;
    // Taken at the batch boundary with the live set: later seen keys are in the tail.
    const seen = this.#seenLines();
    compaction.written = this.#writeSnapshot(compaction, source, seen)
      .catch((error: unknown) => void (compaction.error = error))
      .finally(() => {
        compaction.settled = true;
        this.#committer.kick();
      });
    this.#compaction = compaction;
  }

  async #writeSnapshot(compaction: Compaction, source: FileHandle, seen: string): Promise<void> {
    const tempPath = `${this.#path}.compact`;
    await rm(tempPath, { force: true });
    const handle = await open(tempPath, 'a+');
    compaction.handle = handle;
    const { places, bytes } = await copyRecords(source, handle, compaction.entries);
    compaction.places = places;
    compaction.snapshotBytes = bytes + (await this.#writeSeen(handle, seen));
    await handle.datasync();
  }

  /** The seen keys worth keeping, as journal lines (empty without a dedup cache). */
  #seenLines(): string {
    if (this.#seenEntries === undefined) return '';
    let lines = '';
    for (const [key, at] of this.#seenEntries()) lines += encodeJournalRecord({ op: 'seen', key, at });
    return lines;
  }

  async #writeSeen(handle: FileHandle, lines: string): Promise<number> {
    if (lines === '') return 0;
    const data = Buffer.from(lines, 'utf8');
    await writeAll(handle, data);
    return data.length;
  }

  async #finishCompaction(compaction: Compaction): Promise<void> {
    this.#compaction = undefined;
    const { handle, places } = compaction;
    if (compaction.error !== undefined || !handle || !places || this.#state !== 'open' || this.#isDisplaced) return this.#discard(compaction);
    const tail = Buffer.concat(compaction.tail);
    const tempPath = `${this.#path}.compact`;
    try {
      await writeAll(handle, tail);
      await handle.datasync();
      await replaceFile(tempPath, this.#path, {
        onDirectorySyncError: (error) => this.#logger?.warn({ err: error, dir: this.#dir }, 'journal: could not fsync the directory after compaction'),
      });
    } catch (error) {
      compaction.error = error;
      return this.#discard(compaction);
    }
    // Renamed: the new file is the journal now, whatever happens next.
    const { snapshotAt, snapshotBytes } = compaction;
    this.#switchTo(handle, snapshotBytes + tail.length, (id, old) =>
      old.offset >= snapshotAt ? { offset: snapshotBytes + (old.offset - snapshotAt), length: old.length } : places.get(id),
    );
    this.#nextCompactionAt = this.#compactAfterBytes;
    this.#compactions++;
  }

  async #discard(compaction: Compaction, isFailure = true): Promise<void> {
    if (isFailure && compaction.error !== undefined) {
      this.#logger?.warn({ err: compaction.error, file: this.#path }, 'journal: compaction failed; will retry after more growth');
    }
    this.#nextCompactionAt = this.#fileBytes + this.#compactAfterBytes;
    await compaction.handle?.close().catch(() => undefined);
    await rm(`${this.#path}.compact`, { force: true }).catch(() => undefined);
  }
}
