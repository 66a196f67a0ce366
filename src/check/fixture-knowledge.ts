/**
 * What the shipped fixtures say about each source: its items (split as the source splits), each item's
 * event (read as the source reads it) and the bodies around them.
 */
import type { RuntimeConfig } from '../config/index.js';
import { listFixtures } from '../golden/fixtures.js';
import { parseJsonSafe, type RequestView } from '../payload/index.js';

export interface KnownItem {
  readonly event: string | undefined;
  readonly item: unknown;
  readonly body: unknown;
  readonly fixture: string;
}

/** Source name → its fixture items; sources without a fixture folder are absent. */
export async function loadFixtureKnowledge(config: RuntimeConfig, dir: string): Promise<Map<string, KnownItem[]>> {
  const known = new Map<string, KnownItem[]>();
  let listed: Awaited<ReturnType<typeof listFixtures>>;
  try {
    listed = await listFixtures(dir);
  } catch {
    return known;
  }
  for (const fixture of listed.fixtures) {
    const source = config.sources.get(fixture.source);
    if (source === undefined) continue;
    let body: unknown;
    try {
      body = parseJsonSafe(fixture.rawBody.toString('utf8'), { maxDepth: config.settings.max_json_depth });
    } catch {
      continue;
    }
    const view: RequestView = { method: 'POST', headers: fixture.headers, body };
    const list = known.get(source.name) ?? [];
    for (const item of source.reading.items(view)) {
      list.push({ event: source.reading.event(view, item)?.toLowerCase(), item, body, fixture: `${fixture.source}/${fixture.name}` });
    }
    known.set(source.name, list);
  }
  return known;
}
