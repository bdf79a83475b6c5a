import type { AssetScore, YieldBreakdown } from '../domain/score.js';
import type { Limits } from '../config/vault-schema.js';
import type { AssetInfo, Universe } from '../config/universe.js';
import { parseDuration, YEAR } from '../domain/time.js';
import { fieldValue, type AssetView, type Snapshot } from '../market/asset-view.js';
import { entryCost, exitCost, totalCost, totalDelay, type ChoiceOptions } from '../market/cost-model.js';
import { fairRate, marketRate } from '../market/valuation.js';
import { stackLoss } from './layer-loss.js';

export interface ScoreContext {
  readonly universe: Universe;
  readonly snapshot: Snapshot;
  readonly limits: Limits;
  /** Size (whole base units) the costs are priced at: a full position at the per-asset cap. */
  readonly sizeBase: number;
  /** Years over which one-off entry and exit costs are spread when ranking. */
  readonly horizonYears: number;
  /** Reward tokens are not ETH: count only this fraction of their advertised APY. */
  readonly incentiveHaircut: number;
  readonly maxSlippage: number;
  /** Assets a breaker excluded from new money this cycle, with the reason. */
  readonly excluded: ReadonlyMap<string, string>;
  /** Assets whose readings disagree: score them on the lower of reported and rate-implied yield. */
  readonly conservativeYield?: ReadonlySet<string> | undefined;
}

/**
 * Yield of an asset. The fair rate's own growth is what an LST/LRT really earned; a reported APY is
 * used only where no rate history exists. A lending position earns its supplied token's growth plus
 * the supply APY.
 */
export function yieldOf(u: Universe, snap: Snapshot, a: AssetInfo, incentiveHaircut: number, conservative = false): YieldBreakdown {
  if (a.kind === 'native') {
    return { rateGrowth: null, base: null, mev: null, restaking: null, incentives: null, lending: null, total: 0, note: 'native asset: earns nothing idle' };
  }
  const view = snap.assets.get(a.id);
  const tokenId = a.kind === 'lending' ? a.lendingOf : a.id;
  const tokenView = tokenId ? snap.assets.get(tokenId) : undefined;
  const token = tokenId ? u.registryAssets.get(tokenId) : undefined;
  // A lending position's fair rate is its supplied token's; prefer the position's own recorded series.
  const rateGrowth = view?.rateGrowthApy ?? (token?.kind === 'native' ? 0 : tokenView?.rateGrowthApy ?? null);
  const src: AssetView | undefined = a.kind === 'lending' ? tokenView ?? view : view;
  // Reported APYs enter as their average over the window; the latest reading alone is one day's noise.
  const avg = (v: AssetView | undefined, f: 'apyBase' | 'apyMev' | 'apyRestaking' | 'apyIncentives' | 'apyLending') => v?.apyAverage[f] ?? fieldValue(v, f) ?? null;
  const base = avg(src, 'apyBase');
  const mev = avg(src, 'apyMev');
  const restaking = avg(src, 'apyRestaking');
  const incentives = avg(src, 'apyIncentives');
  const lending = a.kind === 'lending' ? avg(view, 'apyLending') : null;
  const reported = base === null && mev === null && restaking === null ? null : (base ?? 0) + (mev ?? 0) + (restaking ?? 0);
  const staking = conservative && rateGrowth !== null && reported !== null ? Math.min(rateGrowth, reported) : rateGrowth ?? reported;
  const parts: string[] = [];
  if (conservative && rateGrowth !== null && reported !== null) parts.push('staking at the lower of reported and rate-implied APY (readings disagree)');
  else if (rateGrowth !== null) parts.push('staking from fair-rate growth');
  else if (reported !== null) parts.push('staking from reported APY (no rate history)');
  else if (a.kind !== 'lending') parts.push('no staking yield data');
  if (incentives !== null) parts.push(`incentives at ${Math.round(incentiveHaircut * 100)} %`);
  if (a.kind === 'lending') parts.push(lending === null ? 'no supply APY data' : 'supply APY');
  const total = (staking ?? 0) + (incentives ?? 0) * incentiveHaircut + (lending ?? 0);
  return { rateGrowth, base, mev, restaking, incentives, lending, total, note: parts.join('; ') };
}

/** Score one asset: yield, expected loss by layer, costs at size, and whether it may take new money and why not. */
export function scoreAsset(ctx: ScoreContext, a: AssetInfo): AssetScore {
  const { universe: u, snapshot: snap, limits } = ctx;
  const reasons: string[] = [];
  const stack = stackLoss(u, a);
  const y = yieldOf(u, snap, a, ctx.incentiveHaircut, ctx.conservativeYield?.has(a.id) ?? false);
  const view = snap.assets.get(a.id);
  const fair = fairRate(u, snap, a.id);
  const market = marketRate(u, snap, a.id);
  const depeg = a.kind !== 'native' && fair !== undefined && market !== undefined ? market / fair - 1 : null;
  const tvl = fieldValue(view, 'tvlBase') ?? null;
  const maxDelay = parseDuration(limits.maxRedemptionDelay) / 1000;
  const opts: ChoiceOptions = { maxDelaySeconds: maxDelay, maxSlippage: ctx.maxSlippage, yieldApy: y.total };
  const entry = entryCost(u, snap, a, ctx.sizeBase, opts);
  const exit = exitCost(u, snap, a, ctx.sizeBase, opts);
  const entryFraction = entry ? totalCost(entry) : Infinity;
  const exitFraction = exit ? totalCost(exit) : Infinity;

  if (a.kind !== 'native') {
    if (fair === undefined) reasons.push('no fair exchange rate recorded');
    const hasYield = y.rateGrowth !== null || y.base !== null || y.lending !== null;
    if (!hasYield) reasons.push('no yield data (no rate history long enough and no reported APY)');
    if (a.kind === 'lending' && y.lending === null) reasons.push('no supply APY recorded');
    const excluded = ctx.excluded.get(a.id);
    if (excluded) reasons.push(`breaker: ${excluded}`);
    if (depeg !== null && -depeg > limits.maxDepeg) reasons.push(`trades ${(-depeg * 100).toFixed(3)} % below its fair rate (limit ${(limits.maxDepeg * 100).toFixed(2)} %)`);
    if (stack.probability > limits.maxLossProbability) reasons.push(`annual loss probability ${(stack.probability * 100).toFixed(2)} % above limit ${(limits.maxLossProbability * 100).toFixed(2)} %`);
    if (limits.minTvlBase > 0) {
      if (tvl === null) reasons.push(`TVL not recorded; minimum ${limits.minTvlBase} cannot be checked`);
      else if (tvl < limits.minTvlBase) reasons.push(`TVL ${tvl.toFixed(0)} below minimum ${limits.minTvlBase}`);
    }
    if (!entry) reasons.push('no entry route within slippage bound');
    if (!exit) reasons.push(`no exit route within ${limits.maxRedemptionDelay} and the slippage bound at size`);
    else if (exitFraction > limits.maxExitCost) reasons.push(`exit cost ${(exitFraction * 100).toFixed(3)} % at size above limit ${(limits.maxExitCost * 100).toFixed(2)} %`);
  }
  // Symmetric: an exit below fair counts the discount, so an entry below fair gains it; they net out over
  // the round trip. The round trip as a whole never counts as income (it is not banked until redemption).
  const roundTrip = Math.max(0, entryFraction + exitFraction) / ctx.horizonYears;
  const score = y.total - stack.expectedLoss - (Number.isFinite(roundTrip) ? roundTrip : 0);
  return {
    asset: a.id,
    eligible: reasons.length === 0,
    reasons,
    yield: y,
    expectedLoss: stack.expectedLoss,
    lossProbability: stack.probability,
    layers: stack.layers,
    depeg,
    entryCost: Number.isFinite(entryFraction) ? entryFraction : 1,
    exitCost: Number.isFinite(exitFraction) ? exitFraction : 1,
    exitDelaySeconds: exit ? totalDelay(exit) : 0,
    exitRoute: exit ? exit.map((c) => `${c.quote.kind}@${c.quote.venue}`).join(' → ') || 'none needed' : 'none',
    tvlBase: tvl,
    score,
  };
}

export function scoreUniverse(ctx: ScoreContext): AssetScore[] {
  return ctx.universe.assets.map((a) => scoreAsset(ctx, a));
}

export function horizonYears(horizon: string): number {
  return parseDuration(horizon) / YEAR;
}
