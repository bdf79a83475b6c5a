import type { Address } from 'viem';
import type { PlannedAction } from '../../../domain/action.js';
import { uniswapV3QuoterAbi, uniswapV3RouterAbi } from '../abi/uniswap-v3.js';
import type { BuildContext, ChainReader, ProtocolBuilder, TxIntent } from '../evm-tx.js';
import { approveExact, BuildError, callIntent, dexMinOut, fmt, isNative, requirePositive, tokenOf, valueWei } from './common.js';
import { isWeth, wethDeposit, wethWithdraw } from './weth.js';

/**
 * A receipt token bought or sold at market on a Uniswap v3 pool against WETH, through SwapRouter02's
 * exactInputSingle (protocols.md A8). The pool comes from ctx.addresses.uniswapV3.pools[receipt token]
 * (its fee tier); the router pays the recipient, always the vault.
 *
 * | action                 | transactions                                                                       |
 * |------------------------|------------------------------------------------------------------------------------|
 * | buy ETH→token          | WETH.deposit() {value X}; WETH.approve(router, X); router.exactInputSingle(WETH→token) |
 * | buy WETH→token         | WETH.approve(router, X); router.exactInputSingle(WETH→token)                        |
 * | sell token→ETH         | token.approve(router, X); router.exactInputSingle(token→WETH); WETH.withdraw(minOut) |
 * | sell token→WETH        | token.approve(router, X); router.exactInputSingle(token→WETH)                       |
 *
 * amountOutMinimum = the larger of the planner's bound (action.minOut) and a fresh quote (ctx.quotes[seq],
 * read by prepare from QuoterV2 when one is configured) less ctx.maxSlippage — the same rule as Curve. No
 * price limit (sqrtPriceLimitX96 = 0): amountOutMinimum is the bound. Selling unwraps the guaranteed
 * minOut; fill above it stays on the vault as WETH.
 */

function venue(ctx: BuildContext, action: PlannedAction, receipt: string): { router: Address; quoter: Address | undefined; fee: number } {
  const u = ctx.addresses.uniswapV3;
  if (!u) throw new BuildError('no Uniswap v3 router configured', action);
  const p = u.pools[receipt];
  if (!p) throw new BuildError(`no Uniswap v3 pool configured for ${receipt}`, action);
  if (!Number.isInteger(p.fee) || p.fee <= 0 || p.fee >= 1_000_000) throw new BuildError(`Uniswap v3 fee tier ${p.fee} for ${receipt} is not a fee in hundredths of a bip`, action);
  return { router: u.router, quoter: u.quoter, fee: p.fee };
}

function swap(
  ctx: BuildContext,
  v: { router: Address; fee: number },
  tokenIn: Address,
  tokenOut: Address,
  amountIn: bigint,
  minOut: bigint,
  extra: { description: string; valueAtRiskWei: bigint; slippage: { minOut: bigint; quotedOut: bigint } },
): TxIntent {
  return callIntent({
    to: v.router,
    abi: uniswapV3RouterAbi,
    functionName: 'exactInputSingle',
    args: [{ tokenIn, tokenOut, fee: v.fee, recipient: ctx.vault, amountIn, amountOutMinimum: minOut, sqrtPriceLimitX96: 0n }],
    contract: 'uniswap-v3.router',
    ...extra,
  });
}

function buildSell(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const v = venue(ctx, action, action.from);
  const x = action.amountIn;
  requirePositive(action, x);
  const token = tokenOf(ctx, action.from, action);
  const toNative = isNative(ctx, action.to);
  if (!toNative && !isWeth(ctx, action.to)) throw new BuildError(`Uniswap v3 legs trade against ETH or WETH, not ${action.to}`, action);
  const s = dexMinOut(action, ctx);
  const out: TxIntent[] = [
    approveExact(action, token, action.from, v.router, 'uniswap-v3.router', x),
    swap(ctx, v, token, ctx.addresses.weth, x, s.minOut, {
      description: `sell ${fmt(x)} ${action.from} on Uniswap v3 (fee ${v.fee}) for at least ${fmt(s.minOut)} WETH (quoted ${fmt(s.quotedOut)})`,
      valueAtRiskWei: valueWei(ctx, action, action.from, x, token),
      slippage: s,
    }),
  ];
  if (toNative) out.push(wethWithdraw(ctx, s.minOut, 'the guaranteed part of the sale; any fill above it stays WETH'));
  return out;
}

function buildBuy(action: PlannedAction, ctx: BuildContext): TxIntent[] {
  const v = venue(ctx, action, action.to);
  const x = action.amountIn;
  requirePositive(action, x);
  const token = tokenOf(ctx, action.to, action);
  const fromNative = isNative(ctx, action.from);
  if (!fromNative && !isWeth(ctx, action.from)) throw new BuildError(`Uniswap v3 legs trade against ETH or WETH, not ${action.from}`, action);
  const s = dexMinOut(action, ctx);
  const out: TxIntent[] = [];
  if (fromNative) out.push(wethDeposit(ctx, x, 'the router takes WETH'));
  out.push(approveExact(action, ctx.addresses.weth, 'WETH', v.router, 'uniswap-v3.router', x));
  out.push(
    swap(ctx, v, ctx.addresses.weth, token, x, s.minOut, {
      description: `buy at least ${fmt(s.minOut)} ${action.to} on Uniswap v3 (fee ${v.fee}) for ${fmt(x)} WETH (quoted ${fmt(s.quotedOut)})`,
      valueAtRiskWei: x,
      slippage: s,
    }),
  );
  return out;
}

/** A fresh quote from QuoterV2 for the action's amountIn, when a quoter is configured. */
async function prepare(action: PlannedAction, ctx: BuildContext, chain: ChainReader): Promise<BuildContext> {
  if (ctx.quotes?.[action.seq] !== undefined) return ctx;
  const sell = action.kind === 'sell';
  const receipt = sell ? action.from : action.to;
  const v = venue(ctx, action, receipt);
  if (!v.quoter) return ctx;
  const token = tokenOf(ctx, receipt, action);
  const [tokenIn, tokenOut] = sell ? [token, ctx.addresses.weth] : [ctx.addresses.weth, token];
  const r = await chain.readContract({
    address: v.quoter,
    abi: uniswapV3QuoterAbi,
    functionName: 'quoteExactInputSingle',
    args: [{ tokenIn, tokenOut, amountIn: action.amountIn, fee: v.fee, sqrtPriceLimitX96: 0n }],
  });
  return { ...ctx, quotes: { ...ctx.quotes, [action.seq]: r[0] } };
}

export const uniswapV3Builder: ProtocolBuilder = {
  protocol: 'dex-uniswap-v3',
  supports: (a) => (a.kind === 'buy' || a.kind === 'sell') && /^uniswap v3\b/i.test(a.venue),
  build(action, ctx) {
    if (action.kind === 'sell') return buildSell(action, ctx);
    if (action.kind === 'buy') return buildBuy(action, ctx);
    throw new BuildError('Uniswap v3 does not handle this kind', action);
  },
  prepare,
};
