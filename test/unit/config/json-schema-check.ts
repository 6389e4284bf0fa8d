/**
 * A minimal JSON Schema (2020-12) validator for the keywords configJsonSchema emits — enough to
 * check that the exported schema accepts real configs as an editor would. An unknown keyword
 * throws, so the schema cannot grow a constraint these tests silently ignore.
 */
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'default', 'examples']);
const HANDLED = new Set([
  'type', 'properties', 'required', 'additionalProperties', 'propertyNames', 'items', 'enum', 'const',
  'pattern', 'anyOf', 'oneOf', 'minimum', 'maximum', 'minLength', 'minItems',
]);

/** The paths (`/a/0/b`) where `value` breaks `schema`; empty when it conforms. */
export function schemaErrors(schema: Schema, value: unknown, path = ''): string[] {
  for (const key of Object.keys(schema)) {
    if (!ANNOTATIONS.has(key) && !HANDLED.has(key)) throw new Error(`json-schema-check: unsupported keyword ${key} at ${path || '/'}`);
  }
  const errors: string[] = [];
  const fail = (what: string) => errors.push(`${path || '/'}: ${what}`);

  if (schema.type !== undefined && !hasType(value, schema.type as string)) return [`${path || '/'}: not ${String(schema.type)}`];
  if (schema.enum !== undefined && !(schema.enum as unknown[]).includes(value)) fail('not in enum');
  if (schema.const !== undefined && schema.const !== value) fail('not the const');
  if (typeof value === 'string') {
    if (schema.pattern !== undefined && !new RegExp(schema.pattern as string, 'u').test(value)) fail(`does not match ${String(schema.pattern)}`);
    if (schema.minLength !== undefined && value.length < (schema.minLength as number)) fail('too short');
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < (schema.minimum as number)) fail('below minimum');
    if (schema.maximum !== undefined && value > (schema.maximum as number)) fail('above maximum');
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < (schema.minItems as number)) fail('too few items');
    if (schema.items !== undefined) value.forEach((item, i) => errors.push(...schemaErrors(schema.items as Schema, item, `${path}/${i}`)));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in object)) fail(`missing ${key}`);
    for (const [key, item] of Object.entries(object)) {
      if (schema.propertyNames !== undefined) errors.push(...schemaErrors(schema.propertyNames as Schema, key, `${path}/${key}(name)`));
      if (properties[key]) errors.push(...schemaErrors(properties[key], item, `${path}/${key}`));
      else if (schema.additionalProperties === false) fail(`unknown key ${key}`);
      else if (typeof schema.additionalProperties === 'object') errors.push(...schemaErrors(schema.additionalProperties as Schema, item, `${path}/${key}`));
    }
  }
  if (schema.anyOf !== undefined && !(schema.anyOf as Schema[]).some((option) => schemaErrors(option, value, path).length === 0)) fail('matches no anyOf option');
  if (schema.oneOf !== undefined && (schema.oneOf as Schema[]).filter((option) => schemaErrors(option, value, path).length === 0).length !== 1) fail('does not match exactly one oneOf option');
  return errors;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'integer': return Number.isInteger(value);
    case 'number': return typeof value === 'number';
    case 'boolean': return typeof value === 'boolean';
    case 'null': return value === null;
    case 'array': return Array.isArray(value);
    case 'object': return value !== null && typeof value === 'object' && !Array.isArray(value);
    default: throw new Error(`json-schema-check: unsupported type ${type}`);
  }
}
