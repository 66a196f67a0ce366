/**
 * GitHub's published webhook payload schemas (@octokit/webhooks-schemas): which events and actions exist
 * and what each payload holds. Read only by `genhook check`, never by the server, so the 600 KB schema
 * costs nothing at run time; it is a runtime dependency because `genhook check` runs where GenHook runs.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { schemaShape, type Shape } from './shapes.js';

type SchemaNode = Record<string, unknown>;

export interface GithubEvents {
  /** Event name → its actions (empty for events without one, such as push). */
  readonly actions: ReadonlyMap<string, readonly string[]>;
  /** The shape of `event` or `event.action` payloads; undefined for an unknown event; every event for undefined. */
  shapeOf(event: string | undefined): Shape | undefined;
}

export async function loadGithubEvents(): Promise<GithubEvents | undefined> {
  let root: SchemaNode;
  try {
    const file = createRequire(import.meta.url).resolve('@octokit/webhooks-schemas/schema.json');
    root = JSON.parse(await readFile(file, 'utf8')) as SchemaNode;
  } catch {
    return undefined;
  }
  const definitions = (root['definitions'] ?? {}) as Record<string, SchemaNode>;
  const actions = new Map<string, string[]>();
  for (const name of Object.keys(definitions)) {
    const dollar = name.indexOf('$');
    if (dollar > 0) {
      const event = name.slice(0, dollar);
      const action = name.slice(dollar + 1);
      const list = actions.get(event) ?? [];
      if (action !== 'event') list.push(action);
      actions.set(event, list);
    }
  }
  const nodeOf = (name: string): SchemaNode | undefined => definitions[name];
  return {
    actions,
    shapeOf(event) {
      if (event === undefined) return schemaShape(root, [root]);
      const [name = '', action] = event.split('.', 2);
      if (!actions.has(name)) return undefined;
      const start = action !== undefined
        ? [nodeOf(`${name}$${action}`)]
        : [nodeOf(`${name}_event`), nodeOf(`${name}$event`)];
      const nodes = start.filter((node): node is SchemaNode => node !== undefined);
      return nodes.length === 0 ? undefined : schemaShape(root, nodes);
    },
  };
}
