import { beforeAll, describe, expect, it } from 'vitest';
import type { Observation } from '../src/domain/observation.js';
import { DAY, HOUR } from '../src/domain/time.js';
import type { BacktestResult } from '../src/backtest/simulate.js';
import type { GateVerdict } from '../src/market/quarantine.js';
import { actionKeys, admitted, finalNav, firingKeys, overRange, run, scenario, type Scenario } from './support/corruption.js';

/**
 * Each case of issue 9's "What was seen", reproduced on the bundled Ethereum history (a window around
 * the 2024-08 weETH depeg, the vault holding wstETH, Aave WETH, weETH and Aave weETH), and the real
 * events that must still act: a fair rate that falls 5 % and stays, a market discount that lasts days.
 */
let s: Scenario;
let clean: BacktestResult;
const D = (iso: string) => Date.parse(iso);
const DAY0 = D('2024-08-10T00:00:00Z');

beforeAll(async () => {
  s = await scenario('eth-restaking.yaml', '2024-07-28T00:00:00Z', '2024-08-18T00:00:00Z', 35 * DAY);
  clean = run(s);
});

const codes = (r: BacktestResult, kind: GateVerdict['kind']) => [...new Set((r.trust ?? []).filter((v) => v.verdict.kind === kind).flatMap((v) => ('findings' in v.verdict ? v.verdict.findings.map((f) => f.code) : [])))];
const kinds = (r: BacktestResult) => new Set((r.trust ?? []).map((v) => v.verdict.kind));
const navDev = (r: BacktestResult) => Math.abs(finalNav(r) / finalNav(clean) - 1);
const edit = (asset: string, time: number, f: (o: Observation) => Observation) => s.rows.map((o) => (o.asset === asset && o.time === time ? f(o) : o));

function unchanged(r: BacktestResult) {
  expect(navDev(r)).toBeLessThan(0.005);
  expect(actionKeys(r)).toEqual(actionKeys(clean));
  expect(firingKeys(r)).toEqual(firingKeys(clean));
}

describe('what was seen: one bad reading no longer moves money', () => {
  it('the clean window holds wstETH and Aave WETH on the corrupted day', () => {
    const step = clean.steps.find((x) => x.t === DAY0);
    expect(step?.weights.wstETH).toBeGreaterThan(0.3);
    expect(step?.weights['aave-v3-WETH']).toBeGreaterThan(0.05);
  });

  it('aave-v3-WETH supply_index and tvl_base swapped: quarantined (index jump, TVL jump), no phantom NAV, the position frozen for the day', () => {
    const r = run(s, edit('aave-v3-WETH', DAY0, (o) => ({ ...o, supplyIndex: o.tvlBase, tvlBase: o.supplyIndex })));
    unchanged(r);
    expect(codes(r, 'quarantined')).toEqual(expect.arrayContaining(['index-jump', 'liquidity-jump']));
    expect(kinds(r).has('confirmed')).toBe(false);
    expect(r.frozenHeld?.some((f) => f.asset === 'aave-v3-WETH' && f.t === DAY0)).toBe(true);
  });

  it('a supply index doubled for one day adds nothing and funds nothing', () => {
    const r = run(s, edit('aave-v3-WETH', DAY0, (o) => ({ ...o, supplyIndex: (o.supplyIndex as number) * 2 })));
    unchanged(r);
    expect(codes(r, 'quarantined')).toContain('index-jump');
  });

  it("a whole day of wstETH's fair and market rates ×1.5 is never believed (a fair rate cannot jump; 24 readings do not span the 48 h an impossible move needs)", () => {
    const r = run(s, overRange(s.rows, 'wstETH', DAY0, DAY0 + DAY, (o) => ({ ...o, fairRate: (o.fairRate as number) * 1.5, marketRate: (o.marketRate as number) * 1.5 })));
    unchanged(r);
    expect(codes(r, 'quarantined')).toContain('fair-rate-jump');
    expect(kinds(r).has('confirmed')).toBe(false);
    expect(kinds(r).has('discarded')).toBe(true);
  });

  it('a market price of 0.5 × fair, for one reading or for a whole day, de-risks nothing', () => {
    const one = run(s, edit('wstETH', DAY0, (o) => ({ ...o, marketRate: (o.fairRate as number) * 0.5 })));
    unchanged(one);
    expect(codes(one, 'quarantined')).toContain('market-implausible');
    const day = run(s, overRange(s.rows, 'wstETH', DAY0, DAY0 + DAY, (o) => ({ ...o, marketRate: (o.fairRate as number) * 0.5 })));
    unchanged(day);
  });

  it('a market spike of 3 % for one hour is held until the next reading proves it a spike', () => {
    const r = run(s, edit('wstETH', DAY0, (o) => ({ ...o, marketRate: (o.marketRate as number) * 0.97 })));
    unchanged(r);
    expect(codes(r, 'quarantined')).toContain('market-spike');
  });

  it('a one-hour fair-rate fall forces no sale (both sides: the 5 % fall that stays is below)', () => {
    const r = run(s, edit('wstETH', DAY0, (o) => ({ ...o, fairRate: (o.fairRate as number) * 0.95, marketRate: (o.marketRate as number) * 0.95 })));
    unchanged(r);
    expect(codes(r, 'quarantined')).toContain('fair-rate-fall');
  });

  it('a single 100 % APY reading moves nothing (Aave supply APY, EtherFi base APY)', () => {
    const aave = run(s, edit('aave-v3-WETH', DAY0, (o) => ({ ...o, apyLending: 1 })));
    unchanged(aave);
    expect(codes(aave, 'quarantined')).toContain('apy-jump');
    const weeth = s.rows.findIndex((o) => o.asset === 'weETH' && o.apyBase !== undefined && o.time >= DAY0);
    const rows = [...s.rows];
    rows[weeth] = { ...(rows[weeth] as Observation), apyBase: 1 };
    const etherfi = run(s, rows);
    unchanged(etherfi);
    expect(codes(etherfi, 'quarantined')).toContain('apy-jump');
  });

  it('a percent slip (0.029 read as 0.029 %) is named a unit error and never used', () => {
    const i = s.rows.findIndex((o) => o.asset === 'weETH' && o.apyBase !== undefined && o.time >= DAY0);
    const rows = [...s.rows];
    rows[i] = { ...(rows[i] as Observation), apyBase: (rows[i] as Observation).apyBase as number / 100 };
    const r = run(s, rows);
    unchanged(r);
    const rejected = (r.trust ?? []).filter((v) => v.verdict.kind === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(codes(r, 'rejected')).toEqual(['apy-unit-error']);
    // The other way (2.9 read as a fraction) never passes the range check at the edge.
    const up = [...s.rows];
    up[i] = { ...(up[i] as Observation), apyBase: (up[i] as Observation).apyBase as number * 100 };
    expect(admitted(up)).toHaveLength(s.rows.length - 1);
  });
});

describe('real events still act', () => {
  const T = DAY0 + 5 * HOUR;
  const wsteth = (a: string) => a === 'wstETH' || a === 'aave-v3-wstETH';

  it('a fair rate that falls 5 % and stays is confirmed and de-risks at the next cycle', () => {
    const slashed = overRange(s.rows, wsteth, T, Infinity, (o) => ({ ...o, ...(o.fairRate !== undefined ? { fairRate: o.fairRate * 0.95 } : {}), ...(o.marketRate !== undefined ? { marketRate: o.marketRate * 0.95 } : {}) }));
    const r = run(s, slashed);
    expect(kinds(r).has('confirmed')).toBe(true);
    const next = DAY0 + DAY;
    const fired = r.firings.filter((f) => f.t === next && f.firing.breaker === 'fairRateDrop' && f.firing.asset === 'wstETH');
    expect(fired).toHaveLength(1);
    expect(fired[0]?.firing).toMatchObject({ held: true, action: 'derisk' });
    expect(r.actions.filter((a) => a.t === next && a.action.from === 'wstETH' && a.status === 'confirmed').length).toBeGreaterThan(0);
    expect(r.steps.find((x) => x.t === next + DAY)?.weights.wstETH ?? 0).toBeLessThan(0.01);
  });

  it('a market discount of 3 % that lasts three days is confirmed and de-risks at the next cycle', () => {
    const r = run(s, overRange(s.rows, 'wstETH', T, T + 3 * DAY, (o) => ({ ...o, marketRate: (o.fairRate as number) * 0.97 })));
    expect(kinds(r).has('confirmed')).toBe(true);
    const next = DAY0 + DAY;
    const fired = r.firings.filter((f) => f.t === next && f.firing.breaker === 'depeg' && f.firing.asset === 'wstETH');
    expect(fired[0]?.firing).toMatchObject({ held: true, action: 'derisk' });
    expect(r.actions.filter((a) => a.t === next && a.action.from === 'wstETH' && a.status === 'confirmed').length).toBeGreaterThan(0);
  });
});
