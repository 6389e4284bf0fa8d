/**
 * One load's Data API session (https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_ExecuteStatement.html,
 * SessionKeepAliveSeconds / SessionId): the first staging statement opens it, every later one
 * names its SessionId, so the temporary raw table, typed stage and dedup table live exactly as
 * long as the load — closing the session (a last statement with keep-alive 0) removes them, and a
 * crashed loader's session expires by itself after its keep-alive. Nothing is ever dropped by
 * name at the end: an unqualified DROP of a temporary table that is not there would reach a
 * permanent table of the same name.
 *
 * Staging: write the COPY manifest beside the parts → COPY into the raw table (one batch, one
 * transaction) → check the text-encoded values → CREATE the typed stage from the raw table.
 */
import { ContractError, TerminalError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Column } from '../../model/column.js';
import type { ParamValue, ResultRow, WarehouseSession } from '../warehouse-driver.js';
import type { LoadRequest } from '../warehouse.js';
import type { ConnectionMembers } from './redshift-client.js';
import { CopyRejectedError, type FailureContext, type StatementOrigin } from './redshift-errors.js';
import {
  checkedColumns, conversionCheckSql, copyManifest, copySql, createRawSql, createStageSql, firstBadValueSql, LOAD_ERROR_SQL, RAW_TABLE,
} from './redshift-stage-sql.js';
import type { Finished, StatementRunner } from './redshift-statements.js';

/** What a session needs from its driver. */
export interface SessionHost {
  runner: StatementRunner;
  /** The workgroup or cluster, database and auth members. */
  connection: ConnectionMembers;
  keepAliveSeconds: number;
  iamRole: string;
  failure: Omit<FailureContext, 'origin' | 'doing'>;
  /** Writes the COPY manifest to the staging store. */
  putObject: ((key: string, body: string) => Promise<void>) | undefined;
  log: Logger;
}

export class RedshiftSession implements WarehouseSession {
  private sessionId: string | undefined;
  private closed = false;

  constructor(private readonly host: SessionHost, private readonly doing: string) {}

  async stage(request: LoadRequest): Promise<void> {
    const { model, runId } = request;
    const where = `table ${model.name}, run ${runId}`;
    const manifest = copyManifest(request.parts, where);
    if (!this.host.putObject) throw new TerminalError(`${where}: the Redshift warehouse was opened without the staging store, so it cannot write its COPY manifest`);
    await this.step(request, 'manifest', () => this.host.putObject!(manifest.key, manifest.body));
    await this.step(request, 'copy', async () => {
      try {
        await this.run([createRawSql(model), copySql(model, manifest.url, this.host.iamRole)], 'copy', {}, { open: true });
      } catch (error) {
        if (error instanceof CopyRejectedError) throw await this.explainRejection(error, where);
        throw error;
      }
    });
    await this.step(request, 'values', () => this.checkValues(request, where));
    await this.step(request, 'convert', () => this.run([createStageSql(model), `DROP TABLE ${RAW_TABLE}`], 'convert', {}));
  }

  /** Runs one query; `label` names it in the debug log (the Data API has no job names). */
  async query(sql: string, params: Record<string, ParamValue>, label: string): Promise<ResultRow[]> {
    const started = performance.now();
    const rows = await this.select(sql, params);
    this.host.log.debug({ step: label, ms: Math.round(performance.now() - started) }, `redshift query: ${label}`);
    return rows;
  }

  async transaction(statements: readonly string[], params: Record<string, ParamValue>): Promise<void> {
    const started = performance.now();
    const finished = await this.run(statements, 'commit', params);
    this.host.log.info({ step: 'commit', statement_id: finished.id, statements: statements.length, ms: Math.round(performance.now() - started) }, 'redshift commit');
  }

  /** Ends the session, and with it every temporary table; best effort. */
  async dropStage(): Promise<void> {
    await this.close();
  }

  /** Closes the session if one was opened: a trivial statement with keep-alive 0. Never throws. */
  async close(): Promise<void> {
    if (!this.sessionId || this.closed) return;
    this.closed = true;
    try {
      await this.host.runner.run({
        sqls: ['SELECT 1'], batch: false, origin: 'cleanup', params: {},
        connection: { SessionId: this.sessionId, SessionKeepAliveSeconds: 0 }, context: this.context(),
      });
    } catch (error) {
      this.host.log.warn({ session_id: this.sessionId, err: error instanceof Error ? error.message : String(error) },
        `closing the Data API session failed; it expires after ${this.host.keepAliveSeconds} s`);
    }
  }

  /**
   * Runs statements on the session (a batch, one transaction, when more than one): the first call
   * with `open` starts the session; before that, statements run on their own (latestLoad needs none).
   */
  private async run(sqls: readonly string[], origin: StatementOrigin, params: Record<string, ParamValue>, how: { open?: boolean } = {}): Promise<Finished> {
    if (this.closed) throw new Error('the Redshift session is closed');
    // Asked again after a FAILED try: a session the first try opened is reused, never a second one.
    const connection = (): ConnectionMembers => (this.sessionId
      ? { SessionId: this.sessionId }
      : { ...this.host.connection, ...(how.open ? { SessionKeepAliveSeconds: this.host.keepAliveSeconds } : {}) });
    const onSession = (id: string) => { if (how.open) this.sessionId ??= id; };
    const finished = await this.host.runner.run({ sqls, batch: sqls.length > 1, origin, params, connection, onSession, context: this.context() });
    if (how.open && !this.sessionId) throw new TerminalError(`${this.doing}: the Data API opened no session (no SessionId in its answer)`);
    return finished;
  }

  /** One statement's rows (none when it has no result set). */
  private async select(sql: string, params: Record<string, ParamValue>): Promise<ResultRow[]> {
    const finished = await this.run([sql], 'query', params);
    return finished.described.HasResultSet ? this.host.runner.results(finished.id, this.context()) : [];
  }

  private context(): Omit<FailureContext, 'origin'> {
    return { ...this.host.failure, doing: this.doing };
  }

  private async step(request: LoadRequest, step: string, work: () => Promise<unknown>): Promise<void> {
    const started = performance.now();
    await work();
    const ms = Math.round(performance.now() - started);
    this.host.log.info({ table: request.model.name, run_id: request.runId, phase: 'stage', step, ms }, `redshift stage: ${step}`);
  }

  /** Refuses, naming column and key, a staged text that is not in its form or would be rounded by its cast. */
  private async checkValues(request: LoadRequest, where: string): Promise<void> {
    const { model } = request;
    const sql = conversionCheckSql(model);
    if (!sql) return;
    const [counts = {}] = await this.select(sql, {});
    for (const [i, column] of checkedColumns(model).entries()) {
      const bad = Number(counts[`bad_${i}`] ?? 0);
      if (bad === 0) continue;
      const [row = {}] = await this.select(firstBadValueSql(model, column), {});
      const key = model.primaryKeys.length > 0 ? model.primaryKeys.map((k, j) => `${k}=${String(row[`key_${j}`])}`).join(', ') : 'no primary key';
      const value = String(row.value ?? '');
      throw new ContractError(
        `${where}: column ${column.name} has ${bad} staged value${bad > 1 ? 's' : ''} that ${bad > 1 ? 'do' : 'does'} not load exactly — ` +
          `e.g. ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} (primary key ${key}) ${valueProblem(column, value)}; ` +
          'DataPipe does not round or guess — re-run the extractor with the committed schema',
      );
    }
  }

  /** The load-error row of a rejected COPY, in one line (STL_LOAD_ERRORS, else SYS_LOAD_ERROR_DETAIL). */
  private async explainRejection(error: CopyRejectedError, where: string): Promise<ContractError> {
    const fix = 'the staged file does not match the schema — re-run the extractor with the committed schema';
    if (error.queryId !== undefined) {
      for (const sql of LOAD_ERROR_SQL) {
        const rows = await this.select(sql, { query_id: error.queryId }).catch(() => []);
        const row = rows[0];
        if (!row) continue;
        const raw = row.raw_value === undefined ? '' : `, value ${JSON.stringify(String(row.raw_value).slice(0, 100))}`;
        return new ContractError(
          `${where}: COPY rejected a value — column ${String(row.column_name)}${raw} in ${String(row.file_name)} line ${String(row.line_number)}: ` +
            `${String(row.reason)} (load error ${String(row.error_code)}); ${fix}`,
          { cause: error },
        );
      }
    }
    return new ContractError(`${error.message}; ${fix} (query ${error.queryId ?? 'unknown'} in SYS_LOAD_ERROR_DETAIL says which value)`, { cause: error });
  }
}

/** Why a staged text fails its column's check, completing "e.g. "x" (primary key …) …". */
export function valueProblem(column: Column, value: string): string {
  const { type } = column;
  switch (type.kind) {
    case 'decimal': {
      const match = /^-?([0-9]+)(?:\.([0-9]+))?$/.exec(value);
      if (!match) return `is not a decimal number`;
      const fraction = match[2]?.length ?? 0;
      if (fraction > type.scale) {
        return `has ${fraction} digits after the point, more than the scale of decimal(${type.precision},${type.scale}): a cast would round it`;
      }
      const integer = match[1]!.replace(/^0+/, '').length;
      return `has ${integer} digits before the point, more than decimal(${type.precision},${type.scale}) holds (${type.precision - type.scale})`;
    }
    case 'date': return 'is not a date in the form YYYY-MM-DD';
    case 'datetime': return 'is not a datetime in the form YYYY-MM-DD HH:MM:SS.ffffff';
    case 'timestamp': return 'is not a UTC timestamp in the form YYYY-MM-DD HH:MM:SS.ffffff+00';
    case 'bytes': return 'is not lowercase hex with two digits a byte';
    default: return 'is not in its text form';
  }
}
