/**
 * The small value schemas config.yaml is built from. Every constraint carries its own message in
 * the form `<what is wrong> — <the fix>` (config-issues.ts passes such messages through unchanged),
 * and no message echoes the value: after interpolation it may be a secret.
 */
import { z } from 'zod';

/** A source identifier as written unquoted in SQL: `VENTAS_CABECERA`, `ID_VENTA`, `MONTO$`, `COD#`. */
export const TABLE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_$#]*$/;

/** Column identifiers also allow a leading underscore (`_id` is a common PostgreSQL column). */
export const COLUMN_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_$#]*$/;

/** A project name: lowercase words joined by `-` or `_`, safe in staging paths and image names. */
export const PROJECT_NAME_PATTERN = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;

/** A string that must not be empty (an unset `${VAR:-}` default is caught here). */
export function requiredText(description: string): z.ZodString {
  return z.string().min(1, { error: 'is empty — give it a value' }).describe(description);
}

/** A table identifier (see TABLE_NAME_PATTERN). */
export function tableName(description: string): z.ZodString {
  return z.string().regex(TABLE_NAME_PATTERN, {
    error: 'is not a table identifier — use letters, digits, _, $ and #, starting with a letter',
  }).describe(description);
}

/** A column identifier (see COLUMN_NAME_PATTERN). */
export function columnName(description: string): z.ZodString {
  return z.string().regex(COLUMN_NAME_PATTERN, {
    error: 'is not a column identifier — use letters, digits, _, $ and #, starting with a letter or _',
  }).describe(description);
}

/**
 * A whole number that may also arrive as digits in a string: `${PGPORT:-5432}` interpolates to
 * the text "5432", and a port must still be a port.
 */
export function wholeNumber(options: { min: number; max: number; example: number; description: string }) {
  const { min, max, example, description } = options;
  const message = `must be a whole number from ${min} to ${max} — write e.g. ${example}`;
  return z
    // The message is on every check too: when the value has a branch's type, zod reports that
    // branch's own issue rather than the union's.
    .union([
      z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message }),
      z.string().regex(/^\s*\d+\s*$/, { error: message }),
    ], { error: message })
    .transform((value) => Number(value))
    .pipe(z.number().int().min(min, { error: message }).max(max, { error: message }))
    .describe(description);
}

/** A TCP port (see wholeNumber). */
export function port(defaultPort: number) {
  return wholeNumber({ min: 1, max: 65535, example: defaultPort, description: `TCP port (default ${defaultPort}); digits from \${VAR} are accepted` });
}

/** true/false, also as the text "true"/"false" that `${VAR}` produces. */
export function flag(description: string) {
  return z
    .union([z.boolean(), z.enum(['true', 'false'])], { error: 'must be true or false — write true or false' })
    .transform((value) => value === true || value === 'true')
    .describe(description);
}
