/**
 * Pure parsers for the value forms settings.ini accepts: durations (`30s`, `500ms`, `2m`, `1h`, `1d`; a bare
 * number means seconds, as in the seed), sizes (`100MB`, `1mb`, `512KB`, `1GiB`; a bare number means bytes),
 * booleans and integers. Each returns `undefined` for text it does not understand, so the caller can name the
 * file, line and key in its error.
 */

const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  k: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  m: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  g: 1024 ** 3,
};

const AMOUNT_WITH_UNIT = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** `30s` → 30000. A bare number counts as seconds. */
export function parseDurationMs(text: string): number | undefined {
  const match = AMOUNT_WITH_UNIT.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase() || 's';
  const factor = DURATION_UNITS_MS[unit];
  return factor === undefined ? undefined : Math.round(Number(match[1]) * factor);
}

/** `100MB` → 104857600. A bare number counts as bytes. */
export function parseSizeBytes(text: string): number | undefined {
  const match = AMOUNT_WITH_UNIT.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase() || 'b';
  const factor = SIZE_UNITS[unit];
  return factor === undefined ? undefined : Math.round(Number(match[1]) * factor);
}

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

export function parseBoolean(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

export function parsePositiveInt(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
