/**
 * The filters of `$path|filter|filter:arg$`. Each is compiled once, at load, from its arguments into
 * an apply function; rendering only calls those. A filter that meets a value it cannot use (`count` on
 * text, `date` on garbage) never throws: the value passes through unchanged and `warn` is called.
 * A missing value passes through every filter but `default`.
 */
import { compileDateFormat, toEpochMs } from './date-format.js';
import { formatValue, formatValues, isEmptyPiped, listSeparator, type Piped } from './value.js';

/** Called with a short reason when a filter could not use its value (counted as a render warning). */
export type WarnFilter = (reason: string) => void;

export type ApplyFilter = (input: Piped, warn: WarnFilter) => Piped;

export interface CompiledFilter {
  readonly name: string;
  /** The filter as written (`trunc:40`), for messages. */
  readonly text: string;
  readonly apply: ApplyFilter;
}

/** Two-column tables named by `lookup_NAME` settings, key → value. */
export type LookupTables = ReadonlyMap<string, ReadonlyMap<string, string>>;

export interface FilterContext {
  readonly lookups: LookupTables;
}

interface FilterSpec {
  /** How it is written, for the list in error messages. */
  readonly usage: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** The apply function, or why the arguments are wrong. */
  readonly compile: (args: readonly string[], context: FilterContext) => ApplyFilter | { error: string };
}

const CANNOT = Symbol('cannot use');
type ScalarResult = unknown | typeof CANNOT;

/**
 * A filter on one value. On a list (a path through an array, or an array value) it applies to each
 * item, so `$alerts.labels.severity|upper$` upper-cases every severity.
 */
function eachValue(name: string, fn: (value: unknown) => ScalarResult): ApplyFilter {
  return (input, warn) => {
    const { value } = input;
    if (value === undefined || value === null) return input;
    if (input.isList || Array.isArray(value)) {
      let isWarned = false;
      const items = (value as readonly unknown[]).map((item) => {
        if (item === undefined || item === null) return item;
        const result = fn(item);
        if (result !== CANNOT) return result;
        if (!isWarned) warn(`${name} cannot use ${describeKind(item)}`);
        isWarned = true;
        return item;
      });
      return { value: items, isList: input.isList };
    }
    const result = fn(value);
    if (result === CANNOT) {
      warn(`${name} cannot use ${describeKind(value)}`);
      return input;
    }
    return { value: result, isList: false };
  };
}

/** A filter on a whole list (a path through an array, or an array value). */
function wholeList(name: string, fn: (items: readonly unknown[]) => unknown): ApplyFilter {
  return (input, warn) => {
    const { value } = input;
    if (value === undefined || value === null) return input;
    if (!input.isList && !Array.isArray(value)) {
      warn(`${name} needs a list, not ${describeKind(value)}`);
      return input;
    }
    return { value: fn(value as readonly unknown[]), isList: false };
  };
}

/** Text of a scalar (string, number, boolean); CANNOT for objects and arrays. */
function scalarText(value: unknown): string | typeof CANNOT {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return CANNOT;
}

function describeKind(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return value.length > 20 ? `text "${value.slice(0, 20)}…"` : `text "${value}"`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function textFilter(name: string, fn: (text: string) => string): ApplyFilter {
  return eachValue(name, (value) => {
    const text = scalarText(value);
    return text === CANNOT ? CANNOT : fn(text);
  });
}

/** `k1=v1,k2=v2,*=other`: exact keys; `*` is the fallback. */
function parseMapArg(arg: string): { table: Map<string, string>; fallback: string | undefined } | { error: string } {
  const table = new Map<string, string>();
  let fallback: string | undefined;
  for (const entry of arg.split(',')) {
    const eq = entry.indexOf('=');
    if (eq === -1) return { error: `map entry "${entry}" has no '='; expected map:key=value,key2=value2,*=fallback` };
    const key = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    if (key === '*') {
      if (fallback !== undefined) return { error: 'map has two "*" fallbacks' };
      fallback = value;
    } else {
      if (table.has(key)) return { error: `map has the key "${key}" twice` };
      table.set(key, value);
    }
  }
  return { table, fallback };
}

const FILTERS: Readonly<Record<string, FilterSpec>> = {
  default: {
    usage: 'default:TEXT',
    minArgs: 1,
    maxArgs: 1,
    compile: ([text = '']) => {
      const replacement: Piped = Object.freeze({ value: text, isList: false });
      return (input) => (isEmptyPiped(input) ? replacement : input);
    },
  },
  upper: { usage: 'upper', minArgs: 0, maxArgs: 0, compile: () => textFilter('upper', (text) => text.toUpperCase()) },
  lower: { usage: 'lower', minArgs: 0, maxArgs: 0, compile: () => textFilter('lower', (text) => text.toLowerCase()) },
  trim: { usage: 'trim', minArgs: 0, maxArgs: 0, compile: () => textFilter('trim', (text) => text.trim()) },
  trunc: {
    usage: 'trunc:N',
    minArgs: 1,
    maxArgs: 1,
    compile: ([arg = '']) => {
      const max = /^\d{1,7}$/.test(arg) ? Number(arg) : 0;
      if (max < 1) return { error: `trunc needs a whole number of characters above 0, not "${arg}"` };
      // Objects are cut too (as their JSON): trunc is how a line bounds its length.
      return eachValue('trunc', (value) => {
        const text = formatValue(value);
        if (text === undefined) return value;
        if (text.length <= max) return text;
        const chars = Array.from(text);
        return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
      });
    },
  },
  map: {
    usage: 'map:k1=v1,k2=v2,*=other',
    minArgs: 1,
    maxArgs: 1,
    compile: ([arg = '']) => {
      const parsed = parseMapArg(arg);
      if ('error' in parsed) return parsed;
      const { table, fallback } = parsed;
      return eachValue('map', (value) => {
        const text = scalarText(value);
        if (text === CANNOT) return CANNOT;
        return table.get(text) ?? fallback ?? value;
      });
    },
  },
  lookup: {
    usage: 'lookup:NAME',
    minArgs: 1,
    maxArgs: 1,
    compile: ([name = ''], context) => {
      const table = context.lookups.get(name.toLowerCase());
      if (table === undefined) {
        const known = [...context.lookups.keys()];
        return { error: `no lookup table "${name}"; name its file in settings.ini as lookup_${name} = FILE.csv${known.length > 0 ? ` (defined: ${known.join(', ')})` : ''}` };
      }
      // A key the table lacks gives nothing, so `|default:...` after it decides.
      return eachValue('lookup', (value) => {
        const text = scalarText(value);
        return text === CANNOT ? CANNOT : table.get(text);
      });
    },
  },
  join: {
    usage: 'join:SEP',
    minArgs: 0,
    maxArgs: 1,
    compile: ([separator = listSeparator]) => wholeList('join', (items) => formatValues(items, separator)),
  },
  first: { usage: 'first', minArgs: 0, maxArgs: 0, compile: () => wholeList('first', (items) => items[0]) },
  last: { usage: 'last', minArgs: 0, maxArgs: 0, compile: () => wholeList('last', (items) => items[items.length - 1]) },
  count: { usage: 'count', minArgs: 0, maxArgs: 0, compile: () => wholeList('count', (items) => items.length) },
  json: {
    usage: 'json',
    minArgs: 0,
    maxArgs: 0,
    compile: () => (input, warn) => {
      if (input.value === undefined) return input;
      try {
        return { value: JSON.stringify(input.value), isList: false };
      } catch {
        warn('json cannot encode this value');
        return input;
      }
    },
  },
  date: {
    usage: 'date:FORMAT[:ZONE]',
    minArgs: 1,
    maxArgs: 2,
    compile: ([format = '', zone]) => {
      const formatter = compileDateFormat(format, zone);
      if ('error' in formatter) return formatter;
      return eachValue('date', (value) => {
        const ms = toEpochMs(value);
        return ms === undefined ? CANNOT : formatter(ms);
      });
    },
  },
};

export const filterNames: readonly string[] = Object.freeze(Object.keys(FILTERS));

/** Every filter as written, for error messages: `default:TEXT, upper, ...`. */
export function filterUsage(): string {
  return Object.values(FILTERS).map((spec) => spec.usage).join(', ');
}

/** Compiles one filter from its name and (already unquoted) arguments, or explains the mistake. */
export function compileFilter(
  name: string,
  args: readonly string[],
  text: string,
  context: FilterContext,
): CompiledFilter | { error: string } {
  const spec = Object.hasOwn(FILTERS, name) ? FILTERS[name] : undefined;
  if (spec === undefined) return { error: `unknown filter "${name}"; filters: ${filterUsage()}` };
  if (args.length < spec.minArgs || args.length > spec.maxArgs) {
    const expected = spec.maxArgs === 0 ? 'takes no argument' : spec.minArgs === spec.maxArgs ? `takes ${spec.minArgs} argument${spec.minArgs === 1 ? '' : 's'}` : `takes ${spec.minArgs} to ${spec.maxArgs} arguments`;
    return { error: `filter ${name} ${expected} (${spec.usage}), got ${args.length}` };
  }
  const apply = spec.compile(args, context);
  if ('error' in apply) return { error: `filter ${text}: ${apply.error}` };
  return Object.freeze({ name, text, apply });
}
