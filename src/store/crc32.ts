/**
 * CRC-32 (IEEE, the zlib/PNG polynomial) over bytes. Uses `zlib.crc32` (Node >= 20.15, native) and falls back to
 * a table implementation so a journal written by one Node version verifies under another.
 */
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array) => number;

function createTableCrc32(): Crc32 {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return function crc32Table(data) {
    let crc = 0xffffffff;
    for (const byte of data) crc = (table[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  };
}

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** The table fallback, exported so tests can check it agrees with the native one. */
export const crc32Fallback: Crc32 = createTableCrc32();

export const crc32: Crc32 = typeof nativeCrc32 === 'function' ? (data) => nativeCrc32(data) : crc32Fallback;

/** CRC-32 as eight lower-case hex digits, the form journal lines carry. */
export function formatCrc32(data: Uint8Array): string {
  return crc32(data).toString(16).padStart(8, '0');
}
