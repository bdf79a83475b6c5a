// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

import "./ExecToken.sol";

/// Lido stETH with the real submit(address) entry point. Shares are simplified to 1 stETH = 1 share = 1 ETH
/// (no rebasing), but a mint can come out `submitRoundingWei` short of msg.value (default 1 wei), the way
/// share rounding leaves a fresh stETH balance 1–2 wei under what was staked.
contract StETHDouble is ExecToken {
    address public immutable admin;
    uint256 public submitRoundingWei = 1;

    event Submitted(address indexed sender, uint256 amount, address referral);

    constructor() ExecToken("Liquid staked Ether 2.0", "stETH") {
        admin = msg.sender;
    }

    function setSubmitRoundingWei(uint256 wei_) external {
        require(msg.sender == admin, "StETHDouble: not the admin");
        submitRoundingWei = wei_;
    }

    function submit(address _referral) external payable returns (uint256) {
        require(msg.value != 0, "ZERO_DEPOSIT");
        uint256 minted = msg.value > submitRoundingWei ? msg.value - submitRoundingWei : msg.value;
        _mint(msg.sender, minted);
        emit Submitted(msg.sender, msg.value, _referral);
        return minted;
    }

    /// Burns the caller's own stETH (the withdrawal queue burns what it finalizes).
    function burn(uint256 amount) external {
        _burn(msg.sender, amount);
    }

    function sharesOf(address account) external view returns (uint256) {
        return balanceOf[account];
    }

    function getPooledEthByShares(uint256 shares) external pure returns (uint256) {
        return shares;
    }
}

/// wstETH: wrap pulls stETH and mints stETH × 1e18 / rate; unwrap burns and pays wstETH × rate / 1e18 stETH
/// from what it holds. The rate (stETH per wstETH) is set by the admin; raising it after wraps needs stETH
/// topped up for unwraps to pay. Sending ETH stakes and wraps in one go, as the real receive() does.
contract WstETHExecDouble is ExecToken {
    StETHDouble public immutable stETH;
    address public immutable admin;
    uint256 public stEthPerToken;

    constructor(StETHDouble stETH_, uint256 rate) ExecToken("Wrapped liquid staked Ether 2.0", "wstETH") {
        stETH = stETH_;
        admin = msg.sender;
        stEthPerToken = rate;
    }

    function setRate(uint256 rate) external {
        require(msg.sender == admin, "WstETHExecDouble: not the admin");
        require(rate > 0, "WstETHExecDouble: zero rate");
        stEthPerToken = rate;
    }

    function getWstETHByStETH(uint256 stETHAmount) public view returns (uint256) {
        return (stETHAmount * 1e18) / stEthPerToken;
    }

    function getStETHByWstETH(uint256 wstETHAmount) public view returns (uint256) {
        return (wstETHAmount * stEthPerToken) / 1e18;
    }

    function tokensPerStEth() external view returns (uint256) {
        return getWstETHByStETH(1e18);
    }

    function wrap(uint256 _stETHAmount) external returns (uint256) {
        require(_stETHAmount > 0, "wstETH: can't wrap zero stETH");
        uint256 minted = getWstETHByStETH(_stETHAmount);
        _mint(msg.sender, minted);
        require(stETH.transferFrom(msg.sender, address(this), _stETHAmount), "wstETH: stETH transfer failed");
        return minted;
    }

    function unwrap(uint256 _wstETHAmount) external returns (uint256) {
        require(_wstETHAmount > 0, "wstETH: zero amount unwrap not allowed");
        uint256 out = getStETHByWstETH(_wstETHAmount);
        _burn(msg.sender, _wstETHAmount);
        require(stETH.balanceOf(address(this)) >= out, "WstETHExecDouble: not enough stETH backing");
        require(stETH.transfer(msg.sender, out), "wstETH: stETH transfer failed");
        return out;
    }

    receive() external payable {
        uint256 before = stETH.balanceOf(address(this));
        stETH.submit{value: msg.value}(address(0));
        _mint(msg.sender, getWstETHByStETH(stETH.balanceOf(address(this)) - before));
    }
}

/// Lido's WithdrawalQueueERC721 as far as the keeper uses it. Requests (100 wei … 1000 stETH each, in stETH
/// or in wstETH that is unwrapped on the way in) get sequential ids owned by `_owner`. The admin's
/// finalize(upTo) must send exactly the ETH those requests are owed and records one checkpoint; a claim
/// needs a valid checkpoint hint, the caller must own the request, and the ETH goes to the caller.
contract WithdrawalQueueDouble {
    uint256 public constant MIN_STETH_WITHDRAWAL_AMOUNT = 100;
    uint256 public constant MAX_STETH_WITHDRAWAL_AMOUNT = 1000 ether;

    struct Request {
        uint256 amountOfStETH;
        address owner;
        uint256 timestamp;
        bool claimed;
    }

    StETHDouble public immutable stETH;
    WstETHExecDouble public immutable wstETH;
    address public immutable admin;

    mapping(uint256 => Request) private requests;
    mapping(address => uint256[]) private owned;
    uint256 private lastRequestId;
    uint256 private lastFinalizedRequestId;
    /// checkpointFrom[k] = first request id finalized by checkpoint k; index 0 is unused (checkpoints are 1-based).
    uint256[] private checkpointFrom;

    event WithdrawalRequested(uint256 indexed requestId, address indexed requestor, address indexed owner, uint256 amountOfStETH, uint256 amountOfShares);
    event WithdrawalsFinalized(uint256 indexed from, uint256 indexed to, uint256 amountOfETHLocked);
    event WithdrawalClaimed(uint256 indexed requestId, address indexed owner, address indexed receiver, uint256 amountOfETH);

    error RequestAmountTooSmall(uint256 amountOfStETH);
    error RequestAmountTooLarge(uint256 amountOfStETH);
    error RequestNotFoundOrNotFinalized(uint256 requestId);
    error RequestAlreadyClaimed(uint256 requestId);
    error NotOwner(address sender, address owner);
    error InvalidHint(uint256 hint);
    error ArraysLengthMismatch(uint256 firstLength, uint256 secondLength);
    error RequestIdsNotSorted();

    constructor(StETHDouble stETH_, WstETHExecDouble wstETH_) {
        stETH = stETH_;
        wstETH = wstETH_;
        admin = msg.sender;
        checkpointFrom.push(0);
    }

    function requestWithdrawals(uint256[] calldata _amounts, address _owner) external returns (uint256[] memory requestIds) {
        if (_owner == address(0)) _owner = msg.sender;
        requestIds = new uint256[](_amounts.length);
        for (uint256 k = 0; k < _amounts.length; k++) {
            _checkAmount(_amounts[k]);
            require(stETH.transferFrom(msg.sender, address(this), _amounts[k]), "WithdrawalQueueDouble: stETH transfer failed");
            requestIds[k] = _enqueue(_amounts[k], _owner);
        }
    }

    function requestWithdrawalsWstETH(uint256[] calldata _amounts, address _owner) external returns (uint256[] memory requestIds) {
        if (_owner == address(0)) _owner = msg.sender;
        requestIds = new uint256[](_amounts.length);
        for (uint256 k = 0; k < _amounts.length; k++) {
            require(wstETH.transferFrom(msg.sender, address(this), _amounts[k]), "WithdrawalQueueDouble: wstETH transfer failed");
            uint256 st = wstETH.unwrap(_amounts[k]);
            _checkAmount(st);
            requestIds[k] = _enqueue(st, _owner);
        }
    }

    function _checkAmount(uint256 amount) private pure {
        if (amount < MIN_STETH_WITHDRAWAL_AMOUNT) revert RequestAmountTooSmall(amount);
        if (amount > MAX_STETH_WITHDRAWAL_AMOUNT) revert RequestAmountTooLarge(amount);
    }

    function _enqueue(uint256 amount, address owner) private returns (uint256 id) {
        id = ++lastRequestId;
        requests[id] = Request(amount, owner, block.timestamp, false);
        owned[owner].push(id);
        emit WithdrawalRequested(id, msg.sender, owner, amount, amount);
    }

    /// ETH the admin must send to finalize every request up to `upTo`.
    function ethToFinalize(uint256 upTo) public view returns (uint256 sum) {
        for (uint256 id = lastFinalizedRequestId + 1; id <= upTo; id++) sum += requests[id].amountOfStETH;
    }

    function finalize(uint256 upTo) external payable {
        require(msg.sender == admin, "WithdrawalQueueDouble: not the admin");
        require(upTo > lastFinalizedRequestId && upTo <= lastRequestId, "WithdrawalQueueDouble: nothing to finalize up to that id");
        uint256 owed = ethToFinalize(upTo);
        require(msg.value == owed, "WithdrawalQueueDouble: send exactly the ETH the requests are owed");
        checkpointFrom.push(lastFinalizedRequestId + 1);
        emit WithdrawalsFinalized(lastFinalizedRequestId + 1, upTo, owed);
        lastFinalizedRequestId = upTo;
        stETH.burn(owed);
    }

    function getLastCheckpointIndex() public view returns (uint256) {
        return checkpointFrom.length - 1;
    }

    function getLastRequestId() external view returns (uint256) {
        return lastRequestId;
    }

    function getLastFinalizedRequestId() external view returns (uint256) {
        return lastFinalizedRequestId;
    }

    function getWithdrawalRequests(address _owner) external view returns (uint256[] memory requestsIds) {
        return owned[_owner];
    }

    function _hintFor(uint256 id, uint256 first, uint256 last) private view returns (uint256) {
        if (id == 0 || id > lastFinalizedRequestId) return 0;
        uint256 top = getLastCheckpointIndex();
        if (last > top) last = top;
        for (uint256 k = first == 0 ? 1 : first; k <= last; k++) {
            if (checkpointFrom[k] <= id && (k == top || checkpointFrom[k + 1] > id)) return k;
        }
        return 0;
    }

    function findCheckpointHints(uint256[] calldata _requestIds, uint256 _firstIndex, uint256 _lastIndex) external view returns (uint256[] memory hintIds) {
        hintIds = new uint256[](_requestIds.length);
        for (uint256 k = 0; k < _requestIds.length; k++) {
            if (k > 0 && _requestIds[k] <= _requestIds[k - 1]) revert RequestIdsNotSorted();
            hintIds[k] = _hintFor(_requestIds[k], _firstIndex, _lastIndex);
        }
    }

    function claimWithdrawals(uint256[] calldata _requestIds, uint256[] calldata _hints) external {
        if (_requestIds.length != _hints.length) revert ArraysLengthMismatch(_requestIds.length, _hints.length);
        for (uint256 k = 0; k < _requestIds.length; k++) _claim(_requestIds[k], _hints[k]);
    }

    function claimWithdrawal(uint256 _requestId) external {
        _claim(_requestId, _hintFor(_requestId, 1, getLastCheckpointIndex()));
    }

    function _claim(uint256 id, uint256 hint) private {
        if (id == 0 || id > lastFinalizedRequestId) revert RequestNotFoundOrNotFinalized(id);
        Request storage r = requests[id];
        if (r.claimed) revert RequestAlreadyClaimed(id);
        if (r.owner != msg.sender) revert NotOwner(msg.sender, r.owner);
        uint256 top = getLastCheckpointIndex();
        if (hint == 0 || hint > top || checkpointFrom[hint] > id || (hint < top && checkpointFrom[hint + 1] <= id)) revert InvalidHint(hint);
        r.claimed = true;
        uint256[] storage list = owned[r.owner];
        for (uint256 k = 0; k < list.length; k++) {
            if (list[k] == id) {
                list[k] = list[list.length - 1];
                list.pop();
                break;
            }
        }
        (bool ok, ) = payable(msg.sender).call{value: r.amountOfStETH}("");
        require(ok, "WithdrawalQueueDouble: ETH transfer failed");
        emit WithdrawalClaimed(id, r.owner, msg.sender, r.amountOfStETH);
    }
}
