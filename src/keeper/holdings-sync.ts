import type { AssetId } from '../domain/asset.js';
import { holding, withHolding, type Portfolio } from '../domain/portfolio.js';

/** One asset whose journaled amount differs from what the chain says. */
export interface HoldingChange {
  readonly asset: AssetId;
  readonly journal: bigint;
  readonly chain: bigint;
  /** |chain − journal| / max(chain, journal): 1 when one side is zero. */
  readonly relative: number;
}

export interface HoldingsSync {
  readonly portfolio: Portfolio;
  readonly changes: readonly HoldingChange[];
}

/**
 * The portfolio with every asset the chain reported set to the chain's amount. Pending redemptions and
 * the accrual indexes stay (a queued withdrawal is not in a token balance; the index already stands at
 * the snapshot the balances are compared at). Assets the chain did not report are left as journaled.
 */
export function adoptChainHoldings(p: Portfolio, chain: ReadonlyMap<AssetId, bigint>): HoldingsSync {
  let out = p;
  const changes: HoldingChange[] = [];
  for (const [asset, amount] of chain) {
    if (amount < 0n) throw new RangeError(`the chain reported a negative balance of ${asset}: ${amount}`);
    const journal = holding(p, asset);
    if (journal === amount) continue;
    const hi = journal > amount ? journal : amount;
    const diff = journal > amount ? journal - amount : amount - journal;
    changes.push({ asset, journal, chain: amount, relative: Number((diff * 1_000_000n) / hi) / 1_000_000 });
    out = withHolding(out, asset, amount);
  }
  return { portfolio: out, changes };
}
