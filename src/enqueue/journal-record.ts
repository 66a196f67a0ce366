/**
 * The journal's line format, pure: `<crc32 hex8> <json>\n`. The CRC covers the JSON bytes, so a torn or corrupt
 * line is recognised instead of being trusted. Records are `{"op":"add","alert":{...}}` and `{"op":"done","id":"..."}`.
 */
import { alertJsonParts, decodeAlertJson, encodeAlertJson, parseOrigin, type Alert } from '../alert.js';
import { crc32 } from 'node:zlib';
import type { SeenLines } from './seen-lines.js';

export type JournalRecord =
  | { readonly op: 'add'; readonly alert: Alert }
  /** A delivery key recorded as seen at `at` (epoch ms), in the same batch as its alert: dedup survives a restart. */
  | { readonly op: 'seen'; readonly key: string; readonly at: number }
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

const ADD_PREFIX = '{"op":"add","alert":';

/** The record's JSON: an add record's alert as encodeAlertJson writes it (its body spliced in, not escaped). */
function recordJson(record: JournalRecord): string {
  return record.op === 'add' ? `${ADD_PREFIX}${encodeAlertJson(record.alert)}}` : JSON.stringify(record);
}

/** Parses a record's JSON; an add record's alert through decodeAlertJson (the body taken back out by position). */
function parseRecordJson(text: string): unknown {
  if (text.startsWith(ADD_PREFIX) && text.endsWith('}')) return { op: 'add', alert: decodeAlertJson(text.slice(ADD_PREFIX.length, -1)) };
  return JSON.parse(text);
}

export function encodeJournalRecord(record: JournalRecord): string {
  const json = recordJson(record);
  return `${formatCrc32(Buffer.from(json, 'utf8'))} ${json}\n`;
}

/**
 * The same line as encodeJournalRecord, as bytes, on the hot path: the JSON's parts are encoded to UTF-8 straight
 * into the line, so the 7.6 KB body is not joined into one string first (callgrind, the bench's GitHub push: 85,972
 * -> 78,686 instructions per add record).
 */
export function encodeJournalLine(record: JournalRecord): Buffer {
  const parts = recordParts(record);
  let length = 0;
  for (const part of parts) length += Buffer.byteLength(part, 'utf8');
  const line = Buffer.allocUnsafe(length + 10);
  let at = 9;
  for (const part of parts) at += line.write(part, at, 'utf8');
  line.write(formatCrc32(line.subarray(9, 9 + length)), 0, 8, 'latin1');
  line[8] = SPACE;
  line[9 + length] = NEWLINE;
  return line;
}

/** recordJson in parts, joined nowhere: an add record's head, body and tail. */
function recordParts(record: JournalRecord): readonly string[] {
  if (record.op !== 'add') return [JSON.stringify(record)];
  const [head, payload, tail] = alertJsonParts(record.alert);
  return [`${ADD_PREFIX}${head}`, payload, `${tail}}`];
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
  const origin = parseOrigin(v['origin']);
  return origin === undefined ? { id, requestId, source, event, message, fields, receivedAt } : { id, requestId, source, event, message, fields, receivedAt, origin };
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
    parsed = parseRecordJson(Buffer.from(body).toString('utf8'));
  } catch {
    return 'invalid JSON';
  }
  const record = parsed as { op?: unknown; id?: unknown; alert?: unknown } | null;
  if (record?.op === 'done' && typeof record.id === 'string') return { op: 'done', id: record.id };
  if (record?.op === 'seen') {
    const { key, at } = record as { key?: unknown; at?: unknown };
    return typeof key === 'string' && typeof at === 'number' ? { op: 'seen', key, at } : 'seen record without key and time';
  }
  if (record?.op === 'add') {
    const alert = parseAlert(record.alert);
    return alert ? { op: 'add', alert } : 'add record without a valid alert';
  }
  return 'unknown record type';
}

/** Where a live add record sits in the file: the journal keeps this, never the alert, in memory. */
export interface RecordPlace {
  readonly offset: number;
  /** Bytes of the line, newline included. */
  readonly length: number;
}

/**
 * Reads a journal line by line as it streams past (so a journal far bigger than memory can be recovered): good
 * records anywhere are kept (but no seen record after a torn write), bad lines are skipped and reported, and
 * everything after the last good record is the tail to cut so new appends never follow garbage. Only the places
 * of live add records are kept.
 */
export class JournalScanner {
  records = 0;
  /** Alert id → where its add record is, in the order first added. */
  readonly live = new Map<string, RecordPlace>();
  readonly skipped: SkippedRecord[] = [];
  /** Where the zeroed room a journal left (it was not closed) starts; undefined when there is none. */
  roomAt: number | undefined;
  #goodEnd = 0;
  #end = 0;
  /**
   * A line with a NUL byte came: JSON escapes NUL, so it is the room's zeros (journal-room.ts) inside a batch that
   * reached the disk only in part (a power loss keeps some of its pages, not others). What follows is that batch.
   */
  #isAfterTornWrite = false;
  readonly #onSeen: ((key: string, at: number) => void) | undefined;
  readonly #seenLines: SeenLines | undefined;

  /**
   * `onSeen` receives each seen delivery key as read (the dedup cache bounds how many it keeps); `seenLines`
   * keeps each seen record's bytes (a later compaction writes them).
   */
  constructor(onSeen?: (key: string, at: number) => void, seenLines?: SeenLines) {
    this.#onSeen = onSeen;
    this.#seenLines = seenLines;
  }

  /** One line, without its newline, that starts at `offset`. */
  line(line: Uint8Array, offset: number): void {
    this.#end = offset + line.length + 1;
    const result = decodeJournalLine(line);
    if (typeof result === 'string') {
      if (line.includes(0)) this.#isAfterTornWrite = true;
      this.skipped.push({ offset, reason: result });
      return;
    }
    if (result.op === 'seen' && this.#isAfterTornWrite) {
      // Its add may be in the part that was lost: remembered, the key would answer the provider's retry of an
      // alert never acknowledged "duplicate". An add or done kept from such a batch costs one redelivery at most.
      this.skipped.push({ offset, reason: 'seen record after a torn write: not trusted' });
      return;
    }
    this.records++;
    this.#goodEnd = this.#end;
    // A redelivered id keeps its first position; a done removes it whatever number of adds preceded it.
    if (result.op === 'add') {
      if (!this.live.has(result.alert.id)) this.live.set(result.alert.id, { offset, length: line.length + 1 });
    } else if (result.op === 'seen') {
      this.#onSeen?.(result.key, result.at);
      this.#seenLines?.addRead(result.key, line);
    } else {
      this.live.delete(result.id);
    }
  }

  /** Bytes at `offset` up to the end of the file with no final newline. */
  torn(offset: number, length: number): void {
    this.skipped.push({ offset, reason: 'torn record: no final newline' });
    this.#end = offset + length;
  }

  /**
   * The bytes at `offset` after the last newline: zeros only are the room a running journal writes into
   * (journal-room.ts), not a torn record; anything else is torn.
   */
  tail(offset: number, data: Uint8Array): void {
    if (isAllZeros(data)) this.roomAt = offset;
    else this.torn(offset, data.length);
  }

  /** End of the last good record when bytes follow it; undefined when the file is clean. */
  get truncatedAt(): number | undefined {
    return this.#goodEnd < this.#end ? this.#goodEnd : undefined;
  }
}

const ZERO_CHUNK = Buffer.alloc(64 * 1024);

function isAllZeros(data: Uint8Array): boolean {
  for (let at = 0; at < data.length; at += ZERO_CHUNK.length) {
    const part = data.subarray(at, at + ZERO_CHUNK.length);
    if (Buffer.compare(part, ZERO_CHUNK.subarray(0, part.length)) !== 0) return false;
  }
  return true;
}

/** Feeds every line of `data` to `scanner`; `base` is the file offset of data[0]. Returns the bytes not ending in a newline. */
export function scanLines(scanner: JournalScanner, data: Uint8Array, base: number, end: number): number {
  let offset = 0;
  while (offset < end) {
    const newline = data.indexOf(NEWLINE, offset);
    if (newline === -1 || newline >= end) break;
    scanner.line(data.subarray(offset, newline), base + offset);
    offset = newline + 1;
  }
  return offset;
}

/** Decodes the add record at `place` of a journal held in memory (or read back from the file). */
export function decodeAddRecord(data: Uint8Array): Alert | undefined {
  const record = decodeJournalLine(data[data.length - 1] === NEWLINE ? data.subarray(0, data.length - 1) : data);
  return typeof record !== 'string' && record.op === 'add' ? record.alert : undefined;
}

/** Reads a whole journal held in memory (tests, tools); openJournal streams the file instead. */
export function scanJournal(data: Uint8Array): JournalScan {
  const scanner = new JournalScanner();
  const consumed = scanLines(scanner, data, 0, data.length);
  if (consumed < data.length) scanner.tail(consumed, data.subarray(consumed));
  const live = new Map<string, Alert>();
  for (const [id, place] of scanner.live) {
    const alert = decodeAddRecord(data.subarray(place.offset, place.offset + place.length));
    if (alert) live.set(id, alert);
  }
  return { records: scanner.records, live, skipped: scanner.skipped, truncatedAt: scanner.truncatedAt };
}
