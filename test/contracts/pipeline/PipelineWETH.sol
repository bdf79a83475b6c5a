// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

/// WETH9-like double for the execution pipeline tests: deposit / withdraw / ERC-20 transfers.
contract PipelineWETH {
    string public constant name = "Wrapped Ether (pipeline double)";
    string public constant symbol = "WETH";
    uint8 public constant decimals = 18;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    error InsufficientBalance(uint256 have, uint256 want);

    event Deposit(address indexed dst, uint256 wad);
    event Withdrawal(address indexed src, uint256 wad);
    event Transfer(address indexed src, address indexed dst, uint256 wad);
    event Approval(address indexed src, address indexed guy, uint256 wad);

    function deposit() public payable {
        require(msg.value > 0, "PipelineWETH: zero deposit");
        balanceOf[msg.sender] += msg.value;
        emit Deposit(msg.sender, msg.value);
    }

    function withdraw(uint256 wad) external {
        uint256 have = balanceOf[msg.sender];
        if (have < wad) revert InsufficientBalance(have, wad);
        balanceOf[msg.sender] = have - wad;
        (bool ok, ) = msg.sender.call{value: wad}("");
        require(ok, "PipelineWETH: ETH transfer failed");
        emit Withdrawal(msg.sender, wad);
    }

    function totalSupply() external view returns (uint256) {
        return address(this).balance;
    }

    function approve(address guy, uint256 wad) external returns (bool) {
        allowance[msg.sender][guy] = wad;
        emit Approval(msg.sender, guy, wad);
        return true;
    }

    function transfer(address dst, uint256 wad) external returns (bool) {
        return transferFrom(msg.sender, dst, wad);
    }

    function transferFrom(address src, address dst, uint256 wad) public returns (bool) {
        uint256 have = balanceOf[src];
        if (have < wad) revert InsufficientBalance(have, wad);
        if (src != msg.sender && allowance[src][msg.sender] != type(uint256).max) {
            require(allowance[src][msg.sender] >= wad, "PipelineWETH: allowance");
            allowance[src][msg.sender] -= wad;
        }
        balanceOf[src] = have - wad;
        balanceOf[dst] += wad;
        emit Transfer(src, dst, wad);
        return true;
    }

    receive() external payable {
        deposit();
    }
}
