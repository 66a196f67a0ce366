/**
 * Pure parsers for the value forms settings.ini accepts: durations, sizes (`100MB`, `1mb`, `512KB`, `1GiB`; a bare
 * number means bytes), booleans, integers and rate limits. Each returns `undefined` for text it does not
 * understand (parseRateLimit throws a SettingError), so the caller can name the file, line and key in its error.
 *
 * One duration grammar for every duration, the window of `<source>_rate_limit` included (README, "Durations"):
 * an amount (digits, optionally with a decimal part: `5`, `1.5`), optionally a space, and a unit from
 * {@link DURATION_UNITS} in any case, singular or plural; a bare amount means seconds, as in the seed. One amount per
 * value (`90m`, not `1h30m`); the result is rounded to whole milliseconds. The kinds in settings-spec.ts bound it.
 */
import type { RateLimit } from '../admit/index.js';
import { SettingError } from '../errors/index.js';

/** Each unit a duration may be written in, with every spelling accepted for it. */
export const DURATION_UNITS: readonly { readonly ms: number; readonly names: readonly string[] }[] = [
  { ms: 1, names: ['ms', 'msec', 'millisecond', 'milliseconds'] },
  { ms: 1000, names: ['s', 'sec', 'secs', 'second', 'seconds'] },
  { ms: 60_000, names: ['m', 'min', 'mins', 'minute', 'minutes'] },
  { ms: 3_600_000, names: ['h', 'hr', 'hrs', 'hour', 'hours'] },
  { ms: 86_400_000, names: ['d', 'day', 'days'] },
];

const MS_PER_UNIT: ReadonlyMap<string, number> = new Map(DURATION_UNITS.flatMap(({ ms, names }) => names.map((name) => [name, ms] as const)));

const AMOUNT_WITH_UNIT = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/** `30s`, `5 minutes`, `1.5h` → milliseconds. A bare number counts as seconds. */
export function parseDurationMs(text: string): number | undefined {
  const match = AMOUNT_WITH_UNIT.exec(text.trim());
  if (!match) return undefined;
  const factor = MS_PER_UNIT.get((match[2] ?? '').toLowerCase() || 's');
  return factor === undefined ? undefined : Math.round(Number(match[1]) * factor);
}

const RATE = /^(\d+)\s*(?:\/|per)\s*(.*)$/i;

/**
 * `<count>/<window>` or `<count> per <window>`: `100/1m`, `100 per 5 minutes`, `1000/1.5h`. The window is a duration
 * in the grammar above whose amount may be left out before a unit (`100/m`, `5 per second`).
 * @throws {SettingError} code `invalid_rate_limit`, naming the value and the expected form.
 */
export function parseRateLimit(text: string): RateLimit {
  const match = RATE.exec(text.trim());
  const window = match?.[2]?.trim() ?? '';
  const windowMs = parseDurationMs(/^[a-z]+$/i.test(window) ? `1 ${window}` : window);
  const max = Number(match?.[1]);
  if (!Number.isSafeInteger(max) || max < 1 || windowMs === undefined || windowMs < 1) {
    throw new SettingError(
      'invalid_rate_limit',
      `Invalid rate limit "${text}": expected <count>/<duration> or <count> per <duration> with count >= 1, e.g. 100/1m, 100 per 5 minutes or 5 per second`,
    );
  }
  return { max, windowMs };
}

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
