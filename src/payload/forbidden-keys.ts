/**
 * Keys that are never read from a payload nor written into a result: through them a later merge or lookup
 * could reach Object.prototype (prototype pollution). JSON parsing drops them; own-property reads refuse them.
 */
export const forbiddenKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** 1 at the length of each forbidden key (derived from the set, so a key added there is never turned away by length). */
const isForbiddenLength = new Uint8Array(Math.max(...[...forbiddenKeys].map((key) => key.length)) + 1);
for (const key of forbiddenKeys) isForbiddenLength[key.length] = 1;

/**
 * `forbiddenKeys.has(key)`, with the length looked at first: the JSON walk asks this of every key of every body,
 * and a length compare turns nearly all of them away without a hash-set lookup (~10k instructions per 7.6 KB push).
 */
export function isForbiddenKey(key: string): boolean {
  return isForbiddenLength[key.length] === 1 && forbiddenKeys.has(key);
}
