/**
 * Keys that are never read from a payload nor written into a result: through them a later merge or lookup
 * could reach Object.prototype (prototype pollution). JSON parsing drops them; own-property reads refuse them.
 */
export const forbiddenKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
