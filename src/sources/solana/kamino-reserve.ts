import { PublicKey } from '@solana/web3.js';
import { DEFAULT_RECENT_SLOT_DURATION_MS } from './solana-constants.js';
import { LayoutError, bytesEqual, hex, ratio, readPubkey, readU128, readU16, readU32, readU64, readU8 } from './bytes.js';

/**
 * Kamino Lend (klend) `Reserve` account: Anchor zero-copy (#[account(zero_copy)] #[repr(C)], Pod — no
 * implicit padding), 8-byte discriminator then the struct. protocols.md B6 leaves these offsets
 * UNVERIFIED; they are derived here from the program source (read, not copied):
 *
 * - Kamino-Finance/klend@0055dbe and @7faf7a3 programs/klend/src/state/reserve.rs (Reserve,
 *   ReserveLiquidity, ReserveCollateral, ReserveConfig, ReserveFees) — two layout generations; every
 *   offset used below is identical in both (newer fields replaced padding/reserved bytes);
 * - klend@00d82d2 state/last_update.rs (LastUpdate = slot u64 + stale u8 + price_status u8 + [u8; 6] = 16);
 * - klend@0173b40 utils/borrow_rate_curve.rs (BorrowRateCurve = [CurvePoint { utilization_rate_bps u32,
 *   borrow_rate_bps u32 }; 11] = 88), utils/fraction.rs (Fraction = U68F60: "_sf" values carry 60
 *   fractional bits);
 * - klend@01e1124 utils/consts.rs RESERVE_SIZE = 8616 (the field sizes above sum to exactly 8616 for both
 *   generations, so the account is 8 + 8616 = 8624 bytes); discriminator = sha256("account:Reserve")[0..8]
 *   computed locally (standard Anchor rule).
 *
 * Derived layout (absolute offsets):
 *   0 discriminator · 8 version u64 · 16 last_update { slot u64, stale u8, … } · 32 lending_market ·
 *   64 farm_collateral · 96 farm_debt ·
 *   128 liquidity { 128 mint_pubkey · 160 supply_vault · 192 fee_vault · 224 available_amount u64 ·
 *     232 borrowed_amount_sf u128 · 248 market_price_sf u128 · 264 market_price_last_updated_ts ·
 *     272 mint_decimals u64 · 280/288 limit-crossed u64 · 296 cumulative_borrow_rate_bsf [u64; 6] ·
 *     344 accumulated_protocol_fees_sf u128 · 360 accumulated_referrer_fees_sf · 376 pending_referrer_fees_sf ·
 *     392 absolute_referral_rate_sf · … (1232 bytes) } · 1360 reserve_liquidity_padding [u64; 150] ·
 *   2560 collateral { 2560 mint_pubkey · 2592 mint_total_supply u64 · 2600 supply_vault · padding (1096 bytes) } ·
 *   3656 reserve_collateral_padding [u64; 150] ·
 *   4856 config { 4856 status u8 · 4858 host_fixed_interest_rate_bps u16 (newer; reserved zeros in older) ·
 *     4870 protocol_take_rate_pct u8 · 4896 fees · 4920 borrow_rate_curve [11 × (u32, u32)] ·
 *     5008 borrow_factor_pct · 5016 deposit_limit · 5024 borrow_limit · … }
 *
 * Supply APY follows the klend-sdk (Kamino-Finance/klend-sdk@011567c src/classes/reserve.ts
 * calculateSupplyAPR / slotAdjustmentFactor, src/classes/utils.ts calculateAPYFromAPR):
 *   supplyAPR = utilization × curve(utilization) × slotAdjustmentFactor × (1 − protocol_take_rate_pct/100)
 *   slotAdjustmentFactor = 1000 / SLOTS_PER_SECOND(2) / recentSlotDurationMs (SDK default 450)
 *   APY = (1 + APR / SLOTS_PER_YEAR)^SLOTS_PER_YEAR − 1, SLOTS_PER_YEAR = 2 × 86400 × 365
 * with one difference: the SDK first accrues interest from last_update.slot to the current slot; this
 * reads the stored totals as of last_update.slot (a reserve is refreshed by every user action, so on an
 * active reserve the gap is seconds).
 *
 * NOT verified against a live mainnet reserve account (no network here).
 */
export const KLEND_PROGRAM_ID = new PublicKey('KLend2g3cP87fffoy8q1mQqGKjrxjC8boSyAYavgmjD');
export const KAMINO_RESERVE_DISCRIMINATOR = Uint8Array.from([0x2b, 0xf2, 0xcc, 0xca, 0x1a, 0xf7, 0x3b, 0x7f]);
export const KAMINO_RESERVE_ACCOUNT_LENGTH = 8 + 8616;

export const SLOTS_PER_SECOND = 2;
export const SLOTS_PER_YEAR = SLOTS_PER_SECOND * 86_400 * 365;
export { DEFAULT_RECENT_SLOT_DURATION_MS };
export const FULL_BPS = 10_000;
const FRACTION_BITS = 60n;

export const OFFSET = {
  version: 8,
  lastUpdateSlot: 16,
  lendingMarket: 32,
  liquidityMint: 128,
  liquiditySupplyVault: 160,
  availableAmount: 224,
  borrowedAmountSf: 232,
  mintDecimals: 272,
  accumulatedProtocolFeesSf: 344,
  accumulatedReferrerFeesSf: 360,
  pendingReferrerFeesSf: 376,
  collateralMint: 2560,
  collateralMintTotalSupply: 2592,
  collateralSupplyVault: 2600,
  config: 4856,
  configStatus: 4856,
  hostFixedInterestRateBps: 4858,
  protocolTakeRatePct: 4870,
  borrowRateCurve: 4920,
  curvePoints: 11,
} as const;

export interface CurvePoint {
  readonly utilizationRateBps: number;
  readonly borrowRateBps: number;
}

export interface KaminoReserveState {
  readonly lendingMarket: PublicKey;
  readonly liquidityMint: PublicKey;
  readonly lastUpdateSlot: bigint;
  readonly mintDecimals: number;
  readonly availableAmount: bigint;
  readonly borrowedAmountSf: bigint;
  readonly accumulatedProtocolFeesSf: bigint;
  readonly accumulatedReferrerFeesSf: bigint;
  readonly pendingReferrerFeesSf: bigint;
  readonly collateralMintTotalSupply: bigint;
  /** 0 Active, 1 Obsolete, 2 Hidden. */
  readonly status: number;
  readonly hostFixedInterestRateBps: number;
  readonly protocolTakeRatePct: number;
  readonly borrowRateCurve: readonly CurvePoint[];
  /** Accounts the transaction builders pass (chains/solana/builders/kamino.ts). */
  readonly liquiditySupplyVault: PublicKey;
  readonly collateralMint: PublicKey;
  readonly collateralSupplyVault: PublicKey;
}

export function parseKaminoReserve(data: Uint8Array): KaminoReserveState {
  if (!bytesEqual(data, 0, KAMINO_RESERVE_DISCRIMINATOR)) {
    throw new LayoutError(`discriminator ${hex(data.subarray(0, 8))}, expected ${hex(KAMINO_RESERVE_DISCRIMINATOR)} (klend Reserve)`);
  }
  if (data.length !== KAMINO_RESERVE_ACCOUNT_LENGTH) {
    throw new LayoutError(`account is ${data.length} bytes, expected ${KAMINO_RESERVE_ACCOUNT_LENGTH} (klend Reserve, RESERVE_SIZE 8616 + 8)`);
  }
  const mintDecimals = readU64(data, OFFSET.mintDecimals, 'liquidity.mint_decimals');
  if (mintDecimals > 19n) throw new LayoutError(`liquidity.mint_decimals is ${mintDecimals}, expected ≤ 19`);
  const protocolTakeRatePct = readU8(data, OFFSET.protocolTakeRatePct, 'config.protocol_take_rate_pct');
  if (protocolTakeRatePct > 100) throw new LayoutError(`config.protocol_take_rate_pct is ${protocolTakeRatePct}, expected ≤ 100`);
  const curve: CurvePoint[] = [];
  for (let i = 0; i < OFFSET.curvePoints; i++) {
    const at = OFFSET.borrowRateCurve + i * 8;
    curve.push({
      utilizationRateBps: readU32(data, at, `config.borrow_rate_curve[${i}].utilization_rate_bps`),
      borrowRateBps: readU32(data, at + 4, `config.borrow_rate_curve[${i}].borrow_rate_bps`),
    });
  }
  validateCurve(curve);
  return {
    lendingMarket: readPubkey(data, OFFSET.lendingMarket, 'lending_market'),
    liquidityMint: readPubkey(data, OFFSET.liquidityMint, 'liquidity.mint_pubkey'),
    lastUpdateSlot: readU64(data, OFFSET.lastUpdateSlot, 'last_update.slot'),
    mintDecimals: Number(mintDecimals),
    availableAmount: readU64(data, OFFSET.availableAmount, 'liquidity.available_amount'),
    borrowedAmountSf: readU128(data, OFFSET.borrowedAmountSf, 'liquidity.borrowed_amount_sf'),
    accumulatedProtocolFeesSf: readU128(data, OFFSET.accumulatedProtocolFeesSf, 'liquidity.accumulated_protocol_fees_sf'),
    accumulatedReferrerFeesSf: readU128(data, OFFSET.accumulatedReferrerFeesSf, 'liquidity.accumulated_referrer_fees_sf'),
    pendingReferrerFeesSf: readU128(data, OFFSET.pendingReferrerFeesSf, 'liquidity.pending_referrer_fees_sf'),
    collateralMintTotalSupply: readU64(data, OFFSET.collateralMintTotalSupply, 'collateral.mint_total_supply'),
    status: readU8(data, OFFSET.configStatus, 'config.status'),
    hostFixedInterestRateBps: readU16(data, OFFSET.hostFixedInterestRateBps, 'config.host_fixed_interest_rate_bps'),
    protocolTakeRatePct,
    borrowRateCurve: curve,
    liquiditySupplyVault: readPubkey(data, OFFSET.liquiditySupplyVault, 'liquidity.supply_vault'),
    collateralMint: readPubkey(data, OFFSET.collateralMint, 'collateral.mint_pubkey'),
    collateralSupplyVault: readPubkey(data, OFFSET.collateralSupplyVault, 'collateral.supply_vault'),
  };
}

/** BorrowRateCurve::validate: starts at 0 % utilization, ends at 100 %, increasing until the 100 % point. */
function validateCurve(points: readonly CurvePoint[]): void {
  const first = points[0] as CurvePoint;
  const last = points[points.length - 1] as CurvePoint;
  if (first.utilizationRateBps !== 0 || last.utilizationRateBps !== FULL_BPS) {
    throw new LayoutError(`config.borrow_rate_curve must run from 0 to ${FULL_BPS} bps utilization (got ${first.utilizationRateBps}..${last.utilizationRateBps}); layout not as expected`);
  }
  for (let i = 1; i < points.length; i++) {
    const prev = points[i - 1] as CurvePoint;
    const p = points[i] as CurvePoint;
    const ok = prev.utilizationRateBps === FULL_BPS ? p.utilizationRateBps === FULL_BPS : p.utilizationRateBps > prev.utilizationRateBps;
    if (!ok || p.borrowRateBps < prev.borrowRateBps) {
      throw new LayoutError(`config.borrow_rate_curve point ${i} is out of order; layout not as expected`);
    }
  }
}

/** Total liquidity supply (U68F60 scaled): available + borrowed − protocol fees − referrer fees − pending referrer fees. */
export function totalSupplySf(r: KaminoReserveState): bigint {
  const t = (r.availableAmount << FRACTION_BITS) + r.borrowedAmountSf - r.accumulatedProtocolFeesSf - r.accumulatedReferrerFeesSf - r.pendingReferrerFeesSf;
  return t > 0n ? t : 0n;
}

export function utilization(r: KaminoReserveState): number {
  const total = totalSupplySf(r);
  return total === 0n ? 0 : Math.min(1, ratio(r.borrowedAmountSf, total));
}

/** Linear interpolation on the curve, truncated at its first 100 %-utilization point (SDK truncateBorrowCurve). */
export function borrowRateAt(curve: readonly CurvePoint[], util: number): number {
  const u = Math.max(0, Math.min(1, util)) * FULL_BPS;
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1] as CurvePoint;
    const b = curve[i] as CurvePoint;
    if (u <= b.utilizationRateBps) {
      if (b.utilizationRateBps === a.utilizationRateBps) return b.borrowRateBps / FULL_BPS;
      const t = (u - a.utilizationRateBps) / (b.utilizationRateBps - a.utilizationRateBps);
      return (a.borrowRateBps + t * (b.borrowRateBps - a.borrowRateBps)) / FULL_BPS;
    }
  }
  return (curve[curve.length - 1] as CurvePoint).borrowRateBps / FULL_BPS;
}

export interface KaminoSupplyYield {
  readonly utilization: number;
  readonly borrowRate: number;
  readonly supplyApr: number;
  readonly supplyApy: number;
  /** Liquidity per collateral token (raw/raw): the supply position's growth index. */
  readonly supplyIndex: number | undefined;
  readonly totalSupplyWhole: number;
  readonly availableWhole: number;
}

export function kaminoSupplyYield(r: KaminoReserveState, recentSlotDurationMs = DEFAULT_RECENT_SLOT_DURATION_MS): KaminoSupplyYield {
  const util = utilization(r);
  const borrowRate = borrowRateAt(r.borrowRateCurve, util);
  const slotAdjustmentFactor = 1000 / SLOTS_PER_SECOND / recentSlotDurationMs;
  const supplyApr = util * borrowRate * slotAdjustmentFactor * (1 - r.protocolTakeRatePct / 100);
  const supplyApy = Math.pow(1 + supplyApr / SLOTS_PER_YEAR, SLOTS_PER_YEAR) - 1;
  const total = totalSupplySf(r);
  const scale = 10n ** BigInt(r.mintDecimals);
  return {
    utilization: util,
    borrowRate,
    supplyApr,
    supplyApy,
    supplyIndex: r.collateralMintTotalSupply === 0n || total === 0n ? undefined : ratio(total, r.collateralMintTotalSupply << FRACTION_BITS),
    totalSupplyWhole: ratio(total, scale << FRACTION_BITS),
    availableWhole: ratio(r.availableAmount, scale),
  };
}
