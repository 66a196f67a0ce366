/**
 * Room ahead of the journal's end: zeros written past the last record, so that a batch overwrites bytes the file
 * already has instead of growing it. Why: an fdatasync after an append must also commit the file's new size, which
 * on ext4 waits for a journal commit of the whole file system (every other process's metadata with it); after an
 * overwrite it only flushes the data. Measured on the bench machine at 600 syncs/s of 2 KiB: appending p99 8-12 ms,
 * max 20-96 ms; overwriting zeros p99 5 ms, max 8 ms; GenHook's own fdatasyncs in the paced round (bench/ack-trace.ts)
 * p99 2.8-2.9 → 2.2-2.4 ms, max 8-14 → 5-9 ms. The room is topped up with the batch that runs out of it (that
 * one sync pays the size change, as every sync did before), growing from 64 KiB to 1 MiB so small journals stay small.
 * A recovered file's zero tail is room, not a torn record (journal-record.ts); close() cuts it off.
 *
 * Writing into the room needs a descriptor without O_APPEND (the journal's own is `a+`, and Linux appends every
 * write on one whatever its position), opened by path and used only while it is the same file as the journal's.
 * A durable journal opens it O_DSYNC: each write returns once its data is on the disk, as write + fdatasync would,
 * but in one thread-pool round trip instead of two (the batch's acks wait for both). Measured with 800 × 8 KiB into
 * zeros on ext4 here: write + fdatasync p50 0.26-0.41 ms, p99 1.9-6.7 ms; O_DSYNC write p50 0.21-0.24, p99 0.9-4.0 ms.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { writevAll } from '../store/fs-util.js';

const FIRST_ROOM_BYTES = 64 * 1024;
const MAX_ROOM_BYTES = 1024 * 1024;
const ZEROS = Buffer.alloc(MAX_ROOM_BYTES);

export class JournalRoom {
  readonly #path: string;
  /** Whether writes through the descriptor are synced by it (O_DSYNC): `write` answers 'synced' then. */
  readonly #isSyncing: boolean;
  /** The positional descriptor, once opened; null: the path is not the journal's file, so no room (appends as before). */
  #writer: FileHandle | null | undefined;
  /** File size with the room: bytes past the journal's end up to here are zeros. */
  #allocated: number;
  #nextRoom = FIRST_ROOM_BYTES;

  /** `isSync`: open the descriptor O_DSYNC (where the platform has it), so each write is durable when it returns. */
  constructor(path: string, bytes: number, isSync = false) {
    this.#path = path;
    this.#allocated = bytes;
    this.#isSyncing = isSync && constants.O_DSYNC !== undefined;
  }

  /**
   * Writes `lines` at `end` (the journal's end) in one vectored write through the positional descriptor, with a new
   * room after them when they would not fit in the one there is. 'synced': written and on the disk (O_DSYNC);
   * 'written': the caller syncs; 'none': no descriptor for this file, the caller appends through its own.
   */
  async write(journal: FileHandle, end: number, lines: readonly Uint8Array[]): Promise<'synced' | 'written' | 'none'> {
    const writer = await this.#writerFor(journal);
    if (writer === null) return 'none';
    const done = this.#isSyncing ? 'synced' : 'written';
    let length = 0;
    for (const line of lines) length += line.length;
    if (end + length <= this.#allocated) {
      await writevAll(writer, lines, end);
      return done;
    }
    const room = this.#nextRoom;
    // One write, so the batch and its room reach the disk in the same sync.
    try {
      await writevAll(writer, [...lines, ZEROS.subarray(0, room)], end);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      // A nearly full disk: the room must not cost a batch whose own records still fit. (Zeros a short write
      // left past them are room nobody counts on; the next batch overwrites them, recovery cuts them off.)
      await writevAll(writer, lines, end);
      this.#allocated = end + length;
      return done;
    }
    this.#nextRoom = Math.min(MAX_ROOM_BYTES, room * 2);
    this.#allocated = end + length + room;
    return done;
  }

  /** The file was cut to `bytes` (a failed batch rolled back): no room past it. */
  cutTo(bytes: number): void {
    this.#allocated = bytes;
  }

  /** Whether zeros follow `end` in the file (close() cuts them off). */
  hasRoomAfter(end: number): boolean {
    return this.#allocated > end;
  }

  /** Closes the positional descriptor; `bytes` is the size of the file that follows (compaction, a rewrite). */
  async reset(bytes: number): Promise<void> {
    const writer = this.#writer;
    this.#writer = undefined;
    this.#allocated = bytes;
    await writer?.close().catch(() => undefined);
  }

  async #writerFor(journal: FileHandle): Promise<FileHandle | null> {
    if (this.#writer !== undefined) return this.#writer;
    this.#writer = await openSameFile(this.#path, journal, this.#isSyncing ? constants.O_RDWR | constants.O_DSYNC : 'r+');
    return this.#writer;
  }
}

/** Opens `path` read-write without O_APPEND when it is `journal`'s file (same inode); null when it is not or cannot be. */
async function openSameFile(path: string, journal: FileHandle, flags: string | number): Promise<FileHandle | null> {
  let writer: FileHandle | undefined;
  try {
    writer = await open(path, flags);
    const [own, there] = await Promise.all([journal.stat(), writer.stat()]);
    if (own.ino === there.ino && own.dev === there.dev) return writer;
  } catch {
    // No room then: the batch is appended through the journal's descriptor.
  }
  await writer?.close().catch(() => undefined);
  return null;
}
