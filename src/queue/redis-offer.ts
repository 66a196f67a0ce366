/**
 * The pure edges of a batched offer (redis-batch.ts, OFFER_SCRIPT in redis-scripts.ts): the script's KEYS and
 * ARGV for several offers at once, and each offer's own result read back from the script's reply.
 */
import { encodeAlertJson } from '../alert.js';
import type { OfferItem, OfferResult } from './backend.js';
import type { RedisKeys } from './redis-keys.js';

/** KEYS count, KEYS, then ARGV, as the defined command takes them. */
export function offerArguments(offers: readonly (readonly OfferItem[])[], keys: RedisKeys, maxSize: number, dedupWindowMs: number): (string | number)[] {
  const keyList: string[] = [keys.stream];
  const args: (string | number)[] = [maxSize, dedupWindowMs, offers.length];
  for (const items of offers) {
    args.push(items.length);
    for (const { alert, dedupKeys = [] } of items) {
      for (const key of dedupKeys) keyList.push(keys.dedup(key));
      args.push(dedupKeys.length, encodeAlertJson(alert));
    }
  }
  return [keyList.length, ...keyList, ...args];
}

/** One offer's part of the reply: `[-1]` when full, otherwise a stream id per alert, '' for a duplicate. */
export function offerResult(items: readonly OfferItem[], reply: readonly (string | number)[] | undefined): OfferResult {
  if (reply === undefined) throw new Error('Redis answered an offer without its result');
  if (reply[0] === -1) return { kind: 'full' };
  const duplicates = new Set<string>();
  reply.forEach((id, index) => {
    const item = items[index];
    if (id === '' && item !== undefined) duplicates.add(item.alert.id);
  });
  return { kind: 'stored', duplicates };
}
