/** Reading journal records back by place, and copying them file to file (compaction, rewriting a deleted journal). */
import type { FileHandle } from 'node:fs/promises';
import { StoreError } from '../store/errors.js';
import { writeAll } from '../store/fs-util.js';
import type { RecordPlace } from './journal-record.js';

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
 * Copies the records at `entries` (in file order) from `source` to the end of `target` and says where each landed:
 * up to 1 MiB of the source is read at a time, and records next to each other go out as one piece. The event loop
 * runs between reads, so a long backlog does not hold it.
 */
export async function copyRecords(
  source: FileHandle,
  target: FileHandle,
  entries: readonly (readonly [string, RecordPlace])[],
): Promise<{ places: Map<string, RecordPlace>; bytes: number }> {
  const places = new Map<string, RecordPlace>();
  const placeAt = (index: number): RecordPlace => (entries[index] as readonly [string, RecordPlace])[1];
  let written = 0;
  let index = 0;
  while (index < entries.length) {
    const windowStart = placeAt(index).offset;
    let windowEnd = windowStart + placeAt(index).length;
    let last = index + 1;
    for (; last < entries.length; last++) {
      const { offset, length } = placeAt(last);
      if (offset < windowEnd || offset + length - windowStart > COPY_CHUNK_BYTES) break;
      windowEnd = offset + length;
    }
    const window = await readAt(source, windowStart, windowEnd - windowStart);
    // Runs of adjacent records become one piece each: a subarray per record costs more than copying it.
    const pieces: Buffer[] = [];
    let runStart = -1;
    let runEnd = -1;
    for (let at = index; at < last; at++) {
      const [id, { offset: absolute, length }] = entries[at] as readonly [string, RecordPlace];
      const offset = absolute - windowStart;
      if (offset !== runEnd) {
        if (runEnd !== -1) pieces.push(window.subarray(runStart, runEnd));
        runStart = offset;
      }
      runEnd = offset + length;
      places.set(id, { offset: written, length });
      written += length;
    }
    if (runEnd !== -1) pieces.push(window.subarray(runStart, runEnd));
    await writeAll(target, pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces));
    index = last;
  }
  return { places, bytes: written };
}
