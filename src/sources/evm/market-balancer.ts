import { zeroAddress } from 'viem';
import { balancerVaultAbi } from './abi.js';
import type { BalancerMarketConfig } from './evm-sources-config.js';
import type { MarketVenue } from './reader-types.js';

const GIVEN_IN = 0;

/**
 * A Balancer v2 pool through the Vault's queryBatchSwap(GIVEN_IN, [one step assetIn → assetOut]): the
 * Vault simulates the swap and returns asset deltas (positive = paid in, negative = paid out). Not a view
 * function, so it is only ever sent as eth_call (directly or inside the multicall).
 */
export function balancerVenue(cfg: BalancerMarketConfig): MarketVenue {
  return {
    quotesUnderlying: undefined,
    quote: (amountIn) => ({
      contract: 'Balancer Vault',
      address: cfg.vault,
      abi: balancerVaultAbi,
      functionName: 'queryBatchSwap',
      argsLabel: `GIVEN_IN, pool ${cfg.poolId.slice(0, 10)}…, ${cfg.assetIn} → ${cfg.assetOut}, amount ${amountIn}`,
      args: [
        GIVEN_IN,
        [{ poolId: cfg.poolId, assetInIndex: 0n, assetOutIndex: 1n, amount: amountIn, userData: '0x' }],
        [cfg.assetIn, cfg.assetOut],
        { sender: zeroAddress, fromInternalBalance: false, recipient: zeroAddress, toInternalBalance: false },
      ],
    }),
    amountOut: (v) => {
      const deltas = v as readonly unknown[];
      const out = Array.isArray(deltas) ? deltas[1] : undefined;
      if (typeof out !== 'bigint' || out > 0n) throw new TypeError(`queryBatchSwap: expected a negative delta for assetOut, got ${String(out)}`);
      return -out;
    },
  };
}
