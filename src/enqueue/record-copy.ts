/** Reading journal records back by place, and copying them file to file (compaction, rewriting a deleted journal). */
import type { FileHandle } from 'node:fs/promises';
import { StoreError } from '../store/errors.js';
import { writeAll } from '../store/fs-util.js';
import type { RecordPlace } from './journal-record.js';
import type { PlaceList } from './seen-places.js';

/** Largest single read when copying records from file to file. */
const COPY_CHUNK_BYTES = 1024 * 1024;

export async function readAt(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
    if (bytesRead === 0) throw new StoreError('journal_failed', `journal record at offset ${offset} is cut short`);
    done += bytesRead;
  }
  return buffer;
}

/**
 * Copies the records at `entries` (in file order) from `source` to the end of `target`, reading up to 1 MiB at a
 * time, and says where each landed.
 */
export async function copyRecords(
  source: FileHandle,
  target: FileHandle,
  entries: readonly (readonly [string, RecordPlace])[],
): Promise<{ places: Map<string, RecordPlace>; bytes: number }> {
  const places = new Map<string, RecordPlace>();
  const placeOf = (index: number): RecordPlace => (entries[index] as readonly [string, RecordPlace])[1];
  const list: PlaceList = { count: entries.length, offsetAt: (index) => placeOf(index).offset, lengthAt: (index) => placeOf(index).length };
  const bytes = await copyPlaces(source, target, list, undefined, (index, offset) => {
    places.set((entries[index] as readonly [string, RecordPlace])[0], { offset, length: placeOf(index).length });
  });
  return { places, bytes };
}

/**
 * Copies the records of `list` (in file order) that `isKept` keeps (all without it) from `source` to the end of
 * `target`: up to 1 MiB of the source is read at a time, records next to each other go out as one piece, and
 * `landed(index, offset)` says where each went (its offset among the bytes this call wrote). Resolves the bytes written.
 * The event loop runs between reads, so a long list (a full dedup cache's seen records) does not hold it.
 */
export async function copyPlaces(
  source: FileHandle,
  target: FileHandle,
  list: PlaceList,
  isKept: ((index: number) => boolean) | undefined,
  landed: (index: number, offset: number) => void,
): Promise<number> {
  let written = 0;
  let index = 0;
  while (index < list.count) {
    if (isKept !== undefined && !isKept(index)) {
      index++;
      continue;
    }
    const windowStart = list.offsetAt(index);
    let windowEnd = windowStart + list.lengthAt(index);
    const kept: number[] = [index];
    let last = index + 1;
    for (; last < list.count; last++) {
      const offset = list.offsetAt(last);
      const end = offset + list.lengthAt(last);
      if (offset < windowEnd || end - windowStart > COPY_CHUNK_BYTES) break;
      if (isKept !== undefined && !isKept(last)) continue;
      kept.push(last);
      windowEnd = end;
    }
    const window = await readAt(source, windowStart, windowEnd - windowStart);
    // Runs of adjacent records become one piece each: a subarray per 90-byte record costs more than copying it.
    const pieces: Buffer[] = [];
    let runStart = -1;
    let runEnd = -1;
    for (const at of kept) {
      const offset = list.offsetAt(at) - windowStart;
      const length = list.lengthAt(at);
      if (offset !== runEnd) {
        if (runEnd !== -1) pieces.push(window.subarray(runStart, runEnd));
        runStart = offset;
      }
      runEnd = offset + length;
      landed(at, written);
      written += length;
    }
    if (runEnd !== -1) pieces.push(window.subarray(runStart, runEnd));
    await writeAll(target, pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces));
    index = last;
  }
  return written;
}
