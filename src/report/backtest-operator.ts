import type { LoadedVault } from '../config/load-vault.js';
import type { Observation } from '../domain/observation.js';
import type { BenchmarkResult } from '../backtest/benchmark.js';
import type { BacktestResult } from '../backtest/simulate.js';
import { fillParts } from './operator-costs.js';
import { bindingLimits } from './journal-report-data.js';
import type { OperatorInput } from './operator-view.js';

/** The operator sections' input from a backtest's primary run: the same view a journal of the same run gives. */
export function operatorInputFromBacktest(vault: LoadedVault, run: BacktestResult, benchmark: BenchmarkResult | undefined, rows: readonly Observation[], codeVersion: string): OperatorInput {
  // The benchmark's own recorded rates, as a journal keeps them (fair, and market where recorded), over the run.
  const last = run.steps[run.steps.length - 1]?.t ?? 0;
  const fair: (readonly [number, number])[] = [];
  const market: (readonly [number, number])[] = [];
  for (const r of rows) {
    if (!benchmark || r.asset !== benchmark.asset || r.time > last) continue;
    if (r.fairRate !== undefined) fair.push([r.time, r.fairRate]);
    if (r.marketRate !== undefined) market.push([r.time, r.marketRate]);
  }
  const decimals = vault.universe.baseDecimals;
  return {
    identity: { vault: vault.config.name, mode: 'backtest', strategy: run.strategy, params: run.params, limits: vault.config.limits, configHash: vault.hash, codeVersion, runs: 1 },
    baseAsset: vault.universe.baseAsset,
    nav: run.steps.map((s) => [s.t, s.nav] as const),
    queued: run.steps.map((s) => [s.t, s.queued * s.nav] as const),
    benchmark: benchmark ? { asset: benchmark.asset, fair, market } : undefined,
    costs: run.actions.filter((a) => a.status === 'confirmed').map((a) => ({ kind: a.action.kind, venue: a.action.venue, costBase: a.costBase, split: a.split ? fillParts(a.split, decimals) : undefined })),
    binding: run.steps.map((s) => ({ t: s.t, limits: bindingLimits(s.rationale ?? []) })),
    unknownNavCycles: 0,
  };
}
