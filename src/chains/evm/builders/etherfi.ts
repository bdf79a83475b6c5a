import type { PlannedAction } from '../../../domain/action.js';
import { liquidityPoolAbi, weethExecAbi, weethWithdrawAdapterAbi, withdrawRequestNftAbi } from '../abi/etherfi.js';
import type { BuildContext, ChainReader, ProtocolBuilder, TxIntent } from '../evm-tx.js';
import { approveExact, BuildError, callIntent, fmt, isNative, requestIds, requirePositive, sameAddress, SHARE_ROUNDING_MARGIN_WEI, valueWei, venueProtocol } from './common.js';

/**
 * EtherFi (protocols.md A2): deposit ETH for eETH, wrap into weETH, request a withdrawal (NFT), claim it.
 *
 * | action                       | transactions                                                                        |
 * |------------------------------|-------------------------------------------------------------------------------------|
 * | mint ETH→weETH               | LiquidityPool.deposit() {value}; eETH.approve(weETH, X−2); weETH.wrap(X−2)          |
 * | mint eETH→weETH (wrap)       | eETH.approve(weETH, X); weETH.wrap(X)                                               |
 * | mint weETH→eETH (unwrap)     | weETH.unwrap(X)                                                                     |
 * | redeem-request weETH→ETH     | with the adapter: weETH.approve(adapter, X); adapter.requestWithdraw(X, vault)      |
 * |                              | without: weETH.unwrap(X); eETH.approve(pool, E); pool.requestWithdraw(vault, E),   |
 * |                              |   E = X × rate − 2 wei (rate = ctx.rates, eETH per weETH)                           |
 * | redeem-request eETH→ETH      | eETH.approve(pool, X); pool.requestWithdraw(vault, X)                               |
 * | redeem-claim                 | WithdrawRequestNFT.claimWithdraw(id), one per id                                    |
 */

const E18 = 10n ** 18n;

function etherfi(ctx: BuildContext, action: PlannedAction) {
  const e = ctx.addresses.etherfi;
  if (!e) throw new BuildError('no EtherFi addresses in the build context', action);
  return e;
}

function role(ctx: BuildContext, action: PlannedAction, assetId: string): 'eth' | 'eeth' | 'weeth' | 'other' {
  if (isNative(ctx, assetId)) return 'eth';
  const t = ctx.tokens[assetId];
  const e = etherfi(ctx, action);
  if (sameAddress(t, e.eeth)) return 'eeth';
  if (sameAddress(t, e.weeth)) return 'weeth';
  return 'other';
}

function wrap(action: PlannedAction, ctx: BuildContext, amount: bigint): TxIntent[] {
  const e = etherfi(ctx, action);
  return [
    approveExact(action, e.eeth, 'eETH', e.weeth, 'etherfi.weeth', amount),
    callIntent({
      to: e.weeth,
      abi: weethExecAbi,
      functionName: 'wrap',
      args: [amount],
      contract: 'etherfi.weeth',
      description: `wrap ${fmt(amount)} eETH into weETH (held by the vault)`,
      valueAtRiskWei: amount,
    }),
  ];
}

function unwrap(action: PlannedAction, ctx: BuildContext, amount: bigint): TxIntent {
  const e = etherfi(ctx, action);
  return callIntent({
    to: e.weeth,
    abi: weethExecAbi,
    functionName: 'unwrap',
    args: [amount],
    contract: 'etherfi.weeth',
    description: `unwrap ${fmt(amount)} weETH into eETH (to the vault)`,
    valueAtRiskWei: valueWei(ctx, action, action.from, amount),
  });
}

function poolRequest(action: PlannedAction, ctx: BuildContext, eethAmount: bigint): TxIntent[] {
  const e = etherfi(ctx, action);
  return [
    approveExact(action, e.eeth, 'eETH', e.liquidityPool, 'etherfi.liquidityPool', eethAmount),
    callIntent({
      to: e.liquidityPool,
      abi: liquidityPoolAbi,
      functionName: 'requestWithdraw',
      args: [ctx.vault, eethAmount],
      contract: 'etherfi.liquidityPool',
      description: `request withdrawal of ${fmt(eethAmount)} eETH; the WithdrawRequestNFT goes to the vault`,
      valueAtRiskWei: eethAmount,
    }),
  ];
}

function buildMint(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const e = etherfi(ctx, action);
  const from = role(ctx, action, action.from);
  const to = role(ctx, action, action.to);
  const x = action.amountIn;
  requirePositive(action, x);
  const deposit = (): TxIntent =>
    callIntent({
      to: e.liquidityPool,
      abi: liquidityPoolAbi,
      functionName: 'deposit',
      args: [],
      value: x,
      contract: 'etherfi.liquidityPool',
      description: `deposit ${fmt(x)} ETH into the EtherFi liquidity pool; eETH is minted to the vault`,
      valueAtRiskWei: x,
    });
  if (from === 'eth' && to === 'weeth') {
    const w = x - SHARE_ROUNDING_MARGIN_WEI;
    if (w <= 0n) throw new BuildError(`amount ${x} wei is too small to deposit and wrap`, action);
    return [deposit(), ...wrap(action, ctx, w)];
  }
  if (from === 'eth' && to === 'eeth') {
    return [deposit()];
  }
  if (from === 'eeth' && to === 'weeth') return wrap(action, ctx, x);
  if (from === 'weeth' && to === 'eeth') return [unwrap(action, ctx, x)];
  throw new BuildError(`EtherFi cannot mint ${action.to} from ${action.from}`, action);
}

function buildRequest(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const e = etherfi(ctx, action);
  const from = role(ctx, action, action.from);
  if (!isNative(ctx, action.to)) throw new BuildError(`an EtherFi withdrawal pays ETH, not ${action.to}`, action);
  const x = action.amountIn;
  requirePositive(action, x);
  if (from === 'eeth') return poolRequest(action, ctx, x);
  if (from !== 'weeth') throw new BuildError(`EtherFi's queue takes eETH or weETH, not ${action.from}`, action);
  if (e.withdrawAdapter) {
    return [
      approveExact(action, e.weeth, action.from, e.withdrawAdapter, 'etherfi.withdrawAdapter', x),
      callIntent({
        to: e.withdrawAdapter,
        abi: weethWithdrawAdapterAbi,
        functionName: 'requestWithdraw',
        args: [x, ctx.vault],
        contract: 'etherfi.withdrawAdapter',
        description: `request withdrawal of ${fmt(x)} weETH through the adapter; the WithdrawRequestNFT goes to the vault`,
        valueAtRiskWei: valueWei(ctx, action, action.from, x),
      }),
    ];
  }
  const rate = ctx.rates?.[action.from];
  if (rate === undefined) throw new BuildError(`requesting without the adapter needs eETH per weETH: pass ctx.rates["${action.from}"] (prepareAction reads getRate())`, action);
  // amountForShare rounds down, and so does the eETH balance the unwrap leaves: keep the margin back.
  const eeth = (x * rate) / E18 - SHARE_ROUNDING_MARGIN_WEI;
  if (eeth <= 0n) throw new BuildError(`${x} weETH wei is too small to request`, action);
  return [unwrap(action, ctx, x), ...poolRequest(action, ctx, eeth)];
}

function buildClaim(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const e = etherfi(ctx, action);
  return requestIds(action, ctx).map((id) =>
    callIntent({
      to: e.withdrawRequestNft,
      abi: withdrawRequestNftAbi,
      functionName: 'claimWithdraw',
      args: [id],
      contract: 'etherfi.withdrawRequestNft',
      description: `claim EtherFi withdrawal request ${id}; ETH is paid to the NFT owner (vault)`,
      valueAtRiskWei: 0n,
    }),
  );
}

async function prepare(action: PlannedAction, ctx: BuildContext, chain: ChainReader): Promise<BuildContext> {
  const e = etherfi(ctx, action);
  if (action.kind === 'redeem-request' && !e.withdrawAdapter && role(ctx, action, action.from) === 'weeth' && ctx.rates?.[action.from] === undefined) {
    const rate = await chain.readContract({ address: e.weeth, abi: weethExecAbi, functionName: 'getRate' });
    return { ...ctx, rates: { ...ctx.rates, [action.from]: rate } };
  }
  return ctx;
}

export const etherfiBuilder: ProtocolBuilder = {
  protocol: 'etherfi',
  supports: (a) => venueProtocol(a.venue) === 'etherfi' && (a.kind === 'mint' || a.kind === 'redeem-request' || a.kind === 'redeem-claim'),
  build(action, ctx) {
    if (action.kind === 'mint') return buildMint(action, ctx);
    if (action.kind === 'redeem-request') return buildRequest(action, ctx);
    if (action.kind === 'redeem-claim') return buildClaim(action, ctx);
    throw new BuildError('EtherFi does not handle this kind', action);
  },
  prepare,
};
