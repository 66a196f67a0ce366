/**
 * How one configured source reads a request: which items it splits into, each item's event and
 * delivery id. The provider row gives the defaults; `<source>_split`, `<source>_event` and
 * `<source>_id` in settings.ini override them, so a source with only INI lines works like a built-in one.
 * Setting values are parsed here once, at load.
 */
import { collectPathValues } from '../payload/read-path.js';
import { parsePath } from '../rules/parse-path.js';
import type { PathSegment } from '../rules/types.js';
import { deliveryIdOf, eventOf, IDENTIFYING_HEADERS, splitItems } from './identify.js';
import { isSafeString, readHeader, type RequestView } from '../payload/request-view.js';

export interface SourceReading {
  /** One element per alert. */
  items(view: RequestView): unknown[];
  /** The event of one item (a short safe string), or undefined. */
  event(view: RequestView, item: unknown): string | undefined;
  /** The dedup key of one item, or undefined. For an element of a split batch, header ids are skipped (they name the request). */
  deliveryId(view: RequestView, item: unknown): string | undefined;
  /**
   * Names of the request headers identification and this reading look at (lower case): what a stored request
   * keeps to be read the same way again. Identifying and event headers only, never credentials or signatures.
   */
  readonly headers: readonly string[];
}

/** `header:NAME`, a path into the item, or `^path` into the whole body. */
export type ReadingAccessor =
  | { readonly header: string }
  | { readonly path: readonly PathSegment[]; readonly scope: 'item' | 'envelope' };

export interface ReadingOverrides {
  readonly split?: readonly PathSegment[];
  readonly event?: readonly ReadingAccessor[];
  readonly id?: readonly ReadingAccessor[];
}

const headerPrefix = /^header:/i;

/**
 * Parses `header:X-Event, status, ^groupLabels.alertname`: alternatives tried in order, the first usable
 * value wins. Returns a message saying what to write instead when the text is malformed.
 */
export function parseReadingAccessors(text: string, allowHeaders = true): readonly ReadingAccessor[] | { error: string } {
  const accessors: ReadingAccessor[] = [];
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') return { error: 'an empty alternative; expected PATH, ^PATH or header:NAME, separated by commas' };
    if (headerPrefix.test(item)) {
      const name = item.slice('header:'.length).trim().toLowerCase();
      if (!allowHeaders) return { error: `"${item}": a header cannot be split; expected the path of an array in the body` };
      if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return { error: `"${item}": expected a header name after header:` };
      accessors.push({ header: name });
      continue;
    }
    const isEnvelope = item.startsWith('^');
    const pathText = isEnvelope ? item.slice(1) : item;
    let problem: string | undefined;
    const path = parsePath(pathText, 0, (_at, message) => (problem ??= message));
    if (path === undefined) return { error: problem ?? `"${item}" is not a path` };
    accessors.push({ path, scope: isEnvelope ? 'envelope' : 'item' });
  }
  return accessors;
}

export function compileSourceReading(provider: string | undefined, overrides: ReadingOverrides = {}): SourceReading {
  const { split, event, id } = overrides;
  const items = split === undefined ? (view: RequestView) => splitItems(provider, view) : (view: RequestView) => splitAt(view, split);
  const configured = [...(event ?? []), ...(id ?? [])].flatMap((accessor) => ('header' in accessor ? [accessor.header] : []));
  return {
    items,
    headers: configured.length === 0 ? IDENTIFYING_HEADERS : [...new Set([...IDENTIFYING_HEADERS, ...configured])],
    event:
      event === undefined
        ? (view, item) => eventOf(provider, view, item)
        : (view, item) => firstUsable(event, view, item, false, isSafeString) as string | undefined,
    deliveryId:
      id === undefined
        ? (view, item) => deliveryIdOf(provider, view, item)
        : (view, item) => {
            const found = firstUsable(id, view, item, item !== view.body, (value) => isSafeString(value) || Number.isSafeInteger(value));
            return found === undefined ? undefined : String(found);
          },
  };
}

/**
 * The elements of the array at `path`; a body without an array there is one item itself (its line renders
 * with holes you can see, rather than the webhook vanishing).
 */
function splitAt(view: RequestView, path: readonly PathSegment[]): unknown[] {
  const [found] = collectPathValues(view.body, path);
  return Array.isArray(found) ? Array.from(found as unknown[]) : [view.body];
}

function firstUsable(
  accessors: readonly ReadingAccessor[],
  view: RequestView,
  item: unknown,
  isElement: boolean,
  isUsable: (value: unknown) => boolean,
): string | number | undefined {
  for (const accessor of accessors) {
    if ('header' in accessor) {
      if (isElement) continue;
      const value = readHeader(view, accessor.header);
      if (isUsable(value)) return value;
      continue;
    }
    for (const value of collectPathValues(accessor.scope === 'envelope' ? view.body : item, accessor.path)) {
      if (isUsable(value)) return value as string | number;
    }
  }
  return undefined;
}
