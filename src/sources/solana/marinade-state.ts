import { PublicKey } from '@solana/web3.js';
import { LayoutError, bytesEqual, hex, ratio, readPubkey, readU64, readU8 } from './bytes.js';

/**
 * Marinade `State` account (Anchor #[account], Borsh: 8-byte discriminator then the fields in order).
 *
 * Sources (read to derive offsets, not copied):
 * - marinade-finance/liquid-staking-program@8695059 programs/marinade-finance/src/state/mod.rs (State),
 *   state/stake_system.rs (StakeSystem), state/liq_pool.rs (LiqPool);
 * - …@1164efc state/validator_system.rs (ValidatorSystem), …@901db5d state/list.rs (List = account 32 +
 *   item_size u32 + count u32 + new_account 32 + copied_count u32 = 76 bytes), …@1cd1236 state/fee.rs
 *   (Fee = basis_points u32);
 * - the newer upstream State (pause_authority, paused, delayed_unstake_fee, … appended AFTER
 *   emergency_cooling_down) leaves every offset below unchanged;
 * - cross-check: igneous-labs/S@0f32311 generated/…/marinade_calculator_interface/src/typedefs.rs (IDL
 *   generated MarinadeState, same field order and sizes) and sevenlabs-hq/carbon
 *   decoders/marinade-finance-decoder (discriminator 0xd8926b5e684bb6b1, which equals
 *   sha256("account:State")[0..8] computed locally).
 *
 * Derived layout (offset: field):
 *   0 discriminator[8] · 8 msol_mint · 40 admin_authority · 72 operational_sol_account ·
 *   104 treasury_msol_account · 136 reserve_bump_seed u8 · 137 msol_mint_authority_bump_seed u8 ·
 *   138 rent_exempt_for_token_acc u64 · 146 reward_fee u32 ·
 *   150 stake_system { 150 stake_list List[76] · 226 delayed_unstake_cooling_down u64 · 234/235 bumps ·
 *       236 slots_for_stake_delta · 244 last_stake_delta_epoch · 252 min_stake · 260 extra_stake_delta_runs u32 } ·
 *   264 validator_system { 264 validator_list List[76] · 340 manager_authority · 372 total_validator_score u32 ·
 *       376 total_active_balance u64 · 384 auto_add_validator_enabled u8 } ·
 *   385 liq_pool { 385 lp_mint · 417..419 bumps · 420 msol_leg · 452 lp_liquidity_target · 460/464/468 fees u32 ·
 *       472 lp_supply · 480 lent_from_sol_leg · 488 liquidity_sol_cap } ·
 *   496 available_reserve_balance · 504 msol_supply · 512 msol_price · 520 circulating_ticket_count ·
 *   528 circulating_ticket_balance · 536 lent_from_reserve · 544 min_deposit · 552 min_withdraw ·
 *   560 staking_sol_cap · 568 emergency_cooling_down · 576 pause_authority · 608 paused (newer program only)
 *
 * Not verified against a live mainnet account (no network here); the virtual-staked cross-check in
 * `marinadeRates` is what would catch a shifted layout at run time.
 */
export const MARINADE_PROGRAM_ID = new PublicKey('MarBmsSgKXdrN1egZf5sqe1TMai9K1rChYNDJgjq7aD');
export const MARINADE_STATE_DISCRIMINATOR = Uint8Array.from([0xd8, 0x92, 0x6b, 0x5e, 0x68, 0x4b, 0xb6, 0xb1]);
/** State::PRICE_DENOMINATOR = 0x1_0000_0000: msol_price is SOL per mSOL × 2^32. */
export const MSOL_PRICE_DENOMINATOR = 0x1_0000_0000n;

export const OFFSET = {
  msolMint: 8,
  treasuryMsolAccount: 104,
  liqPoolMsolLeg: 420,
  delayedUnstakeCoolingDown: 226,
  totalActiveBalance: 376,
  availableReserveBalance: 496,
  msolSupply: 504,
  msolPrice: 512,
  circulatingTicketBalance: 528,
  emergencyCoolingDown: 568,
  /** End of emergency_cooling_down: the shortest State any program version writes. */
  minLength: 576,
  paused: 608,
} as const;

export interface MarinadeState {
  readonly msolMint: PublicKey;
  readonly msolSupply: bigint;
  readonly msolPrice: bigint;
  readonly totalActiveBalance: bigint;
  readonly delayedUnstakeCoolingDown: bigint;
  readonly emergencyCoolingDown: bigint;
  readonly availableReserveBalance: bigint;
  readonly circulatingTicketBalance: bigint;
  /** undefined on a program version that predates the field. */
  readonly paused: boolean | undefined;
  /** Accounts the transaction builders pass (chains/solana/builders/marinade.ts). */
  readonly treasuryMsolAccount: PublicKey;
  readonly liqPoolMsolLeg: PublicKey;
}

export function parseMarinadeState(data: Uint8Array): MarinadeState {
  if (!bytesEqual(data, 0, MARINADE_STATE_DISCRIMINATOR)) {
    throw new LayoutError(`discriminator ${hex(data.subarray(0, 8))}, expected ${hex(MARINADE_STATE_DISCRIMINATOR)} (Marinade State)`);
  }
  if (data.length < OFFSET.minLength) {
    throw new LayoutError(`account is ${data.length} bytes, expected at least ${OFFSET.minLength} (Marinade State)`);
  }
  return {
    msolMint: readPubkey(data, OFFSET.msolMint, 'msol_mint'),
    msolSupply: readU64(data, OFFSET.msolSupply, 'msol_supply'),
    msolPrice: readU64(data, OFFSET.msolPrice, 'msol_price'),
    totalActiveBalance: readU64(data, OFFSET.totalActiveBalance, 'validator_system.total_active_balance'),
    delayedUnstakeCoolingDown: readU64(data, OFFSET.delayedUnstakeCoolingDown, 'stake_system.delayed_unstake_cooling_down'),
    emergencyCoolingDown: readU64(data, OFFSET.emergencyCoolingDown, 'emergency_cooling_down'),
    availableReserveBalance: readU64(data, OFFSET.availableReserveBalance, 'available_reserve_balance'),
    circulatingTicketBalance: readU64(data, OFFSET.circulatingTicketBalance, 'circulating_ticket_balance'),
    paused: data.length > OFFSET.paused ? readU8(data, OFFSET.paused, 'paused') !== 0 : undefined,
    treasuryMsolAccount: readPubkey(data, OFFSET.treasuryMsolAccount, 'treasury_msol_account'),
    liqPoolMsolLeg: readPubkey(data, OFFSET.liqPoolMsolLeg, 'liq_pool.msol_leg'),
  };
}

/** mod.rs total_virtual_staked_lamports(): active + cooling down (delayed + emergency) + reserve − tickets, floored at 0. */
export function totalVirtualStakedLamports(s: MarinadeState): bigint {
  const underControl = s.totalActiveBalance + s.delayedUnstakeCoolingDown + s.emergencyCoolingDown + s.availableReserveBalance;
  return underControl > s.circulatingTicketBalance ? underControl - s.circulatingTicketBalance : 0n;
}

export interface MarinadeRates {
  /** msol_price / 2^32 — SOL per mSOL as the program last stored it. */
  readonly price: number;
  /** total_virtual_staked_lamports / msol_supply — the rate deposits and unstakes actually use. */
  readonly virtualRate: number;
  readonly totalVirtualStakedLamports: bigint;
}

/**
 * Both rates, and a cross-check between them: msol_price is refreshed by the update instructions and the
 * virtual rate moves with every reward, so they differ by at most an epoch or so of rewards (~0.05 %).
 * A gap above `tolerance` means a shifted layout (or a broken state) rather than a market move.
 */
export function marinadeRates(s: MarinadeState, tolerance = 0.005): MarinadeRates {
  if (s.msolPrice === 0n) throw new LayoutError('msol_price is 0');
  if (s.msolSupply === 0n) throw new LayoutError('msol_supply is 0: no exchange rate');
  const price = ratio(s.msolPrice, MSOL_PRICE_DENOMINATOR);
  const tvs = totalVirtualStakedLamports(s);
  const virtualRate = ratio(tvs, s.msolSupply);
  if (!(Math.abs(virtualRate / price - 1) <= tolerance)) {
    throw new LayoutError(
      `cross-check failed: msol_price/2^32 = ${price} but total_virtual_staked_lamports/msol_supply = ${virtualRate} (gap above ${tolerance}); layout or state not as expected`,
    );
  }
  return { price, virtualRate, totalVirtualStakedLamports: tvs };
}
