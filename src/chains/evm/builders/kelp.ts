import type { Address } from 'viem';
import type { PlannedAction } from '../../../domain/action.js';
import { lrtDepositPoolAbi, lrtWithdrawalManagerAbi } from '../abi/kelp.js';
import type { BuildContext, ProtocolBuilder, TxIntent } from '../evm-tx.js';
import { approveExact, BuildError, callIntent, ETH_SENTINEL, fmt, isNative, requirePositive, sameAddress, tokenOf, valueWei, venueProtocol } from './common.js';

/**
 * Kelp (protocols.md A4): mint rsETH with a minimum out, initiate a withdrawal, complete it.
 *
 * | action                      | transactions                                                                                |
 * |-----------------------------|---------------------------------------------------------------------------------------------|
 * | mint ETH→rsETH              | LRTDepositPool.depositETH(minOut, "restake-keeper") {value}                                 |
 * | mint <LST>→rsETH            | LST.approve(pool, X); LRTDepositPool.depositAsset(LST, X, minOut, "restake-keeper")         |
 * | redeem-request rsETH→ETH    | rsETH.approve(manager, X); LRTWithdrawalManager.initiateWithdrawal(0xEeee…, X, referral)    |
 * | redeem-claim                | LRTWithdrawalManager.completeWithdrawal(0xEeee…, referral) — the vault's oldest unlocked one |
 */

export const KELP_REFERRAL_ID = 'restake-keeper';

function kelp(ctx: BuildContext, action: PlannedAction) {
  const k = ctx.addresses.kelp;
  if (!k) throw new BuildError('no Kelp addresses in the build context', action);
  return k;
}

function buildMint(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const k = kelp(ctx, action);
  if (!sameAddress(ctx.tokens[action.to], k.rseth)) throw new BuildError(`Kelp mints rsETH, not ${action.to}`, action);
  const x = action.amountIn;
  requirePositive(action, x);
  if (action.minOut <= 0n) throw new BuildError('a Kelp deposit needs a positive minimum rsETH out', action);
  if (isNative(ctx, action.from)) {
    return [
      callIntent({
        to: k.depositPool,
        abi: lrtDepositPoolAbi,
        functionName: 'depositETH',
        args: [action.minOut, KELP_REFERRAL_ID],
        value: x,
        contract: 'kelp.depositPool',
        description: `deposit ${fmt(x)} ETH into Kelp for at least ${fmt(action.minOut)} rsETH (to the vault)`,
        valueAtRiskWei: x,
      }),
    ];
  }
  const token = tokenOf(ctx, action.from, action);
  return [
    approveExact(action, token, action.from, k.depositPool, 'kelp.depositPool', x),
    callIntent({
      to: k.depositPool,
      abi: lrtDepositPoolAbi,
      functionName: 'depositAsset',
      args: [token, x, action.minOut, KELP_REFERRAL_ID],
      contract: 'kelp.depositPool',
      description: `deposit ${fmt(x)} ${action.from} into Kelp for at least ${fmt(action.minOut)} rsETH (to the vault)`,
      valueAtRiskWei: valueWei(ctx, action, action.from, x),
    }),
  ];
}

function assetOut(ctx: BuildContext, action: PlannedAction, assetId: string): Address {
  return isNative(ctx, assetId) ? ETH_SENTINEL : tokenOf(ctx, assetId, action);
}

function buildRequest(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const k = kelp(ctx, action);
  if (!sameAddress(ctx.tokens[action.from], k.rseth)) throw new BuildError(`Kelp's withdrawal manager takes rsETH, not ${action.from}`, action);
  const x = action.amountIn;
  requirePositive(action, x);
  const out = assetOut(ctx, action, action.to);
  return [
    approveExact(action, k.rseth, action.from, k.withdrawalManager, 'kelp.withdrawalManager', x),
    callIntent({
      to: k.withdrawalManager,
      abi: lrtWithdrawalManagerAbi,
      functionName: 'initiateWithdrawal',
      args: [out, x, KELP_REFERRAL_ID],
      contract: 'kelp.withdrawalManager',
      description: `initiate withdrawal of ${fmt(x)} rsETH into ${action.to}; the request is the vault's`,
      valueAtRiskWei: valueWei(ctx, action, action.from, x),
    }),
  ];
}

function buildClaim(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const k = kelp(ctx, action);
  const out = assetOut(ctx, action, action.to);
  return [
    callIntent({
      to: k.withdrawalManager,
      abi: lrtWithdrawalManagerAbi,
      functionName: 'completeWithdrawal',
      args: [out, KELP_REFERRAL_ID],
      contract: 'kelp.withdrawalManager',
      description: `complete the vault's oldest unlocked Kelp withdrawal into ${action.to}${action.redemptionId ? ` (redemption ${action.redemptionId})` : ''}`,
      valueAtRiskWei: 0n,
    }),
  ];
}

export const kelpBuilder: ProtocolBuilder = {
  protocol: 'kelp',
  supports: (a) => venueProtocol(a.venue) === 'kelp' && (a.kind === 'mint' || a.kind === 'redeem-request' || a.kind === 'redeem-claim'),
  build(action, ctx) {
    if (action.kind === 'mint') return buildMint(action, ctx);
    if (action.kind === 'redeem-request') return buildRequest(action, ctx);
    if (action.kind === 'redeem-claim') return buildClaim(action, ctx);
    throw new BuildError('Kelp does not handle this kind', action);
  },
};
