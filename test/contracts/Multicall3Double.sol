// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

/// A Multicall3-compatible aggregate3: calls each target in order; a failing call either reverts the
/// whole batch (allowFailure = false) or is reported as (false, revert data).
contract Multicall3Double {
    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    function aggregate3(Call3[] calldata calls) external payable returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 k = 0; k < calls.length; k++) {
            (bool ok, bytes memory ret) = calls[k].target.call(calls[k].callData);
            require(ok || calls[k].allowFailure, "Multicall3Double: call failed");
            returnData[k] = Result(ok, ret);
        }
    }
}
