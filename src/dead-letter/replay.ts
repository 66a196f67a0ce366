/**
 * Reading and replaying the dead-letter file, safely while GenHook runs and appends to it.
 *
 * Why a lock and not only "re-read after sending, keep what was not accepted, rename": an append that lands
 * between that re-read and the rename goes to the file being replaced and is lost, and so does one written through
 * a descriptor opened before the rename. So the rewrite (re-read + writeFileAtomic) holds
 * `<path>.lock`, which every append batch also takes; the sends themselves run without it, so a slow SL1 never
 * holds up dead-lettering.
 */
import { readFile } from 'node:fs/promises';
import { decodeAlertJson, parseOrigin } from '../alert.js';
import { deadLetterKey, type DeadLetterEntry } from './dead-letter-file.js';
import { writeFileAtomic } from '../store/atomic-write.js';
import { withFileLock, type FileLockOptions } from '../store/file-lock.js';
import { isNotFound } from '../store/fs-util.js';

export interface SkippedLine {
  /** 1-based line number. */
  readonly line: number;
  readonly offset: number;
  readonly reason: string;
}

export interface DeadLetters {
  readonly entries: DeadLetterEntry[];
  readonly skipped: SkippedLine[];
}

/** One stored entry (a dead-letter file line, a Redis dead-letter stream value); a string says why it is unusable. */
export function parseEntry(text: string): DeadLetterEntry | string {
  let value: unknown;
  try {
    value = decodeAlertJson(text);
  } catch {
    return 'invalid JSON (torn or hand-edited line)';
  }
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  for (const key of ['id', 'source', 'message', 'receivedAt', 'deadLetteredAt'] as const) {
    if (typeof v[key] !== 'string') return `missing or non-string \`${key}\``;
  }
  const fields = typeof v.fields === 'object' && v.fields !== null ? v.fields : {};
  const { origin: stored, ...rest } = v;
  const origin = parseOrigin(stored);
  return { ...rest, event: typeof v.event === 'string' ? v.event : undefined, fields, requestId: String(v.requestId ?? ''), ...(origin === undefined ? {} : { origin }) } as DeadLetterEntry;
}

/** Parses file contents; lines that are not entries (a torn last line after a crash) are skipped and reported. */
export function parseDeadLetters(text: string): DeadLetters {
  const entries: DeadLetterEntry[] = [];
  const skipped: SkippedLine[] = [];
  let offset = 0;
  text.split('\n').forEach((line, index) => {
    if (line.trim() !== '') {
      const entry = parseEntry(line);
      if (typeof entry === 'string') skipped.push({ line: index + 1, offset, reason: entry });
      else entries.push(entry);
    }
    offset += Buffer.byteLength(line) + 1;
  });
  return { entries, skipped };
}

export async function readDeadLetters(path: string): Promise<DeadLetters> {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    if (isNotFound(error)) return '';
    throw error;
  });
  return parseDeadLetters(text);
}

export interface ReplayOptions {
  readonly path: string;
  /** Which entries to send. */
  readonly select: (entry: DeadLetterEntry) => boolean;
  /** Sends one entry; true when SL1 accepted it. A throw counts as not accepted. At most `concurrency` at a time. */
  readonly send: (entry: DeadLetterEntry) => Promise<boolean>;
  /** Sends in flight at once. @default 1 */
  readonly concurrency?: number;
  readonly lock?: FileLockOptions;
}

export interface ReplayResult {
  readonly sent: number;
  readonly accepted: number;
  readonly failed: number;
  /** Entries left in the file afterwards, including any appended during the replay. */
  readonly remaining: number;
}

/** Runs `task` over `items`, at most `concurrency` at once, in order of start. */
export async function forEachAtMost<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  const waiting = [...items];
  const worker = async (): Promise<void> => {
    for (let next = waiting.shift(); next !== undefined; next = waiting.shift()) await task(next);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, waiting.length)) }, worker));
}

/** Sends the selected entries, then removes exactly the accepted ones (by id + deadLetteredAt) in one atomic rewrite. */
export async function replayDeadLetters(options: ReplayOptions): Promise<ReplayResult> {
  const { path, select, send, lock = {} } = options;
  const { entries } = await readDeadLetters(path);
  const selected = new Map<string, DeadLetterEntry>();
  for (const entry of entries) if (select(entry)) selected.set(deadLetterKey(entry), entry);
  const accepted = new Set<string>();
  await forEachAtMost([...selected], options.concurrency ?? 1, async ([key, entry]) => {
    if (await send(entry).catch(() => false)) accepted.add(key);
  });
  const failed = selected.size - accepted.size;
  if (accepted.size === 0) {
    const { entries: now } = await readDeadLetters(path);
    return { sent: selected.size, accepted: 0, failed, remaining: now.length };
  }
  const remaining = await withFileLock(`${path}.lock`, () => rewriteWithout(path, accepted), lock);
  return { sent: selected.size, accepted: accepted.size, failed, remaining };
}

/** Under the lock: keeps every line but the accepted ones (unparseable lines too: never destroy what we cannot read). */
async function rewriteWithout(path: string, accepted: ReadonlySet<string>): Promise<number> {
  const text = await readFile(path, 'utf8');
  const kept: string[] = [];
  let remaining = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const { entries } = parseDeadLetters(line);
    const entry = entries[0];
    if (entry && accepted.has(deadLetterKey(entry))) continue;
    if (entry) remaining++;
    kept.push(`${line}\n`);
  }
  await writeFileAtomic(path, kept.join(''));
  return remaining;
}
