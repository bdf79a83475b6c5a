import { zeroAddress, type Address } from 'viem';
import { aavePoolAbi, erc20Abi } from './abi.js';
import type { ContractCall } from './call-executor.js';
import type { AaveReaderConfig } from './evm-sources-config.js';
import { asUint } from './reader-types.js';
import { apyFromAnnualRay, fixed, normalizedIncome, ratio } from './units.js';

/**
 * An Aave v3 supply position. Round 1: Pool.getReserveData(underlying) and underlying.decimals().
 * Round 2 (needs the aToken and debt-token addresses from round 1): underlying.balanceOf(aToken) — the
 * liquidity a supplier can withdraw now — aToken.totalSupply() and variableDebtToken.totalSupply().
 */

export interface AaveReserve {
  readonly liquidityIndex: bigint;
  readonly currentLiquidityRate: bigint;
  readonly currentVariableBorrowRate: bigint;
  readonly lastUpdateTimestamp: bigint;
  readonly aToken: Address;
  readonly variableDebtToken: Address;
  readonly decimals: number;
}

export function reserveCalls(cfg: AaveReaderConfig): [ContractCall, ContractCall] {
  return [
    { contract: 'Aave v3 Pool', address: cfg.pool, abi: aavePoolAbi, functionName: 'getReserveData', args: [cfg.underlying] },
    { contract: 'reserve underlying', address: cfg.underlying, abi: erc20Abi, functionName: 'decimals' },
  ];
}

export function parseReserve(reserveData: unknown, decimals: unknown): AaveReserve {
  const r = reserveData as Record<string, unknown> | null;
  if (typeof r !== 'object' || r === null) throw new TypeError('returned something other than a ReserveDataLegacy tuple');
  const aToken = r.aTokenAddress as Address;
  if (!aToken || aToken === zeroAddress) throw new RangeError('returned aTokenAddress 0x0: reserve not listed on this pool');
  if (typeof decimals !== 'number' || !Number.isInteger(decimals) || decimals > 36) throw new TypeError(`decimals: expected a small integer, got ${String(decimals)}`);
  return {
    liquidityIndex: asUint(r.liquidityIndex, 'liquidityIndex'),
    currentLiquidityRate: asUint(r.currentLiquidityRate, 'currentLiquidityRate'),
    currentVariableBorrowRate: asUint(r.currentVariableBorrowRate, 'currentVariableBorrowRate'),
    // uint40 decodes as a JS number in viem
    lastUpdateTimestamp: asUint(typeof r.lastUpdateTimestamp === 'number' && Number.isSafeInteger(r.lastUpdateTimestamp) ? BigInt(r.lastUpdateTimestamp) : r.lastUpdateTimestamp, 'lastUpdateTimestamp'),
    aToken,
    variableDebtToken: (r.variableDebtTokenAddress as Address | undefined) ?? zeroAddress,
    decimals,
  };
}

/** Rate fields of round 1: need nothing else. */
export function reserveRates(res: AaveReserve, blockTimestamp: bigint) {
  return {
    /** Supply APY: currentLiquidityRate is an annual ray rate, compounded per second. */
    apyLending: apyFromAnnualRay(res.currentLiquidityRate),
    /** The reserve's normalized income at this block (liquidityIndex accrued since lastUpdateTimestamp). */
    supplyIndex: fixed(normalizedIncome(res.liquidityIndex, res.currentLiquidityRate, res.lastUpdateTimestamp, blockTimestamp), 27),
    aprLending: fixed(res.currentLiquidityRate, 27),
    aprBorrow: fixed(res.currentVariableBorrowRate, 27),
    apyBorrow: apyFromAnnualRay(res.currentVariableBorrowRate),
    liquidityIndex: fixed(res.liquidityIndex, 27),
    lastUpdateTimestamp: Number(res.lastUpdateTimestamp),
  };
}

export function liquidityCalls(cfg: AaveReaderConfig, res: AaveReserve): ContractCall[] {
  const calls: ContractCall[] = [
    { contract: 'reserve underlying', address: cfg.underlying, abi: erc20Abi, functionName: 'balanceOf', args: [res.aToken] },
    { contract: 'aToken', address: res.aToken, abi: erc20Abi, functionName: 'totalSupply' },
  ];
  if (res.variableDebtToken !== zeroAddress) calls.push({ contract: 'variable debt token', address: res.variableDebtToken, abi: erc20Abi, functionName: 'totalSupply' });
  return calls;
}

/**
 * Round 2 values. `priceWad` is ETH per underlying token (the priceAs asset's fair rate, or 1e18), or
 * undefined when that rate is missing this read (then nothing is valued in ETH).
 */
export function reserveLiquidity(res: AaveReserve, values: readonly unknown[], priceWad: bigint | undefined) {
  const available = asUint(values[0], 'balanceOf');
  const supplied = asUint(values[1], 'aToken totalSupply');
  const debt = values.length > 2 ? asUint(values[2], 'variableDebt totalSupply') : 0n;
  const toEth = (amount: bigint) => (priceWad === undefined ? undefined : fixed(amount * priceWad, res.decimals + 18));
  return {
    exitLiquidityBase: toEth(available),
    tvlBase: toEth(supplied),
    availableLiquidity: fixed(available, res.decimals),
    totalSupplied: fixed(supplied, res.decimals),
    totalDebt: fixed(debt, res.decimals),
    /** Aave's borrow usage ratio: debt / (available liquidity + debt). */
    utilization: available + debt === 0n ? 0 : ratio(debt, available + debt),
  };
}
