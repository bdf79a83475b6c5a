import { parseAbi } from 'viem';

/** Aave v3 Pool 0x8787…4E2 (protocols.md A6), real signatures. aTokens are minted to onBehalfOf and burned from msg.sender. */
export const aavePoolExecAbi = parseAbi([
  'function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)',
  'function withdraw(address asset, uint256 amount, address to) returns (uint256)',
]);
