// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

/// Stand-in for the Aave v3 Pool's getReserveData with the deployed ReserveDataLegacy layout.
contract AavePoolDouble {
    struct ReserveConfigurationMap {
        uint256 data;
    }

    struct ReserveDataLegacy {
        ReserveConfigurationMap configuration;
        uint128 liquidityIndex;
        uint128 currentLiquidityRate;
        uint128 variableBorrowIndex;
        uint128 currentVariableBorrowRate;
        uint128 currentStableBorrowRate;
        uint40 lastUpdateTimestamp;
        uint16 id;
        address aTokenAddress;
        address stableDebtTokenAddress;
        address variableDebtTokenAddress;
        address interestRateStrategyAddress;
        uint128 accruedToTreasury;
        uint128 unbacked;
        uint128 isolationModeTotalDebt;
    }

    mapping(address => ReserveDataLegacy) private reserves;

    /// Stores the reserve as given. A lastUpdateTimestamp of 0 reads back as the current block's
    /// timestamp (a reserve touched in this block), so tests can expect the stored liquidityIndex exactly.
    function setReserve(address asset, ReserveDataLegacy calldata data) external {
        reserves[asset] = data;
    }

    function getReserveData(address asset) external view returns (ReserveDataLegacy memory data) {
        data = reserves[asset];
        if (data.lastUpdateTimestamp == 0 && data.aTokenAddress != address(0)) {
            data.lastUpdateTimestamp = uint40(block.timestamp);
        }
    }
}
