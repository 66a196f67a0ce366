/** The journal's contract, apart from the file that implements it (so the implementation and its opener share it without importing each other). */
import type { Alert } from '../alert.js';
import type { StoreLogger } from '../store/errors.js';
import type { SkippedRecord } from './journal-record.js';

export const journalDurabilities = ['fsync', 'write', 'off'] as const;
/** `fsync`: durable before ack. `write`: in the OS cache before ack (survives a crash of GenHook, not of the host). `off`: no file at all, same API (benchmarks). */
export type JournalDurability = (typeof journalDurabilities)[number];

/** @example openJournal({ dir: '/var/lib/genhook' }) */
export interface JournalOptions {
  /** Directory of the journal; created when missing. */
  readonly dir: string;
  /** @default 'journal.log' */
  readonly fileName?: string;
  /** @default 'fsync' */
  readonly durability?: JournalDurability;
  /** Rewrite the file once it is this big and less than half of it is live. @default 67108864 (64 MiB) */
  readonly compactAfterBytes?: number;
  /**
   * Most alerts `pending` holds, by count and bytes (the queue's bounds): the rest stay in the file, listed in
   * `backlog`, to be read with `journal.read()` as the queue makes room. @default no bound
   */
  readonly pendingMax?: { readonly count: number; readonly bytes: number };
  /** Each seen delivery key read back from the file, oldest first (fill the dedup cache with them). */
  readonly onSeen?: (key: string, at: number) => void;
  /**
   * Whether a seen key is still remembered (the dedup cache holds it): a rewritten file (compaction, a deleted
   * journal) carries the seen records of those keys, copied as they are. Without it, it carries none.
   */
  readonly isSeen?: (key: string) => boolean;
  readonly logger?: StoreLogger;
}

export interface JournalStats {
  /** Write batches (one write call each). */
  readonly batches: number;
  /** fsyncs done for batches; with group commit far fewer than appends. */
  readonly syncs: number;
  readonly compactions: number;
  /** Times the file was found deleted or replaced and rewritten from the open descriptor. */
  readonly rehomes?: number;
  readonly fileBytes: number;
  readonly liveBytes: number;
}

/** A delivery key to remember as seen, written in the same batch (and fsync) as the alerts it came with. */
export interface SeenKey {
  readonly key: string;
  readonly at: number;
}

export interface JournalHealth {
  /** False while writes fail (full disk, file deleted and not yet rewritten); a probe retries every second. */
  readonly writable: boolean;
  readonly error?: string;
}

export interface Journal {
  /** Resolves once the alerts are on disk (fsync'ed under durability `fsync`). Rejects with a StoreError otherwise. */
  append(alerts: Alert | readonly Alert[], seen?: readonly SeenKey[]): Promise<void>;
  /** Reads a journaled alert back from the file (one in `backlog`); undefined when it is no longer journaled. */
  read(id: string): Promise<Alert | undefined>;
  /** Records that an alert was delivered or dead-lettered; not awaited (a lost done means one redelivery). */
  complete(id: string): void;
  /** Alerts in the journal and not completed. */
  readonly size: number;
  readonly health: JournalHealth;
  readonly stats: JournalStats;
  /** Writes and fsyncs what is queued, then closes the file. */
  close(): Promise<void>;
}

export interface JournalRecovery {
  /** Good records read. */
  readonly records: number;
  /** Lines that could not be used (bad checksum, bad JSON, torn), with their byte offsets. */
  readonly skipped: readonly SkippedRecord[];
  /** Where the file was cut because only garbage followed; absent when the file was clean. */
  readonly truncatedAt?: number;
}

export interface OpenedJournal {
  readonly journal: Journal;
  /** Alerts accepted before the last stop and never completed, oldest first, within `pendingMax`: deliver them again. */
  readonly pending: Alert[];
  /** The others, oldest first, still only in the file: read each with `journal.read(id)` once there is room. */
  readonly backlog: readonly BacklogEntry[];
  readonly recovery: JournalRecovery;
}

export interface BacklogEntry {
  readonly id: string;
  /** Size of its journal record, close to what it will count for in the queue. */
  readonly bytes: number;
}
