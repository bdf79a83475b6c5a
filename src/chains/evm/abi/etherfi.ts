import { parseAbi } from 'viem';

/** EtherFi (protocols.md A2), real mainnet signatures. eETH is share-based like stETH (1–2 wei rounding). */

/** LiquidityPool 0x3088…F216. The 2- and 3-argument deposit overloads are restricted; only these two are public. */
export const liquidityPoolAbi = parseAbi([
  'function deposit() payable returns (uint256)',
  'function deposit(address _referral) payable returns (uint256)',
  'function requestWithdraw(address recipient, uint256 amount) returns (uint256)',
  'function getTotalPooledEther() view returns (uint256)',
  'function sharesForAmount(uint256 _amount) view returns (uint256)',
  'function amountForShare(uint256 _share) view returns (uint256)',
]);

/** weETH 0xCd5f…b7ee: weETH units are eETH shares. */
export const weethExecAbi = parseAbi([
  'function wrap(uint256 _eETHAmount) returns (uint256)',
  'function unwrap(uint256 _weETHAmount) returns (uint256)',
  'function getRate() view returns (uint256)',
  'function getEETHByWeETH(uint256 _weETHAmount) view returns (uint256)',
  'function getWeETHByeETH(uint256 _eETHAmount) view returns (uint256)',
]);

/** WeETHWithdrawAdapter 0xFbfe…BE38: pulls weETH, unwraps, and requests the withdrawal for `recipient`. */
export const weethWithdrawAdapterAbi = parseAbi(['function requestWithdraw(uint256 weETHAmount, address recipient) returns (uint256)']);

/** WithdrawRequestNFT 0x7d57…4E2c: the NFT owner claims once EtherFiAdmin has finalized the id. */
export const withdrawRequestNftAbi = parseAbi([
  'function claimWithdraw(uint256 tokenId)',
  'function batchClaimWithdraw(uint256[] tokenIds)',
  'function isFinalized(uint256 requestId) view returns (bool)',
  'function getClaimableAmount(uint256 tokenId) view returns (uint256)',
  'function ownerOf(uint256 tokenId) view returns (address)',
]);
