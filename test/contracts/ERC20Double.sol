// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

/// Just enough ERC-20 for reads: balances and supply minted by the test, no transfers.
contract ERC20Double {
    string public name;
    string public symbol;
    uint8 public decimals;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
    }

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }
}
