/**
 * The journal's open file: its end (the bytes of good records), writing a batch there (into the zeroed room ahead
 * of it, journal-room.ts) and making it durable, cutting a failed batch back off, reading a record, and whether it
 * is still the file at its path.
 */
import type { FileHandle } from 'node:fs/promises';
import { MAX_WRITE_BUFFERS, writevAll } from '../store/fs-util.js';
import { JournalRoom } from './journal-room.js';
import { displacementOf } from './journal-rewrite.js';
import { readAt } from './record-copy.js';

export class JournalFile {
  readonly #path: string;
  #handle: FileHandle;
  #bytes: number;
  /** ino and dev of `#handle`'s file, read on the first check after it was opened (an open file's inode cannot be reused). */
  #ownInode: { readonly ino: number; readonly dev: number } | undefined;
  readonly #reads = new Set<Promise<unknown>>();
  readonly #room: JournalRoom;

  /** `isSync`: batches are written durably (their room's descriptor syncs each write itself, journal-room.ts). */
  constructor(path: string, handle: FileHandle, bytes: number, isSync: boolean) {
    this.#path = path;
    this.#handle = handle;
    this.#bytes = bytes;
    this.#room = new JournalRoom(path, bytes, isSync);
  }

  /** The open descriptor (compaction and rewrites copy records from it). */
  get handle(): FileHandle {
    return this.#handle;
  }

  /** Size of the good records: where the next batch goes. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Writes a batch's lines at the end, fdatasync'ed when `isDurable`, and moves the end past them; returns where
   * they start. A failed write moves nothing (cutBack removes what it left).
   */
  async append(lines: readonly Uint8Array[], isDurable: boolean): Promise<number> {
    // Handed to the kernel as they are: a batch of 170 pushes is 1.4 MB that joining would copy first. Past IOV_MAX
    // libuv would make it several writes, each synced on its own, so a batch that long is joined after all.
    const vector = lines.length < MAX_WRITE_BUFFERS ? lines : [Buffer.concat(lines)];
    const written = await this.#room.write(this.#handle, this.#bytes, vector);
    if (written === 'none') await writevAll(this.#handle, vector, null);
    if (isDurable && written !== 'synced') await this.#handle.datasync();
    const start = this.#bytes;
    for (const line of vector) this.#bytes += line.length;
    return start;
  }

  /** Truncates the file to its good records, durably; resolves the error if that failed. */
  cutBack(): Promise<unknown> {
    this.#room.cutTo(this.#bytes);
    return this.#handle
      .truncate(this.#bytes)
      .then(() => this.#handle.datasync())
      .then(
        () => undefined,
        (error: unknown) => error ?? new Error('truncate failed'),
      );
  }

  /** Whether the file is still the one at its path (one stat of the path): `deleted`, `replaced`, or undefined. */
  async displacement(): Promise<'deleted' | 'replaced' | undefined> {
    const own = (this.#ownInode ??= await this.#handle.stat());
    return displacementOf(this.#path, own);
  }

  /** Reads `length` bytes at `offset` (a record); the file is not closed under a read. */
  read(offset: number, length: number): Promise<Buffer> {
    const reading = readAt(this.#handle, offset, length);
    this.#reads.add(reading);
    void reading.catch(() => undefined).finally(() => this.#reads.delete(reading));
    return reading;
  }

  /** Makes `handle` (`bytes` long) the file; the old one is closed once the reads begun on it settle. */
  switchTo(handle: FileHandle, bytes: number): void {
    const old = this.#handle;
    this.#handle = handle;
    this.#ownInode = undefined;
    this.#bytes = bytes;
    void this.#room.reset(bytes);
    void Promise.allSettled([...this.#reads]).then(() => old.close().catch(() => undefined));
  }

  /** Waits for reads, cuts the room off, fdatasyncs when `isDurable`, closes. */
  async close(isDurable: boolean): Promise<void> {
    await Promise.allSettled([...this.#reads]);
    try {
      if (this.#room.hasRoomAfter(this.#bytes)) await this.#handle.truncate(this.#bytes);
      if (isDurable) await this.#handle.datasync();
    } finally {
      await this.#room.reset(this.#bytes);
      await this.#handle.close();
    }
  }
}
