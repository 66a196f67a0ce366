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
  readonly logger?: StoreLogger;
}

export interface JournalStats {
  /** Write batches (one write call each). */
  readonly batches: number;
  /** fsyncs done for batches; with group commit far fewer than appends. */
  readonly syncs: number;
  readonly compactions: number;
  readonly fileBytes: number;
  readonly liveBytes: number;
}

export interface Journal {
  /** Resolves once the alerts are on disk (fsync'ed under durability `fsync`). Rejects with a StoreError otherwise. */
  append(alerts: Alert | readonly Alert[]): Promise<void>;
  /** Records that an alert was delivered or dead-lettered; not awaited (a lost done means one redelivery). */
  complete(id: string): void;
  /** Alerts in the journal and not completed. */
  readonly size: number;
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
  /** Alerts accepted before the last stop and never completed, oldest first: deliver them again. */
  readonly pending: Alert[];
  readonly recovery: JournalRecovery;
}
