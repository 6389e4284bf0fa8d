/**
 * What differs between engines when `datapipe verify` computes the canonical form of a table
 * inside them (docs/verify.md). The canonical text of every value, the row hashes and their
 * aggregation are written once, in canonical-sql.ts and verify-sql.ts, over these primitives;
 * each source and warehouse folder holds one `VerifyDialect` (`duckdb-verify.ts`, …).
 */
import type { Column } from '../model/column.js';

export interface VerifyDialect {
  /** The engine's name, for messages and reports: `PostgreSQL`, `DuckDB`. */
  readonly name: string;

  /** A quoted identifier (a plain `[A-Za-z_][A-Za-z0-9_]*` name, checked). */
  quote(name: string): string;

  /** The placeholder of a text parameter `name`. */
  param(name: string): string;

  /** A text parameter read as a 64-bit integer (the watermark of an int64 partition column). */
  int64Param(name: string): string;

  /**
   * The canonical text of a value of `column` that is not NULL, for the kinds whose spelling is the
   * engine's own: decimal (plain digits, before trailing zeros are trimmed), date (`YYYY-MM-DD`),
   * datetime and timestamp (`YYYY-MM-DD HH:MM:SS[.f]`: UTC, the fraction without trailing zeros —
   * trimFraction in canonical-sql.ts), bytes (lower-case hex),
   * string/json/interval (the text as extracted). int64, boolean and floats are built from the
   * primitives below.
   */
  text(expression: string, column: Column): string;

  /**
   * Text expressions joined, none of them NULL. Default `a || b || …`; BigQuery's CONCAT(a, b, …)
   * keeps the expression flat (a row of many columns is otherwise a deeply nested tree).
   */
  concat?(parts: readonly string[]): string;

  /** A decimal's canonical text in one step, where the engine has one (PostgreSQL's trim_scale). */
  decimalText?(expression: string): string;

  /** An integer expression as decimal text. */
  integerText(expression: string): string;

  /** `RTRIM(text, '<char>')`: trailing `char`s removed. */
  rtrim(expression: string, char: string): string;

  /** Characters (code points) in a text expression. */
  charLength(expression: string): string;

  /** Bytes in a bytes expression. */
  byteLength(expression: string): string;

  /** 32 lower-case hex digits: the MD5 of the text's UTF-8 bytes. */
  md5(expression: string): string;

  /** A 1-based substring. */
  substr(expression: string, start: number, length: number): string;

  /** The integer value of 15 hex digits (60 bits: fits every engine's BIGINT). */
  hexToInt(expression: string): string;

  /** SUM of an integer expression, exact whatever the row count (a type wide enough not to overflow). */
  exactSum(expression: string): string;

  /** SUM of a decimal expression of `precision` ≤ 28 digits, exact. */
  decimalSum(expression: string, precision: number): string;

  /** A float column as a double (float32 widens exactly). */
  toDouble(expression: string): string;

  /** The largest finite double as a literal of the engine's double type (above it: +Infinity). */
  readonly maxDouble: string;

  /** TRUE where a double is NaN. */
  isNan(expression: string): string;

  /** TRUE where a double is -0.0 (the engines compare it equal to 0.0, so only its spelling tells). */
  isNegativeZero(expression: string): string;

  /** log2 of a positive double (approximate: canonical-sql.ts corrects it by one either way). */
  log2(expression: string): string;

  /** 2 to the power of an integral double, exactly (from 2^-1074 to 2^1023). */
  pow2(expression: string): string;

  /** FLOOR of a double, as a double. */
  floor(expression: string): string;

  /** An integral double below 2^53 as decimal text. */
  doubleIntegerText(expression: string): string;
}
