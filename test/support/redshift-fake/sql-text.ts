/**
 * Redshift SQL → PostgreSQL SQL for the Redshift Data API fake: the few text-level rewrites that
 * let Redshift-only syntax run on PostgreSQL (its twin), the QUALIFY / MERGE-subset guards, and
 * `:name` parameters bound as `$n`. String literals, quoted identifiers and comments are masked
 * first, so nothing inside them is ever rewritten. Each rewrite is listed in ../redshift-data-fake.ts.
 */

/** A statement ready for PostgreSQL, or the reason the fake refuses it (a Redshift-style error text). */
export type Translated =
  | { kind: 'sql'; text: string; values: string[] }
  | { kind: 'copy'; text: string }
  | { kind: 'refused'; error: string };

const MARK_OPEN = '\uE000';
const MARK_CLOSE = '\uE001';
const PLACEHOLDER = /\uE000(\d+)\uE001/g;

/** SQL with every literal, quoted identifier and comment replaced by a numbered placeholder. */
export interface MaskedSql {
  code: string;
  literals: string[];
}

/** Masks `'…'` (with `''` escapes), `$tag$…$tag$`, `"…"` identifiers and `--` / `/* *\/` comments. */
export function maskSql(sql: string): MaskedSql {
  const literals: string[] = [];
  let code = '';
  let i = 0;
  const keep = (text: string): void => {
    code += `${MARK_OPEN}${literals.length}${MARK_CLOSE}`;
    literals.push(text);
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) break;
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      keep(sql.slice(i, j + 1));
      i = j + 1;
    } else if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      code += ' ';
      i = end < 0 ? sql.length : end;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      code += ' ';
      i = end < 0 ? sql.length : end + 2;
    } else if (c === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))![0];
      const end = sql.indexOf(tag, i + tag.length);
      const stop = end < 0 ? sql.length : end + tag.length;
      keep(sql.slice(i, stop));
      i = stop;
    } else {
      code += c;
      i++;
    }
  }
  return { code, literals };
}

/** Puts the masked literals back. */
export function unmask(code: string, literals: readonly string[]): string {
  return code.replace(PLACEHOLDER, (_, n: string) => literals[Number(n)] ?? '');
}

/** The literal a placeholder stands for, unquoted and lower-cased (`'HEX'` → `hex`), else null. */
function literalValue(placeholder: string, literals: readonly string[]): string | null {
  const match = /^\uE000(\d+)\uE001$/.exec(placeholder.trim());
  const text = match ? literals[Number(match[1])] : undefined;
  return text?.startsWith("'") ? text.slice(1, -1).replace(/''/g, "'").toLowerCase() : null;
}

/** Splits masked code into statements on top-level `;` (empty ones dropped). */
export function countStatements(code: string): number {
  return code.split(';').filter((part) => part.trim() !== '').length;
}

const LIT = '\\uE000\\d+\\uE001';

/**
 * Redshift table and column attributes PostgreSQL has no use for, stripped from CREATE TABLE:
 * distribution, sort keys, compression encodings, BACKUP
 * (https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html).
 */
const TABLE_ATTRIBUTES: RegExp[] = [
  /\bDISTSTYLE\s+(AUTO|EVEN|KEY|ALL)\b/gi,
  /\bDISTKEY\s*\([^)]*\)/gi,
  /\b(COMPOUND\s+|INTERLEAVED\s+)?SORTKEY\s*\([^)]*\)/gi,
  /\bSORTKEY\s+AUTO\b/gi,
  /\bBACKUP\s+(YES|NO)\b/gi,
  /\bENCODE\s+(RAW|AZ64|BYTEDICT|DELTA|DELTA32K|LZO|MOSTLY8|MOSTLY16|MOSTLY32|RUNLENGTH|TEXT255|TEXT32K|ZSTD|AUTO)\b/gi,
  // Column attributes `id BIGINT DISTKEY SORTKEY`.
  /\b(DISTKEY|SORTKEY)\b/gi,
];

/**
 * PRIMARY KEY and UNIQUE are informational in Redshift, never enforced
 * (https://docs.aws.amazon.com/redshift/latest/dg/t_Defining_constraints.html): stripped so
 * PostgreSQL accepts duplicates exactly as Redshift does.
 */
const UNENFORCED_CONSTRAINTS: RegExp[] = [
  /,\s*(CONSTRAINT\s+\S+\s+)?(PRIMARY\s+KEY|UNIQUE)\s*\([^)]*\)/gi,
  /\b(CONSTRAINT\s+\S+\s+)?(PRIMARY\s+KEY|UNIQUE)\b/gi,
];

/**
 * Rewrites one Redshift statement for PostgreSQL and binds `:name` parameters (values as text:
 * "Amazon Redshift implicitly converts to the proper data type", SqlParameter in
 * https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_SqlParameter.html).
 */
export function translate(sql: string, parameters: ReadonlyMap<string, string>): Translated {
  const { code: masked, literals } = maskSql(sql);
  let code = masked;
  if (/^\s*COPY\b/i.test(code)) return { kind: 'copy', text: sql };
  if (/\bQUALIFY\b/i.test(code)) {
    return { kind: 'refused', error: 'ERROR: QUALIFY is refused by the Redshift fake: PostgreSQL has no QUALIFY, so DataPipe keeps to the Redshift ∩ PostgreSQL subset (filter ROW_NUMBER() in a subquery)' };
  }
  if (/^\s*MERGE\b/i.test(code) && /\bUSING\s*\(/i.test(code)) {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_MERGE.html: the source "can't be a view or a subquery".
    return { kind: 'refused', error: 'ERROR: MERGE source must be a table: Redshift MERGE cannot read a subquery or a view' };
  }
  if (/^\s*WITH\b/i.test(code) && /\bMERGE\b/i.test(code)) {
    return { kind: 'refused', error: 'ERROR: Redshift MERGE does not accept a WITH clause' };
  }
  if (/^\s*(CREATE|ALTER)\b/i.test(code)) {
    for (const pattern of TABLE_ATTRIBUTES) code = code.replace(pattern, ' ');
    for (const pattern of UNENFORCED_CONSTRAINTS) code = code.replace(pattern, ' ');
    // A VARCHAR without length is VARCHAR(256) (https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html).
    code = code.replace(/\b(VARCHAR|CHARACTER\s+VARYING|NVARCHAR)\b(?!\s*\()/gi, 'varchar(256)');
  }
  // VARCHAR(MAX) is 65535 bytes (same page); PostgreSQL counts characters, COPY checks bytes itself.
  code = code.replace(/\b(VARCHAR|CHARACTER\s+VARYING|NVARCHAR)\s*\(\s*MAX\s*\)/gi, 'varchar(65535)');
  // https://docs.aws.amazon.com/redshift/latest/dg/r_VARBYTE_type.html
  code = code.replace(/\b(VARBYTE|VARBINARY|BINARY\s+VARYING)\b(\s*\(\s*\d+\s*\))?/gi, 'bytea');
  // https://docs.aws.amazon.com/redshift/latest/dg/r_TO_VARBYTE.html and r_FROM_VARBYTE.html
  // Innermost first, so nested calls (FROM_VARBYTE(TO_VARBYTE(…))) are rewritten too.
  const varbyteCall = new RegExp(`\\b(TO|FROM)_VARBYTE\\s*\\(((?:[^()]|\\([^()]*\\))*?),\\s*(${LIT})\\s*\\)`, 'gi');
  for (let previous = ''; previous !== code;) {
    previous = code;
    code = code.replace(varbyteCall, (whole, dir: string, arg: string, format: string) => {
      const value = literalValue(format, literals);
      const from = dir.toUpperCase() === 'FROM';
      if (value === 'hex') return from ? `encode(${arg}, 'hex')` : `decode(${arg}, 'hex')`;
      if (value === 'utf8' || value === 'utf-8') return from ? `convert_from(${arg}, 'UTF8')` : `convert_to(${arg}, 'UTF8')`;
      return `${dir}_VARBYTE\uE002(${arg}, ${format})`;
    });
  }
  code = code.replace(/\uE002/g, '');
  // GETDATE() is the current timestamp without time zone, to the second
  // (https://docs.aws.amazon.com/redshift/latest/dg/r_GETDATE.html); sessions run in UTC.
  code = code.replace(/\bGETDATE\s*\(\s*\)/gi, "date_trunc('second', localtimestamp)");
  // SYSDATE is the current transaction's start as a TIMESTAMP, with microseconds
  // (https://docs.aws.amazon.com/redshift/latest/dg/r_SYSDATE.html): PostgreSQL's localtimestamp.
  code = code.replace(/\bSYSDATE\b(?!\s*\()/gi, 'localtimestamp');
  const values: string[] = [];
  const positions = new Map<string, number>();
  code = code.replace(/(?<![:\w])[:]([0-9A-Za-z_]+)/g, (whole, name: string) => {
    const value = parameters.get(name);
    if (value === undefined) return whole;
    let position = positions.get(name);
    if (position === undefined) {
      values.push(value);
      position = values.length;
      positions.set(name, position);
    }
    return `$${position}`;
  });
  return { kind: 'sql', text: unmask(code, literals), values };
}

/** The `:name` parameters a statement references (outside literals and comments). */
export function referencedParameters(sql: string): Set<string> {
  const { code } = maskSql(sql);
  const names = new Set<string>();
  for (const match of code.matchAll(/(?<![:\w]):([0-9A-Za-z_]+)/g)) names.add(match[1]!);
  return names;
}

/** Whether the statement is a TRUNCATE, which commits the transaction it runs in (https://docs.aws.amazon.com/redshift/latest/dg/r_TRUNCATE.html). */
export function isTruncate(sql: string): boolean {
  return /^\s*TRUNCATE\b/i.test(maskSql(sql).code);
}
