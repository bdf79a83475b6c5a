import type { Address } from 'viem';
import { rateProviderAbi } from './abi.js';
import { asUint, type RateReader } from './reader-types.js';

/** EtherFi weETH: getRate() = getEETHByWeETH(1e18), eETH (1:1 ETH) per weETH, wad. Computed live from the liquidity pool. */
export function weethRateReader(token: Address): RateReader {
  return {
    call: { contract: 'weETH', address: token, abi: rateProviderAbi, functionName: 'getRate' },
    stored: false,
    toWad: (v) => asUint(v, 'getRate'),
  };
}
