import type { Address } from 'viem';
import type { PlannedAction } from '../../../domain/action.js';
import { renzoWithdrawQueueAbi, restakeManagerAbi } from '../abi/renzo.js';
import type { BuildContext, ChainReader, ProtocolBuilder, TxIntent } from '../evm-tx.js';
import { approveExact, BuildError, callIntent, claimKey, ETH_SENTINEL, fmt, isNative, requestIds, requirePositive, sameAddress, tokenOf, valueWei, venueProtocol } from './common.js';

/**
 * Renzo (protocols.md A3): mint ezETH, queue a withdrawal, claim it after the cooldown.
 *
 * | action                      | transactions                                                                  |
 * |-----------------------------|-------------------------------------------------------------------------------|
 * | mint ETH→ezETH              | RestakeManager.depositETH() {value}                                           |
 * | mint <LST>→ezETH            | LST.approve(RestakeManager, X); RestakeManager.deposit(LST, X)                |
 * | redeem-request ezETH→ETH    | ezETH.approve(WithdrawQueue, X); WithdrawQueue.withdraw(X, 0xEeee…EEeE)       |
 * | redeem-request ezETH→<LST>  | same with _assetOut = the LST                                                 |
 * | redeem-claim                | WithdrawQueue.claim(current index, vault)                                     |
 *
 * Renzo deposits have NO min-out parameter: the action's minOut cannot be enforced on chain, so the
 * executor must compare the ezETH received with it afterwards. A claim's redemption id is the stable
 * withdrawRequestID; its current index (claims swap-and-pop the user's array) is read by prepare.
 */

function renzo(ctx: BuildContext, action: PlannedAction) {
  const r = ctx.addresses.renzo;
  if (!r) throw new BuildError('no Renzo addresses in the build context', action);
  return r;
}

function buildMint(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const r = renzo(ctx, action);
  if (!sameAddress(ctx.tokens[action.to], r.ezeth)) throw new BuildError(`Renzo mints ezETH, not ${action.to}`, action);
  const x = action.amountIn;
  requirePositive(action, x);
  const note = `no on-chain minimum (Renzo has none): check ≥ ${fmt(action.minOut)} ezETH arrived`;
  if (isNative(ctx, action.from)) {
    return [
      callIntent({
        to: r.restakeManager,
        abi: restakeManagerAbi,
        functionName: 'depositETH',
        args: [],
        value: x,
        contract: 'renzo.restakeManager',
        description: `deposit ${fmt(x)} ETH into Renzo; ezETH is minted to the vault (${note})`,
        valueAtRiskWei: x,
      }),
    ];
  }
  const token = tokenOf(ctx, action.from, action);
  return [
    approveExact(action, token, action.from, r.restakeManager, 'renzo.restakeManager', x),
    callIntent({
      to: r.restakeManager,
      abi: restakeManagerAbi,
      functionName: 'deposit',
      args: [token, x],
      contract: 'renzo.restakeManager',
      description: `deposit ${fmt(x)} ${action.from} into Renzo; ezETH is minted to the vault (${note})`,
      valueAtRiskWei: valueWei(ctx, action, action.from, x),
    }),
  ];
}

function assetOut(ctx: BuildContext, action: PlannedAction): Address {
  return isNative(ctx, action.to) ? ETH_SENTINEL : tokenOf(ctx, action.to, action);
}

function buildRequest(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const r = renzo(ctx, action);
  if (!sameAddress(ctx.tokens[action.from], r.ezeth)) throw new BuildError(`Renzo's queue takes ezETH, not ${action.from}`, action);
  const x = action.amountIn;
  requirePositive(action, x);
  const out = assetOut(ctx, action);
  return [
    approveExact(action, r.ezeth, action.from, r.withdrawQueue, 'renzo.withdrawQueue', x),
    callIntent({
      to: r.withdrawQueue,
      abi: renzoWithdrawQueueAbi,
      functionName: 'withdraw',
      args: [x, out],
      contract: 'renzo.withdrawQueue',
      description: `queue ${fmt(x)} ezETH for withdrawal into ${action.to}; the request is the vault's (claimable after the cooldown)`,
      valueAtRiskWei: valueWei(ctx, action, action.from, x),
    }),
  ];
}

function oneId(action: PlannedAction, ctx: BuildContext): bigint {
  const ids = requestIds(action, ctx);
  if (ids.length !== 1) throw new BuildError(`a Renzo claim takes one withdrawRequestID, got ${ids.join(', ')}`, action);
  return ids[0] as bigint;
}

function buildClaim(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const r = renzo(ctx, action);
  const id = oneId(action, ctx);
  const index = ctx.claimHints?.[claimKey(action, [id])]?.[0];
  if (index === undefined) throw new BuildError(`claiming Renzo request ${id} needs its current index in withdrawRequests(vault) (prepareAction reads it)`, action);
  return [
    callIntent({
      to: r.withdrawQueue,
      abi: renzoWithdrawQueueAbi,
      functionName: 'claim',
      args: [index, ctx.vault],
      contract: 'renzo.withdrawQueue',
      description: `claim Renzo withdrawal request ${id} (index ${index}) for the vault`,
      valueAtRiskWei: 0n,
    }),
  ];
}

async function prepare(action: PlannedAction, ctx: BuildContext, chain: ChainReader): Promise<BuildContext> {
  if (action.kind !== 'redeem-claim') return ctx;
  const r = renzo(ctx, action);
  const id = oneId(action, ctx);
  const key = claimKey(action, [id]);
  const n = await chain.readContract({ address: r.withdrawQueue, abi: renzoWithdrawQueueAbi, functionName: 'getOutstandingWithdrawRequests', args: [ctx.vault] });
  for (let i = 0n; i < n; i++) {
    const [, requestId] = await chain.readContract({ address: r.withdrawQueue, abi: renzoWithdrawQueueAbi, functionName: 'withdrawRequests', args: [ctx.vault, i] });
    if (requestId === id) return { ...ctx, claimHints: { ...ctx.claimHints, [key]: [i] } };
  }
  throw new BuildError(`the vault has no outstanding Renzo request ${id} (${n} outstanding)`, action);
}

export const renzoBuilder: ProtocolBuilder = {
  protocol: 'renzo',
  supports: (a) => venueProtocol(a.venue) === 'renzo' && (a.kind === 'mint' || a.kind === 'redeem-request' || a.kind === 'redeem-claim'),
  build(action, ctx) {
    if (action.kind === 'mint') return buildMint(action, ctx);
    if (action.kind === 'redeem-request') return buildRequest(action, ctx);
    if (action.kind === 'redeem-claim') return buildClaim(action, ctx);
    throw new BuildError('Renzo does not handle this kind', action);
  },
  prepare,
};
