import type { PlannedAction } from '../../../domain/action.js';
import { weth9Abi } from '../abi/weth.js';
import type { BuildContext, ProtocolBuilder, TxIntent } from '../evm-tx.js';
import { BuildError, callIntent, fmt, isNative, requirePositive, sameAddress, venueProtocol } from './common.js';

/**
 * WETH9 (protocols.md A6): the vault holds ETH natively and wraps only where a venue needs WETH.
 *
 * | action                 | transactions             |
 * |------------------------|--------------------------|
 * | mint ETH→WETH          | WETH.deposit() {value}   |
 * | redeem-request WETH→ETH| WETH.withdraw(X) (instant) |
 *
 * The wrap and unwrap steps are also used inside the Aave and Curve builders.
 */

export function wethDeposit(ctx: BuildContext, amount: bigint, why: string): TxIntent {
  return callIntent({
    to: ctx.addresses.weth,
    abi: weth9Abi,
    functionName: 'deposit',
    args: [],
    value: amount,
    contract: 'weth',
    description: `wrap ${fmt(amount)} ETH into WETH (${why})`,
    valueAtRiskWei: amount,
  });
}

export function wethWithdraw(ctx: BuildContext, amount: bigint, why: string): TxIntent {
  return callIntent({
    to: ctx.addresses.weth,
    abi: weth9Abi,
    functionName: 'withdraw',
    args: [amount],
    contract: 'weth',
    description: `unwrap ${fmt(amount)} WETH into ETH (${why})`,
    valueAtRiskWei: amount,
  });
}

export function isWeth(ctx: BuildContext, assetId: string): boolean {
  return sameAddress(ctx.tokens[assetId], ctx.addresses.weth);
}

export const wethBuilder: ProtocolBuilder = {
  protocol: 'weth9',
  supports: (a) => venueProtocol(a.venue) === 'weth9' && (a.kind === 'mint' || a.kind === 'redeem-request'),
  build(action: PlannedAction, ctx) {
    requirePositive(action, action.amountIn);
    if (action.kind === 'mint' && isNative(ctx, action.from) && isWeth(ctx, action.to)) return [wethDeposit(ctx, action.amountIn, 'held by the vault')];
    if (action.kind === 'redeem-request' && isWeth(ctx, action.from) && isNative(ctx, action.to)) return [wethWithdraw(ctx, action.amountIn, 'to the vault')];
    throw new BuildError('WETH9 only wraps ETH into WETH (mint) and unwraps it back (redeem-request)', action);
  },
};
