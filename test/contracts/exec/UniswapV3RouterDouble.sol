// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

import "./ExecToken.sol";

/// A Uniswap v3 SwapRouter02 stand-in for single-pool exact-input swaps at an admin-set price per
/// (tokenIn, tokenOut, fee) — the fee tier only selects the pool, the price is net of it:
///   amountOut = amountIn × price / 1e18.
/// exactInputSingle takes SwapRouter02's struct (no deadline), pulls tokenIn from the caller, pays the
/// recipient from the router's own stock (the admin seeds it by transferring tokens in), and reverts
/// "Too little received" below amountOutMinimum, as the router does. quoteExactInputSingle answers like
/// QuoterV2 (same struct and return tuple), so one address serves as router and quoter in tests.
contract UniswapV3RouterDouble {
    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 amountIn;
        uint256 amountOutMinimum;
        uint160 sqrtPriceLimitX96;
    }

    struct QuoteExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint256 amountIn;
        uint24 fee;
        uint160 sqrtPriceLimitX96;
    }

    address public immutable admin;
    mapping(address => mapping(address => mapping(uint24 => uint256))) public price;

    event Swap(address indexed sender, address indexed recipient, address tokenIn, address tokenOut, uint24 fee, uint256 amountIn, uint256 amountOut);

    constructor() {
        admin = msg.sender;
    }

    function setPrice(address tokenIn, address tokenOut, uint24 fee, uint256 price_) external {
        require(msg.sender == admin, "UniswapV3RouterDouble: not the admin");
        price[tokenIn][tokenOut][fee] = price_;
    }

    function amountOutFor(address tokenIn, address tokenOut, uint24 fee, uint256 amountIn) public view returns (uint256) {
        uint256 p = price[tokenIn][tokenOut][fee];
        require(p > 0, "UniswapV3RouterDouble: no pool for the pair and fee");
        return (amountIn * p) / 1e18;
    }

    function quoteExactInputSingle(QuoteExactInputSingleParams calldata params)
        external
        view
        returns (uint256 amountOut, uint160 sqrtPriceX96After, uint32 initializedTicksCrossed, uint256 gasEstimate)
    {
        amountOut = amountOutFor(params.tokenIn, params.tokenOut, params.fee, params.amountIn);
        return (amountOut, 0, 0, 100000);
    }

    function exactInputSingle(ExactInputSingleParams calldata params) external payable returns (uint256 amountOut) {
        require(msg.value == 0, "UniswapV3RouterDouble: ETH not taken (wrap to WETH first)");
        amountOut = amountOutFor(params.tokenIn, params.tokenOut, params.fee, params.amountIn);
        require(amountOut >= params.amountOutMinimum, "Too little received");
        require(IExecERC20(params.tokenIn).transferFrom(msg.sender, address(this), params.amountIn), "UniswapV3RouterDouble: transfer in failed");
        require(IExecERC20(params.tokenOut).transfer(params.recipient, amountOut), "UniswapV3RouterDouble: transfer out failed");
        emit Swap(msg.sender, params.recipient, params.tokenIn, params.tokenOut, params.fee, params.amountIn, amountOut);
    }
}
