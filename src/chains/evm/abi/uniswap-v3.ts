import { parseAbi } from 'viem';

/**
 * Uniswap v3 SwapRouter02 (mainnet 0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45, IV3SwapRouter in
 * Uniswap/swap-router-contracts v1.x): exactInputSingle's struct has no deadline field (the router's
 * deadline lives in multicall(uint256 deadline, bytes[])), selector 0x04e45aaf.
 */
export const uniswapV3RouterAbi = parseAbi([
  'struct ExactInputSingleParams { address tokenIn; address tokenOut; uint24 fee; address recipient; uint256 amountIn; uint256 amountOutMinimum; uint160 sqrtPriceLimitX96; }',
  'function exactInputSingle(ExactInputSingleParams params) payable returns (uint256 amountOut)',
]);

/**
 * Uniswap v3 QuoterV2 (mainnet 0x61fFE014bA17989E743c5F6cB21bF9697530B21e). On chain it is not a view
 * function (it simulates the swap and reverts internally); it is declared `view` here because the keeper
 * only ever eth_calls it (readContract), never sends it. The selector does not depend on mutability.
 */
export const uniswapV3QuoterAbi = parseAbi([
  'struct QuoteExactInputSingleParams { address tokenIn; address tokenOut; uint256 amountIn; uint24 fee; uint160 sqrtPriceLimitX96; }',
  'function quoteExactInputSingle(QuoteExactInputSingleParams params) view returns (uint256 amountOut, uint160 sqrtPriceX96After, uint32 initializedTicksCrossed, uint256 gasEstimate)',
]);
