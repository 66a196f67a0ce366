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
 * Copies the records at `entries` (in file order) from `source` to the end of `target`, reading up to 1 MiB at a
 * time, and says where each landed.
 */
export async function copyRecords(
  source: FileHandle,
  target: FileHandle,
  entries: readonly (readonly [string, RecordPlace])[],
): Promise<{ places: Map<string, RecordPlace>; bytes: number }> {
  const places = new Map<string, RecordPlace>();
  let written = 0;
  let index = 0;
  while (index < entries.length) {
    const first = entries[index]?.[1];
    if (first === undefined) break;
    let end = first.offset + first.length;
    let last = index + 1;
    for (; last < entries.length; last++) {
      const place = entries[last]?.[1];
      if (place === undefined || place.offset < end || place.offset + place.length - first.offset > COPY_CHUNK_BYTES) break;
      end = place.offset + place.length;
    }
    const window = await readAt(source, first.offset, end - first.offset);
    const parts: Buffer[] = [];
    for (let at = index; at < last; at++) {
      const entry = entries[at];
      if (entry === undefined) continue;
      const [id, place] = entry;
      parts.push(window.subarray(place.offset - first.offset, place.offset - first.offset + place.length));
      places.set(id, { offset: written, length: place.length });
      written += place.length;
    }
    await writeAll(target, Buffer.concat(parts));
    index = last;
  }
  return { places, bytes: written };
}
