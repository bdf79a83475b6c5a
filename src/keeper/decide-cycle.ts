import type { AssetId } from '../domain/asset.js';
import type { Portfolio } from '../domain/portfolio.js';
import type { AssetScore } from '../domain/score.js';
import { TrustSchema, type Breakers, type Limits, type PlannerConfig, type TrustConfig } from '../config/vault-schema.js';
import { assessTrust, type TrustAssessment } from '../risk/trust.js';
import type { Universe } from '../config/universe.js';
import { KeeperError } from '../errors.js';
import type { Snapshot } from '../market/asset-view.js';
import { currentWeights, valuePortfolio, type Valuation } from '../market/valuation.js';
import { planRebalance, type Plan } from '../planner/plan-rebalance.js';
import { buildBounds, checkLimits, type AllocationBounds, type LimitBreach } from '../risk/allocation-bounds.js';
import { breakerEffect, evaluateBreakers, type BreakerEffect, type BreakerFiring } from '../risk/breakers.js';
import { horizonYears, scoreUniverse } from '../risk/score-asset.js';
import { respondToDepegs, type DepegOutcome } from '../risk/depeg-breaker.js';
import { NO_EPISODES, type DepegMemory } from '../risk/depeg-episodes.js';
import type { LpSolver } from '../strategy/lp-solver.js';
import type { Strategy, StrategyDecision } from '../strategy/strategy.js';
import { EMPTY_HISTORY, type HistoryView } from '../strategy/history-view.js';
import { freezeEffect, frozenAssets, pinFrozen } from '../risk/quarantine-effect.js';

/** The settings of a vault that shape decisions (no paths, no I/O). */
export interface DecisionSettings {
  readonly universe: Universe;
  readonly limits: Limits;
  readonly breakers: Breakers;
  readonly planner: PlannerConfig;
  readonly incentiveHaircut: number;
  /** Cross-checks of readings; the schema's defaults when absent. */
  readonly trust?: TrustConfig | undefined;
}

const DEFAULT_TRUST = TrustSchema.parse({});

export interface DecisionInput {
  readonly settings: DecisionSettings;
  readonly strategy: Strategy<unknown>;
  readonly params: unknown;
  readonly solver: LpSolver;
  readonly snapshot: Snapshot;
  /** Holdings after accrual up to `now`. */
  readonly portfolio: Portfolio;
  readonly peakNav: bigint;
  readonly now: number;
  /** Readings strategies may look back over (see HistoryView); none by default. */
  readonly history?: HistoryView | undefined;
  /** Assets whose readings the gate holds back, with why: valued at their last trusted state, not traded. */
  readonly quarantined?: ReadonlyMap<AssetId, string> | undefined;
  /** Depeg episodes in progress, from the previous cycle's decision (hysteresis); none at the first. */
  readonly depegMemory?: DepegMemory | undefined;
}

export interface CycleDecision {
  readonly valuation: Valuation;
  readonly current: Readonly<Record<AssetId, number>>;
  readonly firings: readonly BreakerFiring[];
  readonly effect: BreakerEffect;
  readonly trust: TrustAssessment;
  /** Assets not traded this cycle because their (or their supplied token's) readings are quarantined. */
  readonly frozen: ReadonlyMap<AssetId, string>;
  readonly scores: readonly AssetScore[];
  readonly bounds: AllocationBounds | undefined;
  readonly decision: StrategyDecision | undefined;
  readonly breaches: readonly LimitBreach[];
  /** Why no plan was made, when none was. */
  readonly halt: string | undefined;
  readonly plan: Plan;
  /** The depeg responses and the episodes to carry into the next cycle. */
  readonly depeg: DepegOutcome;
}

const NO_PLAN: Plan = { actions: [], skipped: [] };

/**
 * One decision, start to finish, with no I/O: value → breakers → score → strategy → limit check →
 * plan. Paper, live and backtest all call exactly this; only what feeds it and what executes its plan
 * differ.
 */
export function decideCycle(i: DecisionInput): CycleDecision {
  const { settings: s, snapshot, portfolio, now } = i;
  const u = s.universe;
  const valuation = valuePortfolio(u, snapshot, portfolio);
  const current = currentWeights(u, valuation);
  // A position already in a redemption queue is pending, not held: no breaker re-fires on it.
  const held = new Set([...portfolio.holdings.keys()].filter((id) => id !== u.baseAsset));
  const trustConfig = s.trust ?? DEFAULT_TRUST;
  const depeg = respondToDepegs(u, snapshot, valuation, held, i.depegMemory ?? NO_EPISODES, { breakers: s.breakers, limits: s.limits, planner: s.planner, trust: trustConfig }, now);
  const firings = [...evaluateBreakers({ universe: u, snapshot, valuation, held, peakNav: i.peakNav, config: s.breakers, now }), ...depeg.firings];
  const breakers = breakerEffect(u, firings, depeg);
  const trust = assessTrust(u, snapshot, trustConfig);
  // Unreliable readings keep new money out exactly as a breaker's exclusion does.
  const excluded = new Map(breakers.excluded);
  for (const [id, why] of trust.unreliable) if (!excluded.has(id)) excluded.set(id, `unreliable reading: ${why}`);
  const frozen = frozenAssets(u.assets, i.quarantined ?? new Map());
  const effect: BreakerEffect = freezeEffect({ ...breakers, excluded }, frozen);
  const navBase = Number(valuation.nav) / 10 ** u.baseDecimals;
  const H = horizonYears(s.planner.horizon);
  const scores = scoreUniverse({
    universe: u,
    snapshot,
    limits: s.limits,
    sizeBase: navBase * s.limits.maxWeightPerAsset,
    horizonYears: H,
    incentiveHaircut: s.incentiveHaircut,
    maxSlippage: s.planner.maxSlippage,
    excluded: effect.excluded,
    conservativeYield: trust.conservative,
  });
  const base = { valuation, current, firings, effect, trust, frozen, scores, depeg };
  if (effect.halt) {
    const why = firings.filter((f) => f.action === 'halt').map((f) => f.message).join('; ');
    return { ...base, bounds: undefined, decision: undefined, breaches: [], halt: `halted by breaker: ${why}`, plan: NO_PLAN };
  }
  if (valuation.unpriced.length > 0) {
    return { ...base, bounds: undefined, decision: undefined, breaches: [], halt: `cannot value ${valuation.unpriced.join(', ')}`, plan: NO_PLAN };
  }
  const scoreMap = new Map(scores.map((x) => [x.asset, x]));
  const bounds = buildBounds({ universe: u, snapshot, scores: scoreMap, current, limits: s.limits, effect, navBase, maxSlippage: s.planner.maxSlippage });
  let decision: StrategyDecision;
  try {
    decision = i.strategy.decide(
      { now, universe: u, snapshot, scores: scoreMap, bounds, current, navBase, horizonYears: H, maxSlippage: s.planner.maxSlippage, solver: i.solver, history: i.history ?? EMPTY_HISTORY },
      i.params,
    );
  } catch (e) {
    const msg = e instanceof KeeperError || e instanceof Error ? e.message : String(e);
    return { ...base, bounds, decision: undefined, breaches: [], halt: `strategy ${i.strategy.name} failed: ${msg}`, plan: NO_PLAN };
  }
  const breaches = checkLimits(decision.weights, bounds);
  if (breaches.length > 0) {
    return { ...base, bounds, decision, breaches, halt: `decision rejected: ${breaches.map((b) => `${b.limit} (${b.value.toFixed(6)} vs ${b.bound})`).join('; ')}`, plan: NO_PLAN };
  }
  const plan = planRebalance({
    universe: u,
    snapshot,
    portfolio,
    valuation,
    targets: pinFrozen(decision.weights, current, frozen),
    config: s.planner,
    maxRedemptionDelay: s.limits.maxRedemptionDelay,
    scores: scoreMap,
    forceExit: effect.forceExit,
    exitRoute: effect.exitRoute,
    noMarketSale: effect.noMarketSale,
    now,
  });
  return { ...base, bounds, decision, breaches, halt: undefined, plan };
}
