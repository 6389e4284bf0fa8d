/**
 * ZetaSQL, the SQL front end BigQuery is built on (Google publishes it as Maven Central's
 * com.google.zetasql:zetasql-client + zetasql-jni-channel), as a test tool: test/tools/zetasql/
 * analyzes a batch of statements against a catalog, in one JVM, and says for each whether it
 * resolves, with ZetaSQL's own message when it does not. The jar comes from DATAPIPE_ZETASQL_JAR,
 * else `bash test/tools/zetasql.sh` builds it (once, into ${DATAPIPE_CI_CACHE:-~/.cache/datapipe-ci}/zetasql).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** How the analyzer reads SQL: the product mode, the enabled language features, the statement kinds. */
export interface ZetaSqlLanguage {
  productMode: 'PRODUCT_EXTERNAL' | 'PRODUCT_INTERNAL';
  /** ZetaSQL LanguageFeature names; exactly these are enabled. */
  languageFeatures: string[];
  /** ZetaSQL ResolvedNodeKind names of the statements allowed (`RESOLVED_QUERY_STMT`, …). */
  statementKinds: string[];
  reservedKeywords: string[];
}

/** A table of the catalog: its path (`[project, dataset, table]`) and its columns' GoogleSQL types. */
export interface ZetaSqlTable {
  path: string[];
  columns: { name: string; type: string }[];
}

export interface ZetaSqlStatement {
  id: string;
  sql: string;
  /** A multi-statement query, analyzed statement by statement from its exact text. */
  script?: boolean;
  /** Named parameters and their GoogleSQL types (`STRING`, `INT64`). */
  params?: Record<string, string>;
}

export interface ZetaSqlColumn {
  name: string;
  /** As BigQuery spells it: `INT64`, `NUMERIC(18, 2)`. */
  type: string;
  /** For a CREATE TABLE's columns: whether the column is NOT NULL. */
  notNull?: boolean;
}

/** One analyzed statement: its resolved kind (`MergeStmt`), a query's output, a CREATE TABLE's columns. */
export interface ZetaSqlAnalyzed {
  kind: string;
  output?: ZetaSqlColumn[];
  columns?: ZetaSqlColumn[];
}

export interface ZetaSqlVerdict {
  id: string;
  ok: boolean;
  /** ZetaSQL's message, with `[at line:column]`. */
  error?: string;
  /** For a script: the statements the script parser found in the whole text. */
  scriptStatements?: number;
  /** The statements analyzed, in order (for a script, those before a rejected one, too). */
  statements: ZetaSqlAnalyzed[];
}

const ROOT = resolve(import.meta.dirname, '../..');

/** Why the analyzer cannot run here (no Java 17+), or null when it can. */
export function zetasqlMissing(): string | null {
  const major = javaMajor();
  if (major === null) return 'no java on PATH (ZetaSQL runs on Java 17+; install a JDK 17 and Maven)';
  if (major < 17) return `java ${major} on PATH; ZetaSQL's client needs Java 17+`;
  return null;
}

/**
 * Whether a suite must skip: says so loudly when Java is missing. Under CI=true it never skips —
 * CI has Java, so its absence fails the suite.
 */
export function skipWithoutZetaSql(suite: string): boolean {
  const missing = zetasqlMissing();
  if (missing === null || process.env.CI === 'true') return false;
  console.warn(`[${suite}] SKIPPING: ${missing}`);
  return true;
}

/** The analyzer's jar: DATAPIPE_ZETASQL_JAR, else built (or found current) by test/tools/zetasql.sh. */
export function zetasqlJar(): string {
  const fromEnv = process.env.DATAPIPE_ZETASQL_JAR;
  if (fromEnv) return fromEnv;
  try {
    return execFileSync('bash', [resolve(ROOT, 'test/tools/zetasql.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch (error) {
    throw new Error(`could not build the ZetaSQL tool (bash test/tools/zetasql.sh): ${(error as Error).message}`);
  }
}

/** Analyzes every statement in one JVM; the verdicts by statement id. */
export async function analyzeWithZetaSql(
  language: ZetaSqlLanguage, tables: ZetaSqlTable[], statements: ZetaSqlStatement[],
): Promise<Map<string, ZetaSqlVerdict>> {
  const missing = zetasqlMissing();
  if (missing !== null) throw new Error(missing);
  const ids = new Set<string>();
  for (const { id } of statements) {
    if (ids.has(id)) throw new Error(`statement id ${id} is used twice`);
    ids.add(id);
  }
  const request = { ...language, tables, statements: statements.map(({ id, sql, script, params }) => ({ id, sql, script: script ?? false, params: params ?? {} })) };
  const { verdicts } = await runTool(request) as { verdicts: ZetaSqlVerdict[] };
  return new Map(verdicts.map((v) => [v.id, v]));
}

/** What ZetaSQL's reference evaluator returns for a constant STRING expression, or its message. */
export interface ZetaSqlValue {
  id: string;
  value?: string | null;
  error?: string;
}

/**
 * Executes constant GoogleSQL expressions of type STRING with ZetaSQL's reference evaluator
 * (PreparedExpression): what BigQuery's functions compute, where no BigQuery runs.
 */
export async function evaluateWithZetaSql(language: ZetaSqlLanguage, evaluations: { id: string; sql: string }[]): Promise<Map<string, ZetaSqlValue>> {
  const missing = zetasqlMissing();
  if (missing !== null) throw new Error(missing);
  const { values } = await runTool({ ...language, tables: [], statements: [], evaluations }) as { values: ZetaSqlValue[] };
  return new Map(values.map((v) => [v.id, v]));
}

/** One JVM of the tool: the request on stdin, the JSON answer on stdout. */
async function runTool(request: unknown): Promise<unknown> {
  const jar = zetasqlJar();
  // A short batch: the client JIT and the serial collector start fastest (about 3 s instead of 6 on 2 cores).
  const child = spawn('java', ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-jar', jar], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const exit = new Promise<number | null>((done, fail) => {
    child.on('error', fail);
    child.on('close', done);
  });
  child.stdin.end(JSON.stringify(request));
  const code = await exit;
  if (code !== 0) throw new Error(`the ZetaSQL tool exited ${code}: ${Buffer.concat(stderr).toString('utf8').trim()}`);
  return JSON.parse(Buffer.concat(stdout).toString('utf8')) as unknown;
}

function javaMajor(): number | null {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return null;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(probe.stderr);
  if (!match) return null;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}
