import { parseAbi } from 'viem';

/**
 * Curve StableSwap (protocols.md A8): the original stETH/ETH pool (coin 0 = native ETH, `exchange` payable)
 * and factory-NG plain pools (WETH, not payable) share this exchange signature.
 */
export const curveExchangeAbi = parseAbi([
  'function exchange(int128 i, int128 j, uint256 dx, uint256 min_dy) payable returns (uint256)',
  'function get_dy(int128 i, int128 j, uint256 dx) view returns (uint256)',
  'function coins(uint256 i) view returns (address)',
]);
