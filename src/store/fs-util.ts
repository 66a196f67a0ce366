/** Small async file helpers the journal and dead-letter file share. */
import { open, type FileHandle } from 'node:fs/promises';

/** Writes all of `data` at the handle's position (O_APPEND handles: the end); a short write is carried on. */
export function writeAll(handle: VectorWriter, data: Uint8Array): Promise<void> {
  return writevAll(handle, [data], null);
}

/**
 * The most buffers one write takes (Linux IOV_MAX). libuv splits a longer list into several writes, and under
 * O_DSYNC each of them waits for the disk on its own.
 */
export const MAX_WRITE_BUFFERS = 1024;

/** What writevAll needs of a FileHandle. */
export interface VectorWriter {
  writev(buffers: readonly Uint8Array[], position?: number): Promise<{ readonly bytesWritten: number }>;
}

/**
 * Writes all of `buffers`, in order, at `position` (null: the handle's own position; O_APPEND: the end) with one
 * vectored write, so they need not be joined into one copy first. A write may be short; the rest is written on.
 */
export async function writevAll(handle: VectorWriter, buffers: readonly Uint8Array[], position: number | null): Promise<void> {
  let rest = buffers;
  let at = position;
  for (;;) {
    const { bytesWritten } = await handle.writev(rest, at ?? undefined);
    let skip = bytesWritten;
    let first = 0;
    while (first < rest.length && skip >= (rest[first] as Uint8Array).length) skip -= (rest[first++] as Uint8Array).length;
    if (first === rest.length) return;
    // A regular file takes at least a byte or fails; never spin on a write that makes no progress.
    if (bytesWritten === 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    rest = [(rest[first] as Uint8Array).subarray(skip), ...rest.slice(first + 1)];
    if (at !== null) at += bytesWritten;
  }
}

/**
 * fsyncs a directory so a file created or renamed in it survives a power cut (POSIX leaves the entry in the cache
 * otherwise). Platforms that cannot open or sync a directory (Windows) make this a no-op.
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close();
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
