/**
 * One writer per data_dir: `genhook.lock` in the folder holds the owner's pid, host and start time.
 * Two GenHooks on one data_dir would each compact the journal and drop what the other accepted, so the
 * second one refuses to start and names the holder. A lock left by a process that died on this host
 * (kill -9, power cut) is taken over; a lock from another host is never broken (its pid means nothing here).
 */
import { readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError } from './errors.js';

export const DATA_DIR_LOCK_FILE = 'genhook.lock';

export interface DataDirLockOwner {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly since: string;
}

export interface DataDirLock {
  readonly path: string;
  readonly owner: DataDirLockOwner;
  /** Set when a stale lock of a dead process was taken over. */
  readonly tookOverFrom: DataDirLockOwner | undefined;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): Promise<void>;
}

export interface DataDirLockOptions {
  /** @default os.hostname() */
  readonly host?: string;
  /** @default process.pid */
  readonly pid?: number;
  /** Whether `pid` runs on this host; injectable for tests. @default a signal-0 probe */
  readonly isAlive?: (pid: number) => boolean;
}

/** Takes `<dir>/genhook.lock` or throws StoreError `data_dir_locked` naming the holder. */
export async function acquireDataDirLock(dir: string, options: DataDirLockOptions = {}): Promise<DataDirLock> {
  const host = options.host ?? hostname();
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? isGenHookAlive;
  const path = join(dir, DATA_DIR_LOCK_FILE);
  const owner: DataDirLockOwner = { pid, host, since: new Date().toISOString() };
  let tookOverFrom: DataDirLockOwner | undefined;
  // Two rounds at most: a stale lock is removed once, then O_EXCL decides between racing starters.
  for (let round = 0; round < 2; round++) {
    if (await tryCreate(path, owner)) return makeLock(path, owner, tookOverFrom);
    const holder = await readOwner(path);
    if (holder === undefined) {
      // Unreadable or half-written (a crash between create and write): only a dead writer leaves that for long.
      tookOverFrom = { pid: 0, host, since: '' };
    } else if (holder.host === host && (holder.pid === pid || !isAlive(holder.pid))) {
      // Same pid is a previous life of this process (containers restart as pid 1).
      tookOverFrom = holder;
    } else {
      throw lockedError(dir, path, holder, host);
    }
    await rm(path, { force: true });
  }
  const holder = await readOwner(path);
  throw lockedError(dir, path, holder ?? { pid: 0, host: 'unknown', since: '' }, host);
}

function lockedError(dir: string, path: string, holder: DataDirLockOwner, host: string): StoreError {
  const where = holder.host === host ? 'on this host' : `on host ${holder.host}`;
  return new StoreError(
    'data_dir_locked',
    `data_dir ${dir} is in use by GenHook pid ${holder.pid} ${where}${holder.since ? ` (since ${holder.since})` : ''}: ` +
      `stop that GenHook or give this one its own data_dir; if that process is gone for good, remove ${path}`,
  );
}

async function tryCreate(path: string, owner: DataDirLockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StoreError('journal_open_failed', `cannot create ${path}: ${String(error)}; check that data_dir is writable`, { cause: error });
  }
  try {
    await handle.writeFile(`${JSON.stringify(owner)}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return true;
}

async function readOwner(path: string): Promise<DataDirLockOwner | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<DataDirLockOwner>;
    if (typeof value.pid === 'number' && Number.isInteger(value.pid) && value.pid > 0 && typeof value.host === 'string') {
      return { pid: value.pid, host: value.host, since: typeof value.since === 'string' ? value.since : '' };
    }
  } catch {
    // falls through: not ours or torn
  }
  return undefined;
}

function makeLock(path: string, owner: DataDirLockOwner, tookOverFrom: DataDirLockOwner | undefined): DataDirLock {
  let released = false;
  return {
    path,
    owner,
    tookOverFrom,
    async release() {
      if (released) return;
      released = true;
      const holder = await readOwner(path);
      if (holder?.pid === owner.pid && holder.host === owner.host) await rm(path, { force: true });
    },
  };
}

/**
 * Alive and plausibly a GenHook: a pid reused by an unrelated program after a reboot must not keep the
 * lock forever, so on Linux a live pid whose command line has no `node`/`genhook` counts as dead.
 */
function isGenHookAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /node|genhook/i.test(cmdline);
  } catch {
    return true; // no /proc (macOS) or not readable: trust the signal probe
  }
}
