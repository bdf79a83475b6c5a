// SPDX-License-Identifier: UNLICENSED
pragma solidity ^0.8.20;

import "./ExecToken.sol";

/// eETH, minted and burned by the liquidity pool (shares simplified to 1 eETH = 1 ETH).
contract EETHDouble is ManagedToken {
    constructor() ManagedToken("ether.fi ETH", "eETH") {}
}

/// EtherFi LiquidityPool: deposit() mints eETH to the sender (short by `depositRoundingWei`, default 1, like
/// share rounding); requestWithdraw(recipient, amount) pulls and burns the sender's eETH and has the NFT
/// contract mint a request to `recipient`; claims are paid out of the ETH deposited here.
contract LiquidityPoolDouble {
    EETHDouble public immutable eETH;
    address public immutable admin;
    WithdrawRequestNFTDouble public withdrawRequestNFT;
    uint256 public depositRoundingWei = 1;
    uint256 public minWithdrawAmount = 100;

    event Deposit(address indexed sender, uint256 amount, address referral);

    constructor(EETHDouble eETH_) {
        eETH = eETH_;
        admin = msg.sender;
    }

    function setWithdrawRequestNFT(WithdrawRequestNFTDouble nft) external {
        require(msg.sender == admin, "LiquidityPoolDouble: not the admin");
        withdrawRequestNFT = nft;
    }

    function setDepositRoundingWei(uint256 wei_) external {
        require(msg.sender == admin, "LiquidityPoolDouble: not the admin");
        depositRoundingWei = wei_;
    }

    function deposit() external payable returns (uint256) {
        return _deposit(address(0));
    }

    function deposit(address _referral) external payable returns (uint256) {
        return _deposit(_referral);
    }

    function _deposit(address referral) private returns (uint256 minted) {
        require(msg.value > 0, "LiquidityPoolDouble: zero deposit");
        minted = msg.value > depositRoundingWei ? msg.value - depositRoundingWei : msg.value;
        eETH.mint(msg.sender, minted);
        emit Deposit(msg.sender, msg.value, referral);
    }

    function requestWithdraw(address recipient, uint256 amount) external returns (uint256) {
        require(amount >= minWithdrawAmount, "LiquidityPoolDouble: amount below the minimum");
        require(eETH.transferFrom(msg.sender, address(this), amount), "LiquidityPoolDouble: eETH transfer failed");
        eETH.burn(address(this), amount);
        return withdrawRequestNFT.mintRequest(recipient, amount);
    }

    /// Pays a claimed request (only the NFT contract).
    function payOut(address to, uint256 amount) external {
        require(msg.sender == address(withdrawRequestNFT), "LiquidityPoolDouble: only the NFT contract");
        (bool ok, ) = payable(to).call{value: amount}("");
        require(ok, "LiquidityPoolDouble: ETH transfer failed");
    }

    receive() external payable {}
}

/// weETH: wrap pulls eETH and mints eETH × 1e18 / rate; unwrap burns and pays weETH × rate / 1e18 eETH from what
/// it holds. getRate() = eETH per weETH, set by the admin.
contract WeETHExecDouble is ExecToken {
    EETHDouble public immutable eETH;
    address public immutable admin;
    uint256 private rate;

    constructor(EETHDouble eETH_, uint256 rate_) ExecToken("Wrapped eETH", "weETH") {
        eETH = eETH_;
        admin = msg.sender;
        rate = rate_;
    }

    function setRate(uint256 rate_) external {
        require(msg.sender == admin, "WeETHExecDouble: not the admin");
        require(rate_ > 0, "WeETHExecDouble: zero rate");
        rate = rate_;
    }

    function getRate() external view returns (uint256) {
        return rate;
    }

    function getEETHByWeETH(uint256 weETHAmount) public view returns (uint256) {
        return (weETHAmount * rate) / 1e18;
    }

    function getWeETHByeETH(uint256 eETHAmount) public view returns (uint256) {
        return (eETHAmount * 1e18) / rate;
    }

    function wrap(uint256 _eETHAmount) external returns (uint256) {
        require(_eETHAmount > 0, "weETH: can't wrap zero eETH");
        require(eETH.transferFrom(msg.sender, address(this), _eETHAmount), "weETH: eETH transfer failed");
        uint256 minted = getWeETHByeETH(_eETHAmount);
        _mint(msg.sender, minted);
        return minted;
    }

    function unwrap(uint256 _weETHAmount) external returns (uint256) {
        require(_weETHAmount > 0, "weETH: cannot unwrap zero");
        uint256 out = getEETHByWeETH(_weETHAmount);
        _burn(msg.sender, _weETHAmount);
        require(eETH.balanceOf(address(this)) >= out, "WeETHExecDouble: not enough eETH backing");
        require(eETH.transfer(msg.sender, out), "weETH: eETH transfer failed");
        return out;
    }
}

/// WithdrawRequestNFT: one token per request, minted by the pool to the recipient. The admin's
/// finalizeRequests(id) finalizes every id up to it; the owner's claimWithdraw(id) burns the token and the
/// pool pays the ETH to the owner.
contract WithdrawRequestNFTDouble {
    struct Request {
        uint96 amountOfEEth;
        bool isValid;
    }

    LiquidityPoolDouble public immutable liquidityPool;
    address public immutable admin;
    uint256 public nextRequestId = 1;
    uint256 public lastFinalizedRequestId;
    mapping(uint256 => Request) private requests;
    mapping(uint256 => address) private owners;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event WithdrawRequestClaimed(uint32 indexed requestId, uint256 amountOfEEth, uint256 burntShareOfEEth, address owner, uint256 fee);

    constructor(LiquidityPoolDouble pool) {
        liquidityPool = pool;
        admin = msg.sender;
    }

    function mintRequest(address recipient, uint256 amount) external returns (uint256 id) {
        require(msg.sender == address(liquidityPool), "WithdrawRequestNFTDouble: only the pool");
        id = nextRequestId++;
        requests[id] = Request(uint96(amount), true);
        owners[id] = recipient;
        balanceOf[recipient] += 1;
        emit Transfer(address(0), recipient, id);
    }

    function finalizeRequests(uint256 requestId) external {
        require(msg.sender == admin, "WithdrawRequestNFTDouble: not the admin");
        require(requestId < nextRequestId && requestId > lastFinalizedRequestId, "WithdrawRequestNFTDouble: bad id to finalize");
        lastFinalizedRequestId = requestId;
    }

    function ownerOf(uint256 tokenId) public view returns (address) {
        address o = owners[tokenId];
        require(o != address(0), "ERC721: invalid token ID");
        return o;
    }

    function isFinalized(uint256 requestId) public view returns (bool) {
        return requestId <= lastFinalizedRequestId;
    }

    function getClaimableAmount(uint256 tokenId) public view returns (uint256) {
        require(isFinalized(tokenId), "Request is not finalized");
        return requests[tokenId].amountOfEEth;
    }

    function claimWithdraw(uint256 tokenId) public {
        require(ownerOf(tokenId) == msg.sender, "Not the owner of the NFT");
        require(requests[tokenId].isValid, "Request is not valid");
        uint256 amount = getClaimableAmount(tokenId);
        requests[tokenId].isValid = false;
        owners[tokenId] = address(0);
        balanceOf[msg.sender] -= 1;
        emit Transfer(msg.sender, address(0), tokenId);
        liquidityPool.payOut(msg.sender, amount);
        emit WithdrawRequestClaimed(uint32(tokenId), amount, 0, msg.sender, 0);
    }

    function batchClaimWithdraw(uint256[] calldata tokenIds) external {
        for (uint256 k = 0; k < tokenIds.length; k++) claimWithdraw(tokenIds[k]);
    }
}

/// WeETHWithdrawAdapter: pulls weETH, unwraps it, and requests the eETH's withdrawal for `recipient`.
contract WeETHWithdrawAdapterDouble {
    WeETHExecDouble public immutable weETH;
    EETHDouble public immutable eETH;
    LiquidityPoolDouble public immutable liquidityPool;

    constructor(WeETHExecDouble weETH_, EETHDouble eETH_, LiquidityPoolDouble pool) {
        weETH = weETH_;
        eETH = eETH_;
        liquidityPool = pool;
    }

    function requestWithdraw(uint256 weETHAmount, address recipient) external returns (uint256) {
        require(weETH.transferFrom(msg.sender, address(this), weETHAmount), "WeETHWithdrawAdapter: weETH transfer failed");
        uint256 eEthAmount = weETH.unwrap(weETHAmount);
        require(eETH.approve(address(liquidityPool), eEthAmount), "WeETHWithdrawAdapter: approve failed");
        return liquidityPool.requestWithdraw(recipient, eEthAmount);
    }
}
