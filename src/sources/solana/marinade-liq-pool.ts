import { LayoutError, readU32, readU64 } from './bytes.js';

/**
 * The Marinade State's liquidity-pool fee fields, which price liquid_unstake (same sources as
 * marinade-state.ts: state/mod.rs, state/liq_pool.rs, state/fee.rs — Fee = basis_points u32):
 *   138 rent_exempt_for_token_acc u64 (the SOL leg keeps this much) · 452 liq_pool.lp_liquidity_target u64 ·
 *   460 lp_max_fee · 464 lp_min_fee · 468 treasury_cut (each Fee u32 bps) · 552 min_withdraw u64.
 * The fee falls linearly from lp_max_fee (empty SOL leg) to lp_min_fee (at or above the target), taken in
 * mSOL; treasury_cut of that fee goes to the treasury, the rest stays with the pool's LPs.
 */
export const LIQ_POOL_OFFSET = { rentExemptForTokenAcc: 138, lpLiquidityTarget: 452, lpMaxFee: 460, lpMinFee: 464, treasuryCut: 468, minWithdraw: 552 } as const;
export const MAX_BPS = 10_000;

export interface MarinadeLiqPoolFees {
  readonly rentExemptForTokenAcc: bigint;
  readonly lpLiquidityTarget: bigint;
  readonly lpMaxFeeBps: number;
  readonly lpMinFeeBps: number;
  readonly treasuryCutBps: number;
  readonly minWithdraw: bigint;
}

export function parseMarinadeLiqPoolFees(data: Uint8Array): MarinadeLiqPoolFees {
  if (data.length < LIQ_POOL_OFFSET.minWithdraw + 8) throw new LayoutError(`account is ${data.length} bytes, too short for the Marinade State's liq_pool and min_withdraw`);
  const bps = (at: number, field: string) => {
    const v = readU32(data, at, field);
    if (v > MAX_BPS) throw new LayoutError(`${field} is ${v} bps, above ${MAX_BPS}; layout not as expected`);
    return v;
  };
  const f = {
    rentExemptForTokenAcc: readU64(data, LIQ_POOL_OFFSET.rentExemptForTokenAcc, 'rent_exempt_for_token_acc'),
    lpLiquidityTarget: readU64(data, LIQ_POOL_OFFSET.lpLiquidityTarget, 'liq_pool.lp_liquidity_target'),
    lpMaxFeeBps: bps(LIQ_POOL_OFFSET.lpMaxFee, 'liq_pool.lp_max_fee'),
    lpMinFeeBps: bps(LIQ_POOL_OFFSET.lpMinFee, 'liq_pool.lp_min_fee'),
    treasuryCutBps: bps(LIQ_POOL_OFFSET.treasuryCut, 'liq_pool.treasury_cut'),
    minWithdraw: readU64(data, LIQ_POOL_OFFSET.minWithdraw, 'min_withdraw'),
  };
  if (f.lpMinFeeBps > f.lpMaxFeeBps) throw new LayoutError(`liq_pool.lp_min_fee ${f.lpMinFeeBps} bps is above lp_max_fee ${f.lpMaxFeeBps}; layout not as expected`);
  return f;
}

export interface LiquidUnstakeQuote {
  /** Lamports the pool pays for the mSOL, after its fee. */
  readonly lamports: bigint;
  readonly feeBps: number;
  readonly msolFee: bigint;
  /** The SOL leg cannot pay it (it keeps rent_exempt_for_token_acc): the program fails InsufficientLiquidity. */
  readonly insufficient: boolean;
}

/**
 * What liquid_unstake (instructions/liq_pool/liquid_unstake.rs) pays for `msol` with the SOL leg holding
 * `solLegLamports`: the linear fee at the liquidity left after the gross value (lp_max_fee if it takes it
 * all), taken in mSOL, and the rest valued at total_virtual_staked_lamports / msol_supply.
 */
export function liquidUnstakeQuote(virtualStaked: bigint, msolSupply: bigint, f: MarinadeLiqPoolFees, solLegLamports: bigint, msol: bigint): LiquidUnstakeQuote {
  const toSol = (m: bigint) => (msolSupply === 0n ? m : (m * virtualStaked) / msolSupply);
  const available = solLegLamports > f.rentExemptForTokenAcc ? solLegLamports - f.rentExemptForTokenAcc : 0n;
  const gross = toSol(msol);
  const after = gross >= available ? undefined : available - gross;
  const feeBps =
    after === undefined ? f.lpMaxFeeBps : after >= f.lpLiquidityTarget ? f.lpMinFeeBps : f.lpMaxFeeBps - Number((BigInt(f.lpMaxFeeBps - f.lpMinFeeBps) * after) / f.lpLiquidityTarget);
  const msolFee = (msol * BigInt(feeBps)) / BigInt(MAX_BPS);
  const lamports = toSol(msol - msolFee);
  return { lamports, feeBps, msolFee, insufficient: lamports + f.rentExemptForTokenAcc > solLegLamports };
}
