/**
 * The dead-letter file: one JSON line per alert GenHook gave up on, readable with `jq`, replayable with
 * `replayDeadLetters`. Appends hold `<path>.lock` for the batch and open the file afresh, so they always land in
 * the file a concurrent replay has just renamed into place, never in the replaced one.
 */
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { encodeAlertJson, type Alert } from '../alert.js';
import { checkStoreOption, StoreError } from '../store/errors.js';
import { withFileLock, type FileLockOptions } from '../store/file-lock.js';
import { fsyncDirectory, writeAll } from '../store/fs-util.js';
import { GroupCommit } from '../store/group-commit.js';

export const deadLetterReasons = ['permanent', 'retries_exhausted', 'expired'] as const;
export type DeadLetterReason = (typeof deadLetterReasons)[number];

/** One dead-lettered alert: the alert itself, with times as ISO 8601 strings (UTC) so people can read the file. */
export interface DeadLetterEntry extends Omit<Alert, 'receivedAt'> {
  readonly receivedAt: string;
  readonly reason: DeadLetterReason;
  readonly attempts: number;
  /** Absent when no attempt was made (expired in the queue). */
  readonly firstAttemptAt?: string;
  readonly lastAttemptAt?: string;
  /** SL1's HTTP status of the last attempt, when there was an answer. */
  readonly status?: number;
  /** Start of SL1's answer body, for the person reading the file. */
  readonly bodyExcerpt?: string;
  readonly deadLetteredAt: string;
}

export interface DeadLetterOutcome {
  readonly reason: DeadLetterReason;
  readonly attempts: number;
  /** Epoch milliseconds. */
  readonly firstAttemptAt?: number;
  readonly lastAttemptAt?: number;
  readonly status?: number;
  readonly bodyExcerpt?: string;
  /** Epoch milliseconds. @default Date.now() */
  readonly deadLetteredAt?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function toDeadLetterEntry(alert: Alert, outcome: DeadLetterOutcome): DeadLetterEntry {
  const { reason, attempts, firstAttemptAt, lastAttemptAt, status, bodyExcerpt } = outcome;
  return {
    ...alert,
    receivedAt: iso(alert.receivedAt),
    reason,
    attempts,
    ...(firstAttemptAt === undefined ? {} : { firstAttemptAt: iso(firstAttemptAt) }),
    ...(lastAttemptAt === undefined ? {} : { lastAttemptAt: iso(lastAttemptAt) }),
    ...(status === undefined ? {} : { status }),
    ...(bodyExcerpt === undefined ? {} : { bodyExcerpt }),
    deadLetteredAt: iso(outcome.deadLetteredAt ?? Date.now()),
  };
}

/** The alert inside an entry, to hand to delivery again. */
export function toAlert(entry: DeadLetterEntry): Alert {
  const { id, requestId, source, event, message, fields, origin } = entry;
  const alert = { id, requestId, source, event, message, fields, receivedAt: Date.parse(entry.receivedAt) };
  // Kept through a replay: the alert may be dead-lettered again and still be rendered anew later.
  return origin === undefined ? alert : { ...alert, origin };
}

/** The same alert can be dead-lettered twice (after a replay fails again): id alone does not name a line. */
export function deadLetterKey(entry: Pick<DeadLetterEntry, 'id' | 'deadLetteredAt'>): string {
  return `${entry.id}\u0000${entry.deadLetteredAt}`;
}

export interface DeadLetterFileOptions {
  readonly path: string;
  /** `write` skips the fsync (tests, benchmarks). @default 'fsync' */
  readonly durability?: 'fsync' | 'write';
  readonly lock?: FileLockOptions;
}

export interface DeadLetterFile {
  readonly path: string;
  /** Resolves once the entry is in the file and fsync'ed; concurrent appends share one write and one fsync. */
  append(entry: DeadLetterEntry): Promise<void>;
  /** Waits for queued appends. */
  close(): Promise<void>;
}

export function createDeadLetterFile(options: DeadLetterFileOptions): DeadLetterFile {
  const { path, durability = 'fsync', lock = {} } = options;
  checkStoreOption.nonEmptyString('path', path, 'the dead-letter file path');
  let hasDirectory = false;

  async function writeBatch(lines: readonly string[], isDurable: boolean): Promise<void> {
    if (!hasDirectory) {
      await mkdir(dirname(path), { recursive: true });
      hasDirectory = true;
    }
    await withFileLock(`${path}.lock`, async () => {
      const handle = await open(path, 'a+');
      let isNew = false;
      try {
        const { size } = await handle.stat();
        isNew = size === 0;
        // A torn last line (crash mid-write) must not swallow the first new one: start on a fresh line.
        const last = size > 0 ? (await handle.read(Buffer.alloc(1), 0, 1, size - 1)).buffer[0] : 0x0a;
        await writeAll(handle, Buffer.from((last === 0x0a ? '' : '\n') + lines.join(''), 'utf8'));
        if (isDurable) await handle.datasync();
      } finally {
        await handle.close();
      }
      if (isNew && isDurable) await fsyncDirectory(dirname(path));
    }, lock);
  }

  const committer = new GroupCommit<string>({ flush: writeBatch });
  return {
    path,
    append(entry) {
      return committer.push(`${encodeAlertJson(entry)}\n`, durability === 'fsync').catch((error: unknown) => {
        if (error instanceof StoreError) throw error;
        throw new StoreError('dead_letter_write_failed', `could not append to ${path}: ${String(error)}; check disk space and permissions`, { cause: error });
      });
    },
    close: () => committer.drain(),
  };
}
