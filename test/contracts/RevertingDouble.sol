// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

/// Reverts on every call with a reason string: a reader pointed at it must fail alone.
contract RevertingDouble {
    fallback() external {
        revert("RevertingDouble: always reverts");
    }
}
