/** Small async file helpers the journal and dead-letter file share. */
import { open, type FileHandle } from 'node:fs/promises';

/** Writes all of `data` (a write may be short on some file systems); O_APPEND handles place it at the end. */
export async function writeAll(handle: FileHandle, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset, null);
    offset += bytesWritten;
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
