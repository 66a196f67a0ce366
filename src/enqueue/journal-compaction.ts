/**
 * Compaction: the live records at a batch boundary (the snapshot) are copied into `<path>.compact` while appends
 * go on; every batch written after the snapshot is kept as `tail`; at a later batch boundary the tail is appended
 * and the new file renamed over the journal. Records are idempotent (an add keeps the first, a done of an absent id
 * is ignored), so snapshot + tail read back to the same live set.
 */
import { rm, type FileHandle } from 'node:fs/promises';
import { replaceFile } from '../store/atomic-write.js';
import { writevAll } from '../store/fs-util.js';
import type { RecordPlace } from './journal-record.js';
import { rewritePath, writeLiveCopy } from './journal-rewrite.js';
import type { SeenLines, SeenSnapshot } from './seen-lines.js';

export interface Compaction {
  /** File size at the snapshot: records at or after it are in the tail. */
  readonly snapshotAt: number;
  /** Batches written to the old file after the snapshot; copied to the new file before the switch. */
  readonly tail: Buffer[];
  /** Where the snapshot put the live records in the new file, once written. */
  places?: Map<string, RecordPlace>;
  /** Seen records noted at the snapshot (later ones are in the tail), and those the snapshot kept. */
  readonly seenCount: number;
  seen?: SeenLines | undefined;
  snapshotBytes: number;
  handle?: FileHandle;
  error?: unknown;
  settled: boolean;
  /** Settles (never rejects) when the snapshot is written or failed. */
  written: Promise<void>;
}

/**
 * Starts writing the snapshot of `entries` (the live set at this batch boundary), then the seen records still kept;
 * `onSettled` runs when it is written or failed, so the writer finishes it at its next batch boundary.
 */
export function startCompaction(
  path: string,
  source: FileHandle,
  entries: readonly (readonly [string, RecordPlace])[],
  snapshotAt: number,
  seen: SeenSnapshot | undefined,
  onSettled: () => void,
): Compaction {
  const compaction: Compaction = { snapshotAt, snapshotBytes: 0, seenCount: seen?.count ?? 0, tail: [], settled: false, written: Promise.resolve() };
  compaction.written = writeLiveCopy(path, source, entries, seen)
    .then(({ handle, places, seen: copiedSeen, bytes }) => {
      compaction.handle = handle;
      compaction.places = places;
      compaction.seen = copiedSeen;
      compaction.snapshotBytes = bytes;
    })
    .catch((error: unknown) => void (compaction.error = error))
    .finally(() => {
      compaction.settled = true;
      onSettled();
    });
  return compaction;
}

/** The new file once renamed over the journal, and how records of the old one map into it. */
export interface CommittedCompaction {
  readonly handle: FileHandle;
  readonly fileBytes: number;
  /** A live add record's place in the new file (undefined: it was not copied). */
  readonly placeOf: (id: string, old: RecordPlace) => RecordPlace | undefined;
}

/**
 * Appends the tail, fsyncs and renames the new file over the journal (then fsyncs the folder; a failure of that
 * only goes to `onDirectorySyncError`, the new file is the journal either way). Returns the new file and how to map a record's
 * old place into it; undefined (with `compaction.error` set) when that failed and the journal stays as it was.
 */
export async function commitCompaction(
  compaction: Compaction,
  path: string,
  onDirectorySyncError: (error: unknown) => void,
): Promise<CommittedCompaction | undefined> {
  const { handle, places, snapshotAt, snapshotBytes } = compaction;
  if (!handle || !places) return undefined;
  // The tail's lines go to the kernel as they are, not joined into one copy first (a tail of a busy minute is tens
  // of MB: joining it was 2% of GenHook's CPU in log mode). libuv writes more than IOV_MAX buffers in several
  // writes, which costs nothing extra here: this file is not O_DSYNC, one datasync follows.
  let tailBytes = 0;
  for (const line of compaction.tail) tailBytes += line.length;
  try {
    await writevAll(handle, compaction.tail, null);
    await handle.datasync();
    await replaceFile(rewritePath(path), path, { onDirectorySyncError });
  } catch (error) {
    compaction.error = error;
    return undefined;
  }
  const shift = (offset: number): number => snapshotBytes + (offset - snapshotAt);
  const placeOf = (id: string, old: RecordPlace): RecordPlace | undefined => (old.offset >= snapshotAt ? { offset: shift(old.offset), length: old.length } : places.get(id));
  return { handle, fileBytes: snapshotBytes + tailBytes, placeOf };
}

/** Closes and removes an unfinished compaction's file. */
export async function removeCompaction(compaction: Compaction, path: string): Promise<void> {
  await compaction.handle?.close().catch(() => undefined);
  await rm(rewritePath(path), { force: true }).catch(() => undefined);
}
