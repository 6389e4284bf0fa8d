import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configJsonSchema } from '../../../shared/config/json-schema.js';
import { SEED_YAML } from './config-files.js';
import { schemaErrors } from './json-schema-check.js';

describe('configJsonSchema', () => {
  const schema = configJsonSchema();

  it('is a titled draft 2020-12 schema of a strict object', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBe('DataPipe config.yaml');
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['project', 'source', 'destination', 'tables']);
  });

  it('describes the table properties, with defaults optional', () => {
    type TablesNode = { items: { properties: Record<string, { description?: string; default?: unknown }>; required: string[] } };
    const tables = (schema.properties as { tables: TablesNode }).tables;
    expect(Object.keys(tables.items.properties)).toEqual(['name', 'load_mode', 'partition_column', 'primary_keys', 'lookback', 'null_watermark', 'chunks', 'deletes', 'max_delete_fraction', 'verify', 'columns']);
    expect(tables.items.required).toEqual(['name']);
    expect(tables.items.properties.load_mode?.default).toBe('incremental');
    expect(tables.items.properties.partition_column?.description).toBe('Watermark column (integer, date or timestamp); required for incremental loads');
  });

  it('is deterministic and not shared between callers', () => {
    const again = configJsonSchema();
    expect(JSON.stringify(again)).toBe(JSON.stringify(schema));
    (again as { title: string }).title = 'changed';
    expect(configJsonSchema().title).toBe('DataPipe config.yaml');
  });

  it('accepts the seed example as written, ${…} references included', () => {
    expect(schemaErrors(schema, parse(SEED_YAML))).toEqual([]);
  });

  it('accepts references where the interpolated value is constrained (ports, enums, patterns)', () => {
    const config = parse(SEED_YAML) as Record<string, Record<string, unknown>>;
    config.source = { type: 'postgres', connection: { host: 'h', port: '${PGPORT:-5432}', database: 'd', user: 'u', ssl: '${PGSSL:-false}' } };
    config.destination = { cloud: '${CLOUD:-local}', local: {} };
    config.staging = { codec: null, part_size_mb: '${PART_MB}' };
    expect(schemaErrors(configJsonSchema(), config)).toEqual([]);
  });

  it('rejects what the model rejects: an unknown key, a wrong enum, a missing name', () => {
    const config = parse(SEED_YAML) as { tables: Record<string, unknown>[] };
    config.tables[0] = { load_mod: 'full', null_watermark: 'skip' };
    expect(schemaErrors(configJsonSchema(), config)).toEqual([
      '/tables/0: missing name',
      '/tables/0: unknown key load_mod',
      '/tables/0/null_watermark: matches no anyOf option',
    ]);
  });
});
