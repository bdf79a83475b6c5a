import type { AssetId } from '../domain/asset.js';
import type { LayerLoss } from '../domain/score.js';
import type { BacktestMetrics } from '../backtest/metrics.js';
import type { OperatorView } from './operator-view.js';

/** One line on the NAV chart and one row of the results table. */
export interface ReportSeries {
  readonly name: string;
  /** strategy = run through the keeper path; baseline = a baseline strategy (same path); benchmark = buy-and-hold LST; ceiling = foresight ceiling (whole-path LP under the same limits and costs). */
  readonly kind: 'strategy' | 'baseline' | 'benchmark' | 'ceiling';
  /** NAV normalized to 1 at the start, per decision time (epoch ms). */
  readonly nav: ReadonlyArray<readonly [number, number]>;
  readonly netApy: number;
  readonly maxDrawdown: number;
  /** Net yield ÷ the ceiling's; absent for the ceiling itself. */
  readonly captureRatio?: number | undefined;
  /** The series had no data in the period, or too little to measure (a benchmark with no recorded price): shown as "not measurable". */
  readonly noData?: boolean | undefined;
  /** Why the series is not measurable, when `noData`. */
  readonly noDataWhy?: string | undefined;
  /** Full metrics for strategies and baselines. */
  readonly metrics?: BacktestMetrics | undefined;
  /** Metrics the source cannot give (a journal missing what one needs), each with why: shown as "not measurable". */
  readonly unmeasured?: Readonly<Partial<Record<keyof BacktestMetrics, string>>> | undefined;
  readonly params?: unknown;
}

/**
 * Everything the HTML report shows, from a backtest or from a paper or live journal: the same sections
 * either way. Plain data: the report renders it and fetches nothing.
 */
export interface ReportModel {
  readonly title: string;
  /** Where the figures come from: 'backtest', or the journal's run modes ('paper', 'live', …). */
  readonly source: string;
  readonly vault: string;
  readonly chain: string;
  readonly baseAsset: string;
  readonly from: number;
  readonly to: number;
  readonly generatedAt: string;
  readonly series: readonly ReportSeries[];
  /** The primary (first) strategy's detail. */
  readonly primary: {
    readonly name: string;
    /** Weight per asset per decision time (stacked area). */
    readonly allocation: ReadonlyArray<{ t: number; weights: Readonly<Record<AssetId, number>> }>;
    /** Each asset's yield estimate (fraction) per decision time. */
    readonly yields: ReadonlyArray<{ t: number; yields: Readonly<Record<AssetId, number>> }>;
    /** Drawdown from peak (fraction ≤ 0) per decision time. */
    readonly drawdown: ReadonlyArray<readonly [number, number]>;
    /** Breaker firings and large actions, for the timeline. */
    readonly events: ReadonlyArray<{ t: number; kind: 'breaker' | 'action'; label: string; detail: string }>;
    /** The risk model's breakdown per asset at the end of the period. */
    readonly risk: ReadonlyArray<{ asset: AssetId; expectedLoss: number; lossProbability: number; layers: readonly LayerLoss[] }>;
    /** Time-weighted expected loss contributed by each asset held (Σ_t w·EL / n). */
    readonly riskContribution: Readonly<Record<AssetId, number>>;
  };
  /** Lookahead check summary, shown so a reader knows it ran. */
  readonly lookahead: { readonly checkpoints: number; readonly decisionsCompared: number } | null;
  readonly notes: readonly string[];
  /** The operator sections (run identity, costs in parts, months, rolling APY, queues, benchmark, binding limits). */
  readonly operator?: OperatorView | undefined;
}
