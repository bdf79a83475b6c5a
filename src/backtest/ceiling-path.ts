import type { AssetId } from '../domain/asset.js';
import type { Observation } from '../domain/observation.js';
import { parseDuration } from '../domain/time.js';
import type { LoadedVault } from '../config/load-vault.js';
import { suppliedToken, type AssetInfo, type Universe } from '../config/universe.js';
import type { Snapshot } from '../market/asset-view.js';
import { entryQuotes, exitQuotes, type Quote } from '../market/cost-model.js';
import { MarketState } from '../market/market-state.js';
import { markOf, valuePortfolio } from '../market/valuation.js';
import { buildBounds, type GroupCap } from '../risk/allocation-bounds.js';
import { breakerEffect, evaluateBreakers } from '../risk/breakers.js';
import { respondToDepegs } from '../risk/depeg-breaker.js';
import { NO_EPISODES, type DepegMemory } from '../risk/depeg-episodes.js';
import { horizonYears, scoreUniverse } from '../risk/score-asset.js';
import { assessTrust } from '../risk/trust.js';
import { initialPortfolio } from '../keeper/keeper.js';

/**
 * What perfect foresight knows at one decision time, per asset: the value of one unit (marked to
 * market, with a rebasing position's index), the best value kept per unit traded in and out (fees and
 * the market's distance from fair, against the mark), the queue's payout and delay, whether new money
 * may enter, and the limits. Computed once per dataset; the ceiling's LP is built from it.
 */
export interface StepFacts {
  readonly t: number;
  /** Value of one unit, or undefined when the asset cannot be valued at this time. */
  readonly unit: ReadonlyMap<AssetId, number>;
  /** Mark value received per unit of base spent on the margin, per size slice (SLICES). */
  readonly buyKeep: ReadonlyMap<AssetId, readonly number[]>;
  /** Base received now per unit of mark value sold on the margin, per size slice (best instant exit). */
  readonly sellKeep: ReadonlyMap<AssetId, readonly number[]>;
  /** Queue exit: base paid per unit of mark value, after `steps` decision steps. */
  readonly queue: ReadonlyMap<AssetId, { payout: number; steps: number }>;
  /** Open to new money at this time (eligible, not excluded by a breaker, a depeg episode or trust). */
  readonly eligible: ReadonlySet<AssetId>;
  readonly liquid: ReadonlySet<AssetId>;
  readonly expectedLoss: Readonly<Record<AssetId, number>>;
}

export interface CeilingPath {
  readonly steps: readonly StepFacts[];
  readonly assets: readonly AssetInfo[];
  readonly caps: Readonly<Record<AssetId, number>>;
  readonly groups: readonly GroupCap[];
  readonly minLiquid: number;
  readonly maxExpectedLoss: number;
  /** Initial holdings' value per asset at the first step, in whole base units. */
  readonly initial: ReadonlyMap<AssetId, number>;
}

function unitValue(u: Universe, snap: Snapshot, a: AssetInfo): number | undefined {
  const mark = markOf(u, snap, a.id);
  if (mark === undefined) return undefined;
  if (!a.rebasing) return mark;
  const idx = snap.assets.get(a.id)?.fields.supplyIndex?.value;
  return idx === undefined ? undefined : mark * idx;
}

/** Best keep against the mark over quotes, no price impact (a bound never charges more than reality). */
function bestKeep(qs: readonly Quote[], toMark: (q: Quote) => number, maxSlippage: number, maxDelay: number, instant: boolean): number {
  let best = 0;
  for (const q of qs) {
    if (!q.available || q.delaySeconds > maxDelay) continue;
    if (instant && q.kind === 'redeem-request') continue;
    if ((q.kind === 'buy' || q.kind === 'sell') && 1 - q.keep > maxSlippage) continue;
    best = Math.max(best, toMark(q));
  }
  return best;
}

/**
 * Trade sizes as fractions of the start NAV where the marginal price impact is sampled: a trade's slice
 * between two bounds pays the impact of its left end (with linear impact the marginal cost at size S is
 * the average cost at 2S), so the piecewise cost never exceeds the true one.
 */
export const SLICES = [0, 0.05, 0.15, 0.3] as const;

function keeps(u: Universe, snap: Snapshot, a: AssetInfo, maxSlippage: number, maxDelay: number, stepSeconds: number, size: number) {
  const mark = markOf(u, snap, a.id) as number;
  const token = suppliedToken(u, a);
  const tokenMark = token ? markOf(u, snap, token.id) : undefined;
  // Entry: base → (token →) asset; the asset's mark per base spent.
  const own = bestKeep(entryQuotes(u, snap, a, size), (q) => (q.keep * mark) / q.price, maxSlippage, maxDelay, true);
  const first = token && tokenMark !== undefined ? bestKeep(entryQuotes(u, snap, token, size), (q) => (q.keep * tokenMark) / q.price, maxSlippage, maxDelay, true) : 1;
  // A lending position is priced as its token: supplying keeps q.keep of the token's mark.
  const buyKeep = token ? first * bestKeep(entryQuotes(u, snap, a, size), (q) => q.keep, maxSlippage, maxDelay, true) : own;
  const exitOwn = exitQuotes(u, snap, a, size);
  const sellFrom = (b: AssetInfo, bMark: number) => bestKeep(exitQuotes(u, snap, b, size), (q) => (q.keep * q.price) / bMark, maxSlippage, maxDelay, true);
  const withdraw = token ? bestKeep(exitOwn, (q) => q.keep, maxSlippage, maxDelay, true) : 1;
  const sellKeep = token && tokenMark !== undefined ? withdraw * sellFrom(token, tokenMark) : sellFrom(a, mark);
  const via = token && tokenMark !== undefined ? { b: token, m: tokenMark, pre: withdraw } : { b: a, m: mark, pre: 1 };
  const q = exitQuotes(u, snap, via.b, 0).find((x) => x.kind === 'redeem-request' && x.available && x.delaySeconds <= maxDelay);
  const queue = q && q.delaySeconds > 0 ? { payout: (via.pre * q.keep * q.price) / via.m, steps: Math.max(1, Math.ceil(q.delaySeconds / stepSeconds)) } : undefined;
  return { buyKeep, sellKeep, queue };
}

export function ceilingPath(v: LoadedVault, rows: readonly Observation[], from: number, to: number, step: number): CeilingPath {
  const u = v.universe;
  const c = v.config;
  const window = parseDuration(c.apyWindow);
  const market = new MarketState(window, Math.max(window, parseDuration(c.breakers.staleData.maxAge)));
  const fresh = initialPortfolio(v);
  const H = horizonYears(c.planner.horizon);
  const maxDelay = parseDuration(c.limits.maxRedemptionDelay) / 1000;
  const settings = { breakers: c.breakers, limits: c.limits, planner: c.planner, trust: c.trust };
  const scale = 10 ** u.baseDecimals;
  const steps: StepFacts[] = [];
  let memory: DepegMemory = NO_EPISODES;
  let cursor = 0;
  let initial = new Map<AssetId, number>();
  let groups: readonly GroupCap[] = [];
  let navBase = 0;
  for (let t = from; t <= to; t += step) {
    while (cursor < rows.length && (rows[cursor] as Observation).time <= t) market.ingest(rows[cursor++] as Observation);
    const snap = market.view(t);
    const valuation = valuePortfolio(u, snap, fresh);
    if (steps.length === 0) {
      initial = new Map([...valuation.values].map(([id, x]) => [id, Number(x) / scale]));
      navBase = Number(valuation.nav) / scale;
    }
    // New money is judged as a fresh vault sees it: every breaker on an unheld asset is an exclusion.
    const firings = evaluateBreakers({ universe: u, snapshot: snap, valuation, held: new Set(), peakNav: 0n, config: c.breakers, now: t });
    const depeg = respondToDepegs(u, snap, valuation, new Set(), memory, settings, t);
    memory = depeg.memory;
    const effect = breakerEffect(u, [...firings, ...depeg.firings], depeg);
    const trust = assessTrust(u, snap, c.trust);
    const excluded = new Map(effect.excluded);
    for (const [id, why] of trust.unreliable) if (!excluded.has(id)) excluded.set(id, why);
    const scores = scoreUniverse({ universe: u, snapshot: snap, limits: c.limits, sizeBase: navBase * c.limits.maxWeightPerAsset, horizonYears: H, incentiveHaircut: c.scoring.incentiveHaircut, maxSlippage: c.planner.maxSlippage, excluded, conservativeYield: trust.conservative });
    const scoreMap = new Map(scores.map((s) => [s.asset, s]));
    const bounds = buildBounds({ universe: u, snapshot: snap, scores: scoreMap, current: { [u.baseAsset]: 1 }, limits: c.limits, effect: { ...effect, excluded }, navBase, maxSlippage: c.planner.maxSlippage });
    groups = bounds.groups;
    const unit = new Map<AssetId, number>();
    const buyKeep = new Map<AssetId, number[]>();
    const sellKeep = new Map<AssetId, number[]>();
    const queue = new Map<AssetId, { payout: number; steps: number }>();
    const eligible = new Set<AssetId>();
    for (const a of u.assets) {
      const uv = a.kind === 'native' ? 1 : unitValue(u, snap, a);
      if (uv === undefined) continue;
      unit.set(a.id, uv);
      if (a.kind === 'native') continue;
      const ks = SLICES.map((f) => keeps(u, snap, a, c.planner.maxSlippage, maxDelay, step / 1000, 2 * f * navBase));
      buyKeep.set(a.id, ks.map((k) => k.buyKeep));
      sellKeep.set(a.id, ks.map((k) => k.sellKeep));
      const q = ks[0]?.queue;
      if (q) queue.set(a.id, q);
      if (scoreMap.get(a.id)?.eligible && !excluded.has(a.id) && (ks[0]?.buyKeep ?? 0) > 0) eligible.add(a.id);
    }
    steps.push({ t, unit, buyKeep, sellKeep, queue, eligible, liquid: new Set(bounds.liquid), expectedLoss: bounds.expectedLoss });
  }
  const caps: Record<AssetId, number> = {};
  for (const a of u.assets) caps[a.id] = a.id === u.baseAsset ? 1 : Math.min(c.limits.maxWeightPerAsset, c.limits.maxWeightPerKind[a.kind] ?? 1);
  return { steps, assets: u.assets, caps, groups, minLiquid: c.limits.minLiquidWeight, maxExpectedLoss: c.limits.maxExpectedLoss, initial };
}
