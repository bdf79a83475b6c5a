import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PlannedAction } from '../src/domain/action.js';
import { readCostSplit, splitTotal, costSplitDetail } from '../src/domain/cost-split.js';
import { emptyPortfolio, withHolding } from '../src/domain/portfolio.js';
import { DAY } from '../src/domain/time.js';
import { executePaper } from '../src/executor/paper-executor.js';
import { entryQuotes, exitQuotes } from '../src/market/cost-model.js';
import { chainSplit } from '../src/market/fill-split.js';
import { fairRate } from '../src/market/valuation.js';
import { eth, ethObservations, ethVault, snapshotOf } from './support/core-fixtures.js';

/** Gas, the venue's fee, slippage and depeg are carried apart from the quote into the fill, and add up. */

const NOW = Date.parse('2025-03-01T00:00:00Z');
const u = ethVault().universe;
const snapAt = (premium: number | undefined) => snapshotOf(ethObservations({ tokens: { wstETH: { fair0: 1.18, apy: 0.03, premium }, weETH: { fair0: 1.06, apy: 0.03, premium } }, lending: {} }, NOW, 40), NOW);

function planned(kind: PlannedAction['kind'], from: string, to: string, amountIn: bigint, venue: string): PlannedAction {
  return { seq: 1, kind, from, to, amountIn, expectedOut: 0n, minOut: 0n, venue, estCostBase: 0n, delaySeconds: 0, reason: 'test' };
}

describe('paper fills split their cost into gas, fee, slippage and depeg', () => {
  it('for every route, size and market price: the parts sum to the net shortfall; gas, fee and slippage are never negative', () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.constantFrom('wstETH', 'weETH'), fc.double({ min: -0.03, max: 0.02, noNaN: true }), fc.double({ min: 0.5, max: 3000, noNaN: true }), (token, premium, size) => {
        const snap = snapAt(premium);
        const info = u.registryAssets.get(token)!;
        const quotes = [...entryQuotes(u, snap, info, size).map((q) => ({ q, from: u.baseAsset, to: token })), ...exitQuotes(u, snap, info, size).map((q) => ({ q, from: token, to: u.baseAsset }))];
        for (const { q, from, to } of quotes.filter((x) => x.q.available)) {
          const amountIn = eth(size);
          const p = withHolding(withHolding(emptyPortfolio(), from, amountIn), u.baseAsset, amountIn + eth(10));
          const r = executePaper(planned(q.kind, from, to, amountIn, q.venue), p, { universe: u, snapshot: snap, now: NOW, onStatus: () => {} });
          expect(r.status, JSON.stringify(r.detail)).toBe('confirmed');
          const s = readCostSplit(r.fill!.detail)!;
          expect(s.why).toBeUndefined();
          expect(splitTotal(s)).toBe(r.fill!.costBase - (r.fill!.gainBase ?? 0n));
          expect(s.gas).toBeGreaterThanOrEqual(0n);
          expect(s.fee!).toBeGreaterThanOrEqual(0n);
          expect(s.slippage!).toBeGreaterThanOrEqual(0n);
          if (q.kind === 'buy' || q.kind === 'sell') {
            // The fee is the pool's stated share of (fee + impact); the rest is impact.
            const lost = Number(s.fee! + s.slippage!);
            // (the executor re-quotes at the fill's own size: its keep is in the action detail)
            const keep = r.detail.keep as number;
            if (lost > 1e6) expect(Number(s.fee!) / lost).toBeCloseTo(q.feeFraction / (1 - keep), 6);
            // Selling below fair gives the discount up; buying below fair gains it.
            if (premium < -1e-4) expect(q.kind === 'sell' ? s.depeg! > 0n : s.depeg! < 0n).toBe(true);
          } else {
            expect(s.depeg! <= 0n && s.depeg! > -1000n).toBe(true); // protocol routes trade at fair (a wei of rounding at most)
            expect(s.slippage).toBe(0n);
          }
          checked++;
        }
      }),
      { numRuns: 80, seed: 11 },
    );
    expect(checked).toBeGreaterThan(150);
  });

  it('a claim is gas only, with every other part known to be zero', () => {
    const snap = snapAt(-0.01);
    const p = { ...withHolding(emptyPortfolio(), u.baseAsset, eth(1)), pending: [{ id: 'r1', asset: 'wstETH', amountIn: eth(5), expectedBase: eth(5.9), requestedAt: NOW - 10 * DAY, claimableAt: NOW - DAY }] };
    const r = executePaper({ ...planned('redeem-claim', 'wstETH', u.baseAsset, eth(5.9), 'lido:redeem'), redemptionId: 'r1' }, p, { universe: u, snapshot: snap, now: NOW, onStatus: () => {} });
    const s = readCostSplit(r.fill!.detail)!;
    expect(s.gas).toBeGreaterThan(0n);
    expect([s.fee, s.slippage, s.depeg]).toEqual([0n, 0n, 0n]);
    expect(splitTotal(s)).toBe(r.fill!.costBase);
  });
});

describe('chain fills: gas from the receipt, the venue fee and slippage against the quote', () => {
  const snap = snapAt(-0.01);
  const wst = u.registryAssets.get('wstETH')!;
  const dex = wst.exit.dex!;
  const fair = fairRate(u, snap, 'wstETH')!;

  it('a DEX sale: fee = the pool fee on the quoted amount, slippage = the rest of the shortfall, depeg = market below fair', () => {
    const amountIn = eth(10);
    // Received 0.2 % less than the quote at market (fee 0.01 % of it, the rest slippage).
    const quotedEth = 10 * fair * 0.99;
    const amountOut = eth(quotedEth * 0.998);
    const s = chainSplit(u, snap, { kind: 'sell', from: 'wstETH', to: 'ETH', venue: dex.venue }, { amountIn, amountOut, gas: 3_000_000_000_000_000n });
    expect(s.why).toBeUndefined();
    expect(Number(s.fee!) / 1e18).toBeCloseTo(quotedEth * dex.feeFraction, 6);
    expect(Number(s.slippage!) / 1e18).toBeCloseTo(quotedEth * (0.002 - dex.feeFraction), 5);
    expect(Number(s.depeg!) / 1e18).toBeCloseTo(10 * fair * 0.01, 5);
    const inValue = (amountIn * BigInt(Math.round(fair * 1e12))) / 10n ** 12n;
    expect(Number(splitTotal(s)! - (3_000_000_000_000_000n + inValue - amountOut))).toBeLessThan(1e7); // the parts add to gas + shortfall at fair
  });

  it('a fill that beat its quote has negative slippage: measured, not clamped', () => {
    const s = chainSplit(u, snap, { kind: 'sell', from: 'wstETH', to: 'ETH', venue: dex.venue }, { amountIn: eth(1), amountOut: eth(fair * 0.995), gas: 1n });
    expect(s.slippage!).toBeLessThan(0n);
    expect(s.fee!).toBeGreaterThan(0n);
  });

  it('unknown where it cannot be known: no market price, a venue the registry does not name, a redemption', () => {
    const noMarket = chainSplit(u, snapAt(undefined), { kind: 'sell', from: 'wstETH', to: 'ETH', venue: dex.venue }, { amountIn: eth(1), amountOut: eth(1), gas: 5n });
    expect(noMarket).toEqual({ gas: 5n, why: expect.stringMatching(/no market price for wstETH/) });
    expect(chainSplit(u, snap, { kind: 'sell', from: 'wstETH', to: 'ETH', venue: 'some other pool' }, { amountIn: eth(1), amountOut: eth(1), gas: 5n }).why).toMatch(/not the registry's sell route/);
    expect(chainSplit(u, snap, { kind: 'redeem-request', from: 'wstETH', to: 'ETH', venue: 'lido:redeem' }, { amountIn: eth(1), amountOut: 0n, gas: 5n }).why).toMatch(/redemption/);
    const read = readCostSplit(costSplitDetail(noMarket))!;
    expect(read.fee).toBeUndefined();
    expect(splitTotal(read)).toBeUndefined();
  });

  it('older journals: fee and slippage as one figure read as "not split", a gas-only chain fill reads as gas only', () => {
    const old = readCostSplit({ gasBase: '10', feesAndImpactBase: '30', belowFairBase: '-5' })!;
    expect(old).toMatchObject({ gas: 10n, fee: undefined, slippage: undefined, feeAndSlippage: 30n, depeg: -5n });
    expect(old.why).toMatch(/before fee and slippage were recorded apart/);
    expect(splitTotal(old)).toBe(35n);
    expect(readCostSplit({ txs: [] }, 7n)).toMatchObject({ gas: 7n, fee: undefined, depeg: undefined });
    expect(readCostSplit({ txs: [] })).toBeUndefined();
  });
});
