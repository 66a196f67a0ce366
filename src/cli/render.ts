/** `genhook render`: the message a payload file renders to, identified like the server does. */
import { readFile } from 'node:fs/promises';
import type { RuntimeConfig } from '../config/index.js';
import { BodyError, EXIT } from '../errors/index.js';
import { identifySource } from '../identify/index.js';
import { resolveItem } from '../intake/index.js';
import { type RequestView, parseJsonSafe } from '../payload/index.js';
import { renderOptionsFrom } from '../render/index.js';

export async function renderCommand(config: RuntimeConfig, args: readonly string[], headerArgs: readonly string[]): Promise<number> {
  const [first, second] = args;
  const file = second ?? first;
  const name = second === undefined ? undefined : first;
  if (file === undefined) {
    process.stderr.write('genhook render: expected <name> <payload.json> or <payload.json> --header ...\n');
    return EXIT.usage;
  }
  const headers = parseHeaderArgs(headerArgs);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    process.stderr.write(`genhook render: cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}\n`);
    return EXIT.failed;
  }
  let body: unknown;
  try {
    body = parseJsonSafe(text, { maxDepth: config.settings.max_json_depth });
  } catch (error) {
    if (!(error instanceof BodyError)) throw error;
    process.stderr.write(`genhook render: ${file} is not usable JSON: ${error.message}\n`);
    return EXIT.failed;
  }
  const view: RequestView = { method: 'POST', headers, body };

  const sourceName = name?.split('.')[0]?.toLowerCase() ?? sourceOf(config, view);
  const source = sourceName === undefined ? undefined : config.sources.get(sourceName);
  if (!source) {
    process.stderr.write(`genhook render: no line for source "${sourceName ?? '(not identified)'}"; known: ${config.rules.sources().join(', ')}\n`);
    return EXIT.failed;
  }
  const dot = name?.indexOf('.') ?? -1;
  const event = name !== undefined && dot > 0 ? name.slice(dot + 1) : undefined;
  let status: number = EXIT.ok;
  for (const item of source.reading.items(view)) {
    const resolved = resolveItem(config.rules, source, view, item, { ...renderOptionsFrom(config.settings), event });
    if (resolved.kind !== 'rendered') {
      process.stderr.write(`${source.name}${resolved.event ? `.${resolved.event}` : ''}: ${resolved.reason}\n`);
      status = EXIT.failed;
      continue;
    }
    process.stdout.write(`${resolved.message}\n`);
    if (resolved.missing.length > 0) process.stderr.write(`(${resolved.ruleName}) missing in payload: ${resolved.missing.join(', ')}\n`);
  }
  return status;
}

function sourceOf(config: RuntimeConfig, view: RequestView): string | undefined {
  const provider = identifySource(view);
  return provider === undefined ? undefined : config.sourceByProvider.get(provider);
}

function parseHeaderArgs(headerArgs: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const text of headerArgs) {
    const colon = text.indexOf(':');
    if (colon > 0) headers[text.slice(0, colon).trim().toLowerCase()] = text.slice(colon + 1).trim();
  }
  return headers;
}
