import { describe, expect, it } from 'vitest';
import { RegistrySchema } from '../src/config/registry-schema.js';
import { buildUniverse, type AssetInfo, type Universe } from '../src/config/universe.js';
import { BreakersSchema, LimitsSchema } from '../src/config/vault-schema.js';
import type { Observation } from '../src/domain/observation.js';
import { DAY, HOUR, YEAR } from '../src/domain/time.js';
import { MarketState } from '../src/market/market-state.js';
import { valuePortfolio } from '../src/market/valuation.js';
import { breakerEffect, evaluateBreakers, type BreakerFiring } from '../src/risk/breakers.js';
import { respondToDepegs } from '../src/risk/depeg-breaker.js';
import { NO_EPISODES } from '../src/risk/depeg-episodes.js';
import { layerLoss, stackLoss } from '../src/risk/layer-loss.js';
import { scoreAsset, yieldOf, type ScoreContext } from '../src/risk/score-asset.js';
import { loadVault } from '../src/config/load-vault.js';
import { SOL_VAULT_FILE, eth } from './support/core-fixtures.js';

const note = 'hand-made test fixture';
const mode = (name: string, annualProbability: number, severity: number) => ({ name, annualProbability, severity, note });
const zeroRoutes = {
  entry: { mint: { feeFraction: 0, gasUnits: 0, note } },
  exit: { redeem: { feeFraction: 0, delaySeconds: 0, earnsWhileQueued: true, gasUnits: 0, note } },
};

/** A small registry: ETH, an LST and an LRT on two services, and a chain whose consensus layer has no modes. */
const registry = RegistrySchema.parse({
  version: 1,
  chains: { ethereum: { baseAsset: 'ETH', gasPriceBaseUnits: '0', note } },
  layers: {
    consensus: { kind: 'base-chain', name: 'consensus without modelled losses (Solana-like)', failureModes: [], note },
    proto: { kind: 'lst-protocol', name: 'protocol', failureModes: [mode('exploit', 0.05, 1)], note },
    svcs: { kind: 'services', name: 'two services', failureModes: [mode('svc-a', 0.1, 0.5), mode('svc-b', 0.2, 0.25)], note },
  },
  assets: {
    ETH: { symbol: 'ETH', chain: 'ethereum', kind: 'native', decimals: 18, valuedIn: 'ETH', groups: { protocol: 'ETH', underlying: 'ETH' }, layers: [], entry: {}, exit: {}, note },
    LST: { symbol: 'LST', chain: 'ethereum', kind: 'lst', decimals: 18, valuedIn: 'ETH', groups: { protocol: 'proto', underlying: 'ETH' }, layers: ['consensus', 'proto'], ...zeroRoutes, note },
    LRT: { symbol: 'LRT', chain: 'ethereum', kind: 'lrt', decimals: 18, valuedIn: 'ETH', groups: { protocol: 'proto', restaking: 'rp', underlying: 'ETH' }, layers: ['consensus', 'proto', 'svcs'], ...zeroRoutes, note },
    SVC: { symbol: 'SVC', chain: 'ethereum', kind: 'lrt', decimals: 18, valuedIn: 'ETH', groups: { protocol: 'p2', underlying: 'ETH' }, layers: ['svcs'], ...zeroRoutes, note },
    NODATA: { symbol: 'NODATA', chain: 'ethereum', kind: 'lrt', decimals: 18, valuedIn: 'ETH', groups: { protocol: 'p3', underlying: 'ETH' }, layers: ['consensus'], ...zeroRoutes, note },
  },
});
const u: Universe = buildUniverse(registry, 'ethereum', 'ETH', ['ETH', 'LST', 'LRT', 'SVC', 'NODATA']);
const asset = (id: string) => u.byId.get(id) as AssetInfo;

const NOW = Date.parse('2025-01-31T00:00:00Z');
const WINDOW = 7 * DAY;

/** Daily fair rates over a 7-day window growing at `apy`, plus optional market prices / incentives. */
function series(assetId: string, fair0: number, apy: number, extra: (t: number, fair: number) => Partial<Observation> = () => ({})): Observation[] {
  const out: Observation[] = [];
  for (let d = 0; d <= 7; d++) {
    const t = NOW - (7 - d) * DAY;
    const fair = fair0 * Math.pow(1 + apy, (t - (NOW - WINDOW)) / YEAR);
    out.push({ time: t, asset: assetId, source: 'test', fairRate: fair, ...extra(t, fair) });
  }
  return out;
}

function snapshot(obs: Observation[], now = NOW) {
  const m = new MarketState(WINDOW);
  m.ingestAll([...obs].sort((a, b) => a.time - b.time));
  return m.view(now);
}

function ctx(snap: ReturnType<typeof snapshot>, limits: Partial<Record<string, unknown>> = {}, excluded = new Map<string, string>()): ScoreContext {
  return {
    universe: u,
    snapshot: snap,
    limits: LimitsSchema.parse({ maxDepeg: 0.005, ...limits }),
    sizeBase: 10,
    horizonYears: 0.5,
    incentiveHaircut: 0.5,
    maxSlippage: 0.01,
    excluded,
  };
}

describe('layerLoss / stackLoss', () => {
  it('two services p=0.1,s=0.5 and p=0.2,s=0.25 → P(any)=0.28, EL=0.1', () => {
    const l = layerLoss(u, 'svcs');
    expect(l.probability).toBeCloseTo(0.28, 12);
    expect(l.expectedLoss).toBeCloseTo(0.1, 12);
    expect(l.kind).toBe('services');
    expect(l.modes.map((m) => m.name)).toEqual(['svc-a', 'svc-b']);
  });

  it('an empty base layer contributes nothing', () => {
    const l = layerLoss(u, 'consensus');
    expect(l.probability).toBe(0);
    expect(l.expectedLoss).toBe(0);
    expect(stackLoss(u, asset('NODATA'))).toMatchObject({ probability: 0, expectedLoss: 0 });
    // a stack of [consensus, svcs] equals svcs alone
    const svc = stackLoss(u, asset('SVC'));
    expect(svc.probability).toBeCloseTo(0.28, 12);
  });

  it('compounds across layers: [consensus, proto, svcs] → P = 1 − 0.95·0.9·0.8 = 0.316, EL = 0.05 + 0.1 = 0.15', () => {
    const s = stackLoss(u, asset('LRT'));
    expect(s.layers.map((l) => l.layer)).toEqual(['consensus', 'proto', 'svcs']);
    expect(s.probability).toBeCloseTo(0.316, 12);
    expect(s.expectedLoss).toBeCloseTo(0.15, 12);
  });

  it('native asset without layers has no loss; unknown layer is refused', () => {
    expect(stackLoss(u, asset('ETH'))).toEqual({ layers: [], expectedLoss: 0, probability: 0 });
    expect(() => layerLoss(u, 'nope')).toThrow(/unknown risk layer/);
  });
});

describe('scoreAsset', () => {
  it('yield is the fair rate growth over the window; score = yield − EL with free routes', () => {
    const snap = snapshot(series('LST', 1.1, 0.04));
    const s = scoreAsset(ctx(snap), asset('LST'));
    expect(s.yield.rateGrowth).toBeCloseTo(0.04, 9);
    expect(s.yield.total).toBeCloseTo(0.04, 9);
    expect(s.yield.note).toMatch(/fair-rate growth/);
    expect(s.expectedLoss).toBeCloseTo(0.05, 12);
    expect(s.lossProbability).toBeCloseTo(0.05, 12);
    expect(s.entryCost).toBe(0);
    expect(s.exitCost).toBe(0);
    expect(s.score).toBeCloseTo(0.04 - 0.05, 9);
    expect(s.eligible).toBe(true);
    expect(s.reasons).toEqual([]);
    expect(s.layers.map((l) => l.layer)).toEqual(['consensus', 'proto']);
  });

  it('incentives count at the haircut, and rate growth wins over reported base APY', () => {
    const snap = snapshot(series('LRT', 1.0, 0.03, () => ({ apyIncentives: 0.04, apyBase: 0.5 })));
    const y = yieldOf(u, snap, asset('LRT'), 0.5);
    expect(y.rateGrowth).toBeCloseTo(0.03, 9);
    expect(y.incentives).toBeCloseTo(0.04, 12);
    expect(y.total).toBeCloseTo(0.03 + 0.02, 9);
  });

  it('a reported APY stands in when there is no rate history (a single reading)', () => {
    const snap = snapshot([{ time: NOW, asset: 'LST', source: 'test', fairRate: 1.1, apyBase: 0.03, apyMev: 0.005 }]);
    const y = yieldOf(u, snap, asset('LST'), 0.5);
    expect(y.rateGrowth).toBeNull();
    expect(y.total).toBeCloseTo(0.035, 12);
    expect(y.note).toMatch(/reported APY/);
  });

  it('a market discount beyond maxDepeg makes the asset ineligible, with the discount in the reason', () => {
    const snap = snapshot(series('LST', 1.1, 0.04, (_t, fair) => ({ marketRate: fair * 0.99 })));
    const s = scoreAsset(ctx(snap, { maxDepeg: 0.005 }), asset('LST'));
    expect(s.depeg).toBeCloseTo(-0.01, 12);
    expect(s.eligible).toBe(false);
    expect(s.reasons.some((r) => /1\.000 % below its fair rate \(limit 0\.50 %\)/.test(r))).toBe(true);
  });

  it('a discount inside maxDepeg keeps it eligible', () => {
    const snap = snapshot(series('LST', 1.1, 0.04, (_t, fair) => ({ marketRate: fair * 0.997 })));
    const s = scoreAsset(ctx(snap, { maxDepeg: 0.005 }), asset('LST'));
    expect(s.depeg).toBeCloseTo(-0.003, 12);
    expect(s.eligible).toBe(true);
  });

  it('without a fair rate the asset is ineligible and says so', () => {
    const snap = snapshot(series('LST', 1.1, 0.04));
    const s = scoreAsset(ctx(snap), asset('NODATA'));
    expect(s.eligible).toBe(false);
    expect(s.reasons).toContain('no fair exchange rate recorded');
    expect(s.yield.rateGrowth).toBeNull();
    expect(s.depeg).toBeNull();
  });

  it('loss probability above the limit and a breaker exclusion are reasons', () => {
    const snap = snapshot(series('LRT', 1.0, 0.05));
    const s = scoreAsset(ctx(snap, { maxLossProbability: 0.3 }, new Map([['LRT', 'stale']])), asset('LRT'));
    expect(s.eligible).toBe(false);
    expect(s.reasons.some((r) => /annual loss probability 31\.60 % above limit 30\.00 %/.test(r))).toBe(true);
    expect(s.reasons).toContain('breaker: stale');
  });
});

describe('breakers', () => {
  const breakers = BreakersSchema.parse({
    staleData: { maxAge: '36h', action: 'halt' },
    depeg: { maxDiscount: 0.005, action: 'derisk' },
    fairRateDrop: { tolerance: 0.001, action: 'derisk' },
    missingData: { action: 'halt' },
    drawdown: { maxDrawdown: 0.05, action: 'derisk' },
  });

  function run(obs: Observation[], held: string[], peakNav = 0n, holdings = new Map<string, bigint>()): BreakerFiring[] {
    const snap = snapshot(obs);
    const p = { holdings, pending: [], indexSeen: new Map() };
    return evaluateBreakers({ universe: u, snapshot: snap, valuation: valuePortfolio(u, snap, p), held: new Set(held), peakNav, config: breakers, now: NOW });
  }

  const fresh = [...series('LST', 1.1, 0.04), ...series('LRT', 1.0, 0.04), ...series('SVC', 1.0, 0.04)];

  it('nothing fires on fresh, pegged, growing data', () => {
    expect(run(fresh, ['LST', 'LRT'])).toEqual([]);
  });

  it('stale data: held → configured action, not held → exclude', () => {
    const stale = fresh.filter((o) => !(o.asset === 'LST' && o.time > NOW - 2 * DAY)); // newest LST reading 48 h old
    const held = run(stale, ['LST']).filter((f) => f.breaker === 'staleData');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ asset: 'LST', action: 'halt', held: true });
    expect(held[0]?.data.ageHours).toBeCloseTo(48, 9);
    const notHeld = run(stale, []).filter((f) => f.breaker === 'staleData');
    expect(notHeld).toHaveLength(1);
    expect(notHeld[0]).toMatchObject({ asset: 'LST', action: 'exclude', held: false });
  });

  it('data just inside maxAge does not fire', () => {
    const obs = fresh.filter((o) => !(o.asset === 'LST' && o.time > NOW - 2 * DAY));
    obs.push({ time: NOW - 35 * HOUR, asset: 'LST', source: 'test', fairRate: 1.1009 });
    expect(run(obs, ['LST']).filter((f) => f.breaker === 'staleData')).toEqual([]);
  });

  it('depeg is decided by the depeg response, not by evaluateBreakers: held + free queue at fair → derisk by redeem; unheld → exclude', () => {
    const obs = [...series('LST', 1.1, 0.04, (_t, fair) => ({ marketRate: fair * 0.99 })), ...series('LRT', 1.0, 0.04)];
    expect(run(obs, ['LST']).filter((f) => f.breaker === 'depeg')).toEqual([]);
    const respond = (o: Observation[], held: string[]) => {
      const snap = snapshot(o);
      const p = { holdings: new Map(held.map((id) => [id, eth(10)])), pending: [], indexSeen: new Map() };
      return respondToDepegs(u, snap, valuePortfolio(u, snap, p), new Set(held), NO_EPISODES, { breakers, limits: LimitsSchema.parse({}), planner: { horizon: '90d' }, trust: { maxRateStillness: '3d' } }, NOW);
    };
    const held = respond(obs, ['LST']).firings.filter((f) => f.breaker === 'depeg');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ asset: 'LST', action: 'derisk', held: true });
    expect(held[0]?.data.discount as number).toBeCloseTo(0.01, 12);
    expect(held[0]?.data.decision).toBe('redeem');
    expect(respond(obs, []).firings.find((f) => f.breaker === 'depeg')?.action).toBe('exclude');
    // a 0.4 % discount is inside the 0.5 % enter band
    const mild = series('LST', 1.1, 0.04, (_t, fair) => ({ marketRate: fair * 0.996 }));
    expect(respond(mild, ['LST']).firings).toEqual([]);
  });

  it('a fair-rate drop beyond tolerance fires; within tolerance does not', () => {
    const drop = (fall: number) => {
      const obs = series('LST', 1.1, 0.04);
      const last = obs[obs.length - 1] as Observation;
      obs[obs.length - 1] = { ...last, fairRate: (obs[obs.length - 2]?.fairRate as number) * (1 - fall) };
      return obs;
    };
    const f = run(drop(0.003), ['LST']).filter((x) => x.breaker === 'fairRateDrop');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ asset: 'LST', action: 'derisk', held: true });
    expect(f[0]?.data.fall as number).toBeCloseTo(0.003, 9);
    expect(run(drop(0.0005), ['LST']).filter((x) => x.breaker === 'fairRateDrop')).toEqual([]);
  });

  it('drawdown beyond the bound fires vault-wide; within it does not', () => {
    const holdings = new Map([['ETH', eth(90)]]);
    const f = run(fresh, [], eth(100), holdings).filter((x) => x.breaker === 'drawdown');
    expect(f).toHaveLength(1);
    expect(f[0]?.asset).toBeUndefined();
    expect(f[0]?.action).toBe('derisk');
    expect(f[0]?.data.drawdown as number).toBeCloseTo(0.1, 12);
    expect(run(fresh, [], eth(100), new Map([['ETH', eth(96)]])).filter((x) => x.breaker === 'drawdown')).toEqual([]);
  });

  it('a held asset without a fair rate → missingData with its configured action', () => {
    const f = run(fresh, ['NODATA']).filter((x) => x.breaker === 'missingData');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ asset: 'NODATA', action: 'halt' });
    expect(run(fresh, []).filter((x) => x.breaker === 'missingData')).toEqual([]);
  });

  it('breakerEffect maps halt / derisk / exclude', () => {
    const mk = (action: 'halt' | 'derisk' | 'exclude', asset?: string): BreakerFiring => ({ breaker: 'depeg', action, asset, held: true, message: `${action} ${asset ?? 'vault'}`, data: {} });
    const none = breakerEffect(u, []);
    expect(none.halt).toBe(false);
    expect(none.forceExit.size).toBe(0);
    expect(none.excluded.size).toBe(0);

    const e = breakerEffect(u, [mk('exclude', 'LST'), mk('derisk', 'LRT')]);
    expect(e.halt).toBe(false);
    expect([...e.forceExit]).toEqual(['LRT']);
    expect([...e.excluded.keys()].sort()).toEqual(['LRT', 'LST']);
    expect(e.excluded.get('LST')).toBe('exclude LST');

    const h = breakerEffect(u, [mk('halt', 'SVC')]);
    expect(h.halt).toBe(true);
    expect(h.forceExit.size).toBe(0);
    expect(h.excluded.has('SVC')).toBe(true);

    // vault-wide derisk (drawdown): every non-native universe asset is forced out, the base asset never
    const v = breakerEffect(u, [mk('derisk')]);
    expect([...v.forceExit].sort()).toEqual(['LRT', 'LST', 'NODATA', 'SVC']);
    expect(v.excluded.has('ETH')).toBe(false);
  });
});

describe('Solana registry', () => {
  it('an LST on the empty Solana consensus layer carries only its own layers’ loss', () => {
    const v = loadVault(SOL_VAULT_FILE);
    const jito = v.universe.byId.get('JitoSOL') as AssetInfo;
    const s = stackLoss(v.universe, jito);
    const consensus = s.layers.find((l) => l.kind === 'base-chain');
    expect(consensus).toMatchObject({ expectedLoss: 0, probability: 0 });
    // the stack is the rest of the layers alone
    const rest = s.layers.filter((l) => l !== consensus);
    const survive = rest.reduce((p, l) => p * (1 - l.probability), 1);
    expect(s.probability).toBeCloseTo(1 - survive, 12);
    expect(s.expectedLoss).toBeCloseTo(rest.reduce((x, l) => x + l.expectedLoss, 0), 12);
  });
});
