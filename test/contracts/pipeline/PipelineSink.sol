// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

interface IPipelineERC20 {
    function transferFrom(address src, address dst, uint256 wad) external returns (bool);
}

/// A vault-share double: deposit(amount) pulls the asset with transferFrom (so it needs an approve
/// first: a two-transaction action) and credits shares 1:1, minus a fee the test can set to make the
/// outcome differ from the plan.
contract PipelineSink {
    string public constant symbol = "SHARE";
    uint8 public constant decimals = 18;
    IPipelineERC20 public immutable asset;
    uint256 public feeBps;
    mapping(address => uint256) public balanceOf;

    constructor(IPipelineERC20 asset_) {
        asset = asset_;
    }

    function setFee(uint256 bps) external {
        feeBps = bps;
    }

    function deposit(uint256 amount) external returns (uint256 shares) {
        require(asset.transferFrom(msg.sender, address(this), amount), "PipelineSink: pull failed");
        shares = amount - (amount * feeBps) / 10_000;
        balanceOf[msg.sender] += shares;
    }
}
