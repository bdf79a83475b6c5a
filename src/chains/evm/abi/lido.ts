import { parseAbi } from 'viem';

/**
 * Lido (protocols.md A1), real mainnet signatures. stETH balances are shares × pooled ether / total shares,
 * so a fresh balance can read 1–2 wei under what was staked.
 */

/** Lido / stETH 0xae7a…fE84. `submit` returns shares minted, not stETH. */
export const stethAbi = parseAbi([
  'function submit(address _referral) payable returns (uint256)',
  'function sharesOf(address _account) view returns (uint256)',
  'function getPooledEthByShares(uint256 _sharesAmount) view returns (uint256)',
]);

/** wstETH 0x7f39…2Ca0. */
export const wstethExecAbi = parseAbi([
  'function wrap(uint256 _stETHAmount) returns (uint256)',
  'function unwrap(uint256 _wstETHAmount) returns (uint256)',
  'function stEthPerToken() view returns (uint256)',
  'function getStETHByWstETH(uint256 _wstETHAmount) view returns (uint256)',
  'function getWstETHByStETH(uint256 _stETHAmount) view returns (uint256)',
]);

/** WithdrawalQueueERC721 0x889e…F9B1: requests of 100 wei … 1000 stETH each; claims need checkpoint hints. */
export const withdrawalQueueAbi = parseAbi([
  'function requestWithdrawals(uint256[] _amounts, address _owner) returns (uint256[] requestIds)',
  'function requestWithdrawalsWstETH(uint256[] _amounts, address _owner) returns (uint256[] requestIds)',
  'function claimWithdrawals(uint256[] _requestIds, uint256[] _hints)',
  'function claimWithdrawal(uint256 _requestId)',
  'function findCheckpointHints(uint256[] _requestIds, uint256 _firstIndex, uint256 _lastIndex) view returns (uint256[] hintIds)',
  'function getLastCheckpointIndex() view returns (uint256)',
  'function getWithdrawalRequests(address _owner) view returns (uint256[] requestsIds)',
  'function getLastRequestId() view returns (uint256)',
  'function getLastFinalizedRequestId() view returns (uint256)',
  'event WithdrawalRequested(uint256 indexed requestId, address indexed requestor, address indexed owner, uint256 amountOfStETH, uint256 amountOfShares)',
]);
