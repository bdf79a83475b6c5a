import type { AssetId } from '../domain/asset.js';
import type { Observation } from '../domain/observation.js';
import { formatUnits } from '../domain/amount.js';
import type { LoadedVault } from '../config/load-vault.js';
import type { ReportModel, ReportSeries } from '../report/report-model.js';
import { stackLoss } from '../risk/layer-loss.js';
import type { LpSolver } from '../strategy/lp-solver.js';
import type { Strategy } from '../strategy/strategy.js';
import { holdBenchmark, type BenchmarkResult } from './benchmark.js';
import { ceilingPath, type CeilingPath } from './ceiling-path.js';
import { foresightCeiling, type CeilingResult } from './foresight-ceiling.js';
import { inLimitsHold, type InLimitsBenchmark } from './in-limits-benchmark.js';
import { checkLookahead, type LookaheadReport } from './lookahead-check.js';
import { computeMetrics, type BacktestMetrics } from './metrics.js';
import { simulate, type BacktestResult } from './simulate.js';

export interface Contender {
  readonly strategy: Strategy<unknown>;
  readonly params: unknown;
  readonly kind: 'strategy' | 'baseline';
}

export interface CompareInput {
  readonly vault: LoadedVault;
  readonly rows: readonly Observation[];
  readonly solver: LpSolver;
  readonly contenders: readonly Contender[];
  readonly from: number;
  readonly to: number;
  readonly step: number;
  /** Lookahead checkpoints per strategy (0 = no check). */
  readonly lookahead: number;
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** When the report is made (ISO-8601); the caller's clock, so this module reads none. */
  readonly generatedAt: string;
  /** Solver for the whole-path ceiling LP (HiGHS with presolve); the strategies' solver when absent. */
  readonly ceilingSolver?: LpSolver | undefined;
  /** A ceiling already computed for this dataset (the CLI caches it): computed once per dataset. */
  readonly ceiling?: CeilingResult | undefined;
}

export interface CompareOutput {
  readonly runs: ReadonlyArray<{ contender: Contender; result: BacktestResult; metrics: BacktestMetrics; lookahead: LookaheadReport | undefined }>;
  readonly ceiling: CeilingResult;
  readonly benchmark: BenchmarkResult | undefined;
  readonly inLimits: InLimitsBenchmark | undefined;
  readonly model: ReportModel;
}

/** Actions at least this fraction of NAV are marked on the report's timeline. */
const LARGE_ACTION = 0.05;

/**
 * Runs every contender over one period through the keeper's own decision path, plus the buy-and-hold
 * benchmarks and the foresight ceiling, checks each strategy for lookahead, and assembles the report.
 */
export function compareStrategies(i: CompareInput): CompareOutput {
  const stepsEach = Math.floor((i.to - i.from) / i.step) + 1;
  const total = stepsEach * (i.contenders.length + 1);
  let done = 0;
  const tick = () => i.onProgress?.(++done, total);
  const runs = i.contenders.map((contender) => {
    const spec = { vault: i.vault, strategy: contender.strategy, params: contender.params, solver: i.solver, rows: i.rows, from: i.from, to: i.to, step: i.step, onStep: tick };
    const result = simulate(spec);
    const lookahead = i.lookahead > 0 ? checkLookahead({ ...spec, onStep: undefined }, result, i.lookahead) : undefined;
    return { contender, result, metrics: computeMetrics(result), lookahead };
  });
  const path: CeilingPath = ceilingPath(i.vault, i.rows, i.from, i.to, i.step);
  const ceiling = i.ceiling ?? foresightCeiling(i.vault, i.rows, i.from, i.to, i.step, i.ceilingSolver ?? i.solver, undefined, path);
  done += stepsEach;
  i.onProgress?.(done, total);
  const benchAsset = i.vault.config.benchmark;
  const bench = benchAsset ? holdBenchmark(i.vault, benchAsset, i.rows, i.from, i.to, i.step) : undefined;
  const inLimits = benchAsset ? inLimitsHold(path, benchAsset) : undefined;
  return { runs, ceiling, benchmark: bench, inLimits, model: buildModel(i, runs, ceiling, bench, inLimits) };
}

function buildModel(i: CompareInput, runs: CompareOutput['runs'], ceiling: CeilingResult, bench: BenchmarkResult | undefined, inLimits: InLimitsBenchmark | undefined): ReportModel {
  const u = i.vault.universe;
  const capture = (apy: number) => (ceiling.netApy > 0 ? apy / ceiling.netApy : undefined);
  const series: ReportSeries[] = runs.map((r) => ({
    name: r.contender.strategy.name,
    kind: r.contender.kind,
    nav: r.result.steps.map((s) => [s.t, s.nav / r.result.startNav] as const),
    netApy: r.metrics.netApy,
    maxDrawdown: r.metrics.maxDrawdown,
    captureRatio: capture(r.metrics.netApy),
    metrics: r.metrics,
    params: r.contender.params,
  }));
  if (bench) {
    const first = bench.steps[0]?.nav ?? 1;
    series.push({ name: `hold ${bench.asset}`, kind: 'benchmark', nav: bench.steps.map((s) => [s.t, s.nav / first] as const), netApy: bench.netApy, maxDrawdown: bench.maxDrawdown, captureRatio: bench.noData ? undefined : capture(bench.netApy), noData: bench.noData, noDataWhy: bench.noData ? `no recorded price for ${bench.asset} in the period` : undefined });
  }
  if (inLimits) {
    series.push({ name: `hold ${inLimits.asset} in limits`, kind: 'benchmark', nav: inLimits.steps.map((s) => [s.t, s.nav] as const), netApy: inLimits.netApy, maxDrawdown: inLimits.maxDrawdown, captureRatio: inLimits.noData ? undefined : capture(inLimits.netApy), noData: inLimits.noData, noDataWhy: inLimits.noData ? `no recorded price for ${inLimits.asset} in the period` : undefined });
  }
  let peak = 0;
  let ceilDd = 0;
  for (const s of ceiling.steps) {
    peak = Math.max(peak, s.nav);
    ceilDd = Math.max(ceilDd, 1 - s.nav / peak);
  }
  series.push({ name: 'foresight ceiling', kind: 'ceiling', nav: ceiling.steps.map((s) => [s.t, s.nav] as const), netApy: ceiling.netApy, maxDrawdown: ceilDd });

  const primary = runs[0];
  if (!primary) throw new Error('no strategy to report on');
  const scale = 10 ** u.baseDecimals;
  const startNav = primary.result.startNav;
  let p = -Infinity;
  const drawdown = primary.result.steps.map((s) => {
    p = Math.max(p, s.nav);
    return [s.t, s.nav / p - 1] as const;
  });
  const events: Array<{ t: number; kind: 'breaker' | 'action'; label: string; detail: string }> = [];
  for (const f of primary.result.firings) events.push({ t: f.t, kind: 'breaker', label: `${f.firing.breaker}${f.firing.asset ? ` ${f.firing.asset}` : ''} → ${f.firing.action}`, detail: f.firing.message });
  for (const a of primary.result.actions) {
    if (a.status !== 'confirmed' || a.valueBase < LARGE_ACTION * startNav) continue;
    events.push({ t: a.t, kind: 'action', label: `${a.action.kind} ${a.action.from}→${a.action.to}`, detail: `${a.valueBase.toFixed(4)} ${u.baseAsset} via ${a.action.venue}; cost ${a.costBase.toFixed(6)}; ${a.action.reason}` });
  }
  const risk = u.assets.map((a) => {
    const s = stackLoss(u, a);
    return { asset: a.id, expectedLoss: s.expectedLoss, lossProbability: s.probability, layers: s.layers };
  });
  const riskContribution: Record<AssetId, number> = {};
  for (const r of risk) riskContribution[r.asset] = (primary.metrics.timeInAsset[r.asset] ?? 0) * r.expectedLoss;
  const notes = [
    `Decisions every ${i.vault.config.schedule.step} from ${new Date(i.from).toISOString()} to ${new Date(i.to).toISOString()}; initial NAV ${formatUnits(BigInt(Math.round(startNav * scale)), u.baseDecimals)} ${u.baseAsset}.`,
    'Every strategy runs through the keeper\'s own decision path (breakers, scores, hard limits, planner) with the paper executor\'s cost model: gas per action, fees, DEX slippage growing with size, redemption queues that lock funds for the protocol\'s delay.',
    'NAV is marked to the recorded market price where one exists (a depeg shows), else the fair rate; lending positions grow with the recorded supply index.',
    'Reward-token incentives (e.g. EtherFi rewards) are scored at a haircut but not credited to NAV: no distribution of reward tokens is recorded.',
    `The foresight ceiling is the best path any keeper could have taken knowing the whole future: one LP over every decision step (${ceiling.variables} variables, ${ceiling.constraints} constraints, solved in ${(ceiling.solveMs / 1000).toFixed(1)} s) under the vault's limits and cost model (fees, the market's distance from fair, price impact by size slice, queues that lock funds and earn nothing); gas is left out and held weights may sit a dead band over a cap, so it only relaxes what a strategy faces and no strategy or in-limits benchmark can beat it. Capture ratio = net APY ÷ the ceiling's (${(ceiling.netApy * 100).toFixed(3)} %).`,
    ...(inLimits && !inLimits.noData ? [`The in-limits benchmark buys ${inLimits.asset} up to ${(inLimits.weight * 100).toFixed(1)} % of NAV (what the limits allow at the start), keeps the rest in ${u.baseAsset} and holds: ${(inLimits.netApy * 100).toFixed(3)} %. ${inLimits.limitCosts.map((c) => `Lifting the ${c.limit} alone (to ${(c.weight * 100).toFixed(1)} %) would add ${(c.cost * 100).toFixed(3)} % a year`).join('; ') || 'No limit binds it'}.`] : []),
    !bench ? 'No benchmark asset configured.' : bench.noData ? `The benchmark ${bench.asset} has no recorded price in the period: not measurable (never 0 %).` : `The benchmark buys ${bench.asset} at the start (cost ${(bench.entryCost * 100).toFixed(3)} %) and holds it, outside the vault's limits.`,
  ];
  return {
    title: `Backtest: ${i.vault.config.name}`,
    source: 'backtest',
    vault: i.vault.config.name,
    chain: i.vault.config.chain,
    baseAsset: u.baseAsset,
    from: i.from,
    to: i.to,
    generatedAt: i.generatedAt,
    series,
    primary: {
      name: primary.contender.strategy.name,
      // Value in a redemption queue is shown as queued, not as idle base asset.
      allocation: primary.result.steps.map((s) => ({ t: s.t, weights: s.queued > 0 ? { ...s.weights, [u.baseAsset]: (s.weights[u.baseAsset] ?? 0) - s.queued, queued: s.queued } : s.weights })),
      yields: primary.result.steps.map((s) => ({ t: s.t, yields: s.yields })),
      drawdown,
      events: events.sort((a, b) => a.t - b.t),
      risk,
      riskContribution,
    },
    lookahead: primary.lookahead ? { checkpoints: primary.lookahead.checkpoints.length, decisionsCompared: runs.reduce((s, r) => s + (r.lookahead?.decisionsCompared ?? 0), 0) } : null,
    notes,
  };
}
