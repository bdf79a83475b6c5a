import type { PlannedAction } from '../../../domain/action.js';
import { curveExchangeAbi } from '../abi/curve.js';
import type { BuildContext, ChainReader, ProtocolBuilder, TxIntent } from '../evm-tx.js';
import { approveExact, BuildError, callIntent, dexMinOut, fmt, isNative, requirePositive, tokenOf, valueWei } from './common.js';
import { isWeth, wethDeposit, wethWithdraw } from './weth.js';

/**
 * A receipt token bought or sold at market on a Curve StableSwap pool (protocols.md A8). The pool comes
 * from ctx.addresses.dex[receipt token]: `i` = the receipt token's coin index, `j` = ETH's (or WETH's);
 * `ethIsNative` = coin j is native ETH (the stETH/ETH pool) rather than WETH (NG pools).
 *
 * | action                          | transactions                                                                 |
 * |---------------------------------|------------------------------------------------------------------------------|
 * | sell token→ETH, native pool     | token.approve(pool, X); pool.exchange(i, j, X, minOut)                       |
 * | sell token→ETH, WETH pool       | token.approve(pool, X); pool.exchange(i, j, X, minOut); WETH.withdraw(minOut) |
 * | buy ETH→token, native pool      | pool.exchange(j, i, X, minOut) {value X}                                     |
 * | buy ETH→token, WETH pool        | WETH.deposit() {value X}; WETH.approve(pool, X); pool.exchange(j, i, X, minOut) |
 * (with WETH rather than ETH on the vault's side the wrap/unwrap steps swap around accordingly)
 *
 * minOut = the larger of the planner's bound (action.minOut) and a fresh quote (ctx.quotes[seq], read by
 * prepare with get_dy) less the configured slippage (ctx.maxSlippage). A fresh quote already under the
 * planner's bound is refused before sending. Selling into a WETH pool unwraps the guaranteed minOut; fill
 * above it stays on the vault as WETH.
 */

function pool(ctx: BuildContext, action: PlannedAction, receipt: string) {
  const p = ctx.addresses.dex?.[receipt];
  if (!p) throw new BuildError(`no DEX pool configured for ${receipt}`, action);
  if (p.kind !== 'curve') throw new BuildError(`the ${receipt} pool is ${p.kind as string}, not Curve`, action);
  return p;
}

function buildSell(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const p = pool(ctx, action, action.from);
  const x = action.amountIn;
  requirePositive(action, x);
  const token = tokenOf(ctx, action.from, action);
  const toNative = isNative(ctx, action.to);
  if (!toNative && !isWeth(ctx, action.to)) throw new BuildError(`Curve legs trade against ETH or WETH, not ${action.to}`, action);
  const s = dexMinOut(action, ctx);
  const out: TxIntent[] = [
    approveExact(action, token, action.from, p.pool, 'curve.pool', x),
    callIntent({
      to: p.pool,
      abi: curveExchangeAbi,
      functionName: 'exchange',
      args: [BigInt(p.i), BigInt(p.j), x, s.minOut],
      contract: 'curve.pool',
      description: `sell ${fmt(x)} ${action.from} on Curve for at least ${fmt(s.minOut)} ${p.ethIsNative ? 'ETH' : 'WETH'} (quoted ${fmt(s.quotedOut)})`,
      valueAtRiskWei: valueWei(ctx, action, action.from, x, token),
      slippage: s,
    }),
  ];
  if (!p.ethIsNative && toNative) out.push(wethWithdraw(ctx, s.minOut, 'the guaranteed part of the sale; any fill above it stays WETH'));
  if (p.ethIsNative && !toNative) out.push(wethDeposit(ctx, s.minOut, 'the guaranteed part of the sale; any fill above it stays ETH'));
  return out;
}

function buildBuy(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const p = pool(ctx, action, action.to);
  const x = action.amountIn;
  requirePositive(action, x);
  tokenOf(ctx, action.to, action);
  const fromNative = isNative(ctx, action.from);
  if (!fromNative && !isWeth(ctx, action.from)) throw new BuildError(`Curve legs trade against ETH or WETH, not ${action.from}`, action);
  const s = dexMinOut(action, ctx);
  const out: TxIntent[] = [];
  if (p.ethIsNative && !fromNative) out.push(wethWithdraw(ctx, x, 'the pool takes native ETH'));
  if (!p.ethIsNative) {
    if (fromNative) out.push(wethDeposit(ctx, x, 'the pool takes WETH'));
    out.push(approveExact(action, ctx.addresses.weth, 'WETH', p.pool, 'curve.pool', x));
  }
  out.push(
    callIntent({
      to: p.pool,
      abi: curveExchangeAbi,
      functionName: 'exchange',
      args: [BigInt(p.j), BigInt(p.i), x, s.minOut],
      value: p.ethIsNative ? x : 0n,
      contract: 'curve.pool',
      description: `buy at least ${fmt(s.minOut)} ${action.to} on Curve for ${fmt(x)} ${p.ethIsNative ? 'ETH' : 'WETH'} (quoted ${fmt(s.quotedOut)})`,
      valueAtRiskWei: x,
      slippage: s,
    }),
  );
  return out;
}

async function prepare(action: PlannedAction, ctx: BuildContext, chain: ChainReader): Promise<BuildContext> {
  if (ctx.quotes?.[action.seq] !== undefined) return ctx;
  const sell = action.kind === 'sell';
  const p = pool(ctx, action, sell ? action.from : action.to);
  const [i, j] = sell ? [p.i, p.j] : [p.j, p.i];
  const q = await chain.readContract({ address: p.pool, abi: curveExchangeAbi, functionName: 'get_dy', args: [BigInt(i), BigInt(j), action.amountIn] });
  return { ...ctx, quotes: { ...ctx.quotes, [action.seq]: q } };
}

export const curveBuilder: ProtocolBuilder = {
  protocol: 'dex-curve',
  supports: (a) => (a.kind === 'buy' || a.kind === 'sell') && /^curve\b/i.test(a.venue),
  build(action, ctx) {
    if (action.kind === 'sell') return buildSell(action, ctx);
    if (action.kind === 'buy') return buildBuy(action, ctx);
    throw new BuildError('Curve does not handle this kind', action);
  },
  prepare,
};
