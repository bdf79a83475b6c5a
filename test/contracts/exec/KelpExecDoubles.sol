// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

import "./ExecToken.sol";

contract RsETHDouble is ManagedToken {
    constructor() ManagedToken("rsETH", "rsETH") {}
}

/// Kelp LRTDepositPool: depositETH(min, referral) mints msg.value × 1e18 / rsETHPrice rsETH and reverts
/// MinimumAmountToReceiveNotMet() below `min`; depositAsset does the same for an asset with an admin-set price.
/// Deposited ETH is forwarded to the withdrawal manager, which pays completed withdrawals.
contract LRTDepositPoolDouble {
    address public constant ETH_TOKEN = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    RsETHDouble public immutable rsETH;
    address public immutable admin;
    address public withdrawalManager;
    /// ETH per rsETH, 1e18 (Kelp's stored LRTOracle.rsETHPrice()).
    uint256 public rsETHPrice;
    /// ETH per asset, 1e18; ETH itself is 1e18; 0 = unsupported.
    mapping(address => uint256) public assetPrice;

    event ETHDeposit(address indexed depositor, uint256 depositAmount, uint256 rsethMintAmount, string referralId);
    event AssetDeposit(address indexed depositor, address indexed asset, uint256 depositAmount, uint256 rsethMintAmount, string referralId);

    error InvalidAmountToDeposit();
    error MinimumAmountToReceiveNotMet();
    error AssetNotSupported();

    constructor(RsETHDouble rsETH_, uint256 price) {
        rsETH = rsETH_;
        admin = msg.sender;
        rsETHPrice = price;
        assetPrice[ETH_TOKEN] = 1e18;
    }

    modifier onlyAdmin() {
        require(msg.sender == admin, "LRTDepositPoolDouble: not the admin");
        _;
    }

    function setWithdrawalManager(address m) external onlyAdmin {
        withdrawalManager = m;
    }

    function setRsETHPrice(uint256 price) external onlyAdmin {
        require(price > 0, "LRTDepositPoolDouble: zero price");
        rsETHPrice = price;
    }

    function setAssetPrice(address asset, uint256 price) external onlyAdmin {
        assetPrice[asset] = price;
    }

    function getRsETHAmountToMint(address asset, uint256 amount) public view returns (uint256) {
        uint256 price = assetPrice[asset];
        if (price == 0) revert AssetNotSupported();
        return (amount * price) / rsETHPrice;
    }

    function depositETH(uint256 minRSETHAmountExpected, string calldata referralId) external payable {
        if (msg.value == 0) revert InvalidAmountToDeposit();
        uint256 minted = getRsETHAmountToMint(ETH_TOKEN, msg.value);
        if (minted < minRSETHAmountExpected) revert MinimumAmountToReceiveNotMet();
        rsETH.mint(msg.sender, minted);
        if (withdrawalManager != address(0)) {
            (bool ok, ) = payable(withdrawalManager).call{value: msg.value}("");
            require(ok, "LRTDepositPoolDouble: forward failed");
        }
        emit ETHDeposit(msg.sender, msg.value, minted, referralId);
    }

    function depositAsset(address asset, uint256 depositAmount, uint256 minRSETHAmountExpected, string calldata referralId) external {
        if (depositAmount == 0) revert InvalidAmountToDeposit();
        uint256 minted = getRsETHAmountToMint(asset, depositAmount);
        if (minted < minRSETHAmountExpected) revert MinimumAmountToReceiveNotMet();
        require(IExecERC20(asset).transferFrom(msg.sender, address(this), depositAmount), "LRTDepositPoolDouble: asset transfer failed");
        rsETH.mint(msg.sender, minted);
        emit AssetDeposit(msg.sender, asset, depositAmount, minted, referralId);
    }
}

/// Kelp LRTWithdrawalManager for ETH: initiateWithdrawal locks rsETH and queues a request worth
/// amount × rsETHPrice at initiation; the admin's unlockQueue(asset, firstExcludedNonce) unlocks requests
/// below that nonce (burning their rsETH); completeWithdrawal pays the caller's oldest request once it is
/// unlocked (else WithdrawalLocked()) and withdrawalDelayBlocks have passed (else WithdrawalDelayNotPassed()).
contract LRTWithdrawalManagerDouble {
    address public constant ETH_TOKEN = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;

    struct WithdrawalRequest {
        uint256 rsETHUnstaked;
        uint256 expectedAssetAmount;
        uint256 withdrawalStartBlock;
    }

    RsETHDouble public immutable rsETH;
    LRTDepositPoolDouble public immutable depositPool;
    address public immutable admin;
    uint256 public withdrawalDelayBlocks;
    uint256 public nextUnusedNonce;
    uint256 public nextLockedNonce;
    mapping(uint256 => WithdrawalRequest) public withdrawalRequests;
    mapping(address => uint256[]) private userNonces;
    mapping(address => uint256) private userHead;

    event AssetWithdrawalQueued(address indexed withdrawer, address indexed asset, uint256 rsETHUnstaked, uint256 indexed userNonce);
    event AssetWithdrawalFinalized(address indexed withdrawer, address indexed asset, uint256 amountBurned, uint256 amountReceived);

    error AssetNotSupported();
    error InvalidAmountToWithdraw();
    error WithdrawalLocked();
    error WithdrawalDelayNotPassed();
    error NoPendingWithdrawal();

    constructor(RsETHDouble rsETH_, LRTDepositPoolDouble pool, uint256 delayBlocks) {
        rsETH = rsETH_;
        depositPool = pool;
        admin = msg.sender;
        withdrawalDelayBlocks = delayBlocks;
    }

    function setWithdrawalDelayBlocks(uint256 blocks) external {
        require(msg.sender == admin, "LRTWithdrawalManagerDouble: not the admin");
        withdrawalDelayBlocks = blocks;
    }

    function getExpectedAssetAmount(address asset, uint256 amount) public view returns (uint256) {
        if (asset != ETH_TOKEN) revert AssetNotSupported();
        return (amount * depositPool.rsETHPrice()) / 1e18;
    }

    function initiateWithdrawal(address asset, uint256 rsETHUnstaked, string calldata referralId) external {
        if (asset != ETH_TOKEN) revert AssetNotSupported();
        if (rsETHUnstaked == 0) revert InvalidAmountToWithdraw();
        require(rsETH.transferFrom(msg.sender, address(this), rsETHUnstaked), "LRTWithdrawalManagerDouble: rsETH transfer failed");
        uint256 nonce = nextUnusedNonce++;
        withdrawalRequests[nonce] = WithdrawalRequest(rsETHUnstaked, getExpectedAssetAmount(asset, rsETHUnstaked), block.number);
        userNonces[msg.sender].push(nonce);
        emit AssetWithdrawalQueued(msg.sender, asset, rsETHUnstaked, nonce);
        referralId;
    }

    function unlockQueue(address asset, uint256 firstExcludedNonce) external {
        require(msg.sender == admin, "LRTWithdrawalManagerDouble: not the admin");
        if (asset != ETH_TOKEN) revert AssetNotSupported();
        require(firstExcludedNonce > nextLockedNonce && firstExcludedNonce <= nextUnusedNonce, "LRTWithdrawalManagerDouble: bad nonce to unlock up to");
        uint256 burn;
        for (uint256 n = nextLockedNonce; n < firstExcludedNonce; n++) burn += withdrawalRequests[n].rsETHUnstaked;
        nextLockedNonce = firstExcludedNonce;
        rsETH.burn(address(this), burn);
    }

    function completeWithdrawal(address asset, string calldata referralId) external {
        if (asset != ETH_TOKEN) revert AssetNotSupported();
        uint256 head = userHead[msg.sender];
        if (head >= userNonces[msg.sender].length) revert NoPendingWithdrawal();
        uint256 nonce = userNonces[msg.sender][head];
        if (nonce >= nextLockedNonce) revert WithdrawalLocked();
        WithdrawalRequest memory r = withdrawalRequests[nonce];
        if (block.number < r.withdrawalStartBlock + withdrawalDelayBlocks) revert WithdrawalDelayNotPassed();
        userHead[msg.sender] = head + 1;
        delete withdrawalRequests[nonce];
        (bool ok, ) = payable(msg.sender).call{value: r.expectedAssetAmount}("");
        require(ok, "LRTWithdrawalManagerDouble: ETH transfer failed");
        emit AssetWithdrawalFinalized(msg.sender, asset, r.rsETHUnstaked, r.expectedAssetAmount);
        referralId;
    }

    receive() external payable {}
}
