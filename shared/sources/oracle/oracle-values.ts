/**
 * How each Oracle column is read: the select-list expression, what the fetchTypeHandler asks the
 * driver for, and the converter from the driver's value to the AVRO-ready row value
 * (model/column.ts). All derived from the column's source type text and canonical type, so a
 * committed .avsc is enough to read a table.
 *
 * Dates and times never pass through a JS Date (milliseconds only, process zone;
 * docs/types.md): SQL renders them as fixed-format text, temporal.ts counts the
 * microseconds, and fetchTypeHandler fails any query that would still hand the driver a DATE or
 * TIMESTAMP. The text uses only numeric elements, so of the session's NLS settings only the
 * calendar matters (oracle-connect.ts sets GREGORIAN). `SYYYY` prefixes BC years with `-` (Oracle
 * SQL Reference, "Datetime Format Elements"; the AD padding — a space — is not stated there, so
 * signedYear accepts space, `+` or nothing, and anything else fails the value's parse), so a BC
 * date fails loudly instead of reading as AD. `FF9` prints nine fraction digits
 * without a radix character (hence the literal `.`), valid for TIMESTAMP but not DATE; they are
 * truncated here, so the truncation is ours and the same for every value. JSON_SERIALIZE takes
 * JSON / VARCHAR2 / CLOB / BLOB and returns VARCHAR2, CLOB or BLOB (SQL Reference 19c).
 */
import { TerminalError } from '../../errors.js';
import { formatType, type AvroValue, type Column } from '../../model/column.js';
import { oracleFamily } from '../../model/oracle-types.js';
import { datetimeTextToMicros, datetimeTextToMicrosAt, type FractionOptions } from '../../model/temporal.js';
import { ValueError } from '../../model/value-error.js';
import { decimalTextToBytes } from '../../avro/decimal.js';
import { finiteNumberText, numberTextToFloat64, numberTextToInt64, numberTextToString } from './oracle-number.js';
import type { OracleDriverLike, OracleFetchTypeHandler } from './oracle-client.js';
import { quoteIdent } from './oracle-identifier.js';

/** The text a DATE renders as (DATE has no fractional seconds: FF would raise ORA-01821). */
export const DATE_FORMAT = 'SYYYY-MM-DD"T"HH24:MI:SS';
/** The text TIMESTAMP values render as, all nine fraction digits. */
export const TIMESTAMP_FORMAT = 'SYYYY-MM-DD"T"HH24:MI:SS.FF9';

/**
 * What the fetchTypeHandler returns per driver `dbTypeName` (node-oracledb "Using Fetch Type
 * Handlers"): NUMBER as its exact string (Thin decodes it as a string anyway), CLOB/NCLOB inline as
 * strings and BLOB inline as a Buffer (below 1 GB). Other types keep the driver's default.
 */
export const FETCH_AS: Readonly<Record<string, 'string' | 'buffer'>> = {
  NUMBER: 'string', CLOB: 'string', NCLOB: 'string', BLOB: 'buffer',
};

/** Driver types node-oracledb would hand over as a JS Date (`lib/impl/datahandlers/buffer.js`, makeDate). */
const DATE_TYPES = new Set(['DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP WITH LOCAL TIME ZONE']);

/**
 * The fetchTypeHandler of every query the source runs: FETCH_AS by `dbTypeName`, the driver's
 * default for the rest. A DATE or TIMESTAMP column reaching the driver would become a JS Date —
 * milliseconds only, built in the process's time zone — so it fails the query instead: every read
 * expression renders them as text (readExpression), and one that does not is a DataPipe bug.
 */
export function fetchTypeHandler(driver: Pick<OracleDriverLike, 'STRING' | 'BUFFER'>): OracleFetchTypeHandler {
  return (metadata) => {
    const typeName = metadata.dbTypeName ?? '';
    if (DATE_TYPES.has(typeName)) {
      throw new TerminalError(`column ${metadata.name} would be fetched as a ${typeName} (a JS Date: milliseconds only, in the process's time zone) — DataPipe renders dates and times as text in SQL, so this is a DataPipe bug: please report it`);
    }
    const as = FETCH_AS[typeName];
    if (as === undefined) return undefined;
    return { type: as === 'string' ? driver.STRING : driver.BUFFER };
  };
}

/** One select-list item (`alias` qualifies the column), aliased to the column's source name so result metadata names it. */
export function readExpression(column: Column, alias?: string): string {
  const name = alias ? `${alias}.${quoteIdent(column.sourceName)}` : quoteIdent(column.sourceName);
  const family = oracleFamily(column.sourceType);
  let expression = name;
  switch (family) {
    case 'date': expression = `TO_CHAR(${name}, '${DATE_FORMAT}')`; break;
    case 'timestamp': expression = `TO_CHAR(${name}, '${TIMESTAMP_FORMAT}')`; break;
    case 'timestamp_tz': expression = `TO_CHAR(SYS_EXTRACT_UTC(${name}), '${TIMESTAMP_FORMAT}')`; break;
    // LTZ is shown in the session zone; as a TSTZ it carries that offset, which SYS_EXTRACT_UTC removes.
    case 'timestamp_ltz': expression = `TO_CHAR(SYS_EXTRACT_UTC(CAST(${name} AS TIMESTAMP(9) WITH TIME ZONE)), '${TIMESTAMP_FORMAT}')`; break;
    // Serialized by the database, so numbers and keys stay exactly as stored (no JS object round trip).
    case 'json': expression = `JSON_SERIALIZE(${name} RETURNING CLOB)`; break;
    default: return name;
  }
  return `${expression} AS ${quoteIdent(column.sourceName)}`;
}

/** A row value converter: the driver's value in, the AVRO-ready value out; ValueError when it does not fit. */
export type OracleValueConverter = (value: unknown) => AvroValue;

/** The converter for one column, chosen once per read. */
export function valueConverter(column: Column): OracleValueConverter {
  const family = oracleFamily(column.sourceType);
  const type = column.type;
  const temporal = family === 'date' || family === 'timestamp' || family === 'timestamp_tz' || family === 'timestamp_ltz';
  if (temporal) {
    if (type.kind === 'string') return text((v) => signedYear(v));
    return text(datetimeTextMicros);
  }
  if (family === 'interval_ym' || family === 'interval_ds') return (v) => (v === null || v === undefined ? null : intervalToIso(v));
  switch (type.kind) {
    case 'int64': return text(numberTextToInt64);
    case 'decimal': return text((v) => decimalTextToBytes(finiteNumberText(v), type.precision, type.scale));
    case 'float64':
    case 'float32':
      return family === 'float' || family === 'number' ? text(numberTextToFloat64) : typed('number', type.kind);
    case 'string':
      return family === 'number' || family === 'float' ? text(numberTextToString) : typed('string', 'string');
    case 'json': return typed('string', 'json');
    case 'bytes': return (v) => {
      if (v === null || v === undefined) return null;
      if (Buffer.isBuffer(v)) return v;
      throw new ValueError(`expected bytes (a Buffer) from the driver, got ${typeof v}`);
    };
    case 'boolean': return typed('boolean', 'boolean');
    default:
      throw new ValueError(`${column.sourceType} cannot be read as ${formatType(type)}`);
  }
}

/** Wraps a text parser: null passes through, anything but a string is a ValueError. */
function text(parse: (value: string) => AvroValue): OracleValueConverter {
  return (v) => {
    if (v === null || v === undefined) return null;
    if (typeof v !== 'string') throw new ValueError(`expected text from the driver, got ${typeof v}`);
    return parse(v);
  };
}

function typed(js: 'string' | 'number' | 'boolean', kind: string): OracleValueConverter {
  return (v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === js) return v as AvroValue;
    throw new ValueError(`expected a ${js} for ${kind} from the driver, got ${typeof v}`);
  };
}

/** FF9 has nine digits; AVRO keeps six, so the rest are dropped (docs/types.md, TIMESTAMP(n > 6)). */
const TRUNCATE: FractionOptions = { truncate: true };
const SPACE = 0x20;
const PLUS = 0x2b;

/**
 * A date or timestamp's `SYYYY` read-expression text → microseconds since 1970-01-01. An AD year's
 * sign is skipped in place, without slicing the text; anything else — a BC year, a malformed
 * text — is parsed again through signedYear, whose error the user sees.
 */
export function datetimeTextMicros(value: string): number | bigint {
  const first = value.charCodeAt(0);
  if (first === SPACE || first === PLUS) {
    try {
      return datetimeTextToMicrosAt(value, 1, TRUNCATE);
    } catch {
      // Reworded below: the message quotes the text without its sign.
    }
  }
  return datetimeTextToMicros(signedYear(value), TRUNCATE);
}

/** `SYYYY` text → plain `YYYY` text: AD years carry a leading space (or `+`), BC years `-`. */
export function signedYear(value: string): string {
  const first = value.charAt(0);
  if (first === '-') throw new ValueError(`${value.trim()} is a BC date, before 0001-01-01, which no target holds`);
  return first === ' ' || first === '+' ? value.slice(1) : value;
}

interface IntervalYMValue { years: number; months: number }
interface IntervalDSValue { days: number; hours: number; minutes: number; seconds: number; fseconds: number }

/**
 * node-oracledb's IntervalYM / IntervalDS (6.8+; `fseconds` in nanoseconds) → ISO-8601 with
 * per-field signs, the PostgreSQL `iso_8601` spelling (`P1Y2M`, `P-3DT-4H`, `PT6.5S`, zero `PT0S`),
 * so both sources write the same text for the same interval.
 */
export function intervalToIso(value: unknown): string {
  if (typeof value !== 'object' || value === null) throw new ValueError(`expected an interval object from the driver, got ${typeof value}`);
  if ('years' in value && 'months' in value) {
    const { years, months } = value as IntervalYMValue;
    const date = `${years ? `${years}Y` : ''}${months ? `${months}M` : ''}`;
    return date ? `P${date}` : 'PT0S';
  }
  if ('days' in value && 'fseconds' in value) {
    const { days, hours, minutes, seconds, fseconds } = value as IntervalDSValue;
    const negative = seconds < 0 || fseconds < 0;
    const whole = Math.abs(seconds);
    const nanos = Math.abs(fseconds);
    const fraction = nanos ? `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}` : '';
    const secondsText = whole || nanos ? `${negative ? '-' : ''}${whole}${fraction}S` : '';
    const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${secondsText}`;
    const date = days ? `${days}D` : '';
    if (!date && !time) return 'PT0S';
    return `P${date}${time ? `T${time}` : ''}`;
  }
  throw new ValueError('expected an IntervalYM or IntervalDS from the driver');
}
