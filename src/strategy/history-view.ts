import type { Observation } from '../domain/observation.js';

/**
 * Recorded readings a strategy may look back over, oldest first. Live and paper runs hand in only what
 * has been read so far. Backtests hand in the whole loaded dataset without copying it each step, as
 * backtesting frameworks commonly do: only rows at or before `now` are legitimate, and the backtest's
 * lookahead check re-runs decisions with the future physically removed and fails loudly if any differs.
 */
export interface HistoryView {
  readonly rows: readonly Observation[];
}

export const EMPTY_HISTORY: HistoryView = { rows: [] };

/** Index one past the last row with time ≤ now (rows are in time order). */
export function visibleEnd(h: HistoryView, now: number): number {
  let lo = 0;
  let hi = h.rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((h.rows[mid] as Observation).time <= now) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The rows a strategy may honestly use at `now`. */
export function visibleRows(h: HistoryView, now: number): readonly Observation[] {
  return h.rows.slice(0, visibleEnd(h, now));
}
