import type { AssetId } from '../domain/asset.js';
import { YEAR } from '../domain/time.js';
import type { ActionRecord, StepRecord } from './simulate.js';

export interface BacktestMetrics {
  readonly from: number;
  readonly to: number;
  readonly years: number;
  readonly startNav: number;
  readonly endNav: number;
  /** Annualized compounded return after every cost, in the base asset. */
  readonly netApy: number;
  /** The same with costs added back. */
  readonly grossApy: number;
  /** grossApy − netApy. */
  readonly costDrag: number;
  readonly totalCost: number;
  /** Value traded per year over average NAV (buys and sells counted once each, halved). */
  readonly turnover: number;
  readonly actions: number;
  readonly failedActions: number;
  /** Largest peak-to-trough fall of NAV in the base asset, a fraction. */
  readonly maxDrawdown: number;
  /** Average weight held in each asset over the period. */
  readonly timeInAsset: Readonly<Record<AssetId, number>>;
  /** Time-weighted annual expected loss of the allocation held, from the risk model. */
  readonly expectedLoss: number;
  readonly breakerEvents: number;
  readonly haltedSteps: number;
  /** Held allocations beyond a configured cap by more than the dead band; must be zero. */
  readonly limitBreaches: number;
}

function annualize(growth: number, years: number): number {
  return years > 0 && growth > 0 ? Math.pow(growth, 1 / years) - 1 : 0;
}

/**
 * What the metrics read: a backtest's result, or the same records rebuilt from a paper or live journal
 * (report/journal-metrics.ts), so both are measured by this one definition.
 */
export interface MetricsInput {
  readonly startNav: number;
  readonly steps: ReadonlyArray<Pick<StepRecord, 't' | 'nav' | 'cumCost' | 'weights' | 'expectedLoss' | 'halted' | 'breaches'>>;
  readonly actions: ReadonlyArray<Pick<ActionRecord, 'status' | 'valueBase'> & { readonly action: Pick<ActionRecord['action'], 'kind'> }>;
  readonly firings: ReadonlyArray<unknown>;
}

export function computeMetrics(r: MetricsInput): BacktestMetrics {
  const first = r.steps[0];
  const last = r.steps[r.steps.length - 1];
  if (!first || !last) throw new Error('a backtest with no steps has no metrics');
  const years = (last.t - first.t) / YEAR;
  const endNav = last.nav;
  const netApy = annualize(endNav / r.startNav, years);
  const grossApy = annualize((endNav + last.cumCost) / r.startNav, years);
  let peak = -Infinity;
  let maxDd = 0;
  let navSum = 0;
  let elSum = 0;
  const time: Record<AssetId, number> = {};
  for (const s of r.steps) {
    peak = Math.max(peak, s.nav);
    maxDd = Math.max(maxDd, peak > 0 ? 1 - s.nav / peak : 0);
    navSum += s.nav;
    elSum += s.expectedLoss;
    for (const [id, w] of Object.entries(s.weights)) time[id] = (time[id] ?? 0) + w;
  }
  const n = r.steps.length;
  for (const id of Object.keys(time)) time[id] = (time[id] as number) / n;
  const avgNav = navSum / n;
  // Turnover counts legs that start or end in the base asset (a lending supply leg is the same money).
  const traded = r.actions.filter((a) => a.status === 'confirmed' && a.action.kind !== 'redeem-claim' && a.action.kind !== 'supply' && a.action.kind !== 'withdraw').reduce((s, a) => s + a.valueBase, 0);
  return {
    from: first.t,
    to: last.t,
    years,
    startNav: r.startNav,
    endNav,
    netApy,
    grossApy,
    costDrag: grossApy - netApy,
    totalCost: last.cumCost,
    turnover: years > 0 && avgNav > 0 ? traded / 2 / avgNav / years : 0,
    actions: r.actions.filter((a) => a.status === 'confirmed').length,
    failedActions: r.actions.filter((a) => a.status === 'failed').length,
    maxDrawdown: maxDd,
    timeInAsset: time,
    expectedLoss: elSum / n,
    breakerEvents: r.firings.length,
    haltedSteps: r.steps.filter((s) => s.halted !== undefined).length,
    limitBreaches: r.steps.reduce((s, x) => s + x.breaches.length, 0),
  };
}
