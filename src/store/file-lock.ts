/**
 * An advisory lock file (`<file>.lock`, created with O_EXCL, holding the owner's pid) for the short critical
 * sections of the dead-letter file: an append batch, and the re-read + rewrite + rename of a replay.
 * A lock whose pid is gone (the holder crashed) or that is older than `staleMs` is broken and taken over.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from './errors.js';

export interface FileLockOptions {
  /** Give up waiting after this long. @default 10000 */
  readonly timeoutMs?: number;
  /** A lock older than this is stale even if its pid looks alive (pid reuse). Holders keep it for milliseconds. @default 60000 */
  readonly staleMs?: number;
  /** Pause between attempts. @default 10 */
  readonly retryMs?: number;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(lockPath: string): Promise<number | undefined> {
  const text = await readFile(lockPath, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  const info = await stat(lockPath).catch(() => undefined);
  if (!info) return false; // released meanwhile: just retry
  if (Date.now() - info.mtimeMs > staleMs) return true;
  const pid = await readOwner(lockPath);
  // No pid yet: the owner is between creating and writing the file.
  return pid !== undefined && !isProcessAlive(pid);
}

async function acquire(lockPath: string, options: FileLockOptions): Promise<void> {
  const { timeoutMs = 10_000, staleMs = 60_000, retryMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(`${process.pid}\n`).finally(() => handle.close());
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // Two breakers of the same stale lock could race here; a stale lock only follows a crash, so that is rare enough.
    if (await isStale(lockPath, staleMs)) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      const owner = await readOwner(lockPath);
      throw new StoreError(
        'dead_letter_locked',
        `${lockPath} is held by pid ${owner ?? 'unknown'}; remove it if no GenHook or replay process is running`,
      );
    }
    await sleep(retryMs);
  }
}

/** Runs `action` while holding `lockPath`; the lock is released even when it throws. */
export async function withFileLock<T>(lockPath: string, action: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  await acquire(lockPath, options);
  try {
    return await action();
  } finally {
    await rm(lockPath, { force: true });
  }
}
