// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

import "./ExecToken.sol";

/// Aave v3 Pool for supply and withdraw: supply pulls the asset and mints its aToken 1:1 to onBehalfOf;
/// withdraw burns the caller's aToken (type(uint256).max = all of it) and sends the asset to `to`. Reserves
/// are opened by the admin, which deploys each aToken. No interest accrues.
contract AavePoolExecDouble {
    address public immutable admin;
    mapping(address => ManagedToken) public aTokenOf;

    event Supply(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode);
    event Withdraw(address indexed reserve, address indexed user, address indexed to, uint256 amount);

    constructor() {
        admin = msg.sender;
    }

    function initReserve(address asset, string calldata aTokenSymbol) external returns (address) {
        require(msg.sender == admin, "AavePoolExecDouble: not the admin");
        require(address(aTokenOf[asset]) == address(0), "AavePoolExecDouble: reserve exists");
        ManagedToken a = new ManagedToken(string.concat("Aave Ethereum ", aTokenSymbol), aTokenSymbol);
        aTokenOf[asset] = a;
        return address(a);
    }

    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external {
        ManagedToken a = aTokenOf[asset];
        require(address(a) != address(0), "AavePoolExecDouble: reserve not active");
        require(amount != 0, "26"); // Aave Errors.INVALID_AMOUNT
        require(IExecERC20(asset).transferFrom(msg.sender, address(this), amount), "AavePoolExecDouble: asset transfer failed");
        a.mint(onBehalfOf, amount);
        emit Supply(asset, msg.sender, onBehalfOf, amount, referralCode);
    }

    function withdraw(address asset, uint256 amount, address to) external returns (uint256) {
        ManagedToken a = aTokenOf[asset];
        require(address(a) != address(0), "AavePoolExecDouble: reserve not active");
        uint256 balance = a.balanceOf(msg.sender);
        uint256 out = amount == type(uint256).max ? balance : amount;
        require(out != 0, "26");
        require(out <= balance, "32"); // Aave Errors.NOT_ENOUGH_AVAILABLE_USER_BALANCE
        a.burn(msg.sender, out);
        require(IExecERC20(asset).transfer(to, out), "AavePoolExecDouble: asset transfer failed");
        emit Withdraw(asset, msg.sender, to, out);
        return out;
    }
}
