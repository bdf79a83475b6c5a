import type { AssetId } from '../domain/asset.js';
import { readCostSplit, type CostSplit } from '../domain/cost-split.js';
import type { PlannedAction } from '../domain/action.js';
import type { Observation } from '../domain/observation.js';
import type { Portfolio } from '../domain/portfolio.js';
import type { LoadedVault } from '../config/load-vault.js';
import { executePaper } from '../executor/paper-executor.js';
import { decideCycle, type DecisionSettings } from '../keeper/decide-cycle.js';
import { initialPortfolio } from '../keeper/keeper.js';
import { accrueRebasing } from '../market/accrual.js';
import type { GateVerdict } from '../market/quarantine.js';
import { trustedMarketFor } from '../keeper/trusted-market-for.js';
import { currentWeights, valuePortfolio } from '../market/valuation.js';
import type { Snapshot } from '../market/asset-view.js';
import type { AllocationBounds } from '../risk/allocation-bounds.js';
import { heldBreaches } from './held-breaches.js';
import type { BreakerFiring } from '../risk/breakers.js';
import { NO_EPISODES, type DepegMemory } from '../risk/depeg-episodes.js';
import type { HistoryView } from '../strategy/history-view.js';
import type { LpSolver } from '../strategy/lp-solver.js';
import type { Strategy } from '../strategy/strategy.js';

export interface BacktestSpec {
  readonly vault: LoadedVault;
  readonly strategy: Strategy<unknown>;
  readonly params: unknown;
  readonly solver: LpSolver;
  /** Recorded readings in time order (the whole loaded history). */
  readonly rows: readonly Observation[];
  readonly from: number;
  readonly to: number;
  readonly step: number;
  /** Called after each decision step, e.g. for a progress bar. */
  readonly onStep?: ((done: number, total: number) => void) | undefined;
  /** Called with each step's snapshot and bounds (for callers that want them). */
  readonly onSnapshot?: ((t: number, snapshot: Snapshot, bounds: AllocationBounds | undefined) => void) | undefined;
}

/** One decision step of a backtest, after its trades. */
export interface StepRecord {
  readonly t: number;
  /** NAV marked to market, whole base units. */
  readonly nav: number;
  /** Cumulative costs paid so far (fees, slippage, depeg given up, gas), whole base units. */
  readonly cumCost: number;
  readonly weights: Readonly<Record<AssetId, number>>;
  /** Fraction of NAV in redemption queues (counted in the base asset's weight above, shown apart in reports). */
  readonly queued: number;
  readonly targets: Readonly<Record<AssetId, number>> | undefined;
  /** Annual expected loss of the allocation held after this step (Σ w·EL). */
  readonly expectedLoss: number;
  /** Each asset's yield estimate at this step (for the report). */
  readonly yields: Readonly<Record<AssetId, number>>;
  readonly halted: string | undefined;
  /** The decision's rationale (which limits bound), as the keeper journals it. */
  readonly rationale?: readonly string[] | undefined;
  /** Limits the held (post-trade) allocation exceeds by more than the dead band. */
  readonly breaches: readonly string[];
}

export interface ActionRecord {
  readonly t: number;
  readonly action: PlannedAction;
  readonly status: 'confirmed' | 'failed' | 'skipped';
  /** Value of what was handed in, whole base units (for turnover). */
  readonly valueBase: number;
  readonly costBase: number;
  /** The fill's cost in parts (gas, fee, slippage, depeg), base units, as the executor split it. */
  readonly split?: CostSplit | undefined;
  readonly reason?: string | undefined;
}

export interface BacktestResult {
  readonly strategy: string;
  readonly params: unknown;
  readonly steps: readonly StepRecord[];
  readonly actions: readonly ActionRecord[];
  readonly firings: ReadonlyArray<{ t: number; firing: BreakerFiring }>;
  readonly startNav: number;
  /** Observation rows consumed. */
  readonly rowsRead: number;
  /** What the plausibility gate did with the readings (quarantined, confirmed, discarded, rejected, stale), by decision step. */
  readonly trust?: ReadonlyArray<{ t: number; verdict: GateVerdict }> | undefined;
  /** Decision steps at which a held asset was frozen by quarantined readings, with why. */
  readonly frozenHeld?: ReadonlyArray<{ t: number; asset: AssetId; reason: string }> | undefined;
}

/**
 * Replays recorded history through exactly the keeper's decision path (decideCycle) and the paper
 * executor's fill model, with no journal and no I/O, as fast as the decisions allow. A decision at t
 * sees only rows recorded at or before t (except what a strategy deliberately reaches for in
 * `history`, which the lookahead check exists to catch).
 */
export function simulate(spec: BacktestSpec): BacktestResult {
  const { vault } = spec;
  const u = vault.universe;
  const c = vault.config;
  const settings: DecisionSettings = { universe: u, limits: c.limits, breakers: c.breakers, planner: c.planner, incentiveHaircut: c.scoring.incentiveHaircut, trust: c.trust };
  const market = trustedMarketFor(vault);
  const trust: Array<{ t: number; verdict: GateVerdict }> = [];
  const frozenHeld: Array<{ t: number; asset: AssetId; reason: string }> = [];
  const history: HistoryView = { rows: spec.rows };
  const scale = 10 ** u.baseDecimals;
  let portfolio: Portfolio = initialPortfolio(vault);
  let peakNav = 0n;
  let depegMemory: DepegMemory = NO_EPISODES;
  let cursor = 0;
  let cumCost = 0;
  const steps: StepRecord[] = [];
  const actions: ActionRecord[] = [];
  const firings: Array<{ t: number; firing: BreakerFiring }> = [];
  const total = Math.max(0, Math.floor((spec.to - spec.from) / spec.step) + 1);
  // Every initial holding counts, valued at the first decision's readings (set at the first step).
  let startNav = 0;
  const rows = spec.rows;
  let done = 0;

  for (let t = spec.from; t <= spec.to; t += spec.step) {
    while (cursor < rows.length && (rows[cursor] as Observation).time <= t) {
      const verdicts = market.ingest(rows[cursor++] as Observation);
      for (const verdict of verdicts) trust.push({ t, verdict });
    }
    const snapshot = market.view(t);
    portfolio = accrueRebasing(u, snapshot, portfolio);
    const quarantined = new Map([...market.quarantined()].map(([id, q]) => [id, q.message]));
    const d = decideCycle({ settings, strategy: spec.strategy, params: spec.params, solver: spec.solver, snapshot, portfolio, peakNav, now: t, history, quarantined, depegMemory });
    depegMemory = d.depeg.memory;
    for (const [asset, reason] of d.frozen) if (portfolio.holdings.has(asset)) frozenHeld.push({ t, asset, reason });
    if (d.valuation.nav > peakNav) peakNav = d.valuation.nav;
    if (steps.length === 0) startNav = Number(d.valuation.nav) / scale;
    for (const f of d.firings) if (f.held || f.action === 'halt') firings.push({ t, firing: f });
    spec.onSnapshot?.(t, snapshot, d.bounds);
    for (const a of d.plan.actions) {
      const r = executePaper(a, portfolio, { universe: u, snapshot, now: t, onStatus: () => {} });
      // Net of any gain against fair (a buy below fair), so costs count both ways.
      const cost = r.fill ? Number(r.fill.costBase - (r.fill.gainBase ?? 0n)) / scale : 0;
      const fromAsset = u.registryAssets.get(a.from);
      const mark = d.valuation.marks[a.from] ?? 1;
      const valueBase = fromAsset?.id === u.baseAsset || a.kind === 'redeem-claim' ? Number(a.amountIn) / scale : (Number(a.amountIn) / 10 ** (fromAsset?.decimals ?? u.baseDecimals)) * mark;
      actions.push({ t, action: a, status: r.status, valueBase, costBase: cost, split: r.fill ? readCostSplit(r.fill.detail) : undefined, reason: r.status === 'failed' ? String(r.detail.reason ?? '') : undefined });
      if (r.status === 'confirmed') {
        portfolio = r.portfolio;
        cumCost += cost;
      }
    }
    const after = d.plan.actions.length ? valuePortfolio(u, snapshot, portfolio) : d.valuation;
    const weights = d.plan.actions.length ? currentWeights(u, after) : d.current;
    const scoreMap = new Map(d.scores.map((s) => [s.asset, s]));
    let el = 0;
    const yields: Record<AssetId, number> = {};
    for (const s of d.scores) yields[s.asset] = s.yield.total;
    for (const [id, w] of Object.entries(weights)) el += w * (scoreMap.get(id)?.expectedLoss ?? 0);
    steps.push({
      t,
      nav: Number(after.nav) / scale,
      cumCost,
      weights,
      queued: after.nav > 0n ? Number(after.pendingBase) / Number(after.nav) : 0,
      targets: d.decision?.weights,
      expectedLoss: el,
      yields,
      halted: d.halt,
      rationale: d.decision?.rationale,
      breaches: heldBreaches(weights, d.bounds, c.limits, u, c.planner.deadBand),
    });
    spec.onStep?.(++done, total);
  }
  return { strategy: spec.strategy.name, params: spec.params, steps, actions, firings, startNav, rowsRead: cursor, trust, frozenHeld };
}
