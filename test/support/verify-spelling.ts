/**
 * What `datapipe verify` computes on one side, for tests that compare engines: every row's
 * canonical text by key text (shared/verify/canonical-sql.ts).
 */
import { keyColumns, rowText } from '../../shared/verify/canonical-sql.js';
import type { VerifySide } from '../../shared/verify/verify-side.js';

export async function canonicalRows(side: VerifySide): Promise<Map<string, string>> {
  const { dialect: d, model } = side.table;
  const key = rowText(d, keyColumns(model), (c) => side.table.column(c));
  const row = rowText(d, model.columns, (c) => side.table.column(c));
  const rows = await side.query(`SELECT ${key} AS ${d.quote('kt')}, ${row} AS ${d.quote('rt')} FROM ${side.table.from}`, {}, 'test');
  return new Map(rows.map((r) => [String(r.kt), String(r.rt)]));
}
