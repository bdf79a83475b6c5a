/**
 * Shared fixtures for the core-*.test.ts suites: the real eth-restaking vault, a lazily loaded HiGHS
 * solver, the shipped strategies, a synthetic market generator for the ETH universe, and helpers to
 * fold observations into a snapshot the way the keeper does.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { loadVault, type LoadedVault } from '../../src/config/load-vault.js';
import type { Registry } from '../../src/config/registry-schema.js';
import { buildUniverse, type Universe } from '../../src/config/universe.js';
import { LimitsSchema, type Limits } from '../../src/config/vault-schema.js';
import { divRate } from '../../src/domain/amount.js';
import type { Observation } from '../../src/domain/observation.js';
import type { PendingRedemption, Portfolio } from '../../src/domain/portfolio.js';
import { DAY, YEAR, parseDuration } from '../../src/domain/time.js';
import type { DecisionSettings } from '../../src/keeper/decide-cycle.js';
import type { Snapshot } from '../../src/market/asset-view.js';
import { MarketState } from '../../src/market/market-state.js';
import { loadHighsSolver } from '../../src/strategy/highs-solver.js';
import type { LpSolver } from '../../src/strategy/lp-solver.js';
import { loadStrategy, parseStrategyParams } from '../../src/strategy/load-strategy.js';
import type { Strategy } from '../../src/strategy/strategy.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ETH_VAULT_FILE = join(ROOT, 'config/vaults/eth-restaking.yaml');
export const SOL_VAULT_FILE = join(ROOT, 'config/vaults/sol-staking.yaml');
export const ETH_HISTORY_FILE = join(ROOT, 'history/ethereum.csv');

export const WEI = 10n ** 18n;
/** Whole ETH (up to 9 decimals of precision) → wei, exactly. */
export function eth(x: number): bigint {
  return BigInt(Math.round(x * 1e9)) * 10n ** 9n;
}

let vaultCache: LoadedVault | undefined;
export function ethVault(): LoadedVault {
  vaultCache ??= loadVault(ETH_VAULT_FILE);
  return vaultCache;
}

export function settingsOf(v: LoadedVault, over: Partial<DecisionSettings> = {}): DecisionSettings {
  const c = v.config;
  return { universe: v.universe, limits: c.limits, breakers: c.breakers, planner: c.planner, incentiveHaircut: c.scoring.incentiveHaircut, ...over };
}

let solverPromise: Promise<LpSolver> | undefined;
/**
 * The LP solver the core suites decide with: HiGHS (the reference), loaded once. CORE_SOLVER=yalps runs the
 * same properties against the YALPS adapter instead, through src/strategy/load-solver.ts when present.
 */
export function highs(): Promise<LpSolver> {
  solverPromise ??= process.env.CORE_SOLVER && process.env.CORE_SOLVER !== 'highs' ? loadNamedSolver(process.env.CORE_SOLVER) : loadHighsSolver();
  return solverPromise;
}

async function loadNamedSolver(name: string): Promise<LpSolver> {
  const specifier = '../../src/strategy/load-solver.js'; // not a static import: the module is optional
  const mod = (await import(/* @vite-ignore */ specifier)) as { loadSolver: (n: string) => Promise<LpSolver> };
  return mod.loadSolver(name);
}

export const STRATEGY_NAMES = ['risk-adjusted', 'lst-conservative', 'hold', 'chase-apy'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export interface LoadedStrategy {
  readonly strategy: Strategy<unknown>;
  readonly params: unknown;
}

/** Every shipped strategy with default params (risk-adjusted gets the vault's configured params). */
export async function loadShippedStrategies(): Promise<Record<StrategyName, LoadedStrategy>> {
  const v = ethVault();
  const out = {} as Record<StrategyName, LoadedStrategy>;
  for (const name of STRATEGY_NAMES) {
    const strategy = await loadStrategy(name);
    const raw = name === v.config.strategy.name ? v.config.strategy.params : {};
    out[name] = { strategy, params: parseStrategyParams(strategy, raw, v.file) };
  }
  return out;
}

/** Fold observations into a view at `now`, with the keeper's windows. */
export function snapshotOf(obs: readonly Observation[], now: number, apyWindow = '30d', staleMaxAge = '36h'): Snapshot {
  const w = parseDuration(apyWindow);
  const m = new MarketState(w, Math.max(w, parseDuration(staleMaxAge)));
  m.ingestAll(obs);
  return m.view(now);
}

// ---------------------------------------------------------------------------------------------------
// Synthetic ETH market

export interface TokenMarket {
  /** Fair rate at the start of the series. */
  readonly fair0: number;
  /** Annual growth of the fair rate. */
  readonly apy: number;
  /** market/fair − 1 at every point; undefined = no market price recorded. */
  readonly premium?: number | undefined;
  readonly incentives?: number | undefined;
  /** Fractional fall of the fair rate applied to the last point only (a slash). */
  readonly drop?: number | undefined;
  /** Days of data missing at the end (stale). */
  readonly staleDays?: number | undefined;
}

export interface LendingMarket {
  readonly apyLending: number;
  readonly exitLiquidity?: number | undefined;
  readonly index0: number;
}

export interface EthMarketSpec {
  readonly tokens: Partial<Record<'wstETH' | 'weETH' | 'ezETH' | 'rsETH', TokenMarket>>;
  readonly lending: Partial<Record<'aave-v3-WETH' | 'aave-v3-wstETH' | 'aave-v3-weETH', LendingMarket>>;
}

const LENDING_OF: Record<string, string | undefined> = { 'aave-v3-WETH': undefined, 'aave-v3-wstETH': 'wstETH', 'aave-v3-weETH': 'weETH' };

function tokenFair(m: TokenMarket, t: number, start: number, last: boolean): number {
  const f = m.fair0 * Math.pow(1 + m.apy, (t - start) / YEAR);
  return last && m.drop ? f * (1 - m.drop) : f;
}

/** Daily observations over `days` days ending at `now`, in time order (asset order within a time). */
export function ethObservations(spec: EthMarketSpec, now: number, days = 31): Observation[] {
  const start = now - days * DAY;
  const out: Observation[] = [];
  for (let d = 0; d <= days; d++) {
    const t = start + d * DAY;
    const last = d === days;
    const rows: Observation[] = [];
    for (const [id, m] of Object.entries(spec.tokens)) {
      if (!m) continue;
      if (m.staleDays && d > days - m.staleDays) continue;
      const fair = tokenFair(m, t, start, last);
      rows.push({
        time: t,
        asset: id,
        source: 'synthetic',
        fairRate: fair,
        marketRate: m.premium === undefined ? undefined : fair * (1 + m.premium),
        apyIncentives: m.incentives,
      });
    }
    for (const [id, l] of Object.entries(spec.lending)) {
      if (!l) continue;
      const tokenId = LENDING_OF[id];
      const token = tokenId ? spec.tokens[tokenId as keyof EthMarketSpec['tokens']] : undefined;
      if (tokenId && !token) continue; // a lending position over a token without data has no fair rate either
      if (token?.staleDays && d > days - token.staleDays) continue;
      const fair = token ? tokenFair(token, t, start, last) : 1;
      rows.push({
        time: t,
        asset: id,
        source: 'synthetic',
        fairRate: fair,
        apyLending: l.apyLending,
        supplyIndex: l.index0 * Math.pow(1 + l.apyLending, (t - start) / YEAR),
        exitLiquidityBase: l.exitLiquidity,
      });
    }
    rows.sort((a, b) => a.asset.localeCompare(b.asset));
    out.push(...rows);
  }
  return out;
}

/** `arb` in about one draw out of `1 + oftenUndefined`, undefined otherwise. */
export function sometimes<T>(arb: fc.Arbitrary<T>, oftenUndefined: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: oftenUndefined, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

const tokenArb = (apy: [number, number], fair0: [number, number], premium: [number, number]) =>
  fc.record({
    fair0: fc.double({ min: fair0[0], max: fair0[1], noNaN: true }),
    apy: fc.double({ min: apy[0], max: apy[1], noNaN: true }),
    premium: fc.oneof({ weight: 4, arbitrary: fc.double({ min: premium[0], max: premium[1], noNaN: true }) }, { weight: 1, arbitrary: fc.constant(undefined) }),
    incentives: sometimes(fc.double({ min: 0, max: 0.05, noNaN: true }), 2),
    drop: sometimes(fc.double({ min: 0, max: 0.01, noNaN: true }), 12),
    staleDays: sometimes(fc.integer({ min: 1, max: 3 }), 12),
  });

const lendingArb = (apy: number) =>
  fc.record({
    apyLending: fc.double({ min: 0, max: apy, noNaN: true }),
    exitLiquidity: sometimes(fc.double({ min: 0, max: 1e6, noNaN: true }), 2),
    index0: fc.double({ min: 1, max: 1.2, noNaN: true }),
  });

/** Random but valid markets for the ETH universe; ezETH / rsETH are sometimes unrecorded, as in the real data. */
export const ethMarketArb: fc.Arbitrary<EthMarketSpec> = fc.record({
  tokens: fc.record(
    {
      wstETH: tokenArb([0.015, 0.05], [1.1, 1.25], [-0.008, 0.002]),
      weETH: tokenArb([0.015, 0.07], [1.02, 1.08], [-0.012, 0.002]),
      ezETH: tokenArb([0.01, 0.08], [1.0, 1.06], [-0.015, 0.002]),
      rsETH: tokenArb([0.01, 0.08], [1.0, 1.06], [-0.015, 0.002]),
    },
    { requiredKeys: ['wstETH', 'weETH'] },
  ),
  lending: fc.record(
    {
      'aave-v3-WETH': lendingArb(0.05),
      'aave-v3-wstETH': lendingArb(0.01),
      'aave-v3-weETH': lendingArb(0.01),
    },
    { requiredKeys: [] },
  ),
});

/** Random limits within the schema's ranges (defaults filled in by the schema itself). */
export const limitsArb: fc.Arbitrary<Limits> = fc
  .record({
    maxWeightPerAsset: fc.double({ min: 0.05, max: 1, noNaN: true }),
    maxWeightPerGroup: fc.record({
      protocol: fc.double({ min: 0.1, max: 1, noNaN: true }),
      restaking: fc.double({ min: 0.0, max: 1, noNaN: true }),
      operators: fc.double({ min: 0.1, max: 1, noNaN: true }),
      underlying: fc.oneof(fc.constant(1), fc.double({ min: 0.3, max: 1, noNaN: true })),
    }),
    groupCaps: fc.oneof(fc.constant({}), fc.record({ eigenlayer: fc.double({ min: 0, max: 0.6, noNaN: true }) }), fc.record({ lido: fc.double({ min: 0, max: 0.6, noNaN: true }) })),
    maxWeightPerKind: fc.record({ lrt: fc.double({ min: 0, max: 1, noNaN: true }), lending: fc.double({ min: 0, max: 1, noNaN: true }), lst: fc.double({ min: 0, max: 1, noNaN: true }) }, { requiredKeys: [] }),
    minLiquidWeight: fc.double({ min: 0, max: 0.8, noNaN: true }),
    liquidWithin: fc.constantFrom('1h', '1d', '4d'),
    maxExpectedLoss: fc.oneof(fc.constant(1), fc.double({ min: 0.0005, max: 0.02, noNaN: true })),
    maxLossProbability: fc.oneof(fc.constant(1), fc.double({ min: 0.02, max: 1, noNaN: true })),
    maxDepeg: fc.double({ min: 0.001, max: 0.02, noNaN: true }),
    maxExitCost: fc.double({ min: 0.001, max: 0.03, noNaN: true }),
    maxRedemptionDelay: fc.constantFrom('2d', '7d', '14d', '21d', '21d', '30d', '30d'),
  })
  .map((l) => LimitsSchema.parse(l));

export interface PortfolioSpec {
  /** Whole-ETH value per held asset. */
  readonly values: Partial<Record<string, number>>;
  readonly pending?: { readonly expectedBase: number; readonly claimableInDays: number } | undefined;
}

export const portfolioSpecArb: fc.Arbitrary<PortfolioSpec> = fc.record({
  values: fc.record(
    {
      ETH: fc.double({ min: 0, max: 100, noNaN: true }),
      wstETH: fc.double({ min: 0, max: 60, noNaN: true }),
      weETH: fc.double({ min: 0, max: 60, noNaN: true }),
      ezETH: fc.double({ min: 0, max: 30, noNaN: true }),
      rsETH: fc.double({ min: 0, max: 30, noNaN: true }),
      'aave-v3-WETH': fc.double({ min: 0, max: 60, noNaN: true }),
      'aave-v3-wstETH': fc.double({ min: 0, max: 60, noNaN: true }),
      'aave-v3-weETH': fc.double({ min: 0, max: 60, noNaN: true }),
    },
    { requiredKeys: ['ETH'] },
  ),
  pending: sometimes(fc.record({ expectedBase: fc.double({ min: 0.1, max: 20, noNaN: true }), claimableInDays: fc.integer({ min: -2, max: 10 }) }), 3),
});

/**
 * Turn whole-ETH values into token holdings at the snapshot's fair rates (rebasing holdings get the
 * current supply index as already applied). Assets without a fair rate are held at a nominal 1:1.
 */
export function buildPortfolio(u: Universe, snap: Snapshot, spec: PortfolioSpec, now: number): Portfolio {
  const holdings = new Map<string, bigint>();
  const indexSeen = new Map<string, number>();
  for (const [id, v] of Object.entries(spec.values)) {
    if (v === undefined || v < 1e-6) continue;
    const a = u.registryAssets.get(id);
    if (!a) continue;
    const priceId = a.kind === 'lending' ? a.lendingOf ?? id : id;
    const priceAsset = u.registryAssets.get(priceId);
    const fair = a.kind === 'native' || priceAsset?.kind === 'native' ? 1 : snap.assets.get(id)?.fields.fairRate?.value ?? snap.assets.get(priceId)?.fields.fairRate?.value ?? 1;
    const amount = divRate(eth(v), fair);
    if (amount <= 0n) continue;
    holdings.set(id, amount);
    const idx = snap.assets.get(id)?.fields.supplyIndex?.value;
    if (a.rebasing && idx !== undefined) indexSeen.set(id, idx);
  }
  const pending: PendingRedemption[] = [];
  if (spec.pending) {
    pending.push({ id: 'wstETH-pending-1', asset: 'wstETH', amountIn: eth(spec.pending.expectedBase), expectedBase: eth(spec.pending.expectedBase), requestedAt: now - 5 * DAY, claimableAt: now + spec.pending.claimableInDays * DAY });
  }
  return { holdings, pending, indexSeen };
}

/** A deep copy of a registry with every fee, price impact and gas price set to zero, and every queue earning. */
export function costFreeRegistry(r: Registry): Registry {
  const c = structuredClone(r) as Registry;
  for (const chain of Object.values(c.chains)) if (chain) chain.gasPriceBaseUnits = '0';
  for (const a of Object.values(c.assets)) {
    if (a.entry.mint) a.entry.mint.feeFraction = 0;
    if (a.entry.dex) {
      a.entry.dex.feeFraction = 0;
      a.entry.dex.impactAtRef = 0;
    }
    if (a.exit.redeem) {
      a.exit.redeem.feeFraction = 0;
      a.exit.redeem.earnsWhileQueued = true;
    }
    if (a.exit.dex) {
      a.exit.dex.feeFraction = 0;
      a.exit.dex.impactAtRef = 0;
    }
  }
  return c;
}

export function universeOf(v: LoadedVault, registry: Registry): Universe {
  return buildUniverse(registry, v.config.chain, v.config.baseAsset, v.config.universe);
}

export const NOW = Date.parse('2025-03-01T00:00:00Z');

/** Fixed fast-check seeds keep CI reproducible; CORE_FC_SEED=<n> explores elsewhere (e.g. a local soak run). */
export function seed(n: number): number {
  const env = Number(process.env.CORE_FC_SEED);
  return Number.isFinite(env) && env !== 0 ? env + n : n;
}
