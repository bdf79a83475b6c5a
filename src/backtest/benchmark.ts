import type { AssetId } from '../domain/asset.js';
import type { Observation } from '../domain/observation.js';
import { parseDuration, YEAR } from '../domain/time.js';
import type { LoadedVault } from '../config/load-vault.js';
import { MarketState } from '../market/market-state.js';
import { entryCost, totalCost } from '../market/cost-model.js';
import { markOf } from '../market/valuation.js';

export interface BenchmarkResult {
  readonly asset: AssetId;
  readonly steps: ReadonlyArray<{ t: number; nav: number }>;
  /** NaN when the asset has no recorded price in the period (`noData`): never a made-up 0 %. */
  readonly netApy: number;
  readonly maxDrawdown: number;
  readonly entryCost: number;
  /** True when there was nothing to mark the benchmark with over the period. */
  readonly noData: boolean;
}

/**
 * Buy the vault's benchmark LST at the start through its cheapest route and hold it, marked to market.
 * A benchmark, not a strategy: it ignores the vault's limits (holding one LST is the question "did the
 * keeper beat just staking?").
 */
export function holdBenchmark(v: LoadedVault, asset: AssetId, rows: readonly Observation[], from: number, to: number, step: number): BenchmarkResult {
  const u = v.universe;
  const a = u.registryAssets.get(asset);
  if (!a) throw new Error(`benchmark asset ${asset} is not in the registry`);
  const window = parseDuration(v.config.apyWindow);
  const market = new MarketState(window);
  let cursor = 0;
  let units = 0;
  let cost = 0;
  const steps: Array<{ t: number; nav: number }> = [];
  let peak = 0;
  let maxDd = 0;
  for (let t = from; t <= to; t += step) {
    while (cursor < rows.length && (rows[cursor] as Observation).time <= t) market.ingest(rows[cursor++] as Observation);
    const snap = market.view(t);
    const mark = markOf(u, snap, asset);
    if (mark === undefined) continue;
    if (units === 0) {
      const path = entryCost(u, snap, a, 1, { maxDelaySeconds: Infinity, maxSlippage: 1, yieldApy: 0 });
      cost = path ? Math.max(0, totalCost(path)) : 0;
      units = (1 - cost) / mark;
    }
    const nav = units * mark;
    peak = Math.max(peak, nav);
    maxDd = Math.max(maxDd, 1 - nav / peak);
    steps.push({ t, nav });
  }
  const first = steps[0];
  const last = steps[steps.length - 1];
  const years = first && last ? (last.t - first.t) / YEAR : 0;
  const noData = steps.length < 2 || years <= 0;
  return { asset, steps, netApy: noData || !last ? Number.NaN : Math.pow(last.nav, 1 / years) - 1, maxDrawdown: noData ? Number.NaN : maxDd, entryCost: cost, noData };
}
