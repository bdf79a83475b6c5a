import { parseAbi } from 'viem';

/** Renzo (protocols.md A3; Renzo-Protocol/contracts-public), real mainnet signatures. No min-out on deposits. */

/** RestakeManager 0x74a0…9ef5. */
export const restakeManagerAbi = parseAbi([
  'function depositETH() payable',
  'function depositETH(uint256 _referralId) payable',
  'function deposit(address _collateralToken, uint256 _amount)',
  'function deposit(address _collateralToken, uint256 _amount, uint256 _referralId)',
]);

/**
 * WithdrawQueue 0x5efc…8918. `claim` takes the request's CURRENT index in withdrawRequests[user]: claiming
 * swaps the last request into the claimed slot, so indices move; withdrawRequestID is the stable id.
 */
export const renzoWithdrawQueueAbi = parseAbi([
  'function withdraw(uint256 _amount, address _assetOut)',
  'function claim(uint256 withdrawRequestIndex, address user)',
  'function getOutstandingWithdrawRequests(address user) view returns (uint256)',
  'function withdrawRequests(address user, uint256 index) view returns (address collateralToken, uint256 withdrawRequestID, uint256 amountToRedeem, uint256 ezETHLocked, uint256 createdAt)',
  'function coolDownPeriod() view returns (uint256)',
  'error EarlyClaim()',
  'error InvalidWithdrawIndex()',
]);
