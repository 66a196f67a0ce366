/**
 * The seen records (remembered delivery keys) the journal file holds, with their bytes kept in memory. A rewritten
 * journal (compaction, a deleted file) carries the records of the keys the dedup cache still holds by writing these
 * bytes. Why not copy them from the old file: they are ~90-byte lines scattered among ~8 KB add records, so copying
 * them read back nearly the whole file (65 reads of 1 MiB for a 64 MiB compaction), from disk once the page cache
 * had dropped it, beside the fdatasyncs every acknowledgement waits for. Why not encode them again: a CRC and three
 * buffer writes cost ~12,000 instructions a key, 1.2 billion for a full cache of 100,000 keys, at every compaction.
 * What it holds: each record's line (~90 bytes, in 64 KiB slabs) and its key, which is the string the dedup cache
 * holds too; at most PRUNE_AFTER_RECORDS records, or twice as many as the cache still remembers (a prune keeps one
 * record a key).
 */
import type { FileHandle } from 'node:fs/promises';
import { writeAll } from '../store/fs-util.js';

const SLAB_BYTES = 64 * 1024;
/** Records copied between two slab writes in writeKept (~90 KB of them). */
const COPY_STEP = 1024;
const NEWLINE = 0x0a;

export class SeenLines {
  // Parallel arrays: a record costs three slots and its bytes in a slab, not an object.
  #keys: string[] = [];
  /** slab index × SLAB_BYTES + offset in the slab (a line longer than a slab has one of its own, at offset 0). */
  #positions: number[] = [];
  #lengths: number[] = [];
  #slabs: Buffer[] = [];
  /** Bytes used in each slab. */
  #filled: number[] = [];

  get count(): number {
    return this.#keys.length;
  }

  /** Bytes of the records' lines held. */
  get bytes(): number {
    let bytes = 0;
    for (const filled of this.#filled) bytes += filled;
    return bytes;
  }

  keyAt(index: number): string {
    return this.#keys[index] as string;
  }

  /** The record's bytes, newline included (a view into the slab: copy it to keep it). */
  lineAt(index: number): Buffer {
    const position = this.#positions[index] as number;
    const slab = Math.floor(position / SLAB_BYTES);
    const start = position - slab * SLAB_BYTES;
    return (this.#slabs[slab] as Buffer).subarray(start, start + (this.#lengths[index] as number));
  }

  /** A seen record of `key` written: `line` is the whole record, newline included (copied in). */
  add(key: string, line: Uint8Array): void {
    const offset = this.#reserve(key, line.length);
    this.#lastSlab().set(line, offset);
  }

  /** A seen record of `key` read back from the file: `line` without its newline (copied in, the newline added). */
  addRead(key: string, line: Uint8Array): void {
    const offset = this.#reserve(key, line.length + 1);
    const slab = this.#lastSlab();
    slab.set(line, offset);
    slab[offset + line.length] = NEWLINE;
  }

  /**
   * Forgets the records before index `before` whose key `isKept` no longer holds, and those whose key has a later
   * record (the later ones stay). Why the second: a key the cache forgot and then took again (a delivery id resent
   * after its window) has a record per time; each passes `isKept`, so without it they would pile up for good.
   * Replay keeps a key's last time and place, so only the newest record of a key matters.
   */
  retain(before: number, isKept: (key: string) => boolean): void {
    const isSuperseded = this.#supersededBefore(before);
    const kept = new SeenLines();
    kept.#copyFrom(this, 0, before, (index) => isSuperseded[index] === 0 && isKept(this.keyAt(index)));
    kept.#copyFrom(this, before, this.count);
    this.#adopt(kept);
  }

  /** 1 for each record before `before` whose key has a later record. One pass from the newest. */
  #supersededBefore(before: number): Uint8Array {
    const flags = new Uint8Array(before);
    const later = new Set<string>();
    for (let index = this.count - 1; index >= 0; index--) {
      const key = this.#keys[index] as string;
      if (index < before && later.has(key)) flags[index] = 1;
      else later.add(key);
    }
    return flags;
  }

  /**
   * Writes the first `count` records that `isKept(index)` keeps to the end of `target`, in order, and returns them
   * as a new SeenLines: the bytes written are its slabs, each written once it is full, so the event loop runs
   * between 64 KiB writes (a full dedup cache is ~140 of them) and the old records are never read from disk.
   */
  async writeKept(target: FileHandle, count: number, isKept: (index: number) => boolean): Promise<{ readonly lines: SeenLines; readonly bytes: number }> {
    const copy = new SeenLines();
    let written = 0;
    let bytes = 0;
    const writeSlab = async (slab: number): Promise<void> => {
      const filled = copy.#filled[slab] as number;
      await writeAll(target, (copy.#slabs[slab] as Buffer).subarray(0, filled));
      bytes += filled;
    };
    for (let from = 0; from < count; from += COPY_STEP) {
      copy.#copyFrom(this, from, Math.min(count, from + COPY_STEP), isKept);
      // Every slab but the last is full.
      while (written < copy.#slabs.length - 1) await writeSlab(written++);
    }
    while (written < copy.#slabs.length) await writeSlab(written++);
    return { lines: copy, bytes };
  }

  /**
   * After a switch to a file that holds `copied` and then every record noted from index `from` on (written after the
   * snapshot, in the tail); without `copied`, none of the older ones. Takes `copied` over (it is not used again).
   */
  switchTo(copied: SeenLines | undefined, from: number): void {
    const next = copied ?? new SeenLines();
    next.#copyFrom(this, from, this.count);
    this.#adopt(next);
  }

  /**
   * Appends the records `from` ≤ index < `to` of `source` that `isKept` keeps (all without it). Records next to each
   * other in both slabs go in one Buffer.copy: the dedup cache forgets the oldest keys first, so what is kept is
   * mostly one run, and 100,000 records cost a few hundred copies instead of 100,000.
   */
  #copyFrom(source: SeenLines, from: number, to: number, isKept?: (index: number) => boolean): void {
    let sourceSlab = -1;
    let sourceStart = 0;
    let sourceEnd = 0;
    let targetStart = 0;
    let targetEnd = 0;
    let target = this.#slabs.length - 1;
    const flush = (): void => {
      if (sourceSlab >= 0) (source.#slabs[sourceSlab] as Buffer).copy(this.#slabs[target] as Buffer, targetStart, sourceStart, sourceEnd);
    };
    for (let index = from; index < to; index++) {
      if (isKept !== undefined && !isKept(index)) continue;
      const position = source.#positions[index] as number;
      const length = source.#lengths[index] as number;
      const slab = Math.floor(position / SLAB_BYTES);
      const start = position - slab * SLAB_BYTES;
      const slabsBefore = this.#slabs.length;
      const offset = this.#reserve(source.#keys[index] as string, length);
      if (slab === sourceSlab && start === sourceEnd && this.#slabs.length === slabsBefore && offset === targetEnd) {
        sourceEnd += length;
        targetEnd += length;
        continue;
      }
      flush();
      sourceSlab = slab;
      sourceStart = start;
      sourceEnd = start + length;
      target = this.#slabs.length - 1;
      targetStart = offset;
      targetEnd = offset + length;
    }
    flush();
  }

  /** Notes a record of `length` bytes; its bytes go at the returned offset of the last slab. */
  #reserve(key: string, length: number): number {
    let slab = this.#slabs.length - 1;
    if (slab < 0 || (this.#filled[slab] as number) + length > SLAB_BYTES) {
      // allocUnsafe of 64 KiB is a buffer of its own, not a slice of Node's shared pool, so nothing else is kept alive.
      this.#slabs.push(Buffer.allocUnsafe(Math.max(SLAB_BYTES, length)));
      this.#filled.push(0);
      slab++;
    }
    const offset = this.#filled[slab] as number;
    this.#filled[slab] = offset + length;
    this.#keys.push(key);
    this.#positions.push(slab * SLAB_BYTES + offset);
    this.#lengths.push(length);
    return offset;
  }

  #lastSlab(): Buffer {
    return this.#slabs[this.#slabs.length - 1] as Buffer;
  }

  #adopt(other: SeenLines): void {
    this.#keys = other.#keys;
    this.#positions = other.#positions;
    this.#lengths = other.#lengths;
    this.#slabs = other.#slabs;
    this.#filled = other.#filled;
  }
}

/**
 * The seen records of a snapshot worth carrying: of the first `count` noted, those whose key `isKept` still holds,
 * and all from `keepFrom` on (a batch not acknowledged yet: its keys are remembered only once it is).
 */
export interface SeenSnapshot {
  readonly lines: SeenLines;
  readonly count: number;
  readonly keepFrom: number;
  readonly isKept: (key: string) => boolean;
}

/** Writes the records of `snapshot` it keeps to the end of `target` (see SeenLines.writeKept). */
export function writeSeenSnapshot(target: FileHandle, { lines, count, keepFrom, isKept }: SeenSnapshot): Promise<{ readonly lines: SeenLines; readonly bytes: number }> {
  return lines.writeKept(target, count, (index) => index >= keepFrom || isKept(lines.keyAt(index)));
}

/** Records noted before a prune may run: far more than a compaction cycle notes with the default 64 MiB. */
const PRUNE_AFTER_RECORDS = 200_000;

/** What the file journal keeps of its seen records: their lines, and whether a key is still remembered. */
export class SeenRecords {
  readonly lines = new SeenLines();
  readonly #isKept: (key: string) => boolean;
  /** Records noted before the last batch: their batches are acknowledged, so their keys are in the cache if kept. */
  #acknowledged = 0;
  #pruneAt = PRUNE_AFTER_RECORDS;

  constructor(isKept: (key: string) => boolean) {
    this.#isKept = isKept;
  }

  /** Notes the seen records of a batch just written. */
  noteBatch(items: readonly { readonly op: string; readonly id: string; readonly line: Uint8Array }[]): void {
    this.#acknowledged = this.lines.count;
    for (const item of items) if (item.op === 'seen') this.lines.add(item.id, item.line);
  }

  /**
   * Bounds the records while no compaction runs (most of the file live, or compaction failing): once twice as many
   * are noted as were kept, those whose key the cache forgot are dropped. Only between batches, with no snapshot in
   * use; one pass, so a rare stall instead of memory growing with the file: 200,000 records, one in two kept and
   * scattered, 112-115 ms on the bench machine, 136-138 ms since it also drops a key's older records (random UUID keys).
   */
  prune(): void {
    if (this.lines.count < this.#pruneAt) return;
    this.lines.retain(this.#acknowledged, this.#isKept);
    this.#pruneAt = Math.max(PRUNE_AFTER_RECORDS, 2 * this.lines.count);
  }

  /**
   * The records noted so far, to write those still remembered into a new file, and all from `keepFrom` on: by
   * default the last batch's, whose keys reach the cache only once its acknowledgements have run.
   */
  snapshot(keepFrom = this.#acknowledged): SeenSnapshot {
    return { lines: this.lines, count: this.lines.count, keepFrom, isKept: this.#isKept };
  }

  /**
   * After a switch to a rewritten file (SeenLines.switchTo): the records are numbered anew, and the last batch's
   * stay the last ones (the copy keeps everything from its snapshot's `keepFrom`, the tail follows), so the mark
   * moves with them. Left where it was, a later prune would judge that batch's keys before the cache holds them.
   */
  switchTo(copied: SeenLines | undefined, from: number): void {
    const lastBatch = this.lines.count - this.#acknowledged;
    this.lines.switchTo(copied, from);
    this.#acknowledged = Math.max(0, this.lines.count - lastBatch);
  }
}
