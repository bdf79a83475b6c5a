import { parseAbi } from 'viem';

/** Kelp (protocols.md A4; Kelp-DAO/LRT-rsETH), real mainnet signatures. ETH is the sentinel 0xEeee…EEeE. */

/** LRTDepositPool 0x0366…375D: deposits carry a minimum rsETH out. */
export const lrtDepositPoolAbi = parseAbi([
  'function depositETH(uint256 minRSETHAmountExpected, string referralId) payable',
  'function depositAsset(address asset, uint256 depositAmount, uint256 minRSETHAmountExpected, string referralId)',
  'function getRsETHAmountToMint(address asset, uint256 amount) view returns (uint256)',
  'error MinimumAmountToReceiveNotMet()',
]);

/** LRTWithdrawalManager 0x62De…ec16: completeWithdrawal finishes the caller's oldest unlocked request for `asset`. */
export const lrtWithdrawalManagerAbi = parseAbi([
  'function initiateWithdrawal(address asset, uint256 rsETHUnstaked, string referralId)',
  'function completeWithdrawal(address asset, string referralId)',
  'function getExpectedAssetAmount(address asset, uint256 amount) view returns (uint256)',
]);
