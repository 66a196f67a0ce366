/**
 * The journal's line format, pure: `<crc32 hex8> <json>\n`. The CRC covers the JSON bytes, so a torn or corrupt
 * line is recognised instead of being trusted. Records are `{"op":"add","alert":{...}}` and `{"op":"done","id":"..."}`.
 */
import type { Alert } from '../alert.js';
import { crc32 } from 'node:zlib';

export type JournalRecord =
  | { readonly op: 'add'; readonly alert: Alert }
  | { readonly op: 'done'; readonly id: string };

/** A line that could not be used, at its byte offset in the file. */
export interface SkippedRecord {
  readonly offset: number;
  readonly reason: string;
}

export interface JournalScan {
  /** Good records read. */
  readonly records: number;
  /** Alerts added and not done, in the order they were first added. */
  readonly live: ReadonlyMap<string, Alert>;
  readonly skipped: readonly SkippedRecord[];
  /** End of the last good record when bytes follow it (a torn or corrupt tail); undefined when the file is clean. */
  readonly truncatedAt: number | undefined;
}

const NEWLINE = 0x0a;
const SPACE = 0x20;
const HEX8 = /^[0-9a-f]{8}$/;

/** CRC-32 (IEEE, zlib's) as eight lower-case hex digits, the form journal lines carry. */
export function formatCrc32(data: Uint8Array): string {
  return crc32(data).toString(16).padStart(8, '0');
}

export function encodeJournalRecord(record: JournalRecord): string {
  const json = JSON.stringify(record);
  return `${formatCrc32(Buffer.from(json, 'utf8'))} ${json}\n`;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((entry) => typeof entry === 'string');
}

/** Rebuilds an Alert with every key present (JSON drops `event: undefined`), or undefined if a field is wrong. */
export function parseAlert(value: unknown): Alert | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const { id, requestId, source, event, message, fields, receivedAt } = v;
  if (typeof id !== 'string' || typeof requestId !== 'string' || typeof source !== 'string') return undefined;
  if (event !== undefined && typeof event !== 'string') return undefined;
  if (typeof message !== 'string' || !isStringRecord(fields) || typeof receivedAt !== 'number') return undefined;
  return { id, requestId, source, event, message, fields, receivedAt };
}

/** Decodes one line (without its newline); a string result is the reason it was rejected. */
export function decodeJournalLine(line: Uint8Array): JournalRecord | string {
  if (line.length < 10 || line[8] !== SPACE) return 'malformed record: expected "<crc32> <json>"';
  const expected = Buffer.from(line.subarray(0, 8)).toString('latin1');
  if (!HEX8.test(expected)) return 'malformed record: checksum is not 8 hex digits';
  const body = line.subarray(9);
  if (formatCrc32(body) !== expected) return 'checksum mismatch';
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return 'invalid JSON';
  }
  const record = parsed as { op?: unknown; id?: unknown; alert?: unknown } | null;
  if (record?.op === 'done' && typeof record.id === 'string') return { op: 'done', id: record.id };
  if (record?.op === 'add') {
    const alert = parseAlert(record.alert);
    return alert ? { op: 'add', alert } : 'add record without a valid alert';
  }
  return 'unknown record type';
}

/**
 * Reads a whole journal: good records anywhere are kept, bad lines are skipped and reported, and everything after
 * the last good record is the tail to cut so new appends never follow garbage.
 */
export function scanJournal(data: Uint8Array): JournalScan {
  const live = new Map<string, Alert>();
  const skipped: SkippedRecord[] = [];
  let records = 0;
  let goodEnd = 0;
  let offset = 0;
  while (offset < data.length) {
    const newline = data.indexOf(NEWLINE, offset);
    if (newline === -1) {
      skipped.push({ offset, reason: 'torn record: no final newline' });
      break;
    }
    const result = decodeJournalLine(data.subarray(offset, newline));
    if (typeof result === 'string') {
      skipped.push({ offset, reason: result });
    } else {
      records++;
      goodEnd = newline + 1;
      // A redelivered id keeps its first position; a done removes it whatever number of adds preceded it.
      if (result.op === 'add') {
        if (!live.has(result.alert.id)) live.set(result.alert.id, result.alert);
      } else {
        live.delete(result.id);
      }
    }
    offset = newline + 1;
  }
  return { records, live, skipped, truncatedAt: goodEnd < data.length ? goodEnd : undefined };
}
