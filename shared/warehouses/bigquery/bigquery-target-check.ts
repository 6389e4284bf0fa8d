import type { ExistingField } from './bigquery-client.js';
import type { BigQueryField } from './bigquery-schema.js';
import { driftText } from '../target-drift.js';

/**
 * tables.get reports the legacy names of some types (INTEGER for INT64, FLOAT for FLOAT64,
 * BOOLEAN for BOOL, RECORD for STRUCT); compare in the standard spelling.
 */
const STANDARD_TYPE: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL', RECORD: 'STRUCT' };

function standardType(field: ExistingField): string {
  const type = STANDARD_TYPE[field.type.toUpperCase()] ?? field.type.toUpperCase();
  const params = field.precision !== undefined ? `(${field.precision}, ${field.scale ?? '0'})` : field.maxLength !== undefined ? `(${field.maxLength})` : '';
  return `${type}${params}`;
}

function expectedType(field: BigQueryField): string {
  return field.precision !== undefined ? `${field.type}(${field.precision}, ${field.scale ?? '0'})` : field.type;
}

/**
 * How an existing table differs from the schema DataPipe would create, or null when every
 * expected column is there with a type that holds its values: same type, and the same precision
 * and scale where the table declares them (an unparameterised NUMERIC holds any NUMERIC(p,s)).
 * A REQUIRED column the schema lets be NULL, or a length-limited STRING, could reject a load, so
 * they count too. Extra columns are allowed (loads leave them NULL). ensureTable never alters a
 * table: a difference is schema drift (exit 3) for a person to resolve. The text completes
 * "target <table> …".
 */
export function targetDrift(expected: readonly BigQueryField[], existing: readonly ExistingField[]): string | null {
  const byName = new Map(existing.map((f) => [f.name.toLowerCase(), f]));
  const missing: string[] = [];
  const problems: string[] = [];
  for (const field of expected) {
    const actual = byName.get(field.name);
    if (actual === undefined) {
      missing.push(field.name);
      continue;
    }
    const actualType = standardType(actual);
    const wanted = expectedType(field);
    const bareActual = actualType.replace(/\(.*\)$/, '');
    const fits = actualType === wanted || (actualType === bareActual && bareActual === field.type);
    if (!fits) problems.push(`${field.name} is ${actualType}, the schema says ${wanted}`);
    else if ((actual.mode ?? 'NULLABLE').toUpperCase() === 'REQUIRED' && field.mode === 'NULLABLE') {
      problems.push(`${field.name} is REQUIRED, the schema allows NULL`);
    } else if ((actual.mode ?? 'NULLABLE').toUpperCase() === 'REPEATED') {
      problems.push(`${field.name} is REPEATED, the schema says ${wanted}`);
    }
  }
  return driftText(missing, problems);
}
