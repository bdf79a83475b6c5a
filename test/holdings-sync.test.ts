import { describe, expect, it } from 'vitest';
import { portfolioFromJson } from '../src/domain/portfolio.js';
import { adoptChainHoldings } from '../src/keeper/holdings-sync.js';

describe('adoptChainHoldings', () => {
  const p = portfolioFromJson({
    holdings: { ETH: '100', wstETH: '50', 'aave-v3-WETH': '1000000' },
    pending: [{ id: 'lido:7', asset: 'wstETH', amountIn: '10', expectedBase: '12', requestedAt: 1, claimableAt: 2 }],
    indexSeen: { 'aave-v3-WETH': 1.05 },
  });

  it('takes every reported amount, keeps what the chain did not report, pending redemptions and indexes', () => {
    const s = adoptChainHoldings(p, new Map([['ETH', 90n], ['aave-v3-WETH', 1_000_100n], ['weETH', 3n]]));
    expect(Object.fromEntries(s.portfolio.holdings)).toEqual({ ETH: 90n, wstETH: 50n, 'aave-v3-WETH': 1_000_100n, weETH: 3n });
    expect(s.portfolio.pending).toBe(p.pending);
    expect(s.portfolio.indexSeen).toBe(p.indexSeen);
    expect(s.changes).toEqual([
      { asset: 'ETH', journal: 100n, chain: 90n, relative: 0.1 },
      { asset: 'aave-v3-WETH', journal: 1_000_000n, chain: 1_000_100n, relative: 0.000099 },
      { asset: 'weETH', journal: 0n, chain: 3n, relative: 1 },
    ]);
  });

  it('a zero on chain removes the holding; equal amounts are no change', () => {
    const s = adoptChainHoldings(p, new Map([['wstETH', 0n], ['ETH', 100n]]));
    expect(s.portfolio.holdings.has('wstETH')).toBe(false);
    expect(s.changes).toEqual([{ asset: 'wstETH', journal: 50n, chain: 0n, relative: 1 }]);
  });

  it('refuses a negative balance', () => {
    expect(() => adoptChainHoldings(p, new Map([['ETH', -1n]]))).toThrow(/negative balance of ETH/);
  });
});
