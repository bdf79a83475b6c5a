// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

/// Stand-in for the Balancer v2 Vault's queryBatchSwap (same struct signatures, not a view: it counts
/// queries, as the real one simulates the swap). Each pool swaps tokenIn → tokenOut with
///   net = amount - amount * feeWad / 1e18;  ideal = net * price / 1e18;  out = ideal * depth / (depth + ideal)
/// and the deltas follow the Vault's sign convention (+ paid into the vault, − paid out).
contract BalancerVaultDouble {
    enum SwapKind {
        GIVEN_IN,
        GIVEN_OUT
    }

    struct BatchSwapStep {
        bytes32 poolId;
        uint256 assetInIndex;
        uint256 assetOutIndex;
        uint256 amount;
        bytes userData;
    }

    struct FundManagement {
        address sender;
        bool fromInternalBalance;
        address payable recipient;
        bool toInternalBalance;
    }

    struct Pool {
        address tokenIn;
        address tokenOut;
        uint256 price;
        uint256 depth;
        uint256 feeWad;
        bool set;
    }

    mapping(bytes32 => Pool) private pools;
    uint256 public queries;

    function setPool(bytes32 poolId, address tokenIn, address tokenOut, uint256 price, uint256 depth, uint256 feeWad) external {
        pools[poolId] = Pool(tokenIn, tokenOut, price, depth, feeWad, true);
    }

    function queryBatchSwap(SwapKind kind, BatchSwapStep[] memory swaps, address[] memory assets, FundManagement memory) external returns (int256[] memory assetDeltas) {
        require(kind == SwapKind.GIVEN_IN, "BalancerVaultDouble: GIVEN_IN only");
        queries += 1;
        assetDeltas = new int256[](assets.length);
        uint256 previousOut;
        for (uint256 k = 0; k < swaps.length; k++) {
            BatchSwapStep memory s = swaps[k];
            Pool memory p = pools[s.poolId];
            require(p.set, "BAL#500");
            require(assets[s.assetInIndex] == p.tokenIn && assets[s.assetOutIndex] == p.tokenOut, "BAL#521");
            uint256 amount = s.amount == 0 ? previousOut : s.amount;
            uint256 net = amount - (amount * p.feeWad) / 1e18;
            uint256 ideal = (net * p.price) / 1e18;
            uint256 out = (ideal * p.depth) / (p.depth + ideal);
            assetDeltas[s.assetInIndex] += int256(amount);
            assetDeltas[s.assetOutIndex] -= int256(out);
            previousOut = out;
        }
    }
}
