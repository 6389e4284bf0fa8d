/**
 * The config model as JSON Schema, for editor autocomplete and validation of config.yaml (e.g. the
 * YAML language server's `# yaml-language-server: $schema=…` comment). Generated from the zod
 * schema's input side, so keys with defaults are optional, as they are to someone writing the file.
 */
import { z } from 'zod';
import { configSchema } from './config-schema.js';
import type { FieldPath } from './field-path.js';

/** A JSON Schema node, as far as this module reads one. */
interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  const?: unknown;
}

let cached: Record<string, unknown> | undefined;

/** The JSON Schema (draft 2020-12) of config.yaml. Deterministic: the same object on every call. */
export function configJsonSchema(): Record<string, unknown> {
  cached ??= {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'DataPipe config.yaml',
    ...withoutSchemaKey(allowReferences(z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }))),
  };
  return structuredClone(cached);
}

/** A string holding a `${VAR}` reference: its value is only known after interpolation. */
const REFERENCE = '\\$\\{';

/**
 * Patterns and enums constrain the interpolated value, not the text in the file: an editor must
 * not flag `port: "${PGPORT:-5432}"` or `cloud: "${CLOUD}"`. Each such string constraint also
 * accepts any string containing a `${` reference.
 */
function allowReferences<T>(node: T): T {
  if (Array.isArray(node)) return node.map((item: unknown) => allowReferences(item)) as T;
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = key === 'propertyNames' ? value : allowReferences(value);
  if (out.type === 'string' && typeof out.pattern === 'string') {
    out.pattern = `(?:${out.pattern})|${REFERENCE}`;
  }
  if (out.type === 'string' && Array.isArray(out.enum)) {
    const { enum: values, type: _type, ...rest } = out;
    return { ...rest, anyOf: [{ type: 'string', enum: values }, { type: 'string', pattern: REFERENCE }] } as T;
  }
  return out as T;
}

function withoutSchemaKey(schema: Record<string, unknown>): Record<string, unknown> {
  const rest = { ...schema };
  delete rest.$schema;
  return rest;
}

/**
 * The keys the schema allows in the mapping at `path` of `input` — what "did you mean" suggestions
 * are drawn from. A union (the source `type`) is narrowed by the value the input gives its
 * discriminating constant; otherwise the keys of every branch are offered.
 */
export function allowedKeys(path: FieldPath, input: unknown): string[] {
  let nodes: SchemaNode[] = [configJsonSchema() as SchemaNode];
  let value = input;
  for (const segment of path) {
    nodes = nodes.flatMap((node) => branches(node, value)).flatMap((node) => child(node, segment));
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[segment] : undefined;
  }
  const keys = nodes.flatMap((node) => branches(node, value)).flatMap((node) => Object.keys(node.properties ?? {}));
  return [...new Set(keys)];
}

/** A node's alternatives, narrowed to those whose constant properties match the value. */
function branches(node: SchemaNode, value: unknown): SchemaNode[] {
  const options = node.oneOf ?? node.anyOf;
  if (!options) return [node];
  const all = options.flatMap((option) => branches(option, value));
  const matching = all.filter((option) => Object.entries(option.properties ?? {}).every(([key, property]) =>
    property.const === undefined || (value as Record<string, unknown> | null | undefined)?.[key] === property.const));
  return matching.length > 0 ? matching : all;
}

function child(node: SchemaNode, segment: PropertyKey): SchemaNode[] {
  if (typeof segment === 'number') return node.items ? [node.items] : [];
  const property = node.properties?.[String(segment)];
  if (property) return [property];
  return typeof node.additionalProperties === 'object' ? [node.additionalProperties] : [];
}
