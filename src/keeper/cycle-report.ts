import type { AssetId } from '../domain/asset.js';
import { formatUnits } from '../domain/amount.js';
import { formatTime } from '../domain/time.js';
import type { BreakerFiring } from '../risk/breakers.js';

/** What one cycle did, for the one-line console summary and the run's final summary. */
export interface CycleReport {
  readonly cycleId: number;
  readonly time: number;
  readonly status: 'completed' | 'halted' | 'failed';
  readonly navBase: bigint;
  /** NAV before this cycle's trades (a run's start NAV is the first cycle's). */
  readonly navBefore?: bigint | undefined;
  /** Fraction of NAV waiting in redemption queues: pending, shown as queued, not as idle base asset. */
  readonly queued?: number | undefined;
  readonly current: Readonly<Record<AssetId, number>>;
  readonly targets: Readonly<Record<AssetId, number>> | undefined;
  readonly planned: number;
  readonly filled: number;
  readonly failed: number;
  readonly costBase: bigint;
  readonly firings: readonly BreakerFiring[];
  readonly note: string | undefined;
}

function weights(w: Readonly<Record<AssetId, number>>): string {
  const parts = Object.entries(w)
    .filter(([, x]) => x >= 0.0005)
    .sort((a, b) => b[1] - a[1])
    .map(([id, x]) => `${id} ${(x * 100).toFixed(1)}%`);
  return parts.length ? parts.join(' ') : '-';
}

export function formatCycleLine(r: CycleReport, baseSymbol: string, baseDecimals: number): string {
  const nav = Number(formatUnits(r.navBase, baseDecimals)).toFixed(4);
  const acting = r.firings.filter((f) => f.held || f.action === 'halt');
  const br = acting.length ? acting.map((f) => `${f.breaker}${f.asset ? `:${f.asset}` : ''}→${f.action}`).join(',') : 'none';
  const target = r.targets ? weights(r.targets) : `(${r.status}: ${r.note ?? ''})`;
  const q = r.queued ?? 0;
  const now = q > 0 ? { ...r.current, [baseSymbol]: (r.current[baseSymbol] ?? 0) - q } : r.current;
  const queued = q >= 0.0005 ? ` queued ${(q * 100).toFixed(1)}%` : '';
  return `${formatTime(r.time)} #${r.cycleId} NAV ${nav} ${baseSymbol} | target ${target} | now ${weights(now)}${queued} | actions ${r.planned} (${r.filled} filled${r.failed ? `, ${r.failed} failed` : ''}) | breakers ${br}`;
}
