/**
 * The SL1 auth pause shared by every replica on one Redis: SL1 locks the service account after a few
 * failed logins whichever replica sends them, so a 401/403 at one replica must stop them all.
 *
 * The rules stay the pure reducer of deliver/auth-pause.ts; this store keeps each replica's state in
 * memory (the dispatcher reads it synchronously on every attempt) and shares two facts through Redis: a
 * pause began (a record under `<prefix>sl1:auth-pause`, announced on its channel) and it ended (the record
 * deleted, announced). Only the replica that was refused probes at `sl1_auth_retry_interval`; the others
 * wait twice as long before probing themselves, so a dead prober cannot keep the pause forever and a
 * live one costs SL1 one login per interval, not one per replica.
 */
import type { Redis } from 'ioredis';
import { INITIAL_AUTH_STATE, nextAuthState, type AuthEvent, type AuthPauseState, type AuthPauseStore } from '../deliver/auth-pause.js';

export interface SharedAuthPauseOptions {
  readonly redis: Redis;
  /** A connection of its own: SUBSCRIBE takes it over. */
  readonly subscriber: Redis;
  readonly key: string;
  /** This replica's name, to tell its own announcements from the others'. */
  readonly who: string;
  readonly retryIntervalMs: () => number;
  readonly logger: { info(details: object, message: string): void; warn(details: object, message: string): void };
}

interface PauseRecord {
  readonly by: string;
  readonly status: number;
  readonly detail?: string;
  readonly refusedAt: number;
}

export interface SharedAuthPauseStore extends AuthPauseStore {
  close(): Promise<void>;
}

export async function createSharedAuthPauseStore(options: SharedAuthPauseOptions): Promise<SharedAuthPauseStore> {
  const { redis, subscriber, key, who, logger } = options;
  const channel = `${key}:events`;
  let state: AuthPauseState = INITIAL_AUTH_STATE;
  const listeners = new Set<(state: AuthPauseState, previous: AuthPauseState) => void>();

  /** Applies an event locally; `isRemote` when it mirrors another replica, so it is not announced back. */
  const change = (event: AuthEvent, isRemote: boolean): AuthPauseState => {
    const previous = state;
    state = nextAuthState(state, event);
    if (state === previous) return state;
    for (const listener of [...listeners]) listener(state, previous);
    if (!isRemote && previous.phase !== 'paused' && state.phase === 'paused') announcePause(state);
    if (!isRemote && previous.phase === 'paused' && state.phase !== 'paused') announceResume();
    return state;
  };

  const announcePause = (paused: AuthPauseState): void => {
    const record: PauseRecord = { by: who, status: paused.status ?? 401, refusedAt: paused.refusedAt ?? Date.now(), ...(paused.detail === undefined ? {} : { detail: paused.detail }) };
    redis.multi().set(key, JSON.stringify(record)).publish(channel, 'paused').exec().catch((error: unknown) => {
      logger.warn({ err: error }, 'could not share the SL1 auth pause through Redis; other replicas may still try to log in');
    });
  };
  const announceResume = (): void => {
    redis.multi().del(key).publish(channel, 'resumed').exec().catch((error: unknown) => {
      logger.warn({ err: error }, 'could not share the end of the SL1 auth pause through Redis');
    });
  };

  /** Brings this replica in line with the shared record (at start, on every announcement, after a reconnect). */
  const reconcile = async (): Promise<void> => {
    const text = await redis.get(key);
    const record = text === null ? undefined : parseRecord(text);
    if (record !== undefined && state.phase !== 'paused') {
      const interval = options.retryIntervalMs();
      logger.info({ pausedBy: record.by, status: record.status }, 'SL1 refused the credentials at another GenHook: delivery pauses here too');
      change({
        type: 'settled', epoch: state.epoch, isProbe: false, now: record.refusedAt,
        result: { kind: 'refused', status: record.status, detail: record.detail },
        // The refused replica probes at the interval; the others only if it has not resumed by twice that.
        retryIntervalMs: record.by === who ? interval : interval * 2,
      }, true);
    } else if (record === undefined && state.phase === 'paused') {
      logger.info({}, 'the SL1 auth pause ended at another GenHook: delivery resumes here too (one alert first)');
      change({ type: 'reset', reason: 'operator' }, true);
    }
  };
  const reconcileLogged = (): void => {
    reconcile().catch((error: unknown) => logger.warn({ err: error }, 'could not read the shared SL1 auth pause from Redis'));
  };

  subscriber.on('message', (from: string) => {
    if (from === channel) reconcileLogged();
  });
  // Announcements missed while disconnected: read the record again once the subscription is back.
  subscriber.on('ready', reconcileLogged);
  await subscriber.subscribe(channel);
  await reconcile();

  return {
    read: () => state,
    apply: (event) => change(event, false),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      subscriber.disconnect();
    },
  };
}

function parseRecord(text: string): PauseRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<PauseRecord>;
    if (typeof value.by === 'string' && typeof value.status === 'number' && typeof value.refusedAt === 'number') return value as PauseRecord;
  } catch {
    // not ours
  }
  return undefined;
}
