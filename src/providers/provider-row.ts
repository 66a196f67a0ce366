import type { Handshake } from './handshake.js';
import type { RequestView } from '../payload/index.js';


/**
 * Where a value is. Paths are dotted own-property paths: `item` reads the alert item (the body, or one
 * element of a batch body), `body` reads the whole request body (the envelope around a batch).
 * @example { header: 'x-github-event' }
 * @example { item: 'event.type' }
 */
export type Accessor = { readonly header: string } | { readonly item: string } | { readonly body: string };

/** A value reader for a provider that needs logic; its result is still checked to be a short safe string. */
export type ItemReader = (req: RequestView, item: unknown) => unknown;

/** Accessors tried in order (the first usable value wins), or a reader. */
export type Lookup = readonly Accessor[] | ItemReader;

/** One provider: everything GenHook knows about it, as data. A new provider is a new row. */
export interface ProviderRow {
  /** Provider name that webhooks.ini sources refer to (`provider = github`). */
  readonly name: string;
  /** Headers whose presence identifies it, checked for every row before any body shape. */
  readonly headers: readonly string[];
  /** Body shape that identifies it when no header did. */
  readonly bodyShape?: (body: unknown) => boolean;
  /** Event type of one item. */
  readonly event: Lookup;
  /** Dedup key of one item. Header accessors are skipped for elements of a batch (they name the whole request). */
  readonly deliveryId: Lookup;
  /**
   * `array`: a top-level array body is a batch, one alert per element; `whole`: the body is one alert;
   * `{ path }`: the array at that dotted path of the body holds the alerts (Alertmanager's `alerts`), and
   * `body` accessors still reach the envelope around them.
   */
  readonly split: 'whole' | 'array' | { readonly path: string };
  /** Requests that are answered and never become alerts. */
  readonly handshakes: readonly Handshake[];
  /**
   * Default `<source>_signature` setting for a source of this provider that has a secret (its form is
   * documented on parseSignatureSetting); undefined when the provider signs nothing.
   */
  readonly signature: string | undefined;
}
