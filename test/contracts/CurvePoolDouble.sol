// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

/// Stand-in for a Curve StableSwap pool's get_dy with a curve a test can compute by hand:
///   ideal = dx * price / 1e18                (coin j at the pool's marginal price)
///   dy    = ideal * depth / (depth + ideal)  (constant product around a virtual reserve `depth` of coin j)
///   dy   -= dy * fee / 1e10                  (Curve's fee denominator)
/// so the price per unit at size x is price * depth / (depth + x*price) * (1 - fee).
contract CurvePoolDouble {
    uint256 private constant FEE_DENOMINATOR = 1e10;

    struct Quote {
        uint256 price;
        uint256 depth;
        uint256 fee;
        bool set;
    }

    mapping(int128 => mapping(int128 => Quote)) private quotes;

    function setQuote(int128 i, int128 j, uint256 price, uint256 depth, uint256 fee) external {
        require(i != j, "CurvePoolDouble: same coin");
        quotes[i][j] = Quote(price, depth, fee, true);
    }

    function get_dy(int128 i, int128 j, uint256 dx) external view returns (uint256) {
        Quote memory q = quotes[i][j];
        require(q.set, "CurvePoolDouble: no such pair");
        uint256 ideal = (dx * q.price) / 1e18;
        uint256 dy = (ideal * q.depth) / (q.depth + ideal);
        return dy - (dy * q.fee) / FEE_DENOMINATOR;
    }
}
