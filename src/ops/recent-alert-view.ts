/** What `GET /admin/alerts/recent` lists and the last delivery error per source: types only (the console reads them too). */

export type RecentOutcome = 'queued' | 'retrying' | 'delivered' | 'logged' | 'dead_lettered';

export interface RecentAlert {
  readonly id: string;
  readonly requestId: string;
  readonly source: string;
  readonly event: string | null;
  /** Cut to MESSAGE_CHARS characters (with `…`). */
  readonly message: string;
  readonly receivedAt: string;
  outcome: RecentOutcome;
  /** Attempts made so far. */
  attempts: number;
  /** SL1's status of the last answer, when there was one. */
  status: number | null;
  /** Why it is retrying or was dead-lettered. */
  reason: string | null;
  updatedAt: string;
}

export interface SourceError {
  readonly at: string;
  readonly alertId: string;
  readonly message: string;
}
