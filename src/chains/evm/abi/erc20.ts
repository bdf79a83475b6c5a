import { parseAbi } from 'viem';

/** ERC-20 as the builders use it: exact approvals, and balance/allowance reads. */
export const erc20Abi = parseAbi([
  'function approve(address spender, uint256 amount) returns (bool)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function balanceOf(address account) view returns (uint256)',
]);
