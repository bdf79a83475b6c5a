import type { Address } from 'viem';
import { wstethAbi } from './abi.js';
import { asUint, type RateReader } from './reader-types.js';

/** Lido wstETH: stEthPerToken() is stETH per wstETH (wad); stETH is redeemable 1:1 for ETH, so it is the fair rate. */
export function wstethRateReader(token: Address): RateReader {
  return {
    call: { contract: 'wstETH', address: token, abi: wstethAbi, functionName: 'stEthPerToken' },
    stored: false,
    toWad: (v) => asUint(v, 'stEthPerToken'),
  };
}
