/**
 * What payloads of one event look like, to tell whether a path exists: real samples (the shipped fixtures)
 * or a JSON schema (GitHub's published webhook schemas). Both answer "found", or where the path left the
 * known shape and which keys were there instead.
 */
import { isRecord, parseJsonText } from '../payload/index.js';
import type { PathSegment } from '../payload/index.js';

export type PathCheck =
  | { readonly found: true }
  | { readonly found: false; readonly depth: number; readonly keys: readonly string[] };

export interface Shape {
  check(path: readonly PathSegment[]): PathCheck;
}

/** A shape from real payloads: a path exists when any sample has it (arrays mapped, JSON strings decoded). */
export function sampleShape(samples: readonly unknown[]): Shape {
  return {
    check(path) {
      let level: unknown[] = [...samples];
      for (const [depth, segment] of path.entries()) {
        if (typeof segment === 'number') {
          level = level.flatMap((value) => (Array.isArray(value) ? [value[segment]] : []));
          continue;
        }
        const records = spread(level);
        // Below a null or a plain value nothing is known: do not guess.
        if (records.length === 0) return { found: true };
        const next = records.filter((record) => Object.hasOwn(record, segment)).map((record) => record[segment]);
        if (next.length === 0) return { found: false, depth, keys: [...new Set(records.flatMap((record) => Object.keys(record)))] };
        level = next;
      }
      return { found: true };
    },
  };
}

/** Records at this level: arrays are mapped, strings holding JSON decoded. */
function spread(values: readonly unknown[]): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  const visit = (value: unknown): void => {
    const decoded = typeof value === 'string' ? parseJsonText(value) : value;
    if (Array.isArray(decoded)) for (const item of decoded) visit(item);
    else if (isRecord(decoded)) records.push(decoded);
  };
  for (const value of values) visit(value);
  return records;
}

type SchemaNode = Record<string, unknown>;

/** A shape from a JSON schema with `$ref: #/definitions/...`, `oneOf/anyOf/allOf`, `properties`, `items`. */
export function schemaShape(root: SchemaNode, start: readonly SchemaNode[]): Shape {
  const definitions = (root['definitions'] ?? {}) as Record<string, SchemaNode>;
  const expand = (nodes: readonly SchemaNode[]): SchemaNode[] => {
    const out: SchemaNode[] = [];
    const seen = new Set<SchemaNode>();
    const visit = (node: SchemaNode | undefined): void => {
      if (node === undefined || seen.has(node)) return;
      seen.add(node);
      const ref = node['$ref'];
      if (typeof ref === 'string' && ref.startsWith('#/definitions/')) visit(definitions[ref.slice('#/definitions/'.length)]);
      for (const key of ['oneOf', 'anyOf', 'allOf']) {
        const list = node[key];
        if (Array.isArray(list)) for (const item of list) visit(item as SchemaNode);
      }
      if (node['properties'] !== undefined || node['items'] !== undefined || node['additionalProperties'] !== undefined || node['type'] !== undefined) out.push(node);
    };
    for (const node of nodes) visit(node);
    return out;
  };
  return {
    check(path) {
      let level = expand(start);
      for (const [depth, segment] of path.entries()) {
        // Arrays are mapped item by item, as extraction does.
        level = expand(level.flatMap((node) => (node['items'] !== undefined && typeof node['items'] === 'object' ? [node['items'] as SchemaNode] : [node])));
        if (typeof segment === 'number') continue;
        const objects = level.filter((node) => isRecord(node['properties']));
        const isOpen = level.some((node) => !isRecord(node['properties']) && (node['type'] === undefined || node['type'] === 'object' || node['additionalProperties'] !== undefined));
        const next = objects.flatMap((node) => {
          const properties = node['properties'] as Record<string, SchemaNode>;
          return Object.hasOwn(properties, segment) ? [properties[segment] as SchemaNode] : [];
        });
        if (next.length === 0) {
          if (isOpen || objects.length === 0) return { found: true };
          return { found: false, depth, keys: [...new Set(objects.flatMap((node) => Object.keys(node['properties'] as object)))] };
        }
        level = next;
      }
      return { found: true };
    },
  };
}

/** Found when any shape has it; otherwise the failure that got deepest. */
export function checkShapes(shapes: readonly Shape[], path: readonly PathSegment[]): PathCheck {
  let worst: PathCheck | undefined;
  for (const shape of shapes) {
    const result = shape.check(path);
    if (result.found) return result;
    if (worst === undefined || (!worst.found && result.depth > worst.depth)) worst = result;
  }
  return worst ?? { found: true };
}
