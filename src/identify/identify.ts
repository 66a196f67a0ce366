import { GENERIC_PROVIDER, PROVIDERS, type Accessor, type Lookup, type ProviderRow } from '../providers/index.js';
import { hasHeader, isSafeString, readHeader, readPath, type RequestView } from '../payload/index.js';

type CompiledLookup = (req: RequestView, item: unknown, isElement: boolean) => unknown[];

interface CompiledRow {
  readonly row: ProviderRow;
  readonly event: CompiledLookup;
  readonly deliveryId: CompiledLookup;
  /** Split path, already split into keys; undefined unless the row splits on a path. */
  readonly splitPath: readonly string[] | undefined;
}

/** Turns accessors into one reader; paths are split here, once, not per request. */
function compileLookup(lookup: Lookup, skipHeadersForElements: boolean): CompiledLookup {
  if (typeof lookup === 'function') return (req, item) => [lookup(req, item)];
  const readers = lookup.map((accessor) => compileAccessor(accessor, skipHeadersForElements));
  return (req, item, isElement) => readers.map((read) => read(req, item, isElement));
}

function compileAccessor(
  accessor: Accessor,
  skipHeadersForElements: boolean,
): (req: RequestView, item: unknown, isElement: boolean) => unknown {
  if ('header' in accessor) {
    const name = accessor.header.toLowerCase();
    return (req, _item, isElement) => (isElement && skipHeadersForElements ? undefined : readHeader(req, name));
  }
  if ('item' in accessor) {
    const path = accessor.item.split('.');
    return (_req, item) => readPath(item, path);
  }
  const path = accessor.body.split('.');
  return (req) => readPath(req.body, path);
}

function compileRow(row: ProviderRow): CompiledRow {
  // A header id names the whole request; giving it to every element of a batch would dedup them into one.
  return {
    row,
    event: compileLookup(row.event, false),
    deliveryId: compileLookup(row.deliveryId, true),
    splitPath: typeof row.split === 'object' ? row.split.path.split('.') : undefined,
  };
}

const COMPILED: ReadonlyMap<string, CompiledRow> = new Map(PROVIDERS.map((row) => [row.name, compileRow(row)]));
const COMPILED_GENERIC = compileRow(GENERIC_PROVIDER);

/** The provider row by provider name (case-insensitive), or undefined: an unknown name means "generic". */
export function providerFor(name: string): ProviderRow | undefined {
  return COMPILED.get(name.toLowerCase())?.row;
}

function compiledFor(provider: string | undefined): CompiledRow {
  return (provider === undefined ? undefined : COMPILED.get(provider.toLowerCase())) ?? COMPILED_GENERIC;
}

/** The row the functions below use for `provider`: its own, or the generic one. */
export function rowFor(provider: string | undefined): ProviderRow {
  return compiledFor(provider).row;
}

/**
 * Which provider sent a request to `POST /webhook` (no source in the URL), or undefined.
 * Identifying headers of every provider are checked before any body shape, since headers are set
 * by the sender's platform while a body can resemble another provider's by accident.
 */
export function identifySource(req: RequestView): string | undefined {
  for (const row of PROVIDERS) if (row.headers.some((name) => hasHeader(req, name))) return row.name;
  for (const row of PROVIDERS) if (row.bodyShape?.(req.body) === true) return row.name;
  return undefined;
}

/**
 * One element per alert: each element of a batch body (Event Grid, CloudEvents, generic array), each element
 * of the array at the row's split path (Alertmanager `alerts`; an empty one means no alert), else `[body]`.
 */
export function splitItems(provider: string | undefined, req: RequestView): unknown[] {
  const { row, splitPath } = compiledFor(provider);
  if (splitPath !== undefined) {
    const found = readPath(req.body, splitPath);
    return Array.isArray(found) ? Array.from(found as unknown[]) : [req.body];
  }
  return row.split === 'array' && Array.isArray(req.body) ? Array.from(req.body as unknown[]) : [req.body];
}

/** The event type of one item, or undefined when there is none or it is not a short safe string. */
export function eventOf(provider: string | undefined, req: RequestView, item: unknown): string | undefined {
  const candidates = compiledFor(provider).event(req, item, item !== req.body);
  return candidates.find(isSafeString);
}

/**
 * The dedup key of one item, or undefined. A whole-number id (`"id": 12345`) counts as its decimal string.
 */
export function deliveryIdOf(provider: string | undefined, req: RequestView, item: unknown): string | undefined {
  for (const candidate of compiledFor(provider).deliveryId(req, item, item !== req.body)) {
    if (isSafeString(candidate)) return candidate;
    if (Number.isSafeInteger(candidate)) return String(candidate);
  }
  return undefined;
}

/**
 * Headers whose values identify a request's provider, event or delivery (every row's, GENERIC's too), plus those
 * the providers' reader functions read and Content-Type: what a request stored for rendering again keeps. None of
 * them carries a credential or a signature.
 */
const READER_HEADERS = ['content-type', 'sentry-hook-resource', 'x-amz-sns-message-type', 'aeg-event-type'] as const;
export const IDENTIFYING_HEADERS: readonly string[] = Object.freeze([
  ...new Set([
    ...READER_HEADERS,
    ...[...PROVIDERS, GENERIC_PROVIDER].flatMap((row) => [
      ...row.headers,
      ...[row.event, row.deliveryId].flatMap((lookup) => (typeof lookup === 'function' ? [] : lookup.flatMap((accessor) => ('header' in accessor ? [accessor.header] : [])))),
    ]),
  ]),
]);
