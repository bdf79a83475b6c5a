import { parseAbi } from 'viem';

/** WETH9 (0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2, protocols.md A6): wrap and unwrap 1:1. */
export const weth9Abi = parseAbi(['function deposit() payable', 'function withdraw(uint256 wad)']);
