/**
 * Where each seen record (a remembered delivery key) sits in the journal file, in file order. A rewritten journal
 * (compaction, a deleted file) carries the records of the keys the dedup cache still holds by copying their bytes:
 * encoding them again cost ~12,000 instructions a key (a CRC and three buffer writes per 90-byte line), 1.2 billion
 * for a full cache of 100,000 keys, at every compaction.
 */
/** A list of places by index (no object per record): what copyPlaces in record-copy.ts reads. */
export interface PlaceList {
  readonly count: number;
  offsetAt(index: number): number;
  lengthAt(index: number): number;
}

/** The seen records chosen for a new file: their keys and lengths, and where copyPlaces put them. */
export interface CopiedSeen {
  readonly keys: string[];
  readonly offsets: number[];
  readonly lengths: number[];
}

export class SeenPlaces implements PlaceList {
  // Parallel arrays: a key is the string the dedup cache holds too, so a record costs three slots, not an object.
  #keys: string[] = [];
  #offsets: number[] = [];
  #lengths: number[] = [];

  get count(): number {
    return this.#keys.length;
  }

  keyAt(index: number): string {
    return this.#keys[index] as string;
  }

  offsetAt(index: number): number {
    return this.#offsets[index] as number;
  }

  lengthAt(index: number): number {
    return this.#lengths[index] as number;
  }

  /** A seen record of `key` written (or read back) at `offset`, `length` bytes with its newline. */
  add(key: string, offset: number, length: number): void {
    this.#keys.push(key);
    this.#offsets.push(offset);
    this.#lengths.push(length);
  }

  /** Forgets the records before index `before` whose key `isKept` no longer holds (the later ones stay). */
  retain(before: number, isKept: (key: string) => boolean): void {
    let kept = 0;
    for (let index = 0; index < this.#keys.length; index++) {
      const key = this.#keys[index] as string;
      if (index < before && !isKept(key)) continue;
      this.#keys[kept] = key;
      this.#offsets[kept] = this.#offsets[index] as number;
      this.#lengths[kept] = this.#lengths[index] as number;
      kept++;
    }
    this.#keys.length = kept;
    this.#offsets.length = kept;
    this.#lengths.length = kept;
  }

  /**
   * After a switch to a file that holds `copied` (at its offsets) and then, moved by `shift`, every record noted
   * from index `from` on (those written after the snapshot, in the tail). Without `copied`: none of the older ones.
   */
  switchTo(copied: CopiedSeen | undefined, from: number, shift: (offset: number) => number): void {
    const keys = copied?.keys ?? [];
    const offsets = copied?.offsets ?? [];
    const lengths = copied?.lengths ?? [];
    for (let index = from; index < this.#keys.length; index++) {
      keys.push(this.#keys[index] as string);
      offsets.push(shift(this.#offsets[index] as number));
      lengths.push(this.#lengths[index] as number);
    }
    this.#keys = keys;
    this.#offsets = offsets;
    this.#lengths = lengths;
  }
}

/**
 * The seen records of a snapshot worth carrying: of the first `count` noted, those whose key `isKept` still holds,
 * and all from `keepFrom` on (a batch not acknowledged yet: its keys are remembered only once it is).
 */
export interface SeenSnapshot {
  readonly places: SeenPlaces;
  readonly count: number;
  readonly keepFrom: number;
  readonly isKept: (key: string) => boolean;
}

/** Records noted before a prune may run: far more than a compaction cycle notes with the default 64 MiB. */
const PRUNE_AFTER_RECORDS = 200_000;

/** What the file journal keeps of its seen records: their places, and whether a key is still remembered. */
export class SeenRecords {
  readonly places = new SeenPlaces();
  readonly #isKept: (key: string) => boolean;
  /** Records noted before the last batch: their batches are acknowledged, so their keys are in the cache if kept. */
  #acknowledged = 0;
  #pruneAt = PRUNE_AFTER_RECORDS;

  constructor(isKept: (key: string) => boolean) {
    this.#isKept = isKept;
  }

  /** Notes where each seen record of a batch written at `batchStart` landed. */
  noteBatch(items: readonly { readonly op: string; readonly id: string; readonly line: Uint8Array }[], batchStart: number): void {
    this.#acknowledged = this.places.count;
    let offset = batchStart;
    for (const item of items) {
      if (item.op === 'seen') this.places.add(item.id, offset, item.line.length);
      offset += item.line.length;
    }
  }

  /**
   * Bounds the places while no compaction runs (most of the file live, or compaction failing): once twice as many
   * records are noted as were kept, those whose key the cache forgot are dropped. Only between batches, with no
   * snapshot in use; one pass, so a rare stall (~10-40 ms for 200,000 records) instead of memory growing with the file.
   */
  prune(): void {
    if (this.places.count < this.#pruneAt) return;
    this.places.retain(this.#acknowledged, this.#isKept);
    this.#pruneAt = Math.max(PRUNE_AFTER_RECORDS, 2 * this.places.count);
  }

  /** The records noted so far, to copy those still remembered (and all from `keepFrom` on) into a new file. */
  snapshot(keepFrom = this.places.count): SeenSnapshot {
    return { places: this.places, count: this.places.count, keepFrom, isKept: this.#isKept };
  }
}
