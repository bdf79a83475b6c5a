import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Universe } from '../src/config/universe.js';
import { LimitsSchema, type Limits } from '../src/config/vault-schema.js';
import type { Portfolio } from '../src/domain/portfolio.js';
import type { AssetScore } from '../src/domain/score.js';
import { decideCycle, type CycleDecision, type DecisionSettings } from '../src/keeper/decide-cycle.js';
import type { Snapshot } from '../src/market/asset-view.js';
import { valuePortfolio } from '../src/market/valuation.js';
import { executePaper } from '../src/executor/paper-executor.js';
import { checkLimits, type AllocationBounds } from '../src/risk/allocation-bounds.js';
import type { LpSolver } from '../src/strategy/lp-solver.js';
import {
  NOW,
  STRATEGY_NAMES,
  buildPortfolio,
  costFreeRegistry,
  ethMarketArb,
  ethObservations,
  ethVault,
  highs,
  limitsArb,
  loadShippedStrategies,
  portfolioSpecArb,
  settingsOf,
  seed,
  snapshotOf,
  universeOf,
  type EthMarketSpec,
  type LoadedStrategy,
  type PortfolioSpec,
  type StrategyName,
} from './support/core-fixtures.js';

let solver: LpSolver;
let strategies: Record<StrategyName, LoadedStrategy>;

beforeAll(async () => {
  [solver, strategies] = await Promise.all([highs(), loadShippedStrategies()]);
});

interface Case {
  readonly market: EthMarketSpec;
  readonly portfolio: PortfolioSpec;
  readonly limits: Limits;
  /** peakNav = nav × (1 + this): > 0.05 trips the drawdown breaker. */
  readonly peakAbove: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  market: ethMarketArb,
  portfolio: portfolioSpecArb,
  limits: limitsArb,
  peakAbove: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 0.1, noNaN: true }) }),
});

function setup(c: Case, u: Universe = ethVault().universe) {
  const snapshot = snapshotOf(ethObservations(c.market, NOW), NOW);
  const portfolio = buildPortfolio(u, snapshot, c.portfolio, NOW);
  const nav = valuePortfolio(u, snapshot, portfolio).nav;
  const peakNav = (nav * BigInt(Math.round((1 + c.peakAbove) * 1e6))) / 1_000_000n;
  return { snapshot, portfolio, peakNav };
}

function decide(name: StrategyName, settings: DecisionSettings, snapshot: Snapshot, portfolio: Portfolio, peakNav: bigint, params?: unknown): CycleDecision {
  const s = strategies[name];
  return decideCycle({ settings, strategy: s.strategy, params: params ?? s.params, solver, snapshot, portfolio, peakNav, now: NOW });
}

/** Every weight vector handed back must be a valid allocation inside the cycle's own bounds. */
function expectValidDecision(d: CycleDecision, u: Universe): void {
  if (d.halt !== undefined) {
    // The LP is always feasible (all in the base asset satisfies every limit), so the only acceptable
    // halts are a halting breaker or an unpriceable holding — never a rejected or failed strategy.
    expect(d.halt).toMatch(/^(halted by breaker: |cannot value )/);
    expect(d.plan.actions).toEqual([]);
    return;
  }
  const w = d.decision?.weights as Record<string, number>;
  const bounds = d.bounds as AllocationBounds;
  const sum = Object.values(w).reduce((a, b) => a + b, 0);
  expect(Math.abs(sum - 1)).toBeLessThanOrEqual(1e-6);
  for (const [id, x] of Object.entries(w)) {
    expect(u.byId.has(id)).toBe(true);
    expect(Number.isFinite(x)).toBe(true);
    expect(x).toBeGreaterThanOrEqual(0);
  }
  expect(checkLimits(w, bounds)).toEqual([]);
  expect(d.breaches).toEqual([]);
  // forced exits really are zero
  for (const id of d.effect.forceExit) expect(w[id] ?? 0).toBe(0);
}

describe('every shipped strategy, random markets / portfolios / limits', () => {
  it('weights sum to 1, are non-negative and break no limit (or the cycle halts for a stated breaker reason)', () => {
    const vault = ethVault();
    const u = vault.universe;
    let decided = 0;
    let total = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const settings = settingsOf(vault, { limits: c.limits });
        const { snapshot, portfolio, peakNav } = setup(c);
        for (const name of STRATEGY_NAMES) {
          const d = decide(name, settings, snapshot, portfolio, peakNav);
          expectValidDecision(d, u);
          total++;
          if (d.halt === undefined) decided++;
        }
      }),
      { numRuns: 80, seed: seed(20250301) },
    );
    // the property is not vacuous: most cycles reach a decision
    expect(decided / total).toBeGreaterThan(0.5);
  });

  it('is deterministic: the same inputs, folded afresh, give deep-equal decisions', () => {
    const vault = ethVault();
    fc.assert(
      fc.property(caseArb, fc.constantFrom(...STRATEGY_NAMES), (c, name) => {
        const settings = settingsOf(vault, { limits: c.limits });
        const a = setup(c);
        const b = setup(c);
        const d1 = decide(name, settings, a.snapshot, a.portfolio, a.peakNav);
        const d2 = decide(name, settings, b.snapshot, b.portfolio, b.peakNav);
        expect(d2).toStrictEqual(d1);
        // and a second run on the very same objects too
        expect(decide(name, settings, a.snapshot, a.portfolio, a.peakNav)).toStrictEqual(d1);
      }),
      { numRuns: 40, seed: seed(7) },
    );
  });
});

describe('decide → fill on paper → decide again', () => {
  it('is stable: the second cycle at the same time plans nothing, for every strategy (property)', () => {
    const vault = ethVault();
    const u = vault.universe;
    let moved = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const settings = settingsOf(vault, { limits: c.limits });
        const { snapshot, portfolio: p0, peakNav } = setup({ ...c, portfolio: { ...c.portfolio, values: { ...c.portfolio.values, ETH: Math.max(1, c.portfolio.values.ETH ?? 0) } } });
        for (const name of STRATEGY_NAMES) {
          const d1 = decide(name, settings, snapshot, p0, peakNav);
          if (d1.halt !== undefined) continue;
          let p = p0;
          for (const a of d1.plan.actions) {
            const r = executePaper(a, p, { universe: u, snapshot, now: NOW, onStatus: () => {} });
            expect(r.status).toBe('confirmed');
            p = r.portfolio;
          }
          if (d1.plan.actions.length > 0) moved++;
          const d2 = decide(name, settings, snapshot, p, peakNav);
          expectValidDecision(d2, u);
          expect(d2.plan.actions).toEqual([]);
        }
      }),
      { numRuns: 50, seed: seed(17) },
    );
    expect(moved).toBeGreaterThan(40);
  });
});

describe('risk-adjusted is optimal (costs off)', () => {
  /** Σ w·(yield − λ·EL), the strategy's objective without costs. */
  const objective = (w: Readonly<Record<string, number>>, scores: readonly AssetScore[], lambda: number) =>
    scores.reduce((s, x) => s + (w[x.asset] ?? 0) * (x.yield.total - lambda * x.expectedLoss), 0);

  /** Random points inside the box, the base asset taking the rest; kept only when every limit holds. */
  function randomFeasible(b: AllocationBounds, rnd: () => number, n: number): Array<Record<string, number>> {
    const out: Array<Record<string, number>> = [];
    const others = b.assets.filter((id) => id !== b.baseAsset);
    for (let k = 0; k < n; k++) {
      const w: Record<string, number> = {};
      const scale = rnd();
      let sum = 0;
      for (const id of others) {
        const x = rnd() < 0.3 ? 0 : rnd() * (b.hi[id] ?? 0) * scale;
        w[id] = x;
        sum += x;
      }
      if (sum > 1) for (const id of others) w[id] = (w[id] as number) / sum;
      w[b.baseAsset] = Math.max(0, 1 - Math.min(1, sum));
      if (checkLimits(w, b).length === 0) out.push(w);
    }
    // the current allocation and all-base are feasible candidates too
    if (checkLimits(b.current, b).length === 0) out.push({ ...b.current });
    out.push({ [b.baseAsset]: 1 });
    return out;
  }

  it('no random feasible allocation beats it on Σ w·(yield − EL)', () => {
    const vault = ethVault();
    const u = universeOf(vault, costFreeRegistry(vault.registry));
    const params = { riskAversion: 1, slices: 6, turnoverPenalty: 0 };
    let compared = 0;
    let nontrivial = 0;
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 2 ** 30 }), (c, rngSeed) => {
        const settings = settingsOf(vault, { universe: u, limits: c.limits });
        // unlimited lending liquidity, so no exit is ever priced as unavailable (which would be a cost)
        const lending = Object.fromEntries(Object.entries(c.market.lending).map(([k, l]) => [k, l && { ...l, exitLiquidity: undefined }]));
        const { snapshot, portfolio, peakNav } = setup({ ...c, market: { ...c.market, lending } }, u);
        const d = decide('risk-adjusted', settings, snapshot, portfolio, peakNav, params);
        expectValidDecision(d, u);
        if (d.halt !== undefined) return;
        const best = objective(d.decision?.weights ?? {}, d.scores, 1);
        if (Object.entries(d.decision?.weights ?? {}).some(([id, x]) => id !== 'ETH' && x > 1e-6)) nontrivial++;
        let s = rngSeed;
        const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
        for (const w of randomFeasible(d.bounds as AllocationBounds, rnd, 60)) {
          compared++;
          // checkLimits accepts up to 1e-7 over a cap, worth at most ~1e-8 of objective; a real miss is ≫ that
          expect(objective(w, d.scores, 1)).toBeLessThanOrEqual(best + 1e-7);
        }
      }),
      { numRuns: 80, seed: seed(99) },
    );
    expect(compared).toBeGreaterThan(200);
    expect(nontrivial).toBeGreaterThan(15); // the optimum is usually not just "all in ETH"
  });
});

describe('strategy-specific properties', () => {
  it('lst-conservative never gives weight to anything but LSTs and the native asset', () => {
    const vault = ethVault();
    const u = vault.universe;
    fc.assert(
      fc.property(caseArb, (c) => {
        const settings = settingsOf(vault, { limits: c.limits });
        const { snapshot, portfolio, peakNav } = setup(c);
        const d = decide('lst-conservative', settings, snapshot, portfolio, peakNav);
        expectValidDecision(d, u);
        if (d.halt !== undefined) return;
        for (const [id, w] of Object.entries(d.decision?.weights ?? {})) {
          const kind = u.byId.get(id)?.kind;
          if (kind !== 'native' && kind !== 'lst') expect(w).toBe(0);
          if (kind === 'lst') expect(w).toBeLessThanOrEqual(0.5 + 1e-9); // its own maxPerLst default
        }
      }),
      { numRuns: 60, seed: seed(3) },
    );
  });

  it('chase-apy fills assets in order of raw APY up to their caps (box limits only)', () => {
    const vault = ethVault();
    const u = vault.universe;
    const rawApy = (s: AssetScore) => {
      const y = s.yield;
      return (y.rateGrowth ?? (y.base === null ? 0 : y.base + (y.mev ?? 0) + (y.restaking ?? 0))) + (y.incentives ?? 0) + (y.lending ?? 0);
    };
    let checked = 0;
    fc.assert(
      fc.property(caseArb, fc.double({ min: 0.05, max: 1, noNaN: true }), (c, perAsset) => {
        // only per-asset caps: no groups, kinds, liquidity or expected-loss limit (and lenient eligibility)
        const limits = LimitsSchema.parse({ ...c.limits, maxWeightPerAsset: perAsset, maxWeightPerGroup: { protocol: 1, restaking: 1, operators: 1, underlying: 1 }, groupCaps: {}, maxWeightPerKind: {}, minLiquidWeight: 0, maxExpectedLoss: 1, maxLossProbability: 1, maxExitCost: 0.03, maxRedemptionDelay: '30d' });
        const settings = settingsOf(vault, { limits });
        const { snapshot, portfolio, peakNav } = setup(c);
        const d = decide('chase-apy', settings, snapshot, portfolio, peakNav);
        expectValidDecision(d, u);
        if (d.halt !== undefined) return;
        const b = d.bounds as AllocationBounds;
        const w = d.decision?.weights ?? {};
        const ranked = d.scores.filter((s) => s.asset !== b.baseAsset).map((s) => ({ id: s.asset, apy: rawApy(s), hi: b.hi[s.asset] ?? 0 })).sort((x, y) => y.apy - x.apy);
        // Box constraints only: the optimum fills tiers of equal APY from the top, each up to the sum of
        // its members' caps (inside a tier the LP may split any way). Greedy = exact optimum here.
        const positive = ranked.filter((r) => r.apy > 1e-7);
        const tiers: Array<typeof positive> = [];
        for (const r of positive) {
          const last = tiers[tiers.length - 1];
          if (last && (last[0]?.apy as number) - r.apy <= 1e-7) last.push(r);
          else tiers.push([r]);
        }
        let left = 1;
        for (const tier of tiers) {
          const want = Math.min(tier.reduce((acc, r) => acc + r.hi, 0), left);
          left -= want;
          expect(tier.reduce((acc, r) => acc + (w[r.id] ?? 0), 0)).toBeCloseTo(want, 6);
          for (const r of tier) expect(w[r.id] ?? 0).toBeLessThanOrEqual(r.hi + 1e-9);
        }
        // negative APY: never held; zero APY: indifferent to the base asset, so only their sum is fixed
        for (const r of ranked.filter((x) => x.apy < -1e-7)) expect(w[r.id] ?? 0).toBeCloseTo(0, 9);
        const idle = ranked.filter((x) => Math.abs(x.apy) <= 1e-7).reduce((acc, r) => acc + (w[r.id] ?? 0), 0);
        expect((w[b.baseAsset] ?? 0) + idle).toBeCloseTo(left, 6);
        // the highest-APY eligible asset gets the most weight among eligible ones
        const eligible = ranked.filter((r) => d.scores.find((s) => s.asset === r.id)?.eligible);
        const top = eligible[0];
        if (positive.some((r) => (w[r.id] ?? 0) > 1e-6)) checked++;
        if (top && top.apy > 1e-7 && tiers[0]?.length === 1 && tiers[0][0]?.id === top.id) {
          expect(w[top.id] ?? 0).toBeCloseTo(Math.min(top.hi, 1), 6);
          for (const r of eligible) expect(w[r.id] ?? 0).toBeLessThanOrEqual((w[top.id] ?? 0) + 1e-9);
        }
      }),
      { numRuns: 80, seed: seed(11) },
    );
    expect(checked).toBeGreaterThan(25); // runs where chase-apy actually allocated away from the base asset
  });

  it('hold keeps a current allocation that already satisfies every limit', () => {
    const vault = ethVault();
    const u = vault.universe;
    let kept = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        const settings = settingsOf(vault, { limits: c.limits });
        const { snapshot, portfolio, peakNav } = setup(c);
        const d = decide('hold', settings, snapshot, portfolio, peakNav);
        expectValidDecision(d, u);
        if (d.halt !== undefined) return;
        const b = d.bounds as AllocationBounds;
        if (checkLimits(d.current, b).length > 0) return;
        kept++;
        for (const id of b.assets) expect(d.decision?.weights[id] ?? 0).toBeCloseTo(d.current[id] ?? 0, 6);
      }),
      { numRuns: 60, seed: seed(5) },
    );
    expect(kept).toBeGreaterThan(3);
  });
});
