// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

/// Stand-in for Lido wstETH: only the rate view the keeper reads, set by the test.
contract WstETHDouble {
    uint256 public stEthPerToken;

    constructor(uint256 initial) {
        stEthPerToken = initial;
    }

    function setStEthPerToken(uint256 value) external {
        stEthPerToken = value;
    }
}
