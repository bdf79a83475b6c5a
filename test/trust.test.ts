import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVault } from '../src/config/load-vault.js';
import { TrustSchema } from '../src/config/vault-schema.js';
import type { Observation } from '../src/domain/observation.js';
import { DAY, HOUR } from '../src/domain/time.js';
import { MarketState } from '../src/market/market-state.js';
import { assessTrust } from '../src/risk/trust.js';
import { scoreAsset } from '../src/risk/score-asset.js';
import { ROOT } from './support/cli.js';

const vault = loadVault(join(ROOT, 'config/vaults/eth-restaking.yaml'));
const u = vault.universe;
const T = Date.parse('2026-11-01T00:00:00Z');

/** wstETH whose fair rate grows 3 %/yr (compounded daily over 10 days), plus whatever else `extra` adds. */
function market(extra: Observation[] = [], growth = 0.03): MarketState {
  const m = new MarketState(7 * DAY, 7 * DAY);
  const rows: Observation[] = [];
  for (let d = 10; d >= 0; d--) rows.push({ time: T - d * DAY, asset: 'wstETH', source: 'evm:1', fairRate: 1.2 * Math.pow(1 + growth, (10 - d) / 365), marketRate: 1.2 * Math.pow(1 + growth, (10 - d) / 365) * 0.9995 });
  m.ingestAll([...rows, ...extra].sort((a, b) => a.time - b.time));
  return m;
}

describe('trust assessment of readings', () => {
  it('accepts consistent readings without flags', () => {
    const t = assessTrust(u, market([{ time: T, asset: 'wstETH', source: 'lido-api', apyBase: 0.031 }]).view(T), TrustSchema.parse({}));
    expect(t.flags).toEqual([]);
  });

  it('flags a reported APY that disagrees with the fair rate\'s growth, and scores it at the lower one', () => {
    const snap = market([{ time: T, asset: 'wstETH', source: 'lido-api', apyBase: 0.08 }]).view(T);
    const t = assessTrust(u, snap, TrustSchema.parse({ apyTolerance: 0.01 }));
    expect(t.flags.map((f) => f.kind)).toEqual(['apy-disagreement']);
    expect(t.flags[0]?.message).toMatch(/reported APY 8\.000 % \(lido-api\) disagrees with 3\.0\d\d %/);
    expect(t.conservative.has('wstETH')).toBe(true);
    const ctx = { universe: u, snapshot: snap, limits: vault.config.limits, sizeBase: 50, horizonYears: 0.5, incentiveHaircut: 0.5, maxSlippage: 0.005, excluded: new Map() };
    const eager = scoreAsset(ctx, u.byId.get('wstETH')!);
    const careful = scoreAsset({ ...ctx, conservativeYield: t.conservative }, u.byId.get('wstETH')!);
    expect(eager.yield.total).toBeCloseTo(snap.assets.get('wstETH')!.rateGrowthApy!, 12); // rate growth wins by default
    expect(careful.yield.total).toBeCloseTo(Math.min(0.08, snap.assets.get('wstETH')!.rateGrowthApy!), 12);
    expect(careful.yield.note).toMatch(/lower of reported and rate-implied/);
  });

  it('with onDisagreement: unreliable the asset is closed to new money', () => {
    const t = assessTrust(u, market([{ time: T, asset: 'wstETH', source: 'lido-api', apyBase: 0.08 }]).view(T), TrustSchema.parse({ onDisagreement: 'unreliable' }));
    expect(t.unreliable.get('wstETH')).toMatch(/disagrees/);
  });

  it('an implausible APY and a market price far from fair make the asset unreliable', () => {
    const t = assessTrust(u, market([{ time: T, asset: 'aave-v3-WETH', source: 'evm:1', fairRate: 1, apyLending: 0.9 }, { time: T + 1, asset: 'wstETH', source: 'dex', marketRate: 0.9 }]).view(T + 1), TrustSchema.parse({}));
    expect(t.flags.map((f) => `${f.asset}:${f.kind}`).sort()).toEqual(['aave-v3-WETH:implausible-apy', 'wstETH:market-far-from-fair']);
    expect([...t.unreliable.keys()].sort()).toEqual(['aave-v3-WETH', 'wstETH']);
  });

  it('flags a stored rate that is read but never moves (a stale oracle)', () => {
    const m = new MarketState(7 * DAY, 7 * DAY);
    for (let h = 0; h <= 96; h += 6) m.ingest({ time: T + h * HOUR, asset: 'weETH', source: 'evm:1', fairRate: 1.0691 });
    const t = assessTrust(u, m.view(T + 96 * HOUR), TrustSchema.parse({ maxRateStillness: '3d' }));
    expect(t.flags.map((f) => f.kind)).toEqual(['rate-stuck']);
    expect(t.flags[0]?.message).toMatch(/has not moved for 96\.0 h/);
    // A rate that keeps moving is fine.
    const moving = new MarketState(7 * DAY, 7 * DAY);
    for (let h = 0; h <= 96; h += 6) moving.ingest({ time: T + h * HOUR, asset: 'weETH', source: 'evm:1', fairRate: 1.0691 + h * 1e-7 });
    expect(assessTrust(u, moving.view(T + 96 * HOUR), TrustSchema.parse({})).flags).toEqual([]);
  });
});
