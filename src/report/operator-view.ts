import { YEAR } from '../domain/time.js';
import { costTotals, type CostTotals, type FillCost, type Measured } from './operator-costs.js';
import { apyBetween, daily, drawdownSeries, maxDrawdown, month, monthEnds, ROLLING_WINDOW, trailingApy, valueAt, within, type Series } from './operator-series.js';

export { apyBetween, valueAt, ROLLING_WINDOW } from './operator-series.js';
export type { Measured } from './operator-costs.js';

/**
 * The operator sections of the report: which run this is, what it cost and earned in the base asset, how
 * it did month by month and against the benchmark, how much capital sat in redemption queues, and which
 * limits bound, with the series the page charts. Pure: built from series any mode supplies (a journal, a
 * backtest). Where the data cannot say, the figure is 'not measurable' and `why` says so: never 0 %.
 */

export interface RunIdentity {
  readonly vault: string;
  readonly mode: string;
  readonly strategy: string;
  readonly params: unknown;
  readonly limits: unknown;
  readonly configHash: string;
  readonly codeVersion: string;
  readonly runs: number;
}

export interface OperatorInput {
  readonly identity: RunIdentity;
  readonly baseAsset: string;
  /** NAV in whole base units per decision time, in time order (cycles whose NAV is unknown left out). */
  readonly nav: Series;
  /** Value waiting in redemption queues, whole base units, per decision time. */
  readonly queued: Series;
  readonly benchmark: { readonly asset: string; readonly fair: Series; readonly market: Series } | undefined;
  readonly costs: readonly FillCost[];
  /** The limits each decision named as binding; undefined when the source keeps no rationale, with the reason. */
  readonly binding: ReadonlyArray<{ readonly t: number; readonly limits: readonly string[] }> | { readonly unknown: string };
  /** Cycles that failed closed (NAV unknown). */
  readonly unknownNavCycles: number;
}

export interface OperatorView {
  readonly identity: RunIdentity;
  readonly baseAsset: string;
  readonly period: { readonly from: number; readonly to: number; readonly cycles: number; readonly unknownNavCycles: number } | undefined;
  readonly pnl: { readonly startNav: number; readonly endNav: number; readonly pnlBase: number; readonly netApy: Measured };
  readonly costs: CostTotals & { readonly queueOpportunityBase: Measured };
  readonly monthly: ReadonlyArray<{ readonly month: string; readonly return: number; readonly benchmark: Measured }>;
  readonly rolling: ReadonlyArray<{ readonly t: number; readonly apy: Measured; readonly benchmarkApy: Measured }>;
  readonly queued: { readonly maxFraction: number; readonly meanFraction: number; readonly byMonth: ReadonlyArray<{ readonly month: string; readonly maxBase: number; readonly maxFraction: number }> };
  readonly benchmark: { readonly asset: string; readonly apy: Measured; readonly maxDrawdown: Measured; readonly marketDrawdown: Measured; readonly depegMax: Measured; readonly heldAt: 'market' | 'fair' } | undefined;
  readonly bindingLimits: ReadonlyArray<{ readonly limit: string; readonly cycles: number; readonly first: number; readonly last: number }>;
  /** What the page charts: one point per day at most; null = not measurable at that time. */
  readonly charts: {
    readonly rollingApy: ReadonlyArray<readonly [number, number | null, number | null]>;
    readonly queued: ReadonlyArray<readonly [number, number, number]>;
    readonly benchmarkDrawdown: Series;
    readonly binding: ReadonlyArray<{ readonly t: number; readonly limit: string }>;
  };
  /** Section → why some figure there is not measurable. */
  readonly why: Readonly<Record<string, string>>;
}

const num = (m: Measured) => (m === 'not measurable' ? null : m);

export function operatorView(i: OperatorInput): OperatorView {
  const first = i.nav[0];
  const last = i.nav[i.nav.length - 1];
  const bench = i.benchmark;
  const why: Record<string, string> = {};
  // The benchmark is held at market where market prices are recorded; else at its fair rate (no depeg measurable).
  const heldAt = bench && bench.market.length >= 2 ? 'market' : 'fair';
  const benchSeries: Series = bench ? (heldAt === 'market' ? bench.market : bench.fair) : [];
  if (!bench) why.benchmark = 'the vault names no benchmark asset';
  else if (benchSeries.length < 2) why.benchmark = `no recorded rates for ${bench.asset} in this ${i.identity.mode === 'backtest' ? 'history' : 'journal'}`;
  else if (heldAt === 'fair') why.benchmark = `no market prices recorded for ${bench.asset}: it is held at its fair rate, so its depeg and market drawdown are not measurable`;
  const benchApyAt = (t0: number, t1: number): Measured => {
    const a = valueAt(benchSeries, t0);
    const b = valueAt(benchSeries, t1);
    return a === undefined || b === undefined ? 'not measurable' : apyBetween(a, b, t1 - t0);
  };

  let queueOpportunity: Measured = 0;
  for (let k = 1; k < i.queued.length; k++) {
    const [t0, q] = i.queued[k - 1] as readonly [number, number];
    const [t1] = i.queued[k] as readonly [number, number];
    if (q <= 0) continue;
    const apy = benchApyAt(Math.max(t0 - ROLLING_WINDOW, benchSeries[0]?.[0] ?? t0), t1);
    if (apy === 'not measurable') {
      queueOpportunity = 'not measurable';
      why.queue = 'capital sat in a queue where the benchmark has no rate to price what waiting gave up';
      break;
    }
    queueOpportunity += q * (Math.pow(1 + apy, (t1 - t0) / YEAR) - 1);
  }

  const monthly: OperatorView['monthly'][number][] = [];
  if (first) {
    let [prevT, prevV] = first;
    for (const [t, v] of monthEnds(i.nav)) {
      if (t === first[0]) continue;
      const b0 = valueAt(benchSeries, prevT);
      const b1 = valueAt(benchSeries, t);
      monthly.push({ month: month(t), return: v / prevV - 1, benchmark: b0 && b1 ? b1 / b0 - 1 : 'not measurable' });
      [prevT, prevV] = [t, v];
    }
  }
  const benchStart = benchSeries[0]?.[0] ?? Infinity;
  const benchApy = (t: number): Measured => (t - ROLLING_WINDOW < benchStart ? 'not measurable' : benchApyAt(t - ROLLING_WINDOW, t));
  const rolling = monthEnds(i.nav).map(([t]) => ({ t, apy: trailingApy(i.nav, t), benchmarkApy: benchApy(t) }));
  if (rolling.every((r) => r.apy === 'not measurable')) why.rolling = 'the journal or run covers less than the 30-day window';

  const navAt = (t: number) => valueAt(i.nav, t) ?? 0;
  const fractions = i.queued.map(([t, q]) => (navAt(t) > 0 ? q / navAt(t) : 0));
  const qByMonth = new Map<string, { maxBase: number; maxFraction: number }>();
  i.queued.forEach(([t, q], k) => {
    const m = qByMonth.get(month(t)) ?? { maxBase: 0, maxFraction: 0 };
    qByMonth.set(month(t), { maxBase: Math.max(m.maxBase, q), maxFraction: Math.max(m.maxFraction, fractions[k] ?? 0) });
  });

  const binding = 'unknown' in i.binding ? [] : i.binding;
  if ('unknown' in i.binding) why.limits = i.binding.unknown;
  const limits = new Map<string, { cycles: number; first: number; last: number }>();
  for (const b of binding) {
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
  const costs = costTotals(i.costs);
  if (costs.incomplete.fills > 0) why.costs = `${costs.incomplete.fills} fill${costs.incomplete.fills === 1 ? '' : 's'} without every part: ${costs.incomplete.why.join('; ')}`;
  const inPeriod = (s: Series) => (first && last ? within(s, first[0], last[0]) : s);

  return {
    identity: i.identity,
    baseAsset: i.baseAsset,
    period: first && last ? { from: first[0], to: last[0], cycles: i.nav.length, unknownNavCycles: i.unknownNavCycles } : undefined,
    pnl: { startNav: first?.[1] ?? 0, endNav: last?.[1] ?? 0, pnlBase: (last?.[1] ?? 0) - (first?.[1] ?? 0), netApy: first && last ? apyBetween(first[1], last[1], last[0] - first[0]) : 'not measurable' },
    costs: { ...costs, queueOpportunityBase: queueOpportunity },
    monthly,
    rolling,
    queued: { maxFraction: Math.max(0, ...fractions), meanFraction: fractions.length ? fractions.reduce((s, x) => s + x, 0) / fractions.length : 0, byMonth: [...qByMonth].map(([m, v]) => ({ month: m, ...v })) },
    benchmark: bench
      ? {
          asset: bench.asset,
          apy: first && last ? benchApyAt(first[0], last[0]) : 'not measurable',
          maxDrawdown: maxDrawdown(inPeriod(benchSeries)),
          marketDrawdown: bench.market.length >= 2 ? maxDrawdown(inPeriod(bench.market)) : 'not measurable',
          depegMax,
          heldAt,
        }
      : undefined,
    bindingLimits: [...limits].map(([limit, v]) => ({ limit, ...v })).sort((a, b) => b.cycles - a.cycles),
    charts: {
      rollingApy: daily(i.nav).map(([t]) => [t, num(trailingApy(i.nav, t)), num(benchApy(t))] as const),
      queued: daily(i.queued).map(([t, q]) => [t, q, navAt(t) > 0 ? q / navAt(t) : 0] as const),
      benchmarkDrawdown: benchSeries.length >= 2 ? daily(drawdownSeries(inPeriod(benchSeries))) : [],
      binding: binding.flatMap((b) => b.limits.map((limit) => ({ t: b.t, limit }))),
    },
    why,
  };
}
