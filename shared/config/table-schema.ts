/**
 * `tables:` — one entry per source table: how it is loaded, its watermark, its keys and optional
 * per-column type overrides (docs/architecture.md "Configuration", docs/types.md).
 */
import { z } from 'zod';
import { formatType } from '../model/column.js';
import { CANONICAL_TYPE_HINT, parseCanonicalType } from './canonical-type-text.js';
import { LOOKBACK_HINT, LOOKBACK_PATTERN } from './lookback.js';
import { columnName, tableName, wholeNumber } from './schema-primitives.js';

const columnOverride = z
  .object({
    type: z
      .string()
      .superRefine((text, ctx) => {
        try {
          parseCanonicalType(text);
        } catch {
          ctx.addIssue({ code: 'custom', message: `is not a canonical type — ${CANONICAL_TYPE_HINT}` });
        }
      })
      // The one spelling the rest of the pipeline compares against: `DECIMAL(18, 2)` → `decimal(18,2)`.
      .transform((text) => formatType(parseCanonicalType(text)))
      .describe('Canonical type: boolean, int64, float32, float64, decimal(p,s), string, bytes, date, datetime, timestamp, json or interval'),
  })
  .strict()
  .describe('Override of the type generate schema would choose for this column');

const LOOKBACK_MESSAGE = `is not a duration or a whole number — ${LOOKBACK_HINT}`;

const lookback = z
  .union([
    z.number().int({ error: LOOKBACK_MESSAGE }).min(0, { error: LOOKBACK_MESSAGE }),
    z.string().regex(LOOKBACK_PATTERN, { error: LOOKBACK_MESSAGE }),
  ], { error: LOOKBACK_MESSAGE })
  .transform((value) => String(value).replace(/\s+/g, ''))
  .describe('How far before the committed watermark each run re-reads: 2d, 6h, 30m, 90s, or a count for an integer partition_column (default none)');

/** One `tables:` entry. */
export const tableSchema = z
  .object({
    name: tableName('Source table name as the database spells it (unquoted), e.g. VENTAS_CABECERA'),
    load_mode: z.enum(['incremental', 'full']).default('incremental')
      .describe('incremental: read rows past the watermark and MERGE by primary key; full: replace the whole table (default incremental)'),
    partition_column: columnName('Watermark column (integer, date or timestamp); required for incremental loads').optional(),
    primary_keys: z.array(columnName('Primary key column'))
      .min(1, { error: 'is empty — list the key columns, or remove the key to use the source\'s primary key' })
      .describe('Columns the MERGE matches on; the source\'s primary key when absent')
      .optional(),
    lookback: lookback.optional(),
    null_watermark: z.enum(['include', 'fail']).default('fail')
      .describe('Rows whose partition_column is NULL: include (re-read every run) or fail the run (default fail)'),
    chunks: wholeNumber({ min: 1, max: 1024, example: 4, description: 'Parallel extractor pods reading disjoint slices (default 1)' }).default(1),
    deletes: z.enum(['ignore', 'detect', 'propagate']).default('ignore')
      .describe('Rows deleted at the source: ignore them, detect them after each load (a warning, and differences for datapipe verify), or propagate them (delete them in the warehouse after the load); default ignore'),
    max_delete_fraction: z.number({ error: 'is not a number — a fraction of the target\'s rows between 0 and 1, e.g. 0.05' })
      .min(0, { error: 'is below 0 — a fraction between 0 and 1, e.g. 0.05' })
      .max(1, { error: 'is above 1 — a fraction between 0 and 1, e.g. 0.05' })
      .default(0.1)
      .describe('deletes: propagate refuses (exit 3) to delete more than this fraction of the target\'s rows in one load (default 0.1)'),
    verify: z.enum(['daily', 'weekly', 'never']).default('never')
      .describe('generate dag: run datapipe verify after the load every day, on Mondays, or never (default never)'),
    columns: z.record(columnName('Source column name'), columnOverride)
      .describe('Per-column overrides, keyed by source column name')
      .optional(),
  })
  .strict()
  .superRefine((table, ctx) => {
    if (table.load_mode === 'incremental' && table.partition_column === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['partition_column'],
        message: 'missing (load_mode is incremental) — add partition_column: <a date, timestamp or increasing integer column>, or set load_mode: full',
      });
    }
    const seen = new Map<string, string>();
    for (const column of Object.keys(table.columns ?? {})) {
      const first = seen.get(column.toLowerCase());
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['columns', column], message: `repeats column ${first} (names are case-insensitive) — keep one entry` });
      }
      seen.set(column.toLowerCase(), column);
    }
  })
  .describe('A source table to move');

/** `tables:` — at least one, names unique regardless of case. */
export const tablesSchema = z
  .array(tableSchema)
  .min(1, { error: 'is empty — list at least one table' })
  .superRefine((tables, ctx) => {
    const seen = new Map<string, number>();
    tables.forEach((table, index) => {
      const first = seen.get(table.name.toLowerCase());
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `repeats tables[${first}].name (table names are case-insensitive) — keep one entry per table` });
      } else {
        seen.set(table.name.toLowerCase(), index);
      }
    });
  })
  .describe('The tables to move, each extracted and loaded on its own');

/** A validated table entry, defaults applied; `lookback` is the text parseLookback reads. */
export type TableSpec = z.output<typeof tableSchema>;
