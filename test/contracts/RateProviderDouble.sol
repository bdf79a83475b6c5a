// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

/// Stand-in for a Balancer-style rate provider (Renzo's ezETH BalancerRateProvider): getRate() (wad).
contract RateProviderDouble {
    uint256 private rate;

    constructor(uint256 initial) {
        rate = initial;
    }

    function getRate() external view returns (uint256) {
        return rate;
    }

    function setRate(uint256 value) external {
        rate = value;
    }
}
