/**
 * The total a terminal's live line shows for an extraction (README "At a terminal"): the source's
 * statistics-based estimate for the window (Source.estimateRows), one chunk's share of it for a
 * chunked run. Only for display: a source without the capability, or one whose statistics cannot
 * be read, gives no total and the run goes on.
 */
import type { Logger } from '../log.js';
import type { ReadPlan, Source } from '../sources/source.js';
import type { PhaseTotal } from './run-observer.js';

export async function readEstimate(source: Pick<Source, 'estimateRows'>, plan: Pick<ReadPlan, 'model' | 'window' | 'chunk'>, log: Logger): Promise<PhaseTotal | null> {
  if (!source.estimateRows) return null;
  try {
    const estimate = await source.estimateRows(plan.model, plan.window);
    if (!estimate) return null;
    const share = plan.chunk && plan.chunk.count > 1 ? 1 / plan.chunk.count : 1;
    return { rows: Math.round(estimate.rows * share), estimate: true };
  } catch (error) {
    log.debug({ err: error }, 'no row estimate for the live line');
    return null;
  }
}
