/**
 * All the file journal keeps in memory: where each live record (added, not yet done) sits in its file, and their
 * total bytes (compaction runs once less than half of the file is live).
 */
import type { RecordPlace } from './journal-record.js';

/** One record of a write batch: the encoded line (encodeJournalLine), whose length is its place in the file. */
export interface BatchItem {
  readonly op: 'add' | 'done' | 'seen';
  readonly id: string;
  readonly line: Buffer;
}

export class LiveRecords {
  readonly #places: Map<string, RecordPlace>;
  #bytes = 0;

  /** Takes over the places recovery found. */
  constructor(places: Map<string, RecordPlace>) {
    this.#places = places;
    for (const place of places.values()) this.#bytes += place.length;
  }

  get size(): number {
    return this.#places.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(id: string): RecordPlace | undefined {
    return this.#places.get(id);
  }

  /** The live records in file order, as a copy (what a compaction or a rewrite copies). */
  entries(): [string, RecordPlace][] {
    return [...this.#places];
  }

  /**
   * Notes a batch written at `batchStart`: an add is live from its place on (a second add of an id keeps the first),
   * a done ends it, a seen record holds no alert. Returns the ids this batch made live.
   */
  applyBatch(items: readonly BatchItem[], batchStart: number): string[] {
    let offset = batchStart;
    const added: string[] = [];
    for (const item of items) {
      const { length } = item.line;
      if (item.op === 'add') {
        if (!this.#places.has(item.id)) {
          this.#places.set(item.id, { offset, length });
          this.#bytes += length;
          added.push(item.id);
        }
      } else if (item.op === 'done') {
        this.forget(item.id);
      }
      offset += length;
    }
    return added;
  }

  forget(id: string): void {
    const place = this.#places.get(id);
    if (place === undefined) return;
    this.#places.delete(id);
    this.#bytes -= place.length;
  }

  /** After a switch to another file: each record's place in it (`placeOf`); one without a place is forgotten. */
  remap(placeOf: (id: string, old: RecordPlace) => RecordPlace | undefined): void {
    for (const [id, place] of this.#places) {
      const moved = placeOf(id, place);
      if (moved === undefined) this.forget(id);
      else this.#places.set(id, moved);
    }
  }
}
