import type { CostSplit } from '../domain/cost-split.js';

/**
 * The report's cost split: every fill's parts (gas, the venue's fee, slippage, depeg) summed in whole
 * base units. A part is a number only when every fill knows it: fee and slippage journaled as one figure
 * read 'not split'; a fill with no parts at all makes every part 'not measurable'. Nothing is filled in.
 */

export type Measured = number | 'not measurable';

/** One fill's parts in whole base units (a CostSplit scaled). */
export interface FillParts {
  readonly gas: number;
  readonly fee?: number | undefined;
  readonly slippage?: number | undefined;
  readonly feeAndSlippage?: number | undefined;
  readonly depeg?: number | undefined;
  readonly why?: string | undefined;
}

export interface FillCost {
  readonly kind: string;
  readonly venue: string;
  /** Net cost in whole base units: what was given up against fair plus gas, less any gain (a buy below fair). */
  readonly costBase: number;
  readonly split?: FillParts | undefined;
}

export interface CostTotals {
  readonly totalBase: number;
  readonly gas: Measured;
  readonly fee: Measured | 'not split';
  readonly slippage: Measured | 'not split';
  readonly feeAndSlippage: Measured;
  readonly depeg: Measured;
  /** Fills whose parts are not all known, and why (each reason once). */
  readonly incomplete: { readonly fills: number; readonly why: readonly string[] };
  readonly byKind: ReadonlyArray<{ readonly kind: string; readonly fills: number; readonly costBase: number }>;
}

/** A journaled split in whole base units. */
export function fillParts(s: CostSplit, decimals: number): FillParts {
  const w = (x: bigint | undefined) => (x === undefined ? undefined : Number(x) / 10 ** decimals);
  return { gas: w(s.gas) as number, fee: w(s.fee), slippage: w(s.slippage), feeAndSlippage: w(s.feeAndSlippage), depeg: w(s.depeg), why: s.why };
}

export function costTotals(costs: readonly FillCost[]): CostTotals {
  const byKind = new Map<string, { fills: number; costBase: number }>();
  for (const c of costs) {
    const k = byKind.get(c.kind) ?? { fills: 0, costBase: 0 };
    byKind.set(c.kind, { fills: k.fills + 1, costBase: k.costBase + c.costBase });
  }
  const sum = (part: (p: FillParts) => number | undefined): Measured => {
    let s = 0;
    for (const c of costs) {
      const x = c.split ? part(c.split) : undefined;
      if (x === undefined || !Number.isFinite(x)) return 'not measurable';
      s += x;
    }
    return s;
  };
  const feeAndSlippage = sum((p) => p.feeAndSlippage ?? (p.fee !== undefined && p.slippage !== undefined ? p.fee + p.slippage : undefined));
  const apart = (x: Measured): Measured | 'not split' => (x === 'not measurable' && feeAndSlippage !== 'not measurable' ? 'not split' : x);
  const why = new Set<string>();
  let incomplete = 0;
  for (const c of costs) {
    if (c.split && c.split.why === undefined) continue;
    incomplete++;
    why.add(c.split?.why ?? 'the fill journaled no cost parts');
  }
  return {
    totalBase: costs.reduce((s, c) => s + c.costBase, 0),
    gas: sum((p) => p.gas),
    fee: apart(sum((p) => p.fee)),
    slippage: apart(sum((p) => p.slippage)),
    feeAndSlippage,
    depeg: sum((p) => p.depeg),
    incomplete: { fills: incomplete, why: [...why] },
    byKind: [...byKind].map(([kind, v]) => ({ kind, ...v })).sort((a, b) => b.costBase - a.costBase),
  };
}
