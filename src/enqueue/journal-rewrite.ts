/**
 * Writing the journal's live records into a new file beside it (`<path>.compact`): compaction does it while appends
 * go on, and a journal deleted or replaced under GenHook is rewritten the same way. Also: whether the open file is
 * still the one at the path.
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { replaceFile } from '../store/atomic-write.js';
import { isNotFound, writeAll } from '../store/fs-util.js';
import { crc32 } from 'node:zlib';
import type { RecordPlace } from './journal-record.js';
import { copyRecords } from './record-copy.js';

/** Where a new journal file is written before it is renamed over the journal (recovery removes a stale one). */
export const rewritePath = (path: string): string => `${path}.compact`;

export interface LiveCopy {
  /** The new file, opened `a+` like the journal. */
  readonly handle: FileHandle;
  /** Where each copied record sits in it. */
  readonly places: Map<string, RecordPlace>;
  readonly bytes: number;
}

/**
 * Copies the records at `entries` from `source` into a fresh `<path>.compact`, then the seen lines, and fsyncs it.
 * On failure the new file is closed (the caller removes it or tries again, which starts it afresh).
 */
export async function writeLiveCopy(path: string, source: FileHandle, entries: readonly (readonly [string, RecordPlace])[], seen: SeenEntries): Promise<LiveCopy> {
  const tempPath = rewritePath(path);
  await rm(tempPath, { force: true });
  const handle = await open(tempPath, 'a+');
  try {
    const { places, bytes } = await copyRecords(source, handle, entries);
    const seenBytes = await writeSeenRecords(handle, seen);
    await handle.datasync();
    return { handle, places, bytes: bytes + seenBytes };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/**
 * A journal deleted or replaced under its open descriptor: a replacing file is kept aside as
 * `<path>.replaced-<ms>`, the live records are copied from `source` into a new file, which is renamed to the path.
 */
export async function rewriteInPlace(
  path: string,
  how: 'deleted' | 'replaced',
  source: FileHandle,
  entries: readonly (readonly [string, RecordPlace])[],
  seen: SeenEntries,
): Promise<{ readonly copy: LiveCopy; readonly keptAside: string | undefined }> {
  let keptAside: string | undefined;
  if (how === 'replaced') {
    keptAside = `${path}.replaced-${Date.now()}`;
    await rename(path, keptAside);
  }
  const copy = await writeLiveCopy(path, source, entries, seen);
  try {
    await replaceFile(rewritePath(path), path);
  } catch (error) {
    await copy.handle.close().catch(() => undefined);
    throw error;
  }
  return { copy, keptAside };
}

/** The seen keys worth keeping (a dedup cache's entries), or undefined without one. */
export type SeenEntries = (() => Iterable<readonly [string, number]>) | undefined;

/** Seen records encoded and written per chunk; the event loop runs between chunks. */
const SEEN_CHUNK = 2_000;

/**
 * Writes the seen keys as `seen` records, a chunk at a time: a full dedup cache (100,000 keys) took 200-300 ms
 * of the event loop in one go, every compaction. Iterated lazily, so keys recorded meanwhile may be written here
 * as well as in the tail (records are idempotent) and keys forgotten meanwhile are left out, as they would be anyway.
 */
async function writeSeenRecords(handle: FileHandle, seen: SeenEntries): Promise<number> {
  if (seen === undefined) return 0;
  let bytes = 0;
  let chunk: (readonly [string, number])[] = [];
  for (const entry of seen()) {
    chunk.push(entry);
    if (chunk.length < SEEN_CHUNK) continue;
    const data = encodeSeenLines(chunk);
    chunk = [];
    await writeAll(handle, data);
    bytes += data.length;
  }
  if (chunk.length > 0) {
    const data = encodeSeenLines(chunk);
    await writeAll(handle, data);
    bytes += data.length;
  }
  return bytes;
}

/** The lines encodeJournalRecord({ op: 'seen', key, at }) gives, for many keys, into one buffer. */
export function encodeSeenLines(entries: readonly (readonly [string, number])[]): Buffer {
  const jsons = entries.map(([key, at]) => `{"op":"seen","key":${JSON.stringify(key)},"at":${JSON.stringify(at)}}`);
  let total = 0;
  const lengths = jsons.map((json) => {
    const length = Buffer.byteLength(json, 'utf8');
    total += length + 10;
    return length;
  });
  const data = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < jsons.length; i++) {
    const length = lengths[i] as number;
    data.write(jsons[i] as string, at + 9, length, 'utf8');
    data.write(crc32(data.subarray(at + 9, at + 9 + length)).toString(16).padStart(8, '0'), at, 8, 'latin1');
    data[at + 8] = 0x20;
    data[at + 9 + length] = 0x0a;
    at += length + 10;
  }
  return data;
}

/** Whether the file with inode `own` is still the one at `path`: `deleted` (nothing there) or `replaced`. */
export async function displacementOf(path: string, own: { readonly ino: number; readonly dev: number }): Promise<'deleted' | 'replaced' | undefined> {
  try {
    const there = await stat(path);
    return there.ino === own.ino && there.dev === own.dev ? undefined : 'replaced';
  } catch (error) {
    if (isNotFound(error)) return 'deleted';
    throw error;
  }
}
