/**
 * The one way GenHook replaces a file so that a reader (GenHook after a crash, an editor, `genhook check`) sees
 * either the old bytes or the new ones, never half: write a temp file beside it, fsync it, rename it over,
 * fsync the folder. Used by the admin editor (webhooks.ini), dead-letter replay, journal compaction, the Redis
 * consumer name in data_dir and `genhook test --update`.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDirectory } from './fs-util.js';

/** Writes `data` to `path` atomically; the file keeps its permission bits (new files get 0644). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  // Dot-prefixed so the config watcher (which looks only at the config file names) ignores it.
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const mode = await stat(path).then((info) => info.mode & 0o777, () => 0o644);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await replaceFile(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export interface ReplaceFileOptions {
  /**
   * Called instead of throwing when the rename happened but the folder could not be fsynced: the new file is in
   * place (a caller that switches to it must do so), only its durability across a power cut is in doubt.
   */
  readonly onDirectorySyncError?: (error: unknown) => void;
}

/**
 * The commit step on its own, for writers that fill the temp file through a handle they keep using afterwards
 * (journal compaction): `tempPath` must already be written and fsynced. Renames it over `path`, then fsyncs the
 * folder, because the rename is durable only once the folder entry is on disk.
 * @throws the rename's error (nothing was replaced), or the folder sync's unless `onDirectorySyncError` is given.
 */
export async function replaceFile(tempPath: string, path: string, options: ReplaceFileOptions = {}): Promise<void> {
  await rename(tempPath, path);
  try {
    await fsyncDirectory(dirname(path));
  } catch (error) {
    if (!options.onDirectorySyncError) throw error;
    options.onDirectorySyncError(error);
  }
}
