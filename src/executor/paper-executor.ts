import type { PlannedAction } from '../domain/action.js';
import { addHolding, holding, type Portfolio } from '../domain/portfolio.js';
import { suppliedToken, type AssetInfo } from '../config/universe.js';
import { entryQuotes, exitQuotes, type Quote } from '../market/cost-model.js';
import { convert } from '../market/route-math.js';
import { fairRate, valueAt } from '../market/valuation.js';
import { gasCost } from '../planner/plan-rebalance.js';
import { costSplitDetail } from '../domain/cost-split.js';
import { paperSplit } from '../market/fill-split.js';
import type { ExecutionContext, ExecutionResult, Executor } from './executor.js';

/**
 * Fills actions against the cost model at the moment of execution: the quote is taken afresh from the
 * snapshot the executor is given, the slippage bound is enforced, and gas is paid in the base asset.
 */
export class PaperExecutor implements Executor {
  readonly mode = 'paper';

  async execute(action: PlannedAction, p: Portfolio, ctx: ExecutionContext): Promise<ExecutionResult> {
    return executePaper(action, p, ctx);
  }
}

function fail(p: Portfolio, reason: string, extra: Record<string, unknown> = {}): ExecutionResult {
  return { status: 'failed', portfolio: p, detail: { reason, ...extra } };
}

function findQuote(ctx: ExecutionContext, a: PlannedAction, from: AssetInfo, to: AssetInfo, sizeBase: number): Quote | undefined {
  const u = ctx.universe;
  const isEntry = from.id === u.baseAsset || a.kind === 'supply';
  const quotes = isEntry ? entryQuotes(u, ctx.snapshot, to, sizeBase) : exitQuotes(u, ctx.snapshot, from, sizeBase);
  return quotes.find((q) => q.kind === a.kind && q.venue === a.venue && q.available);
}

export function executePaper(a: PlannedAction, p: Portfolio, ctx: ExecutionContext): ExecutionResult {
  const u = ctx.universe;
  const base = u.baseAsset;
  const from = u.registryAssets.get(a.from);
  const to = u.registryAssets.get(a.to);
  if (!from || !to) return fail(p, `unknown asset in action (${a.from} → ${a.to})`);

  if (a.kind === 'redeem-claim') {
    const r = p.pending.find((x) => x.id === a.redemptionId);
    if (!r) return fail(p, `no pending redemption ${a.redemptionId}`);
    if (r.claimableAt > ctx.now) return fail(p, `redemption ${r.id} is not claimable until ${new Date(r.claimableAt).toISOString()}`);
    const gas = gasCost(u, from.exit.redeem?.gasUnits ?? 0);
    let next: Portfolio = { ...p, pending: p.pending.filter((x) => x.id !== r.id) };
    next = addHolding(next, base, r.expectedBase);
    if (holding(next, base) < gas) return fail(p, 'not enough base asset to pay gas for the claim');
    next = addHolding(next, base, -gas);
    return { status: 'confirmed', portfolio: next, fill: { amountIn: r.expectedBase, amountOut: r.expectedBase, costBase: gas, at: ctx.now, detail: costSplitDetail({ gas, fee: 0n, slippage: 0n, depeg: 0n }) }, detail: { redemption: r.id } };
  }

  const have = holding(p, a.from);
  // An earlier leg may have filled a little differently than planned; never spend what is not there.
  const amountIn = have < a.amountIn ? have : a.amountIn;
  if (amountIn <= 0n) return fail(p, `no ${a.from} to spend`, { have: have.toString(), planned: a.amountIn.toString() });
  const fairFrom = fairRate(u, ctx.snapshot, from.id);
  const sizeBase = fairFrom === undefined ? 0 : Number(from.id === base ? amountIn : valueAt(u, from.id, amountIn, fairFrom)) / 10 ** u.baseDecimals;
  const q = findQuote(ctx, a, from, to, sizeBase);
  if (!q) return fail(p, `route ${a.kind}@${a.venue} is not available now`);
  const out = convert(u, from, to, amountIn, q);
  const scaledMin = amountIn === a.amountIn ? a.minOut : (a.minOut * amountIn) / a.amountIn;
  if (out < scaledMin) return fail(p, 'fill below minimum out (slippage bound)', { out: out.toString(), minOut: scaledMin.toString() });
  const gas = gasCost(u, q.gasUnits);

  let next = addHolding(p, a.from, -amountIn);
  if (holding(next, base) < gas) return fail(p, 'not enough base asset to pay gas');
  next = addHolding(next, base, -gas);
  const inValue = from.id === base ? amountIn : valueAt(u, from.id, amountIn, fairFrom ?? q.price);
  if (a.kind === 'redeem-request') {
    const id = `${a.from}-${ctx.now}-${a.seq}`;
    next = { ...next, pending: [...next.pending, { id, asset: a.from, amountIn, expectedBase: out, requestedAt: ctx.now, claimableAt: ctx.now + q.delaySeconds * 1000 }] };
    return { status: 'confirmed', portfolio: next, fill: { amountIn, amountOut: out, costBase: (inValue > out ? inValue - out : 0n) + gas, at: ctx.now, detail: { pending: id, claimableAt: ctx.now + q.delaySeconds * 1000, ...costSplitDetail(paperSplit(q, gas, inValue, out > inValue ? inValue : out)) } }, detail: { venue: q.venue } };
  }
  next = addHolding(next, a.to, out);
  if (to.rebasing) {
    // New money earns from now: the index is reset on every entry (any balance already held was
    // accrued to this same index at the start of the cycle), never left at a stale one from an old position.
    const idx = ctx.snapshot.assets.get(to.id)?.fields.supplyIndex?.value;
    if (idx !== undefined) next = { ...next, indexSeen: new Map(next.indexSeen).set(to.id, idx) };
  }
  const fairTo = fairRate(u, ctx.snapshot, to.id);
  const outValue = to.id === base ? out : fairTo === undefined ? inValue : valueAt(u, to.id, out, fairTo);
  const costBase = (inValue > outValue ? inValue - outValue : 0n) + gas;
  // Symmetric with a sale below fair: a buy below fair gains the discount.
  const gainBase = outValue > inValue ? outValue - inValue : 0n;
  // Gas, the venue's fee, price impact and the route price's distance from fair, apart (they sum to costBase − gainBase).
  const split = costSplitDetail(paperSplit(q, gas, inValue, outValue));
  const fill = gainBase > 0n ? { amountIn, amountOut: out, costBase, gainBase, at: ctx.now, detail: { gainBase: gainBase.toString(), ...split } } : { amountIn, amountOut: out, costBase, at: ctx.now, detail: split };
  return { status: 'confirmed', portfolio: next, fill, detail: { venue: q.venue, price: q.price, keep: q.keep, via: suppliedToken(u, to)?.id } };
}
