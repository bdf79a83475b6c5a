import type { Address } from 'viem';
import { rateProviderAbi } from './abi.js';
import { asUint, type RateReader } from './reader-types.js';

/** A Balancer-style rate provider, e.g. Renzo's ezETH BalancerRateProvider: getRate() = 1e18 × TVL / ezETH supply (wad). */
export function rateProviderReader(provider: Address): RateReader {
  return {
    call: { contract: 'rate provider', address: provider, abi: rateProviderAbi, functionName: 'getRate' },
    stored: false,
    toWad: (v) => asUint(v, 'getRate'),
  };
}
