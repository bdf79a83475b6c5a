import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../src/domain/observation.js';
import { DAY, HOUR, YEAR } from '../src/domain/time.js';
import { advanceTrusted, apyUnitSlip, EMPTY_TRUSTED, impliedApy, judgeReading, type TrustedState } from '../src/market/plausibility.js';
import { PLAUSIBILITY_BY_KIND, plausibilityFor } from '../src/market/plausibility-bounds.js';
import { ReadingGate, type GateVerdict } from '../src/market/quarantine.js';
import { freezeEffect, frozenAssets, pinFrozen } from '../src/risk/quarantine-effect.js';
import { AssetSchema } from '../src/config/registry-schema.js';

const T = Date.parse('2025-01-01T00:00:00Z');
const LST = PLAUSIBILITY_BY_KIND.lst;
const obs = (time: number, o: Partial<Observation> = {}, asset = 'X', source = 's'): Observation => ({ time, asset, source, ...o });
const fold = (readings: Observation[]): TrustedState => readings.reduce(advanceTrusted, EMPTY_TRUSTED);
const codes = (o: Observation, s: TrustedState, b = LST) => judgeReading(o, s, b).map((f) => f.code);

describe('the physics of one reading', () => {
  it('a fair rate may grow by rewards scaled by the time elapsed, never by percents; it falls only past rounding on a loss', () => {
    const s = fold([obs(T, { fairRate: 1.1 })]);
    // 30 %/yr for one day is within 50 %/yr; the same growth in one hour is not.
    const day = 1.1 * Math.pow(1.3, DAY / YEAR);
    expect(codes(obs(T + DAY, { fairRate: day }), s)).toEqual([]);
    expect(codes(obs(T + HOUR, { fairRate: day }), s)).toEqual(['fair-rate-jump']);
    expect(codes(obs(T + 30 * DAY, { fairRate: 1.1 * 1.01 }), s)).toEqual([]);
    expect(codes(obs(T + DAY, { fairRate: 1.1 * 1.01 }), s)).toEqual(['fair-rate-jump']);
    expect(codes(obs(T + DAY, { fairRate: 1.1 * (1 - 1e-5) }), s)).toEqual([]);
    expect(codes(obs(T + DAY, { fairRate: 1.1 * 0.999 }), s)).toEqual(['fair-rate-fall']);
    const jump = judgeReading(obs(T + DAY, { fairRate: 1.1 * 1.5 }), s, LST)[0];
    expect(jump).toMatchObject({ impossible: true, reference: 1.1 });
    expect(jump?.value).toBeCloseTo(1.65, 12);
    expect(judgeReading(obs(T + DAY, { fairRate: 1.1 * 0.95 }), s, LST)[0]).toMatchObject({ impossible: false });
  });

  it("a supply index only grows, at most at the reserve's rate; a column swapped into it is caught", () => {
    const s = fold([obs(T, { supplyIndex: 1.018, tvlBase: 500_000 })]);
    expect(codes(obs(T + DAY, { supplyIndex: 1.018 * 1.0003, tvlBase: 510_000 }), s, PLAUSIBILITY_BY_KIND.lending)).toEqual([]);
    expect(codes(obs(T + DAY, { supplyIndex: 1.018 * 0.9999 }), s, PLAUSIBILITY_BY_KIND.lending)).toEqual(['index-fall']);
    expect(codes(obs(T + DAY, { supplyIndex: 1.018 * 2 }), s, PLAUSIBILITY_BY_KIND.lending)).toEqual(['index-jump']);
    expect(codes(obs(T + DAY, { supplyIndex: 500_000, tvlBase: 1.018 }), s, PLAUSIBILITY_BY_KIND.lending)).toEqual(['index-jump', 'liquidity-jump']);
    // A reserve whose registry entry says its borrow rate tops out at 10 %/yr: 20 %/yr growth is a jump.
    const tight = plausibilityFor('lending', { maxIndexApy: 0.1 });
    expect(codes(obs(T + DAY, { supplyIndex: 1.018 * Math.pow(1.2, DAY / YEAR) }), s, tight)).toEqual(['index-jump']);
  });

  it('a market price that leaves fair in one reading is a spike; one tens of percent from fair is implausible; a return to fair is not suspect', () => {
    const s = fold([obs(T, { fairRate: 1.2, marketRate: 1.2 * 0.999 })]);
    expect(codes(obs(T + HOUR, { fairRate: 1.2, marketRate: 1.2 * 0.997 }), s)).toEqual([]);
    expect(codes(obs(T + HOUR, { fairRate: 1.2, marketRate: 1.2 * 0.97 }), s)).toEqual(['market-spike']);
    expect(codes(obs(T + HOUR, { marketRate: 1.2 * 0.5 }), s)).toEqual(['market-implausible']);
    const away = fold([obs(T, { fairRate: 1.2, marketRate: 1.2 * 0.96 })]);
    expect(codes(obs(T + HOUR, { fairRate: 1.2, marketRate: 1.2 * 0.999 }), away)).toEqual([]);
    // LRT markets are thinner: a 0.6 % move is a spike for an LST, not for an LRT.
    expect(codes(obs(T + HOUR, { fairRate: 1.2, marketRate: 1.2 * 0.993 }), s)).toEqual(['market-spike']);
    expect(codes(obs(T + HOUR, { fairRate: 1.2, marketRate: 1.2 * 0.993 }), s, PLAUSIBILITY_BY_KIND.lrt)).toEqual([]);
  });

  it('an APY is judged against its own history and the APY its rate implies; a factor near 100 is a unit error', () => {
    const days = Array.from({ length: 10 }, (_, k) => obs(T + k * DAY, { fairRate: Math.pow(1.03, (k * DAY) / YEAR), apyBase: 0.03 }));
    const s = fold(days);
    expect(impliedApy(s.fairAnchors)).toBeCloseTo(0.03, 6);
    const at = T + 10 * DAY;
    expect(codes(obs(at, { apyBase: 0.031 }), s)).toEqual([]);
    expect(codes(obs(at, { apyBase: 0.00031 }), s)).toEqual(['apy-unit-error']);
    expect(codes(obs(at, { apyBase: 0.9 }), s)).toEqual(['apy-jump']);
    // 100 % against 3 %: a factor of 33, inside the ×/÷3 band around 100, so it is named a unit error.
    expect(codes(obs(at, { apyBase: 1 }), s)).toEqual(['apy-unit-error']);
    expect(codes(obs(at, { apyBase: 0.45 }), s)).toEqual(['apy-jump']);
    // No history yet: the rate-implied APY alone is the reference.
    const rateOnly = fold(days.map((o) => ({ ...o, apyBase: undefined })));
    expect(codes(obs(at, { apyBase: 0.45 }), rateOnly)).toEqual(['apy-mismatch']);
    expect(codes(obs(at, { apyBase: 3 / 100 / 100 }), rateOnly)).toEqual(['apy-unit-error']);
  });

  it("a lending position's APY is its supply rate: judged against its index, never against its token's fair rate", () => {
    // aave-v3-wstETH: wstETH's rate grows 3 %/yr, the supply of wstETH pays 0.01 %/yr (a ratio of 1/300).
    const days = Array.from({ length: 10 }, (_, k) => obs(T + k * DAY, { fairRate: 1.2 * Math.pow(1.03, (k * DAY) / YEAR), supplyIndex: 1.0005 * Math.pow(1.0001, (k * DAY) / YEAR) }));
    const s = fold(days);
    const at = T + 10 * DAY;
    expect(codes(obs(at, { apyBase: 0.0001 }), s, PLAUSIBILITY_BY_KIND.lending)).toEqual([]);
    expect(codes(obs(at, { apyBase: 0.0001 }), s, LST)).toEqual(['apy-unit-error']);
  });

  it('apyUnitSlip names ×100 and ÷100 and nothing in between (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.005, max: 0.5, noNaN: true }), fc.double({ min: 0.2, max: 5, noNaN: true }), (ref, k) => {
        expect(apyUnitSlip(ref * k, ref)).toBeUndefined();
        expect(apyUnitSlip(ref * k * 100, ref)).toBe(k * 100 >= 100 / 3 && k * 100 <= 300 ? 100 : undefined);
        expect(apyUnitSlip((ref * k) / 100, ref)).toBe(k / 100 <= 0.03 && k / 100 >= 1 / 300 ? 0.01 : undefined);
      }),
    );
    expect(apyUnitSlip(0.00001, 0.00002)).toBeUndefined();
  });

  it('registry overrides a kind default field by field, and the schema checks them', () => {
    expect(plausibilityFor('lst', { maxRateApy: 0.2 })).toEqual({ ...LST, maxRateApy: 0.2 });
    const base = { symbol: 'X', chain: 'ethereum', kind: 'lst', decimals: 18, valuedIn: 'ETH', groups: { protocol: 'p', underlying: 'ETH' }, layers: [], entry: { dex: { venue: 'v', feeFraction: 0, impactAtRef: 0, refSizeBase: 1, gasUnits: 1, note: 'n..' } }, exit: { dex: { venue: 'v', feeFraction: 0, impactAtRef: 0, refSizeBase: 1, gasUnits: 1, note: 'n..' } }, note: 'test' };
    expect(AssetSchema.safeParse({ ...base, plausibility: { maxRateApy: 0.2, note: 'from the protocol docs' } }).success).toBe(true);
    expect(AssetSchema.safeParse({ ...base, plausibility: { maxMarketMove: 2, note: 'bad' } }).success).toBe(false);
    expect(AssetSchema.safeParse({ ...base, plausibility: { maxRateApy: 0.2 } }).success).toBe(false);
  });
});

describe('the quarantine', () => {
  const gate = (confirmReadings = 2, impossibleAfterMs = 2 * DAY) => new ReadingGate(() => LST, { confirmReadings, impossibleAfterMs });
  const kinds = (vs: readonly GateVerdict[]) => vs.map((v) => v.kind);
  const r = (k: number, fairRate: number, source = 's', extra: Partial<Observation> = {}) => obs(T + k * HOUR, { fairRate, ...extra }, 'X', source);

  it('a one-reading spike is held, then discarded when the next reading agrees with the trusted state', () => {
    const g = gate();
    expect(g.admit(r(0, 1)).accepted).toHaveLength(1);
    const spike = g.admit(r(1, 0.9));
    expect(spike.accepted).toEqual([]);
    expect(kinds(spike.verdicts)).toEqual(['quarantined']);
    expect(g.quarantined().get('X')?.message).toContain('fell');
    const next = g.admit(r(2, 1.000001));
    expect(next.accepted.map((o) => o.fairRate)).toEqual([1.000001]);
    expect(kinds(next.verdicts)).toEqual(['discarded']);
    expect(g.quarantined().size).toBe(0);
  });

  it('a fall that stays is confirmed by the configured count of consistent readings and released in order', () => {
    for (const n of [2, 3, 5]) {
      const g = gate(n);
      g.admit(r(0, 1));
      const out: number[] = [];
      let confirmedAt = -1;
      for (let k = 1; k <= n; k++) {
        const res = g.admit(r(k, 0.95 * (1 + k * 1e-7)));
        out.push(...res.accepted.map((o) => o.fairRate as number));
        if (res.verdicts.some((v) => v.kind === 'confirmed')) confirmedAt = k;
      }
      expect(confirmedAt).toBe(n);
      expect(out).toHaveLength(n);
      expect(out).toEqual([...out].sort((a, b) => a - b));
    }
  });

  it('a second source confirms at once, even a move no asset can make', () => {
    const g = gate(5);
    g.admit(r(0, 1, 'a'));
    expect(kinds(g.admit(r(1, 1.5, 'a')).verdicts)).toEqual(['quarantined']);
    const res = g.admit(r(1, 1.5, 'b'));
    expect(res.verdicts[0]).toMatchObject({ kind: 'confirmed', by: 'second-source' });
    expect(res.accepted).toHaveLength(2);
  });

  it('an impossible move needs consistent readings spanning impossibleAfter from one source', () => {
    const g = gate(2, 2 * DAY);
    g.admit(r(0, 1));
    for (let k = 1; k < 48; k++) expect(kinds(g.admit(r(k, 1.5)).verdicts)).toEqual(['quarantined']);
    expect(g.quarantined().get('X')?.held).toBe(47);
    expect(kinds(g.admit(r(49, 1.5)).verdicts)).toEqual(['confirmed']);
  });

  it('a percent slip is rejected and never held; a stale or repeated reading is ignored', () => {
    const g = gate();
    for (let k = 0; k < 10; k++) g.admit(obs(T + k * DAY, { apyBase: 0.03 }));
    const slip = g.admit(obs(T + 10 * DAY, { apyBase: 0.0003 }));
    expect(kinds(slip.verdicts)).toEqual(['rejected']);
    expect(slip.accepted).toEqual([]);
    expect(g.quarantined().size).toBe(0);
    expect(kinds(g.admit(obs(T + 5 * DAY, { apyBase: 0.03 })).verdicts)).toEqual(['stale']);
    expect(kinds(g.admit(obs(T + 10 * DAY, { apyBase: 0.03 })).verdicts)).toEqual(['stale']);
    // Another source's older reading is news from that source.
    expect(g.admit(obs(T + 5 * DAY, { apyBase: 0.03 }, 'X', 'other')).accepted).toHaveLength(1);
  });

  it('a reading on other fields passes while a market spike is held, and does not discard it', () => {
    const g = gate();
    g.admit(r(0, 1, 's', { marketRate: 1 }));
    expect(kinds(g.admit(r(1, 1, 's', { marketRate: 0.9 })).verdicts)).toEqual(['quarantined']);
    const apy = g.admit(obs(T + 1.5 * HOUR, { apyBase: 0.03 }, 'X', 'api'));
    expect(apy.accepted).toHaveLength(1);
    expect(g.quarantined().has('X')).toBe(true);
    expect(g.admit(r(2, 1, 's', { marketRate: 0.9 })).verdicts[0]).toMatchObject({ kind: 'confirmed', by: 'readings' });
  });

  it('with confirmReadings 1 a suspect reading is believed at once (the hold turned off)', () => {
    const g = gate(1);
    g.admit(r(0, 1));
    expect(kinds(g.admit(r(1, 0.9)).verdicts)).toEqual(['confirmed']);
  });
});

describe('what a quarantine means for a decision', () => {
  const assets = [{ id: 'ETH' }, { id: 'wstETH' }, { id: 'aave-wstETH', lendingOf: 'wstETH' }, { id: 'weETH' }];
  it('freezes the asset and the lending positions over it: no new money, no forced exit, target = current weight', () => {
    const frozen = frozenAssets(assets, new Map([['wstETH', 'fair rate jumped']]));
    expect([...frozen.keys()]).toEqual(['wstETH', 'aave-wstETH']);
    const effect = freezeEffect({ halt: false, forceExit: new Set(['wstETH', 'weETH']), excluded: new Map([['weETH', 'depeg']]) }, frozen);
    expect([...effect.forceExit]).toEqual(['weETH']);
    expect(effect.excluded.get('wstETH')).toContain('quarantined reading');
    expect(effect.excluded.get('aave-wstETH')).toContain('supplied token wstETH');
    expect(pinFrozen({ ETH: 0.5, wstETH: 0, 'aave-wstETH': 0.5 }, { ETH: 0.2, wstETH: 0.5, 'aave-wstETH': 0.3 }, frozen)).toEqual({ ETH: 0.5, wstETH: 0.5, 'aave-wstETH': 0.3 });
    expect(frozenAssets(assets, new Map()).size).toBe(0);
  });
});
