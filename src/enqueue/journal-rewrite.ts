/**
 * Writing the journal's live records into a new file beside it (`<path>.compact`): compaction does it while appends
 * go on, and a journal deleted or replaced under GenHook is rewritten the same way. Also: whether the open file is
 * still the one at the path.
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { replaceFile } from '../store/atomic-write.js';
import { isNotFound } from '../store/fs-util.js';
import type { RecordPlace } from './journal-record.js';
import { copyRecords } from './record-copy.js';
import { writeSeenSnapshot, type SeenLines, type SeenSnapshot } from './seen-lines.js';

/** Where a new journal file is written before it is renamed over the journal (recovery removes a stale one). */
export const rewritePath = (path: string): string => `${path}.compact`;

export interface LiveCopy {
  /** The new file, opened `a+` like the journal. */
  readonly handle: FileHandle;
  /** Where each copied record sits in it. */
  readonly places: Map<string, RecordPlace>;
  /** The seen records written after them (undefined without a snapshot of them). */
  readonly seen: SeenLines | undefined;
  readonly bytes: number;
}

/**
 * Copies the records at `entries` from `source` into a fresh `<path>.compact`, then writes the seen records of `seen`
 * whose key is still remembered (their bytes, from memory), and fsyncs it. On failure the new file is closed
 * (the caller removes it or tries again, which starts it afresh).
 */
export async function writeLiveCopy(path: string, source: FileHandle, entries: readonly (readonly [string, RecordPlace])[], seen: SeenSnapshot | undefined): Promise<LiveCopy> {
  const tempPath = rewritePath(path);
  await rm(tempPath, { force: true });
  const handle = await open(tempPath, 'a+');
  try {
    const { places, bytes } = await copyRecords(source, handle, entries);
    const copied = seen === undefined ? undefined : await writeSeenSnapshot(handle, seen);
    await handle.datasync();
    return { handle, places, seen: copied?.lines, bytes: bytes + (copied?.bytes ?? 0) };
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
  seen: SeenSnapshot | undefined,
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
