import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../src/domain/observation.js';
import { DAY, HOUR, YEAR } from '../src/domain/time.js';
import { MarketState } from '../src/market/market-state.js';
import { currentWeights, markOf, valuePortfolio } from '../src/market/valuation.js';
import { entryQuotes, exitQuotes, priceImpact } from '../src/market/cost-model.js';
import { NOW, eth, ethVault } from './support/core-fixtures.js';

const U = ethVault().universe;
const rate = (time: number, fairRate: number, extra: Partial<Observation> = {}): Observation => ({ time, asset: 'wstETH', source: 't', fairRate, ...extra });

describe('MarketState', () => {
  it('rate-growth APY is the compounded growth between the newest point and the newest one at least a window older', () => {
    const m = new MarketState(7 * DAY);
    // an old jump far outside the window must not count
    m.ingest(rate(NOW - 30 * DAY, 1.0));
    m.ingest(rate(NOW - 20 * DAY, 1.1));
    m.ingest(rate(NOW - 8 * DAY, 1.15));
    m.ingest(rate(NOW - 7 * DAY, 1.16)); // exactly a window older: the anchor
    m.ingest(rate(NOW - 3 * DAY, 1.161));
    m.ingest(rate(NOW, 1.162));
    const v = m.view(NOW).assets.get('wstETH');
    expect(v?.rateGrowthApy).toBeCloseTo(Math.pow(1.162 / 1.16, YEAR / (7 * DAY)) - 1, 12);
  });

  it('growth over a gap: anchored at the newest point older than the window', () => {
    const m = new MarketState(7 * DAY);
    m.ingest(rate(NOW - 10 * DAY, 1.0));
    m.ingest(rate(NOW - 6 * DAY, 1.5)); // inside the window: not an anchor
    m.ingest(rate(NOW, 1.001));
    expect(m.view(NOW).assets.get('wstETH')?.rateGrowthApy).toBeCloseTo(Math.pow(1.001, YEAR / (10 * DAY)) - 1, 12);
  });

  it('less than half a window of history gives no growth figure; half a window does', () => {
    const m = new MarketState(10 * DAY);
    m.ingest(rate(NOW - 4 * DAY, 1.0));
    m.ingest(rate(NOW, 1.001));
    expect(m.view(NOW).assets.get('wstETH')?.rateGrowthApy).toBeNull();
    const m2 = new MarketState(10 * DAY);
    m2.ingest(rate(NOW - 5 * DAY, 1.0));
    m2.ingest(rate(NOW, 1.001));
    expect(m2.view(NOW).assets.get('wstETH')?.rateGrowthApy).toBeCloseTo(Math.pow(1.001, YEAR / (5 * DAY)) - 1, 12);
  });

  it('the peak is over the peak window only, and an older high is forgotten', () => {
    const m = new MarketState(7 * DAY, 3 * DAY);
    m.ingest(rate(NOW - 5 * DAY, 2.0));
    m.ingest(rate(NOW - 2 * DAY, 1.2));
    m.ingest(rate(NOW - DAY, 1.25));
    m.ingest(rate(NOW, 1.24));
    expect(m.view(NOW).assets.get('wstETH')?.fairRatePeak).toBe(1.25);
  });

  it('reported APYs are averaged over the window; the latest value is kept as the field', () => {
    const m = new MarketState(3 * DAY);
    const apy = (t: number, v: number): Observation => ({ time: t, asset: 'weETH', source: 'apy', apyBase: v });
    m.ingest(apy(NOW - 10 * DAY, 0.5)); // outside the window
    m.ingest(apy(NOW - 2 * DAY, 0.03));
    m.ingest(apy(NOW - DAY, 0.04));
    m.ingest(apy(NOW, 0.05));
    const v = m.view(NOW).assets.get('weETH');
    expect(v?.apyAverage.apyBase).toBeCloseTo(0.04, 15);
    expect(v?.fields.apyBase?.value).toBe(0.05);
    expect(v?.fields.apyBase?.time).toBe(NOW);
  });

  it('a reading older than the newest never overwrites it nor joins the rate series (stale is ignored, not a failure)', () => {
    const m = new MarketState(DAY);
    m.ingest(rate(NOW - DAY, 1));
    m.ingest(rate(NOW, 1.001));
    m.ingest(rate(NOW - 1, 0.5, { marketRate: 0.9 }));
    const v = m.view(NOW).assets.get('wstETH');
    expect(v?.fields.fairRate).toEqual({ value: 1.001, time: NOW, source: 't' });
    // An older field the asset never had is still news.
    expect(v?.fields.marketRate?.value).toBe(0.9);
    expect(v?.rateGrowthApy).toBeCloseTo(Math.pow(1.001, 365) - 1, 9);
    expect(v?.fairRatePeak).toBe(1.001);
  });

  it('a long series folded in one go gives the same growth as the closed form (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: -0.02, max: 0.2, noNaN: true }), fc.integer({ min: 1, max: 12 }), fc.double({ min: 0.5, max: 2, noNaN: true }), (apy, stepHours, r0) => {
        const m = new MarketState(7 * DAY);
        const start = NOW - 40 * DAY;
        let last = start;
        for (let t = start; t <= NOW; t += stepHours * HOUR) {
          m.ingest(rate(t, r0 * Math.pow(1 + apy, (t - start) / YEAR)));
          last = t;
        }
        const g = m.view(last).assets.get('wstETH')?.rateGrowthApy as number;
        expect(g).toBeCloseTo(apy, 7);
      }),
      { numRuns: 40 },
    );
  });
});

describe('valuation and cost model', () => {
  const m = new MarketState(7 * DAY);
  m.ingest({ time: NOW, asset: 'aave-v3-weETH', source: 't', fairRate: 1.05, supplyIndex: 1.01 });
  m.ingest({ time: NOW, asset: 'weETH', source: 't', fairRate: 1.05, marketRate: 1.04 });
  m.ingest({ time: NOW, asset: 'wstETH', source: 't', fairRate: 1.2 });
  const snap = m.view(NOW);

  it('marks at market where recorded (a lending position at its token’s market), else at fair', () => {
    expect(markOf(U, snap, 'weETH')).toBe(1.04);
    expect(markOf(U, snap, 'aave-v3-weETH')).toBe(1.04);
    expect(markOf(U, snap, 'wstETH')).toBe(1.2);
    expect(markOf(U, snap, 'ETH')).toBe(1);
    expect(markOf(U, snap, 'ezETH')).toBeUndefined();
  });

  it('NAV and weights: holdings at marks, pending redemptions counted as base asset (hand-computed)', () => {
    const p = {
      holdings: new Map([['ETH', eth(10)], ['weETH', eth(25)], ['wstETH', eth(10)]]),
      pending: [{ id: 'r', asset: 'wstETH', amountIn: eth(4), expectedBase: eth(4.8), requestedAt: NOW, claimableAt: NOW + DAY }],
      indexSeen: new Map(),
    };
    const v = valuePortfolio(U, snap, p);
    // 25 × 1.04 and 10 × 1.2 at the exact binary values of 1.04 (slightly above) and 1.2 (slightly below), floored
    expect(v.values.get('weETH')).toBe(26_000_000_000_000_000_888n);
    expect(v.values.get('wstETH')).toBe(11_999_999_999_999_999_555n);
    expect(v.pendingBase).toBe(eth(4.8));
    // 10 + 26 + 12 + 4.8 = 52.8 (+ 888 − 445 wei of binary rounding)
    expect(v.nav).toBe(52_800_000_000_000_000_443n);
    const w = currentWeights(U, v);
    expect(w.ETH).toBeCloseTo(14.8 / 52.8, 15);
    expect(w.weETH).toBeCloseTo(26 / 52.8, 15);
    expect(w.wstETH).toBeCloseTo(12 / 52.8, 15);
    expect(Object.values(w).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    // an unpriceable holding is reported, not guessed
    const bad = valuePortfolio(U, snap, { ...p, holdings: new Map([['ezETH', eth(1)]]) });
    expect(bad.unpriced).toEqual(['ezETH']);
  });

  it('DEX quotes price the discount: buying below fair is a gain, selling below fair a loss (hand-computed)', () => {
    const a = U.byId.get('weETH')!;
    const dex = a.exit.dex!;
    const size = 100;
    const impact = priceImpact(dex.impactAtRef, dex.refSizeBase, size);
    expect(impact).toBeCloseTo((dex.impactAtRef * size) / dex.refSizeBase, 15);
    const keep = 1 - dex.feeFraction - impact;
    const sell = exitQuotes(U, snap, a, size).find((q) => q.kind === 'sell')!;
    expect(sell.keep).toBeCloseTo(keep, 15);
    expect(sell.costFraction).toBeCloseTo(1 - (keep * 1.04) / 1.05, 15);
    const buy = entryQuotes(U, snap, a, size).find((q) => q.kind === 'buy')!;
    expect(buy.costFraction).toBeCloseTo(1 - (keep * 1.05) / 1.04, 15);
    expect(buy.costFraction).toBeLessThan(0);
    // a huge order reads as ruinous, never negative
    expect(priceImpact(0.01, 1, 1e9)).toBe(0.99);
  });
});
