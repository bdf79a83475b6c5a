import type { ContractCall } from './call-executor.js';

/** What each reader kind provides; the source (evm-source.ts) batches their calls and assembles observations. */

/** A fair-rate reader: one view call whose uint256 result is ETH per whole token, 18 decimals. */
export interface RateReader {
  readonly call: ContractCall;
  /** The value is stored and only moves when someone updates it: the source tracks when it last moved. */
  readonly stored: boolean;
  /** The call's decoded return → ETH per token as a wad. */
  toWad(value: unknown): bigint;
}

/** A DEX venue quoting token → ETH/WETH for an exact input. */
export interface MarketVenue {
  /** 'stETH': the pool trades stETH, not the configured token (market = price(stETH) × stEthPerToken). */
  readonly quotesUnderlying: 'stETH' | undefined;
  /** The read-only call quoting `amountIn` (wei of the token sold). */
  quote(amountIn: bigint): ContractCall;
  /** The decoded return → wei of ETH/WETH out. */
  amountOut(value: unknown): bigint;
}

export function asUint(value: unknown, what: string): bigint {
  if (typeof value !== 'bigint' || value < 0n) throw new TypeError(`${what}: expected a uint256, got ${String(value)}`);
  return value;
}
