// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

import "./ExecToken.sol";

/// A two-coin Curve pool that trades at an admin-set price per direction less a fee (1e10 denominator):
///   dy = dx × price(i→j) / 1e18 − fee.
/// A coin equal to the 0xEeee…EEeE sentinel is native ETH (exchange then needs msg.value == dx, and pays
/// ETH out). exchange reverts "Exchange resulted in fewer coins than expected" below min_dy, as Curve does.
/// The admin seeds liquidity by sending ETH and tokens to the pool.
contract CurveExchangeDouble {
    address public constant ETH = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    uint256 private constant FEE_DENOMINATOR = 1e10;

    address public immutable admin;
    address[2] private coinList;
    uint256 public fee;
    mapping(int128 => mapping(int128 => uint256)) public price;

    event TokenExchange(address indexed buyer, int128 sold_id, uint256 tokens_sold, int128 bought_id, uint256 tokens_bought);

    constructor(address coin0, address coin1, uint256 fee_) {
        admin = msg.sender;
        coinList[0] = coin0;
        coinList[1] = coin1;
        fee = fee_;
    }

    function setPrice(int128 i, int128 j, uint256 price_) external {
        require(msg.sender == admin, "CurveExchangeDouble: not the admin");
        require(i != j && i >= 0 && j >= 0 && i < 2 && j < 2, "CurveExchangeDouble: bad coins");
        price[i][j] = price_;
    }

    function coins(uint256 i) external view returns (address) {
        return coinList[i];
    }

    function get_dy(int128 i, int128 j, uint256 dx) public view returns (uint256) {
        uint256 p = price[i][j];
        require(p > 0, "CurveExchangeDouble: no price for the pair");
        uint256 dy = (dx * p) / 1e18;
        return dy - (dy * fee) / FEE_DENOMINATOR;
    }

    function exchange(int128 i, int128 j, uint256 dx, uint256 min_dy) external payable returns (uint256) {
        uint256 dy = get_dy(i, j, dx);
        require(dy >= min_dy, "Exchange resulted in fewer coins than expected");
        address coinIn = coinList[uint128(i)];
        address coinOut = coinList[uint128(j)];
        if (coinIn == ETH) {
            require(msg.value == dx, "CurveExchangeDouble: msg.value must equal dx");
        } else {
            require(msg.value == 0, "CurveExchangeDouble: unexpected ETH");
            require(IExecERC20(coinIn).transferFrom(msg.sender, address(this), dx), "CurveExchangeDouble: transfer in failed");
        }
        if (coinOut == ETH) {
            (bool ok, ) = payable(msg.sender).call{value: dy}("");
            require(ok, "CurveExchangeDouble: ETH transfer failed");
        } else {
            require(IExecERC20(coinOut).transfer(msg.sender, dy), "CurveExchangeDouble: transfer out failed");
        }
        emit TokenExchange(msg.sender, i, dx, j, dy);
        return dy;
    }

    receive() external payable {}
}
