/**
 * A fill's cost in parts, base units of the base asset. The parts sum to the fill's net shortfall against
 * fair value (costBase − gainBase):
 *  - gas: paid to the chain;
 *  - fee: the venue's stated fee on the route (protocol mint/redeem fee, pool fee tier, swap fee);
 *  - slippage: price impact, the rest of the gap between the quoted amount (at the route's price, before
 *    fee and impact) and what arrived; negative when the fill beat the quote;
 *  - depeg: the route's price against fair: a sale below fair gives the discount up (positive), a buy
 *    below fair gains it (negative); zero on protocol routes, which trade at fair.
 * A part that could not be known is absent, with `why` saying so; a journal written before fee and
 * slippage were carried apart keeps them as one figure (`feeAndSlippage`). Nothing is ever invented.
 */
export interface CostSplit {
  readonly gas: bigint;
  readonly fee?: bigint | undefined;
  readonly slippage?: bigint | undefined;
  /** Fee and slippage together, when only their sum is known (older journals). */
  readonly feeAndSlippage?: bigint | undefined;
  readonly depeg?: bigint | undefined;
  /** Why some part is unknown. */
  readonly why?: string | undefined;
}

const INT = /^-?\d+$/;
const big = (x: unknown): bigint | undefined => (typeof x === 'string' && INT.test(x) ? BigInt(x) : undefined);

/** The split as fill-detail fields (decimal strings; absent parts left out). */
export function costSplitDetail(s: CostSplit): Record<string, string> {
  const out: Record<string, string> = { gasBase: s.gas.toString() };
  if (s.fee !== undefined) out.feeBase = s.fee.toString();
  if (s.slippage !== undefined) out.slippageBase = s.slippage.toString();
  if (s.feeAndSlippage !== undefined) out.feesAndImpactBase = s.feeAndSlippage.toString();
  if (s.depeg !== undefined) out.depegBase = s.depeg.toString();
  if (s.why !== undefined) out.costSplitUnknown = s.why;
  return out;
}

/**
 * The split a fill's journaled detail holds, reading every version: fee and slippage apart (this one),
 * together as `feesAndImpactBase` with `belowFairBase` (the first paper split), or only gas (chain fills
 * before the split). Undefined when the detail says nothing about parts at all.
 */
export function readCostSplit(detail: Readonly<Record<string, unknown>> | undefined, gasFallback?: bigint): CostSplit | undefined {
  const d = detail ?? {};
  const gas = big(d.gasBase) ?? gasFallback;
  if (gas === undefined) return undefined;
  const fee = big(d.feeBase);
  const slippage = big(d.slippageBase);
  const together = big(d.feesAndImpactBase) ?? (fee !== undefined && slippage !== undefined ? fee + slippage : undefined);
  const depeg = big(d.depegBase) ?? big(d.belowFairBase);
  const why = typeof d.costSplitUnknown === 'string' ? d.costSplitUnknown : fee === undefined && together !== undefined ? 'journaled before fee and slippage were recorded apart' : fee === undefined ? 'the fill journaled only its gas' : undefined;
  return { gas, fee, slippage, feeAndSlippage: together, depeg, why };
}

/** The net shortfall the parts add up to, when every part is known. */
export function splitTotal(s: CostSplit): bigint | undefined {
  const fs = s.fee !== undefined && s.slippage !== undefined ? s.fee + s.slippage : s.feeAndSlippage;
  return fs === undefined || s.depeg === undefined ? undefined : s.gas + fs + s.depeg;
}
