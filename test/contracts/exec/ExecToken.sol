// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

/// The ERC-20 calls the execution doubles make on each other.
interface IExecERC20 {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function approve(address spender, uint256 amount) external returns (bool);
    function balanceOf(address account) external view returns (uint256);
}

/// A plain ERC-20 ledger (18 decimals) with allowances; minting and burning are left to subcontracts.
/// Failures revert with "<symbol>: <reason>" so a test can tell which token refused.
abstract contract ExecToken {
    string public name;
    string public symbol;
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_) {
        name = name_;
        symbol = symbol_;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        require(allowed >= amount, string.concat(symbol, ": allowance too low"));
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) internal {
        require(to != address(0), string.concat(symbol, ": transfer to the zero address"));
        require(balanceOf[from] >= amount, string.concat(symbol, ": balance too low"));
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }

    function _mint(address to, uint256 amount) internal {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function _burn(address from, uint256 amount) internal {
        require(balanceOf[from] >= amount, string.concat(symbol, ": burn exceeds balance"));
        balanceOf[from] -= amount;
        totalSupply -= amount;
        emit Transfer(from, address(0), amount);
    }
}

/// A token its protocol doubles mint and burn (eETH, ezETH, rsETH, aTokens). The deployer is admin and a
/// minter; the admin names further minters.
contract ManagedToken is ExecToken {
    address public immutable admin;
    mapping(address => bool) public isMinter;

    constructor(string memory name_, string memory symbol_) ExecToken(name_, symbol_) {
        admin = msg.sender;
        isMinter[msg.sender] = true;
    }

    function setMinter(address who, bool allowed) external {
        require(msg.sender == admin, string.concat(symbol, ": not the admin"));
        isMinter[who] = allowed;
    }

    function mint(address to, uint256 amount) external {
        require(isMinter[msg.sender], string.concat(symbol, ": not a minter"));
        _mint(to, amount);
    }

    function burn(address from, uint256 amount) external {
        require(isMinter[msg.sender], string.concat(symbol, ": not a minter"));
        _burn(from, amount);
    }
}
