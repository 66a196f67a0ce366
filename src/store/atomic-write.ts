/**
 * Replaces a file so that a reader (GenHook after a crash, an editor, `genhook check`) sees either the
 * old bytes or the new ones, never half: write a temp file beside it, fsync, rename over, fsync the folder.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  // Dot-prefixed so the config watcher (which looks only at the config file names) ignores it.
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const mode = await stat(path).then((info) => info.mode & 0o777, () => 0o644);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDir(dir);
}

/** The rename is durable only once the folder entry is on disk; some platforms cannot fsync a folder. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // EISDIR/EPERM on platforms without directory fsync: the rename itself is still atomic.
  } finally {
    await handle.close();
  }
}
