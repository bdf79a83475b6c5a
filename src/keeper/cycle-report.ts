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
  readonly current: Readonly<Record<AssetId, number>>;
  readonly targets: Readonly<Record<AssetId, number>> | undefined;
  readonly planned: number;
  readonly filled: number;
  readonly failed: number;
  readonly costBase: bigint;
  readonly firings: readonly BreakerFiring[];
  readonly note: string | undefined;
  /**
   * false when the cycle failed closed: what could be read is not the whole vault, so its NAV and weights
   * are unknown (printed as such, never as the part that could be valued).
   */
  readonly navKnown?: boolean;
  /** Value waiting in redemption queues (counted in NAV and in the base asset's weight), in base units. */
  readonly queuedBase?: bigint;
}

function weights(w: Readonly<Record<AssetId, number>>): string {
  const parts = Object.entries(w)
    .filter(([, x]) => x >= 0.0005)
    .sort((a, b) => b[1] - a[1])
    .map(([id, x]) => `${id} ${(x * 100).toFixed(1)}%`);
  return parts.length ? parts.join(' ') : '-';
}

/** Weights with the value waiting in redemption queues shown as "queued", not folded into the base asset. */
function splitQueued(r: CycleReport, baseSymbol: string): Record<AssetId, number> {
  if (r.queuedBase === undefined || r.queuedBase <= 0n || r.navBase <= 0n) return { ...r.current };
  const q = Number(r.queuedBase) / Number(r.navBase);
  return { ...r.current, [baseSymbol]: Math.max(0, (r.current[baseSymbol] ?? 0) - q), queued: q };
}

export function formatCycleLine(r: CycleReport, baseSymbol: string, baseDecimals: number): string {
  const known = r.navKnown !== false;
  const nav = known ? `${Number(formatUnits(r.navBase, baseDecimals)).toFixed(4)} ${baseSymbol}` : 'unknown';
  const acting = r.firings.filter((f) => f.held || f.action === 'halt');
  const br = acting.length ? acting.map((f) => `${f.breaker}${f.asset ? `:${f.asset}` : ''}→${f.action}`).join(',') : 'none';
  const target = r.targets ? weights(r.targets) : `(${r.status}: ${r.note ?? ''})`;
  const queued = r.queuedBase !== undefined && r.queuedBase > 0n ? ` (queued ${Number(formatUnits(r.queuedBase, baseDecimals)).toFixed(4)} ${baseSymbol})` : '';
  return `${formatTime(r.time)} #${r.cycleId} NAV ${nav} | target ${target} | now ${known ? weights(splitQueued(r, baseSymbol)) : 'unknown'}${queued} | actions ${r.planned} (${r.filled} filled${r.failed ? `, ${r.failed} failed` : ''}) | breakers ${br}`;
}
