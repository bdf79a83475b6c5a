import type { PlannedAction } from '../../../domain/action.js';
import { aavePoolExecAbi } from '../abi/aave-v3.js';
import type { BuildContext, ProtocolBuilder, TxIntent } from '../evm-tx.js';
import { approveExact, BuildError, callIntent, fmt, isNative, requirePositive, tokenOf, valueWei, venueProtocol } from './common.js';
import { isWeth, wethDeposit, wethWithdraw } from './weth.js';

/**
 * Aave v3 (protocols.md A6): supply a token for its aToken, withdraw it back.
 *
 * | action                              | transactions                                                          |
 * |-------------------------------------|-----------------------------------------------------------------------|
 * | supply ETH→aave-v3-WETH             | WETH.deposit() {value}; WETH.approve(pool, X); pool.supply(WETH, X, vault, 0) |
 * | supply WETH/wstETH/weETH→aave-v3-*  | token.approve(pool, X); pool.supply(token, X, vault, 0)               |
 * | withdraw aave-v3-WETH→ETH           | pool.withdraw(WETH, X, vault); WETH.withdraw(X)                        |
 * | withdraw aave-v3-*→token            | pool.withdraw(token, X, vault)                                        |
 *
 * The amount is exact (never type(uint256).max): a full exit leaves the interest accrued since the plan
 * as a small aToken balance, which the next cycle sees and exits.
 */

function aave(ctx: BuildContext, action: PlannedAction) {
  const a = ctx.addresses.aave;
  if (!a) throw new BuildError('no Aave addresses in the build context', action);
  return a;
}

function aToken(ctx: BuildContext, action: PlannedAction, assetId: string) {
  const t = aave(ctx, action).aTokens[assetId];
  if (!t) throw new BuildError(`${assetId} is not a configured Aave reserve (no aToken address)`, action);
  return t;
}

function buildSupply(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const { pool } = aave(ctx, action);
  aToken(ctx, action, action.to);
  const x = action.amountIn;
  requirePositive(action, x);
  const out: TxIntent[] = [];
  let underlying = action.from;
  if (isNative(ctx, action.from)) {
    out.push(wethDeposit(ctx, x, `to supply to Aave as ${action.to}`));
    underlying = 'WETH';
  }
  const token = isNative(ctx, action.from) ? ctx.addresses.weth : tokenOf(ctx, action.from, action);
  out.push(
    approveExact(action, token, underlying, pool, 'aave.pool', x),
    callIntent({
      to: pool,
      abi: aavePoolExecAbi,
      functionName: 'supply',
      args: [token, x, ctx.vault, 0],
      contract: 'aave.pool',
      description: `supply ${fmt(x)} ${underlying} to Aave v3 on behalf of the vault (receives ${action.to})`,
      valueAtRiskWei: isNative(ctx, action.from) ? x : valueWei(ctx, action, action.from, x, token),
    }),
  );
  return out;
}

function buildWithdraw(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const { pool } = aave(ctx, action);
  const aTok = aToken(ctx, action, action.from);
  const x = action.amountIn;
  requirePositive(action, x);
  const toNative = isNative(ctx, action.to);
  const token = toNative ? ctx.addresses.weth : tokenOf(ctx, action.to, action);
  const underlying = toNative ? 'WETH' : action.to;
  const risk = ctx.rates?.[action.from] !== undefined ? valueWei(ctx, action, action.from, x, aTok) : toNative || isWeth(ctx, action.to) ? x : valueWei(ctx, action, action.to, x, token);
  const out: TxIntent[] = [
    callIntent({
      to: pool,
      abi: aavePoolExecAbi,
      functionName: 'withdraw',
      args: [token, x, ctx.vault],
      contract: 'aave.pool',
      description: `withdraw ${fmt(x)} ${underlying} from Aave v3 (burns ${action.from}) to the vault`,
      valueAtRiskWei: risk,
    }),
  ];
  if (toNative) out.push(wethWithdraw(ctx, x, 'withdrawn from Aave, back to ETH'));
  return out;
}

export const aaveV3Builder: ProtocolBuilder = {
  protocol: 'aave-v3',
  supports: (a) => (venueProtocol(a.venue) ?? '').startsWith('aave-v3') && (a.kind === 'supply' || a.kind === 'withdraw'),
  build(action, ctx) {
    if (action.kind === 'supply') return buildSupply(action, ctx);
    if (action.kind === 'withdraw') return buildWithdraw(action, ctx);
    throw new BuildError('Aave does not handle this kind', action);
  },
};
