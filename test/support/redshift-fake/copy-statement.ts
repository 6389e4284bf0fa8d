/**
 * Parses the one COPY form the fake emulates (https://docs.aws.amazon.com/redshift/latest/dg/r_COPY.html):
 *
 *   COPY <table> [(<col>, …)] FROM 's3://bucket/key-or-prefix'
 *     IAM_ROLE '<arn>' | CREDENTIALS '<…>'
 *     FORMAT [AS] AVRO ['auto' | 'auto ignorecase']
 *     [MANIFEST] [COMPUPDATE …] [STATUPDATE …] [MAXERROR [AS] n] [TRUNCATECOLUMNS] [REGION [AS] '…'] [ACCEPTINVCHARS [AS '…']]
 *
 * Any other format or option is refused with a message naming it, so the adapter never relies on
 * something the fake does not reproduce.
 */
import { maskSql, unmask } from './sql-text.js';

export interface CopyCommand {
  /** The table as written (`stage_x`, `"s"."t"`), resolved by PostgreSQL. */
  table: string;
  /** The column list, as written (lower-cased unless quoted), or null for every column. */
  columns: string[] | null;
  bucket: string;
  key: string;
  manifest: boolean;
  /** `auto` matches field names case-sensitively, `auto ignorecase` case-insensitively. */
  ignoreCase: boolean;
  maxErrors: number;
  truncateColumns: boolean;
}

/** A COPY the fake cannot run: the statement fails with this text. */
export class CopySyntaxError extends Error {}

const ON_OFF = /^(ON|OFF|TRUE|FALSE|PRESET)$/i;

export function parseCopy(sql: string): CopyCommand {
  const { code, literals } = maskSql(sql);
  const tokens = code.match(/\uE000\d+\uE001|[A-Za-z_][A-Za-z0-9_$]*|\d+|[(),.;]|\S/g) ?? [];
  let i = 1; // after COPY
  const literal = (token: string | undefined): string | null => {
    const text = token ? unmask(token, literals) : '';
    return text.startsWith("'") ? text.slice(1, -1).replace(/''/g, "'") : null;
  };
  const nameParts: string[] = [];
  while (i < tokens.length && tokens[i] !== '(' && !/^FROM$/i.test(tokens[i]!)) nameParts.push(unmask(tokens[i++]!, literals));
  if (nameParts.length === 0) throw new CopySyntaxError('ERROR: syntax error at or near "FROM"');
  let columns: string[] | null = null;
  if (tokens[i] === '(') {
    columns = [];
    i++;
    while (i < tokens.length && tokens[i] !== ')') {
      const token = unmask(tokens[i++]!, literals);
      if (token !== ',') columns.push(token.startsWith('"') ? token.slice(1, -1).replace(/""/g, '"') : token.toLowerCase());
    }
    i++;
  }
  if (!/^FROM$/i.test(tokens[i] ?? '')) throw new CopySyntaxError('ERROR: syntax error: COPY needs FROM \'s3://…\'');
  const source = literal(tokens[++i]);
  i++;
  const url = source === null ? null : /^s3:\/\/([^/]+)\/(.*)$/.exec(source);
  if (!url) throw new CopySyntaxError(`ERROR: the Redshift fake emulates COPY only FROM 's3://bucket/key' (got ${source ?? tokens[i - 1]})`);
  const command: CopyCommand = {
    table: nameParts.join(''), columns, bucket: url[1]!, key: url[2]!, manifest: false, ignoreCase: false, maxErrors: 0, truncateColumns: false,
  };
  let credentials = false;
  let avro = false;
  /** `AVRO [AS] ['auto' | 'auto ignorecase']` from token `at`; returns the next token's index. */
  const avroOption = (at: number): number => {
    avro = true;
    let next = /^AS$/i.test(tokens[at] ?? '') ? at + 1 : at;
    const option = literal(tokens[next]);
    if (option === null) return next;
    next++;
    const normalized = option.trim().toLowerCase();
    if (normalized === 'auto ignorecase') command.ignoreCase = true;
    else if (normalized !== 'auto') throw new CopySyntaxError(`ERROR: the Redshift fake emulates AVRO 'auto' and 'auto ignorecase' only, not a JSONPaths file ('${option}')`);
    return next;
  };
  while (i < tokens.length) {
    const word = tokens[i++]!.toUpperCase();
    if (word === ';') continue;
    switch (word) {
      case 'IAM_ROLE':
      case 'CREDENTIALS':
        credentials = literal(tokens[i++]) !== null || credentials;
        break;
      case 'FORMAT':
        if (/^AS$/i.test(tokens[i] ?? '')) i++;
        if (!/^AVRO$/i.test(tokens[i] ?? '')) throw new CopySyntaxError(`ERROR: the Redshift fake emulates only FORMAT AS AVRO (got ${tokens[i] ?? 'nothing'})`);
        i = avroOption(i + 1);
        break;
      case 'AVRO':
        i = avroOption(i);
        break;
      case 'MANIFEST':
        command.manifest = true;
        break;
      case 'COMPUPDATE':
      case 'STATUPDATE':
        if (ON_OFF.test(tokens[i] ?? '')) i++;
        break;
      case 'MAXERROR':
        if (/^AS$/i.test(tokens[i] ?? '')) i++;
        command.maxErrors = Number(tokens[i++]);
        if (!Number.isInteger(command.maxErrors) || command.maxErrors < 0) throw new CopySyntaxError('ERROR: MAXERROR needs a non-negative integer');
        break;
      case 'TRUNCATECOLUMNS':
        command.truncateColumns = true;
        break;
      case 'REGION':
        if (/^AS$/i.test(tokens[i] ?? '')) i++;
        i++;
        break;
      case 'ACCEPTINVCHARS':
        // AVRO strings are valid UTF-8 once avsc decodes them: nothing to replace.
        if (/^AS$/i.test(tokens[i] ?? '')) i += 2;
        else if (literal(tokens[i]) !== null) i++;
        break;
      default:
        throw new CopySyntaxError(`ERROR: the Redshift fake does not emulate the COPY option ${tokens[i - 1]} (see test/support/redshift-data-fake.ts)`);
    }
  }
  // https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-authorization.html: authorization is required.
  if (!credentials) throw new CopySyntaxError('ERROR: COPY needs IAM_ROLE or CREDENTIALS to read from Amazon S3');
  if (!avro) throw new CopySyntaxError('ERROR: the Redshift fake emulates only FORMAT AS AVRO (the default format, CSV-like text, is not emulated)');
  return command;
}
