import type { AssetId } from '../domain/asset.js';
import { YEAR } from '../domain/time.js';
import { SLICES, type CeilingPath } from './ceiling-path.js';

export interface LimitCost {
  readonly limit: string;
  /** The benchmark weight that limit alone allows. */
  readonly weight: number;
  /** Net APY of the hold with only that limit lifted. */
  readonly netApy: number;
  /** APY the limit costs the in-limits hold. */
  readonly cost: number;
}

export interface InLimitsBenchmark {
  readonly asset: AssetId;
  readonly weight: number;
  readonly steps: ReadonlyArray<{ t: number; nav: number }>;
  readonly netApy: number;
  readonly maxDrawdown: number;
  /** The limits that bind the weight, each with what it costs against the in-limits hold. */
  readonly limitCosts: readonly LimitCost[];
  readonly noData: boolean;
}

/**
 * Buy-and-hold of the benchmark asset as far as the vault's limits allow at the start (the rest stays in
 * the base asset), held without trading: a trajectory inside the limits, so the ceiling must beat it.
 * Each limit that binds is lifted alone to say what it costs.
 */
export function inLimitsHold(p: CeilingPath, asset: AssetId): InLimitsBenchmark {
  const first = p.steps.find((s) => s.unit.has(asset));
  const caps: Array<{ limit: string; weight: number }> = [];
  caps.push({ limit: `per-asset/kind cap on ${asset}`, weight: p.caps[asset] ?? 1 });
  for (const g of p.groups) if (g.members.includes(asset) && g.cap < 1) caps.push({ limit: `${g.kind} group ${g.id} cap`, weight: g.cap });
  const el = first?.expectedLoss[asset] ?? 0;
  if (p.maxExpectedLoss < 1 && el > 0) caps.push({ limit: 'portfolio expected-loss cap', weight: p.maxExpectedLoss / el });
  if (p.minLiquid > 0 && first && !first.liquid.has(asset)) caps.push({ limit: 'minimum liquid weight', weight: 1 - p.minLiquid });
  const weight = Math.max(0, Math.min(1, ...caps.map((c) => c.weight)));
  const path = (w: number) => {
    if (!first) return { steps: [], netApy: Number.NaN, maxDd: Number.NaN };
    // The entry pays the marginal keep of each size slice it crosses.
    const keeps = first.buyKeep.get(asset) ?? [];
    let spent = 0;
    let got = 0;
    SLICES.forEach((lo, m) => {
      const hi = m + 1 < SLICES.length ? (SLICES[m + 1] as number) : Infinity;
      const part = Math.max(0, Math.min(w, hi) - lo);
      spent += part;
      got += part * (keeps[m] ?? 0);
    });
    const u0 = first.unit.get(asset) as number;
    const steps = p.steps.filter((s) => s.t >= first.t).map((s) => ({ t: s.t, nav: 1 - spent + got * ((s.unit.get(asset) ?? u0) / u0) }));
    let peak = 0;
    let maxDd = 0;
    for (const s of steps) {
      peak = Math.max(peak, s.nav);
      maxDd = Math.max(maxDd, 1 - s.nav / peak);
    }
    const last = steps[steps.length - 1];
    const years = last ? (last.t - first.t) / YEAR : 0;
    return { steps, netApy: last && years > 0 ? Math.pow(last.nav, 1 / years) - 1 : Number.NaN, maxDd };
  };
  const held = path(weight);
  const limitCosts: LimitCost[] = [];
  for (const c of caps) {
    if (c.weight > weight + 1e-12) continue;
    const others = caps.filter((o) => o !== c).map((o) => o.weight);
    const w = Math.max(0, Math.min(1, ...others));
    const r = path(w);
    limitCosts.push({ limit: c.limit, weight: w, netApy: r.netApy, cost: r.netApy - held.netApy });
  }
  return { asset, weight, steps: held.steps, netApy: held.netApy, maxDrawdown: held.maxDd, limitCosts, noData: held.steps.length < 2 };
}
