import { DAY, YEAR } from '../domain/time.js';

/**
 * The report for the person running the keeper: which run this is, what it cost and earned in the base
 * asset, how it did month by month and against the benchmark, how much capital sat in redemption queues,
 * and which limits bound. Pure: built from series any mode can supply (a journal, a backtest).
 */

export interface OperatorInput {
  readonly identity: {
    readonly vault: string;
    readonly mode: string;
    readonly strategy: string;
    readonly params: unknown;
    readonly limits: unknown;
    readonly configHash: string;
    readonly codeVersion: string;
    readonly runs: number;
  };
  readonly baseAsset: string;
  /** NAV in whole base units per decision time, in time order (cycles whose NAV is unknown left out). */
  readonly nav: ReadonlyArray<readonly [number, number]>;
  /** Value waiting in redemption queues, whole base units, per decision time. */
  readonly queued: ReadonlyArray<readonly [number, number]>;
  readonly benchmark: { readonly asset: string; readonly fair: ReadonlyArray<readonly [number, number]>; readonly market: ReadonlyArray<readonly [number, number]> } | undefined;
  /** Every fill's cost in whole base units, with its action kind and venue. */
  readonly costs: ReadonlyArray<{ readonly kind: string; readonly venue: string; readonly costBase: number; readonly split?: CostSplit | undefined }>;
  /** The limits each decision named as binding. */
  readonly binding: ReadonlyArray<{ readonly t: number; readonly limits: readonly string[] }>;
  /** Cycles that failed closed (NAV unknown). */
  readonly unknownNavCycles: number;
}

export type Measured = number | 'not measurable';

/** A fill's cost in parts, whole base units: gas, fees with price impact, and the market's distance from fair. */
export interface CostSplit {
  readonly gas: number;
  readonly feesAndImpact: number;
  readonly belowFair: number;
}

export interface OperatorView {
  readonly identity: OperatorInput['identity'];
  readonly baseAsset: string;
  readonly period: { readonly from: number; readonly to: number; readonly cycles: number; readonly unknownNavCycles: number } | undefined;
  readonly pnl: { readonly startNav: number; readonly endNav: number; readonly pnlBase: number; readonly netApy: Measured };
  readonly costs: {
    readonly totalBase: number;
    readonly byKind: ReadonlyArray<{ readonly kind: string; readonly fills: number; readonly costBase: number }>;
    /** Summed over every fill; absent when some fill's executor did not journal the parts. */
    readonly split: CostSplit | undefined;
    /** Queued value × the benchmark's APY over the time it sat in the queue: what waiting gave up. */
    readonly queueOpportunityBase: Measured;
  };
  readonly monthly: ReadonlyArray<{ readonly month: string; readonly return: number; readonly benchmark: Measured }>;
  readonly rolling: ReadonlyArray<{ readonly t: number; readonly apy: Measured; readonly benchmarkApy: Measured }>;
  readonly queued: { readonly maxFraction: number; readonly meanFraction: number; readonly byMonth: ReadonlyArray<{ readonly month: string; readonly maxBase: number; readonly maxFraction: number }> };
  readonly benchmark: { readonly asset: string; readonly apy: Measured; readonly maxDrawdown: Measured; readonly marketDrawdown: Measured; readonly depegMax: Measured } | undefined;
  readonly bindingLimits: ReadonlyArray<{ readonly limit: string; readonly cycles: number; readonly first: number; readonly last: number }>;
}

export const ROLLING_WINDOW = 30 * DAY;
const month = (t: number) => new Date(t).toISOString().slice(0, 7);

/** Annualized growth between two values over dt; not measurable over less than a day or from nothing. */
export function apyBetween(v0: number, v1: number, dt: number): Measured {
  if (!(v0 > 0) || !(v1 > 0) || dt < DAY) return 'not measurable';
  return Math.pow(v1 / v0, YEAR / dt) - 1;
}

/** The value of a series at or before t (series in time order), or undefined. */
export function valueAt(series: ReadonlyArray<readonly [number, number]>, t: number): number | undefined {
  let lo = 0;
  let hi = series.length - 1;
  let found: number | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [mt, mv] = series[mid] as readonly [number, number];
    if (mt <= t) {
      found = mv;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function maxDrawdown(series: ReadonlyArray<readonly [number, number]>): Measured {
  if (series.length < 2) return 'not measurable';
  let peak = -Infinity;
  let worst = 0;
  for (const [, v] of series) {
    peak = Math.max(peak, v);
    if (peak > 0) worst = Math.min(worst, v / peak - 1);
  }
  return worst;
}

export function operatorView(i: OperatorInput): OperatorView {
  const first = i.nav[0];
  const last = i.nav[i.nav.length - 1];
  const bench = i.benchmark;
  // The benchmark is held at market where a market price is recorded; else at its fair rate (no depeg measurable).
  const benchSeries = bench ? (bench.market.length >= 2 ? bench.market : bench.fair) : [];
  const benchApyAt = (t0: number, t1: number): Measured => {
    const a = valueAt(benchSeries, t0);
    const b = valueAt(benchSeries, t1);
    return a === undefined || b === undefined ? 'not measurable' : apyBetween(a, b, t1 - t0);
  };

  const byKind = new Map<string, { fills: number; costBase: number }>();
  for (const c of i.costs) {
    const k = byKind.get(c.kind) ?? { fills: 0, costBase: 0 };
    byKind.set(c.kind, { fills: k.fills + 1, costBase: k.costBase + c.costBase });
  }
  let queueOpportunity: Measured = 0;
  for (let k = 1; k < i.queued.length; k++) {
    const [t0, q] = i.queued[k - 1] as readonly [number, number];
    const [t1] = i.queued[k] as readonly [number, number];
    if (q <= 0) continue;
    const apy = benchApyAt(Math.max(t0 - ROLLING_WINDOW, benchSeries[0]?.[0] ?? t0), t1);
    if (apy === 'not measurable') {
      queueOpportunity = 'not measurable';
      break;
    }
    queueOpportunity += q * (Math.pow(1 + apy, (t1 - t0) / YEAR) - 1);
  }

  const monthly: OperatorView['monthly'][number][] = [];
  if (first && last) {
    let prevT = first[0];
    let prevV = first[1];
    const ends = new Map<string, readonly [number, number]>();
    for (const p of i.nav) ends.set(month(p[0]), p);
    for (const [m, [t, v]] of ends) {
      if (t === first[0]) continue;
      const b0 = valueAt(benchSeries, prevT);
      const b1 = valueAt(benchSeries, t);
      monthly.push({ month: m, return: v / prevV - 1, benchmark: b0 && b1 ? b1 / b0 - 1 : 'not measurable' });
      prevT = t;
      prevV = v;
    }
  }

  const rolling: OperatorView['rolling'][number][] = [];
  const sampled = new Map<string, readonly [number, number]>();
  for (const p of i.nav) sampled.set(month(p[0]), p);
  for (const [t, v] of sampled.values()) {
    const v0 = valueAt(i.nav, t - ROLLING_WINDOW);
    const t0 = t - ROLLING_WINDOW;
    rolling.push({ t, apy: v0 === undefined || t0 < (first?.[0] ?? t) ? 'not measurable' : apyBetween(v0, v, ROLLING_WINDOW), benchmarkApy: t0 < (benchSeries[0]?.[0] ?? Infinity) ? 'not measurable' : benchApyAt(t0, t) });
  }

  const navAt = (t: number) => valueAt(i.nav, t) ?? 0;
  const fractions = i.queued.map(([t, q]) => (navAt(t) > 0 ? q / navAt(t) : 0));
  const qByMonth = new Map<string, { maxBase: number; maxFraction: number }>();
  i.queued.forEach(([t, q], k) => {
    const m = qByMonth.get(month(t)) ?? { maxBase: 0, maxFraction: 0 };
    qByMonth.set(month(t), { maxBase: Math.max(m.maxBase, q), maxFraction: Math.max(m.maxFraction, fractions[k] ?? 0) });
  });

  const limits = new Map<string, { cycles: number; first: number; last: number }>();
  for (const b of i.binding) {
    for (const l of b.limits) {
      const e = limits.get(l);
      limits.set(l, e ? { cycles: e.cycles + 1, first: e.first, last: b.t } : { cycles: 1, first: b.t, last: b.t });
    }
  }

  let depegMax: Measured = 'not measurable';
  if (bench && bench.market.length > 0 && bench.fair.length > 0) {
    depegMax = 0;
    for (const [t, m] of bench.market) {
      const f = valueAt(bench.fair, t);
      if (f && f > 0) depegMax = Math.max(depegMax, 1 - m / f);
    }
  }

  return {
    identity: i.identity,
    baseAsset: i.baseAsset,
    period: first && last ? { from: first[0], to: last[0], cycles: i.nav.length, unknownNavCycles: i.unknownNavCycles } : undefined,
    pnl: { startNav: first?.[1] ?? 0, endNav: last?.[1] ?? 0, pnlBase: (last?.[1] ?? 0) - (first?.[1] ?? 0), netApy: first && last ? apyBetween(first[1], last[1], last[0] - first[0]) : 'not measurable' },
    costs: { totalBase: i.costs.reduce((s, c) => s + c.costBase, 0), split: sumSplits(i.costs), byKind: [...byKind].map(([kind, v]) => ({ kind, ...v })).sort((a, b) => b.costBase - a.costBase), queueOpportunityBase: queueOpportunity },
    monthly,
    rolling,
    queued: { maxFraction: Math.max(0, ...fractions), meanFraction: fractions.length ? fractions.reduce((s, x) => s + x, 0) / fractions.length : 0, byMonth: [...qByMonth].map(([m, v]) => ({ month: m, ...v })) },
    benchmark: bench
      ? {
          asset: bench.asset,
          apy: first && last ? benchApyAt(first[0], last[0]) : 'not measurable',
          maxDrawdown: maxDrawdown(benchSeries.filter(([t]) => !first || !last || (t >= first[0] && t <= last[0]))),
          marketDrawdown: bench.market.length >= 2 ? maxDrawdown(bench.market.filter(([t]) => !first || !last || (t >= first[0] && t <= last[0]))) : 'not measurable',
          depegMax,
        }
      : undefined,
    bindingLimits: [...limits].map(([limit, v]) => ({ limit, ...v })).sort((a, b) => b.cycles - a.cycles),
  };
}

function sumSplits(costs: OperatorInput['costs']): CostSplit | undefined {
  if (costs.length === 0 || costs.some((c) => !c.split)) return undefined;
  return costs.reduce((a, c) => ({ gas: a.gas + c.split!.gas, feesAndImpact: a.feesAndImpact + c.split!.feesAndImpact, belowFair: a.belowFair + c.split!.belowFair }), { gas: 0, feesAndImpact: 0, belowFair: 0 });
}
