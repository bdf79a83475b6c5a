// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

/// Stand-in for Kelp's LRTOracle: rsETHPrice is a stored value that only changes when written.
contract LRTOracleDouble {
    uint256 public rsETHPrice;

    constructor(uint256 initial) {
        rsETHPrice = initial;
    }

    function setRsETHPrice(uint256 value) external {
        rsETHPrice = value;
    }
}
