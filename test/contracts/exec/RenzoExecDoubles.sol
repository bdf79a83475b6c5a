// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

import "./ExecToken.sol";

contract EzETHDouble is ManagedToken {
    constructor() ManagedToken("Renzo Restaked ETH", "ezETH") {}
}

/// Renzo RestakeManager: depositETH() mints msg.value × 1e18 / rate ezETH to the sender and forwards the ETH
/// to the withdraw queue as its buffer; deposit(token, amount) takes a configured collateral token at its
/// admin-set price. No minimum out, as on mainnet.
contract RestakeManagerDouble {
    EzETHDouble public immutable ezETH;
    address public immutable admin;
    address public withdrawQueue;
    /// ETH per ezETH, 1e18.
    uint256 public ezETHRate;
    /// ETH per collateral token, 1e18; 0 = not a collateral token.
    mapping(address => uint256) public collateralPrice;

    event Deposit(address depositor, address token, uint256 amount, uint256 ezETHMinted, uint256 referralId);

    constructor(EzETHDouble ezETH_, uint256 rate) {
        ezETH = ezETH_;
        admin = msg.sender;
        ezETHRate = rate;
    }

    modifier onlyAdmin() {
        require(msg.sender == admin, "RestakeManagerDouble: not the admin");
        _;
    }

    function setWithdrawQueue(address q) external onlyAdmin {
        withdrawQueue = q;
    }

    function setRate(uint256 rate) external onlyAdmin {
        require(rate > 0, "RestakeManagerDouble: zero rate");
        ezETHRate = rate;
    }

    function setCollateral(address token, uint256 price) external onlyAdmin {
        collateralPrice[token] = price;
    }

    function depositETH() external payable {
        _depositETH(0);
    }

    function depositETH(uint256 _referralId) external payable {
        _depositETH(_referralId);
    }

    function _depositETH(uint256 referralId) private {
        require(msg.value > 0, "RestakeManagerDouble: zero deposit");
        uint256 minted = (msg.value * 1e18) / ezETHRate;
        ezETH.mint(msg.sender, minted);
        if (withdrawQueue != address(0)) {
            (bool ok, ) = payable(withdrawQueue).call{value: msg.value}("");
            require(ok, "RestakeManagerDouble: buffer transfer failed");
        }
        emit Deposit(msg.sender, address(0), msg.value, minted, referralId);
    }

    function deposit(address _collateralToken, uint256 _amount) external {
        _deposit(_collateralToken, _amount, 0);
    }

    function deposit(address _collateralToken, uint256 _amount, uint256 _referralId) external {
        _deposit(_collateralToken, _amount, _referralId);
    }

    function _deposit(address token, uint256 amount, uint256 referralId) private {
        uint256 price = collateralPrice[token];
        require(price > 0, "RestakeManagerDouble: not a collateral token");
        require(IExecERC20(token).transferFrom(msg.sender, address(this), amount), "RestakeManagerDouble: collateral transfer failed");
        uint256 minted = (((amount * price) / 1e18) * 1e18) / ezETHRate;
        ezETH.mint(msg.sender, minted);
        emit Deposit(msg.sender, token, amount, minted, referralId);
    }
}

/// Renzo WithdrawQueue: withdraw(amount, IS_NATIVE) locks the sender's ezETH and records a request worth
/// amount × rate at request time; claim(index, user) reverts EarlyClaim() before coolDownPeriod, swaps the
/// last request into the claimed slot (indices move, as on mainnet), burns the ezETH and pays the user.
contract RenzoWithdrawQueueDouble {
    address public constant IS_NATIVE = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    struct WithdrawRequest {
        address collateralToken;
        uint256 withdrawRequestID;
        uint256 amountToRedeem;
        uint256 ezETHLocked;
        uint256 createdAt;
    }

    EzETHDouble public immutable ezETH;
    RestakeManagerDouble public immutable restakeManager;
    address public immutable admin;
    uint256 public coolDownPeriod;
    uint256 public withdrawRequestNonce;
    mapping(address => WithdrawRequest[]) public withdrawRequests;

    event WithdrawRequestCreated(uint256 indexed withdrawRequestID, address indexed user, address indexed claimToken, uint256 amountToRedeem, uint256 ezETHAmountLocked, uint256 withdrawRequestIndex);
    event WithdrawRequestClaimed(WithdrawRequest withdrawRequest);

    error InvalidZeroInput();
    error UnsupportedWithdrawAsset();
    error InvalidWithdrawIndex();
    error EarlyClaim();
    error TransferFailed();

    constructor(EzETHDouble ezETH_, RestakeManagerDouble manager, uint256 coolDown) {
        ezETH = ezETH_;
        restakeManager = manager;
        admin = msg.sender;
        coolDownPeriod = coolDown;
    }

    function setCoolDownPeriod(uint256 seconds_) external {
        require(msg.sender == admin, "RenzoWithdrawQueueDouble: not the admin");
        coolDownPeriod = seconds_;
    }

    function getOutstandingWithdrawRequests(address user) external view returns (uint256) {
        return withdrawRequests[user].length;
    }

    function withdraw(uint256 _amount, address _assetOut) external {
        if (_amount == 0) revert InvalidZeroInput();
        if (_assetOut != IS_NATIVE) revert UnsupportedWithdrawAsset();
        require(ezETH.transferFrom(msg.sender, address(this), _amount), "RenzoWithdrawQueueDouble: ezETH transfer failed");
        uint256 amountToRedeem = (_amount * restakeManager.ezETHRate()) / 1e18;
        withdrawRequestNonce++;
        withdrawRequests[msg.sender].push(WithdrawRequest(IS_NATIVE, withdrawRequestNonce, amountToRedeem, _amount, block.timestamp));
        emit WithdrawRequestCreated(withdrawRequestNonce, msg.sender, IS_NATIVE, amountToRedeem, _amount, withdrawRequests[msg.sender].length - 1);
    }

    function claim(uint256 withdrawRequestIndex, address user) external {
        WithdrawRequest[] storage list = withdrawRequests[user];
        if (withdrawRequestIndex >= list.length) revert InvalidWithdrawIndex();
        WithdrawRequest memory r = list[withdrawRequestIndex];
        if (block.timestamp - r.createdAt < coolDownPeriod) revert EarlyClaim();
        list[withdrawRequestIndex] = list[list.length - 1];
        list.pop();
        ezETH.burn(address(this), r.ezETHLocked);
        (bool ok, ) = payable(user).call{value: r.amountToRedeem}("");
        if (!ok) revert TransferFailed();
        emit WithdrawRequestClaimed(r);
    }

    receive() external payable {}
}
