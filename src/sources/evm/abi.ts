import { parseAbi } from 'viem';

/**
 * ABI fragments with the real mainnet signatures (protocols.md Part A). Only the functions the readers
 * call; the test doubles in test/contracts expose exactly these.
 */

/** Lido wstETH (A1): stETH per 1 wstETH, 18 decimals. */
export const wstethAbi = parseAbi(['function stEthPerToken() view returns (uint256)']);

/** EtherFi weETH (A2) and Balancer-style rate providers such as Renzo's ezETH provider (A3): ETH per token, 18 decimals. */
export const rateProviderAbi = parseAbi(['function getRate() view returns (uint256)']);

/** Kelp LRTOracle (A4): a stored ETH-per-rsETH price, 18 decimals, refreshed by updateRSETHPrice(). */
export const lrtOracleAbi = parseAbi(['function rsETHPrice() view returns (uint256)']);

export const erc20Abi = parseAbi([
  'function balanceOf(address account) view returns (uint256)',
  'function totalSupply() view returns (uint256)',
  'function decimals() view returns (uint8)',
]);

/** Aave v3 Pool.getReserveData (A6): DataTypes.ReserveDataLegacy, field order as deployed. */
export const aavePoolAbi = parseAbi([
  'struct ReserveConfigurationMap { uint256 data; }',
  'struct ReserveDataLegacy { ReserveConfigurationMap configuration; uint128 liquidityIndex; uint128 currentLiquidityRate; uint128 variableBorrowIndex; uint128 currentVariableBorrowRate; uint128 currentStableBorrowRate; uint40 lastUpdateTimestamp; uint16 id; address aTokenAddress; address stableDebtTokenAddress; address variableDebtTokenAddress; address interestRateStrategyAddress; uint128 accruedToTreasury; uint128 unbacked; uint128 isolationModeTotalDebt; }',
  'function getReserveData(address asset) view returns (ReserveDataLegacy)',
]);

/** Curve StableSwap (original and NG plain pools, A8). */
export const curvePoolAbi = parseAbi(['function get_dy(int128 i, int128 j, uint256 dx) view returns (uint256)']);

/** Balancer v2 Vault (A8). queryBatchSwap is not a view: it is only ever sent as eth_call. SwapKind is a uint8 enum, IAsset an address. */
export const balancerVaultAbi = parseAbi([
  'struct BatchSwapStep { bytes32 poolId; uint256 assetInIndex; uint256 assetOutIndex; uint256 amount; bytes userData; }',
  'struct FundManagement { address sender; bool fromInternalBalance; address recipient; bool toInternalBalance; }',
  'function queryBatchSwap(uint8 kind, BatchSwapStep[] swaps, address[] assets, FundManagement funds) returns (int256[] assetDeltas)',
]);

/** Multicall3 aggregate3. */
export const multicall3Abi = parseAbi([
  'struct Call3 { address target; bool allowFailure; bytes callData; }',
  'struct Result { bool success; bytes returnData; }',
  'function aggregate3(Call3[] calls) payable returns (Result[] returnData)',
]);
