import type { Address } from 'viem';
import { lrtOracleAbi } from './abi.js';
import { asUint, type RateReader } from './reader-types.js';

/**
 * Kelp LRTOracle: rsETHPrice() is a STORED ETH-per-rsETH price (wad), refreshed only when someone calls
 * updateRSETHPrice(). Marked stored so the source records when the value last moved.
 */
export function kelpOracleRateReader(oracle: Address): RateReader {
  return {
    call: { contract: 'Kelp LRTOracle', address: oracle, abi: lrtOracleAbi, functionName: 'rsETHPrice' },
    stored: true,
    toWad: (v) => asUint(v, 'rsETHPrice'),
  };
}
