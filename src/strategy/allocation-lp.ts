import type { AssetId } from '../domain/asset.js';
import { InfeasibleError } from '../errors.js';
import { exitQuotes, entryQuotes, type Quote } from '../market/cost-model.js';
import { suppliedToken } from '../config/universe.js';
import { YEAR } from '../domain/time.js';
import type { AllocationBounds } from '../risk/allocation-bounds.js';
import type { LpConstraint, LpVariable } from './lp-solver.js';
import type { StrategyInput } from './strategy.js';

/**
 * The exact optimum of a linear allocation problem under the cycle's hard limits:
 *
 *   maximize   Σₐ Σₖ tₐₖ·(valueₐ − mₐₖ/H) − Σₐ bₐ·entryₐ/H − Σₐ sₐ·exitₐ/H
 *   subject to wₐ = Σₖ tₐₖ,  wₐ − bₐ + sₐ = currentₐ,  Σ wₐ = 1,  0 ≤ tₐₖ ≤ hiₐ/K,
 *              Σ_{a∈g} wₐ ≤ cap_g (every group),  Σ_{liquid} wₐ ≥ minLiquid,  Σ ELₐ·wₐ ≤ maxEL
 *
 * valueₐ is the strategy's annual value per unit weight; mₐₖ is the marginal cost of exiting the k-th
 * slice of the position (non-decreasing in k, so the LP fills cheap slices first and the piecewise
 * cost is exact); entryₐ/exitₐ are one-off switching costs spread over the horizon H (years).
 */
export interface AllocationObjective {
  /** Annual value per unit of weight (e.g. yield − λ·expected loss). */
  value(asset: AssetId): number;
  /** Whether to charge exit-at-size and switching costs (baselines may ignore them). */
  readonly chargeCosts: boolean;
  /** Number of slices for the size-dependent exit cost. */
  readonly slices: number;
  /**
   * Extra cost per unit of weight traded (a fraction, spread over the horizon like other one-off
   * costs): a hurdle a move must clear beyond its estimated costs, because estimated yields are noisy.
   */
  readonly turnoverPenalty?: number;
  /** Objective for "stay close to current" instead of maximizing value (the hold baseline). */
  readonly minimizeTurnover?: boolean;
}

export interface AllocationResult {
  readonly weights: Record<AssetId, number>;
  readonly objective: number;
  readonly binding: readonly string[];
}

/** Marginal cost of exiting one more unit at `sizeBase`: the cheapest route's cost on the next unit. */
function marginalExit(input: StrategyInput, asset: AssetId, sizeBase: number): number {
  const a = input.universe.byId.get(asset);
  if (!a || a.kind === 'native') return 0;
  const yieldApy = input.scores.get(asset)?.yield.total ?? 0;
  let best = Infinity;
  // With linear impact the cost on the next unit equals the average cost at twice the size.
  for (const q of exitQuotes(input.universe, input.snapshot, a, 2 * sizeBase)) best = Math.min(best, quoteMarginal(q, yieldApy, input.maxSlippage));
  {
    const token = suppliedToken(input.universe, a);
    if (token) {
      let tokenBest = Infinity;
      for (const q of exitQuotes(input.universe, input.snapshot, token, 2 * sizeBase)) tokenBest = Math.min(tokenBest, quoteMarginal(q, yieldApy, input.maxSlippage));
      best += Number.isFinite(tokenBest) ? tokenBest : 0;
    }
  }
  return Number.isFinite(best) ? best : 1;
}

function quoteMarginal(q: Quote, yieldApy: number, maxSlippage: number): number {
  if (!q.available) return Infinity;
  if ((q.kind === 'sell' || q.kind === 'buy') && 1 - q.keep > maxSlippage) return Infinity;
  const forgone = q.earnsWhileQueued ? 0 : Math.max(0, yieldApy) * ((q.delaySeconds * 1000) / YEAR);
  // Never a negative cost: a discount captured on a buy is not a yield the optimizer may chase.
  return Math.max(0, q.costFraction) + forgone;
}

function entryFraction(input: StrategyInput, asset: AssetId, sizeBase: number): number {
  const a = input.universe.byId.get(asset);
  if (!a || a.kind === 'native') return 0;
  let best = Infinity;
  for (const q of entryQuotes(input.universe, input.snapshot, a, sizeBase)) best = Math.min(best, quoteMarginal(q, 0, input.maxSlippage));
  {
    const token = suppliedToken(input.universe, a);
    if (token) {
      let t = Infinity;
      for (const q of entryQuotes(input.universe, input.snapshot, token, sizeBase)) t = Math.min(t, quoteMarginal(q, 0, input.maxSlippage));
      best += Number.isFinite(t) ? t : 0;
    }
  }
  return Number.isFinite(best) ? best : 1;
}

export function solveAllocation(input: StrategyInput, obj: AllocationObjective): AllocationResult {
  const b: AllocationBounds = input.bounds;
  const H = Math.max(input.horizonYears, 1e-6);
  const K = Math.max(1, Math.floor(obj.slices));
  const vars: LpVariable[] = [];
  const cons: LpConstraint[] = [];
  const wTerms = new Map<AssetId, Array<[string, number]>>();
  const idx = new Map<AssetId, number>(b.assets.map((id, i) => [id, i]));
  const nav = input.navBase;

  for (const id of b.assets) {
    const i = idx.get(id) as number;
    const hi = b.hi[id] ?? 0;
    const cur = b.current[id] ?? 0;
    const value = obj.minimizeTurnover ? 0 : obj.value(id);
    const terms: Array<[string, number]> = [];
    // An asset that can hold nothing and holds nothing needs no variables at all.
    if (hi <= 0 && cur <= 0 && id !== b.baseAsset) {
      wTerms.set(id, terms);
      continue;
    }
    // Slices only where the marginal exit cost changes with size; equal neighbours merge into one.
    const slices: Array<{ width: number; cost: number }> = [];
    const n = id === b.baseAsset || !obj.chargeCosts ? 1 : K;
    for (let k = 0; k < n; k++) {
      const mid = ((k + 0.5) * hi) / n;
      const m = obj.chargeCosts && id !== b.baseAsset ? marginalExit(input, id, mid * nav) : 0;
      const last = slices[slices.length - 1];
      if (last && Math.abs(last.cost - m) < 1e-9) last.width += hi / n;
      else slices.push({ width: hi / n, cost: m });
    }
    slices.forEach((sl, k) => {
      const name = `t${i}_${k}`;
      vars.push({ name, lo: 0, hi: sl.width, obj: value - sl.cost / H });
      terms.push([name, 1]);
    });
    wTerms.set(id, terms);
    if (id === b.baseAsset) continue;
    const buyCost = obj.chargeCosts ? entryFraction(input, id, Math.max(0, hi - cur) * nav * 0.5) / H : 0;
    const sellCost = obj.chargeCosts ? marginalExit(input, id, cur * nav * 0.5) / H : 0;
    const turnover = obj.minimizeTurnover ? 1 : (obj.turnoverPenalty ?? 0) / H;
    // Buys and sells need no upper bound of their own: the balance row and the slices' bounds cap them.
    vars.push({ name: `b${i}`, lo: 0, hi: Infinity, obj: -(buyCost + turnover) });
    vars.push({ name: `s${i}`, lo: 0, hi: Infinity, obj: -(sellCost + turnover) });
    cons.push({ name: `bal${i}`, terms: [...terms, [`b${i}`, -1], [`s${i}`, 1]], lo: cur, hi: cur });
  }
  const all = (ids: readonly AssetId[]) => ids.flatMap((id) => wTerms.get(id) ?? []);
  cons.push({ name: 'budget', terms: all(b.assets), lo: 1, hi: 1 });
  b.groups.forEach((g, gi) => {
    // A group whose members together cannot exceed its cap is not a constraint worth a row.
    const reach = g.members.reduce((s, id) => s + Math.max(b.hi[id] ?? 0, 0), 0);
    const terms = all(g.members);
    if (terms.length > 0 && reach > g.cap) cons.push({ name: `grp${gi}`, terms, hi: g.cap });
  });
  if (b.minLiquid > 0) cons.push({ name: 'liquid', terms: all(b.liquid), lo: b.minLiquid });
  if (b.maxExpectedLoss < 1) {
    cons.push({ name: 'el', terms: b.assets.flatMap((id) => (wTerms.get(id) ?? []).map(([n]) => [n, b.expectedLoss[id] ?? 0] as [string, number])), hi: b.maxExpectedLoss });
  }

  const sol = input.solver.solve({ variables: vars, constraints: cons });
  if (sol.status !== 'optimal') {
    throw new InfeasibleError(`allocation LP is ${sol.status} (${sol.detail})`, { binding: sol.binding });
  }
  const weights: Record<AssetId, number> = {};
  let total = 0;
  for (const id of b.assets) {
    const w = Math.max(0, (wTerms.get(id) ?? []).reduce((s, [n]) => s + (sol.values[n] ?? 0), 0));
    weights[id] = w;
    total += w;
  }
  // Solver round-off: renormalize, then clip to each upper bound and hand any excess to the base asset.
  let excess = 0;
  for (const id of b.assets) {
    let w = (weights[id] as number) / total;
    if (w < 1e-12) w = 0;
    const hi = b.hi[id] ?? 0;
    if (id !== b.baseAsset && w > hi) {
      excess += w - hi;
      w = hi;
    }
    weights[id] = w;
  }
  weights[b.baseAsset] = (weights[b.baseAsset] ?? 0) + excess;
  // The budget and balance rows are always tight; only the limits that shaped the answer are reported.
  const binding = sol.binding.filter((n) => n !== 'budget' && !n.startsWith('bal')).map((name) => describeConstraint(name, b));
  for (const id of b.assets) {
    const hi = b.hi[id] ?? 0;
    if (id !== b.baseAsset && hi > 0 && Math.abs((weights[id] ?? 0) - hi) < 1e-9) binding.push(`${id} at its upper bound ${hi.toFixed(4)} (${b.why[id]})`);
  }
  return { weights, objective: sol.objective, binding };
}

function describeConstraint(name: string, b: AllocationBounds): string {
  if (name === 'budget') return 'weights sum to 1';
  if (name === 'liquid') return `minimum liquid weight ${b.minLiquid}`;
  if (name === 'el') return `portfolio expected-loss cap ${b.maxExpectedLoss}`;
  const g = /^grp(\d+)$/.exec(name);
  if (g) {
    const grp = b.groups[Number(g[1])];
    return grp ? `${grp.kind} group "${grp.id}" cap ${grp.cap}` : name;
  }
  const bal = /^bal(\d+)$/.exec(name);
  if (bal) return `switching cost of ${b.assets[Number(bal[1])]}`;
  return name;
}
