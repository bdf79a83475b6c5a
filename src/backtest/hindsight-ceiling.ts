import type { AssetId } from '../domain/asset.js';
import type { Observation } from '../domain/observation.js';
import { parseDuration, YEAR } from '../domain/time.js';
import type { LoadedVault } from '../config/load-vault.js';
import { MarketState } from '../market/market-state.js';
import type { Snapshot } from '../market/asset-view.js';
import { markOf, valuePortfolio } from '../market/valuation.js';
import { buildBounds } from '../risk/allocation-bounds.js';
import { breakerEffect, evaluateBreakers } from '../risk/breakers.js';
import { horizonYears, scoreUniverse } from '../risk/score-asset.js';
import { solveAllocation } from '../strategy/allocation-lp.js';
import { EMPTY_HISTORY } from '../strategy/history-view.js';
import type { LpSolver } from '../strategy/lp-solver.js';
import { initialPortfolio } from '../keeper/keeper.js';

export interface CeilingStep {
  readonly t: number;
  readonly nav: number;
  readonly weights: Readonly<Record<AssetId, number>>;
}

export interface CeilingResult {
  readonly steps: readonly CeilingStep[];
  readonly netApy: number;
}

/** Value of one unit of `id` at a snapshot, counting a rebasing position's supply index. */
function unitValue(v: LoadedVault, snap: Snapshot, id: AssetId): number | undefined {
  const u = v.universe;
  const mark = markOf(u, snap, id);
  if (mark === undefined) return undefined;
  const a = u.byId.get(id);
  const idx = a?.rebasing ? snap.assets.get(id)?.fields.supplyIndex?.value : undefined;
  return a?.rebasing ? (idx === undefined ? undefined : mark * idx) : mark;
}

/**
 * The best any allocation could have done: at each decision time, the weights that maximize the next
 * period's realized return under the same hard limits (as a fresh vault would face them), with perfect
 * foresight and no switching cost. Compounded, it is the ceiling a strategy's capture ratio is measured
 * against.
 */
export function hindsightCeiling(v: LoadedVault, rows: readonly Observation[], from: number, to: number, step: number, solver: LpSolver): CeilingResult {
  const u = v.universe;
  const c = v.config;
  const window = parseDuration(c.apyWindow);
  const market = new MarketState(window, Math.max(window, parseDuration(c.breakers.staleData.maxAge)));
  const fresh = initialPortfolio(v);
  const H = horizonYears(c.planner.horizon);
  const times: number[] = [];
  for (let t = from; t <= to; t += step) times.push(t);
  const snaps: Snapshot[] = [];
  let cursor = 0;
  for (const t of times) {
    while (cursor < rows.length && (rows[cursor] as Observation).time <= t) market.ingest(rows[cursor++] as Observation);
    snaps.push(market.view(t));
  }
  let nav = 1;
  const steps: CeilingStep[] = [];
  for (let k = 0; k < times.length; k++) {
    const t = times[k] as number;
    const snap = snaps[k] as Snapshot;
    const next = snaps[k + 1];
    if (!next) {
      steps.push({ t, nav, weights: { [u.baseAsset]: 1 } });
      break;
    }
    const valuation = valuePortfolio(u, snap, fresh);
    const navBase = Number(valuation.nav) / 10 ** u.baseDecimals;
    const firings = evaluateBreakers({ universe: u, snapshot: snap, valuation, held: new Set(), peakNav: 0n, config: c.breakers, now: t });
    const effect = breakerEffect(u, firings);
    const scores = scoreUniverse({ universe: u, snapshot: snap, limits: c.limits, sizeBase: navBase * c.limits.maxWeightPerAsset, horizonYears: H, incentiveHaircut: c.scoring.incentiveHaircut, maxSlippage: c.planner.maxSlippage, excluded: effect.excluded });
    const scoreMap = new Map(scores.map((s) => [s.asset, s]));
    const bounds = buildBounds({ universe: u, snapshot: snap, scores: scoreMap, current: { [u.baseAsset]: 1 }, limits: c.limits, effect, navBase, maxSlippage: c.planner.maxSlippage });
    const realized: Record<AssetId, number> = {};
    for (const a of u.assets) {
      if (a.id === u.baseAsset) {
        realized[a.id] = 0;
        continue;
      }
      const v0 = unitValue(v, snap, a.id);
      const v1 = unitValue(v, next, a.id);
      realized[a.id] = v0 !== undefined && v1 !== undefined && v0 > 0 ? v1 / v0 - 1 : 0;
    }
    const r = solveAllocation(
      { now: t, universe: u, snapshot: snap, scores: scoreMap, bounds, current: { [u.baseAsset]: 1 }, navBase, horizonYears: H, maxSlippage: c.planner.maxSlippage, solver, history: EMPTY_HISTORY },
      // Scaled to annual terms so the LP's tolerances see numbers of a sensible size.
      { value: (id) => (realized[id] ?? 0) * (YEAR / Math.max(1, (times[k + 1] as number) - t)), chargeCosts: false, slices: 1 },
    );
    steps.push({ t, nav, weights: r.weights });
    let growth = 0;
    for (const [id, w] of Object.entries(r.weights)) growth += w * (realized[id] ?? 0);
    nav *= 1 + growth;
  }
  const years = ((steps[steps.length - 1]?.t ?? from) - from) / YEAR;
  return { steps, netApy: years > 0 ? Math.pow(nav, 1 / years) - 1 : 0 };
}
