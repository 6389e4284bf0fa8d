/**
 * Where a table's objects live in the staging bucket (docs/architecture.md, "Staging prefix"):
 *
 * ```
 * <prefix>/<project>/<table>/_state.json
 * <prefix>/<project>/<table>/_runs/<R>.json                        the run index
 * <prefix>/<project>/<table>/run=<R>/_window.json
 * <prefix>/<project>/<table>/run=<R>/part-<chunk>-<attempt>-<seq>.avro
 * <prefix>/<project>/<table>/run=<R>/_manifest[-<chunk>].json
 * ```
 *
 * Each extractor process (attempt) names its parts with its own attempt id, so two attempts of one
 * run never write the same object; the manifest lists the parts of the attempt that published it.
 */
export class StagingLayout {
  readonly base: string;

  constructor(prefix: string | undefined, project: string, table: string) {
    const parts = [prefix?.replace(/^\/+|\/+$/g, ''), project, table.toLowerCase()].filter((p) => p);
    this.base = parts.join('/');
  }

  get stateKey(): string {
    return `${this.base}/_state.json`;
  }

  runPrefix(runId: string): string {
    return `${this.base}/run=${runId}/`;
  }

  windowKey(runId: string): string {
    return `${this.runPrefix(runId)}_window.json`;
  }

  /** One manifest per chunk; a run read in one piece has the plain `_manifest.json`. */
  manifestKey(runId: string, chunk: { index: number; count: number } | undefined): string {
    const suffix = chunk && chunk.count > 1 ? `-${pad(chunk.index, 4)}` : '';
    return `${this.runPrefix(runId)}_manifest${suffix}.json`;
  }

  partKey(runId: string, chunkIndex: number, attempt: string, seq: number): string {
    return `${this.runPrefix(runId)}part-${pad(chunkIndex, 4)}-${attempt}-${pad(seq, 6)}.avro`;
  }

  /** The run index: one entry per run not yet committed or deleted. */
  get runIndexPrefix(): string {
    return `${this.base}/_runs/`;
  }

  runEntryKey(runId: string): string {
    return `${this.runIndexPrefix}${runId}.json`;
  }

  /** Extracts the run id from any key under a run folder. */
  runIdOf(key: string): string | null {
    // Anchored at this table's folder: `…/ventas_hist/run=X/` belongs to another table.
    if (!key.startsWith(`${this.base}/`)) return null;
    const match = /^run=([^/]+)\//.exec(key.slice(this.base.length + 1));
    return match?.[1] ?? null;
  }
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
