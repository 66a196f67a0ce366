/**
 * `date:FORMAT[:ZONE]`: a strftime subset over Intl (no dependency). The format is split into parts
 * and the zone's Intl formatter built once, at load; a render only formats one instant.
 */

export const dateSpecifiers = ['%Y', '%m', '%d', '%H', '%M', '%S', '%z', '%Z', '%s', '%%'] as const;

type Part = { readonly literal: string } | { readonly spec: string };

export type DateFormatter = (epochMs: number) => string;

/** Compiles a format and zone, or explains what is wrong with them. */
export function compileDateFormat(format: string, zone: string | undefined): DateFormatter | { error: string } {
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const char = format[i];
    if (char !== '%') {
      literal += char;
      continue;
    }
    const spec = format.slice(i, i + 2);
    if (!(dateSpecifiers as readonly string[]).includes(spec)) {
      return { error: `unknown date specifier "${spec}" in "${format}"; supported: ${dateSpecifiers.join(' ')}` };
    }
    i++;
    if (spec === '%%') {
      literal += '%';
      continue;
    }
    if (literal !== '') parts.push({ literal });
    literal = '';
    parts.push({ spec });
  }
  if (literal !== '') parts.push({ literal });
  const timeZone = zone ?? 'UTC';
  let wall: Intl.DateTimeFormat;
  let name: Intl.DateTimeFormat;
  try {
    wall = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' });
  } catch {
    return { error: `unknown time zone "${timeZone}"; expected an IANA name such as UTC or Europe/Paris` };
  }
  const needsName = parts.some((part) => 'spec' in part && part.spec === '%Z');
  return (epochMs) => {
    const date = new Date(epochMs);
    const fields: Record<string, string> = {};
    for (const part of wall.formatToParts(date)) fields[part.type] = part.value;
    const year = fields['year'] ?? '';
    // Not Date.UTC: it reads years 0-99 as 1900-1999, and Alertmanager's "no end" time is year 1.
    const wallDate = new Date(0);
    wallDate.setUTCFullYear(Number(year), Number(fields['month']) - 1, Number(fields['day']));
    wallDate.setUTCHours(Number(fields['hour']), Number(fields['minute']), Number(fields['second']));
    const wallMs = wallDate.getTime();
    const offsetMinutes = Math.round((wallMs - Math.floor(epochMs / 1000) * 1000) / 60_000);
    let text = '';
    for (const part of parts) {
      if ('literal' in part) {
        text += part.literal;
        continue;
      }
      switch (part.spec) {
        case '%Y':
          text += year.padStart(4, '0');
          break;
        case '%m':
          text += fields['month'];
          break;
        case '%d':
          text += fields['day'];
          break;
        case '%H':
          text += fields['hour'];
          break;
        case '%M':
          text += fields['minute'];
          break;
        case '%S':
          text += fields['second'];
          break;
        case '%z':
          text += formatOffset(offsetMinutes);
          break;
        case '%Z':
          text += needsName ? (name.formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? timeZone) : '';
          break;
        case '%s':
          text += String(Math.floor(epochMs / 1000));
          break;
      }
    }
    return text;
  };
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

const numberText = /^-?\d+(?:\.\d+)?$/;
const isoText = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;
// Epoch seconds stay below this until the year 5138; epoch milliseconds pass it in 1973.
const millisecondsFrom = 1e11;

/**
 * Epoch milliseconds of an ISO-8601 text or of epoch seconds/milliseconds (a number or numeric text),
 * or undefined. An ISO time without an offset is read as UTC, never as this machine's zone.
 */
export function toEpochMs(value: unknown): number | undefined {
  let number: number | undefined;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'string') {
    const text = value.trim();
    if (numberText.test(text)) number = Number(text);
    else return parseIso(text);
  }
  if (number === undefined || !Number.isFinite(number)) return undefined;
  const ms = Math.abs(number) >= millisecondsFrom ? number : number * 1000;
  return Number.isFinite(new Date(ms).getTime()) ? Math.trunc(ms) : undefined;
}

function parseIso(text: string): number | undefined {
  const match = isoText.exec(text);
  if (!match) return undefined;
  const [, day, time, zone] = match;
  let offset = 'Z';
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    offset = `${digits.slice(0, 3)}:${digits.slice(3, 5) || '00'}`;
  }
  const iso = time === undefined ? `${day}T00:00:00Z` : `${day}T${time.replace(',', '.')}${time.length === 5 ? ':00' : ''}${offset}`;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}
