import { PublicKey } from '@solana/web3.js';
import type { LiteSVM } from 'litesvm';

/**
 * Account-byte builders for the Solana source tests. Each one SERIALIZES the upstream struct field by
 * field, in declaration order (Borsh / bytemuck Pod little-endian), rather than poking values at the
 * parsers' offset constants — so a parser offset that does not match the struct definition fails the
 * tests instead of agreeing with itself. Struct sources are the same as the parsers' (see each parser).
 */

export class ByteWriter {
  private readonly parts: number[] = [];

  get length(): number {
    return this.parts.length;
  }

  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }

  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }

  u32(v: number): this {
    for (let i = 0; i < 4; i++) this.u8((v >>> (8 * i)) & 0xff);
    return this;
  }

  u64(v: bigint | number): this {
    let x = BigInt(v);
    for (let i = 0; i < 8; i++) {
      this.u8(Number(x & 0xffn));
      x >>= 8n;
    }
    return this;
  }

  u128(v: bigint): this {
    return this.u64(v & (2n ** 64n - 1n)).u64(v >> 64n);
  }

  pubkey(k: PublicKey): this {
    for (const b of k.toBytes()) this.u8(b);
    return this;
  }

  zeros(n: number): this {
    for (let i = 0; i < n; i++) this.u8(0);
    return this;
  }

  raw(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.u8(bytes[i] as number);
    return this;
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function key(seed: number): PublicKey {
  const b = new Uint8Array(32);
  b[0] = seed & 0xff;
  b[1] = (seed >>> 8) & 0xff;
  b[31] = 7;
  return new PublicKey(b);
}

export function setAccount(svm: LiteSVM, address: PublicKey, owner: PublicKey, data: Uint8Array): void {
  svm.setAccount(address, { lamports: 1_000_000_000, data, owner, executable: false, rentEpoch: 0 });
}

// ───────────────────────────── SPL stake pool ─────────────────────────────

export interface FeeBytes {
  numerator: bigint;
  denominator: bigint;
}

export interface StakePoolFields {
  poolMint: PublicKey;
  totalLamports: bigint;
  poolTokenSupply: bigint;
  lastUpdateEpoch: bigint;
  epochFee: FeeBytes;
  /** FutureEpoch<Fee>: null = None, else One(fee). */
  nextEpochFee?: FeeBytes | null;
  preferredDepositValidator?: PublicKey | null;
  preferredWithdrawValidator?: PublicKey | null;
  stakeDepositFee?: FeeBytes;
  stakeWithdrawalFee?: FeeBytes;
  nextStakeWithdrawalFee?: FeeBytes | null;
  solDepositAuthority?: PublicKey | null;
  solDepositFee?: FeeBytes;
  solWithdrawAuthority?: PublicKey | null;
  solWithdrawalFee?: FeeBytes;
  nextSolWithdrawalFee?: FeeBytes | null;
  lastEpochPoolTokenSupply: bigint;
  lastEpochTotalLamports: bigint;
  /** Allocated size (pools are allocated for the largest encoding); zero-filled after the data. */
  allocated?: number;
}

const ZERO_FEE: FeeBytes = { numerator: 0n, denominator: 0n };

/** solana-program/stake-pool program/src/state.rs `struct StakePool`, Borsh. */
export function encodeStakePool(f: StakePoolFields): Uint8Array {
  const w = new ByteWriter();
  const fee = (x: FeeBytes) => w.u64(x.denominator).u64(x.numerator); // Fee { denominator, numerator }
  const futureFee = (x: FeeBytes | null | undefined) => (x ? (w.u8(1), fee(x)) : w.u8(0));
  const optKey = (k: PublicKey | null | undefined) => (k ? w.u8(1).pubkey(k) : w.u8(0));
  w.u8(1); // account_type = StakePool
  w.pubkey(key(101)); // manager
  w.pubkey(key(102)); // staker
  w.pubkey(key(103)); // stake_deposit_authority
  w.u8(255); // stake_withdraw_bump_seed
  w.pubkey(key(104)); // validator_list
  w.pubkey(key(105)); // reserve_stake
  w.pubkey(f.poolMint);
  w.pubkey(key(106)); // manager_fee_account
  w.pubkey(new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA')); // token_program_id
  w.u64(f.totalLamports).u64(f.poolTokenSupply).u64(f.lastUpdateEpoch);
  w.u64(0).u64(0).pubkey(PublicKey.default); // lockup { unix_timestamp, epoch, custodian }
  fee(f.epochFee);
  futureFee(f.nextEpochFee);
  optKey(f.preferredDepositValidator);
  optKey(f.preferredWithdrawValidator);
  fee(f.stakeDepositFee ?? ZERO_FEE);
  fee(f.stakeWithdrawalFee ?? ZERO_FEE);
  futureFee(f.nextStakeWithdrawalFee);
  w.u8(0); // stake_referral_fee
  optKey(f.solDepositAuthority);
  fee(f.solDepositFee ?? ZERO_FEE);
  w.u8(0); // sol_referral_fee
  optKey(f.solWithdrawAuthority);
  fee(f.solWithdrawalFee ?? ZERO_FEE);
  futureFee(f.nextSolWithdrawalFee);
  w.u64(f.lastEpochPoolTokenSupply).u64(f.lastEpochTotalLamports);
  if (f.allocated !== undefined) w.zeros(Math.max(0, f.allocated - w.length));
  return w.bytes();
}

// ───────────────────────────── Jito vault ─────────────────────────────

export interface JitoVaultFields {
  vrtMint: PublicKey;
  supportedMint: PublicKey;
  vrtSupply: bigint;
  tokensDeposited: bigint;
  depositCapacity?: bigint;
  stakedAmount?: bigint;
  lastFullStateUpdateSlot?: bigint;
  depositFeeBps?: number;
  withdrawalFeeBps?: number;
  nextWithdrawalFeeBps?: number;
  rewardFeeBps?: number;
  programFeeBps?: number;
  isPaused?: boolean;
}

/** jito-foundation/restaking vault_core/src/vault.rs `struct Vault` (bytemuck Pod) behind [2, 0×7]. */
export function encodeJitoVault(f: JitoVaultFields): Uint8Array {
  const w = new ByteWriter();
  w.u8(2).zeros(7); // discriminator Vault = 2 + reserved
  w.pubkey(key(201)); // base
  w.pubkey(f.vrtMint).pubkey(f.supportedMint);
  w.u64(f.vrtSupply).u64(f.tokensDeposited).u64(f.depositCapacity ?? 2n ** 64n - 1n);
  w.u64(f.stakedAmount ?? 0n).u64(0).u64(0).zeros(256); // DelegationState
  w.u64(0).u64(0).u64(0).u64(0); // additional_assets_need_unstaking, vrt_enqueued/cooling/ready
  for (let i = 0; i < 11; i++) w.pubkey(key(210 + i)); // admin … metadata_admin
  w.u64(3).u64(1).u64(2).u64(0).u64(0).u64(f.lastFullStateUpdateSlot ?? 0n); // vault_index … last_full_state_update_slot
  w.u16(f.depositFeeBps ?? 0).u16(f.withdrawalFeeBps ?? 0).u16(f.nextWithdrawalFeeBps ?? 0).u16(f.rewardFeeBps ?? 0).u16(f.programFeeBps ?? 0);
  w.u8(254); // bump
  w.u8(f.isPaused ? 1 : 0);
  w.u64(0); // last_start_state_update_slot (restaking@8109c87)
  w.zeros(251); // reserved
  if (w.length !== 1111) throw new Error(`test encoder bug: Jito vault is ${w.length} bytes`);
  return w.bytes();
}

// ───────────────────────────── Marinade ─────────────────────────────

export interface MarinadeFields {
  msolMint: PublicKey;
  msolSupply: bigint;
  msolPrice: bigint;
  totalActiveBalance: bigint;
  delayedUnstakeCoolingDown: bigint;
  emergencyCoolingDown: bigint;
  availableReserveBalance: bigint;
  circulatingTicketBalance: bigint;
  paused?: boolean;
}

/** Marinade List { account, item_size u32, count u32, new_account, copied_count u32 }. */
function list(w: ByteWriter, account: PublicKey, itemSize: number, count: number): void {
  w.pubkey(account).u32(itemSize).u32(count).pubkey(PublicKey.default).u32(0);
}

/** marinade-finance/liquid-staking-program state/mod.rs `struct State` (newest field set), Anchor Borsh. */
export function encodeMarinadeState(f: MarinadeFields): Uint8Array {
  const w = new ByteWriter();
  w.raw([0xd8, 0x92, 0x6b, 0x5e, 0x68, 0x4b, 0xb6, 0xb1]); // sha256("account:State")[..8]
  w.pubkey(f.msolMint).pubkey(key(301)).pubkey(key(302)).pubkey(key(303)); // msol_mint, admin, operational, treasury
  w.u8(253).u8(252); // reserve_bump_seed, msol_mint_authority_bump_seed
  w.u64(2_039_280n); // rent_exempt_for_token_acc
  w.u32(600); // reward_fee { basis_points }
  // stake_system
  list(w, key(304), 57, 900);
  w.u64(f.delayedUnstakeCoolingDown).u8(251).u8(250);
  w.u64(3000n).u64(700n).u64(1_000_000_000n).u32(0); // slots_for_stake_delta, last_stake_delta_epoch, min_stake, extra_stake_delta_runs
  // validator_system
  list(w, key(305), 61, 400);
  w.pubkey(key(306)).u32(123_456).u64(f.totalActiveBalance).u8(1);
  // liq_pool
  w.pubkey(key(307)).u8(249).u8(248).u8(247).pubkey(key(308));
  w.u64(10_000n * 10n ** 9n).u32(300).u32(30).u32(2500); // lp_liquidity_target, lp_max_fee, lp_min_fee, treasury_cut
  w.u64(5n * 10n ** 14n).u64(0n).u64(2n ** 63n); // lp_supply, lent_from_sol_leg, liquidity_sol_cap
  w.u64(f.availableReserveBalance).u64(f.msolSupply).u64(f.msolPrice);
  w.u64(42n).u64(f.circulatingTicketBalance).u64(0n); // circulating_ticket_count, _balance, lent_from_reserve
  w.u64(1n).u64(1n).u64(2n ** 63n); // min_deposit, min_withdraw, staking_sol_cap
  w.u64(f.emergencyCoolingDown);
  w.pubkey(key(309)).u8(f.paused ? 1 : 0); // pause_authority, paused
  w.u32(0).u32(0).u8(1); // delayed_unstake_fee, withdraw_stake_account_fee, withdraw_stake_account_enabled
  w.u64(0n).u64(0n).u32(1000); // last_stake_move_epoch, stake_moved, max_stake_moved_per_epoch
  return w.bytes();
}

// ───────────────────────────── Kamino reserve ─────────────────────────────

export interface KaminoReserveFields {
  lendingMarket: PublicKey;
  liquidityMint: PublicKey;
  lastUpdateSlot: bigint;
  mintDecimals: number;
  availableAmount: bigint;
  borrowedAmountSf: bigint;
  accumulatedProtocolFeesSf?: bigint;
  accumulatedReferrerFeesSf?: bigint;
  pendingReferrerFeesSf?: bigint;
  collateralMintTotalSupply: bigint;
  hostFixedInterestRateBps?: number;
  protocolTakeRatePct: number;
  /** Up to 11 (utilization_rate_bps, borrow_rate_bps); padded with the last point as BorrowRateCurve::from_points does. */
  curve: Array<[number, number]>;
}

/** Kamino-Finance/klend programs/klend/src/state/reserve.rs `struct Reserve` (newest generation), zero-copy. */
export function encodeKaminoReserve(f: KaminoReserveFields): Uint8Array {
  const w = new ByteWriter();
  w.raw([0x2b, 0xf2, 0xcc, 0xca, 0x1a, 0xf7, 0x3b, 0x7f]); // sha256("account:Reserve")[..8]
  w.u64(1); // version
  w.u64(f.lastUpdateSlot).u8(0).u8(0x3f).zeros(6); // LastUpdate { slot, stale, price_status, placeholder }
  w.pubkey(f.lendingMarket).pubkey(key(401)).pubkey(key(402)); // lending_market, farm_collateral, farm_debt
  // ReserveLiquidity
  w.pubkey(f.liquidityMint).pubkey(key(403)).pubkey(key(404)); // mint, supply_vault, fee_vault
  w.u64(f.availableAmount).u128(f.borrowedAmountSf);
  w.u128(150n << 60n).u64(1_700_000_000n).u64(f.mintDecimals); // market_price_sf, ts, mint_decimals
  w.u64(0).u64(0); // deposit/borrow limit crossed
  w.u64(0).u64(1n << 60n).u64(0).u64(0).u64(0).u64(0); // cumulative_borrow_rate_bsf { value[4], padding[2] }
  w.u128(f.accumulatedProtocolFeesSf ?? 0n).u128(f.accumulatedReferrerFeesSf ?? 0n).u128(f.pendingReferrerFeesSf ?? 0n);
  w.u128(0n); // absolute_referral_rate_sf
  w.pubkey(new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA')); // token_program
  w.zeros(51 * 8).zeros(32 * 16); // padding2, padding3
  w.zeros(150 * 8); // reserve_liquidity_padding
  // ReserveCollateral
  w.pubkey(key(405)).u64(f.collateralMintTotalSupply).pubkey(key(406)).zeros(32 * 16).zeros(32 * 16);
  w.zeros(150 * 8); // reserve_collateral_padding
  // ReserveConfig
  w.u8(0).u8(0).u16(f.hostFixedInterestRateBps ?? 0).u16(0).u8(0).zeros(6); // status … reserved_1
  w.u8(0).u8(f.protocolTakeRatePct).u8(0).u8(65).u8(75); // order fee, take rate, liquidation fee, ltv, liq threshold
  w.u16(200).u16(1000).u16(99).u64(0).u64(0); // bonuses, deleveraging params
  w.u64(0).u64(0).zeros(8); // ReserveFees
  const pts = [...f.curve];
  while (pts.length < 11) pts.push(pts[pts.length - 1] as [number, number]);
  for (const [u, r] of pts) w.u32(u).u32(r);
  w.u64(100).u64(10n ** 18n).u64(10n ** 18n); // borrow_factor_pct, deposit_limit, borrow_limit
  w.zeros(384); // token_info
  w.zeros(32).zeros(32); // deposit/debt WithdrawalCaps
  w.zeros(20).u8(0).u8(0).u8(0).u8(0); // elevation_groups, 4 flags
  w.u64(0).zeros(32 * 8).u64(0); // borrow_limit_outside_elevation_group, per-group limits, deleveraging_bonus_increase
  w.zeros(116 * 8); // config_padding
  w.u64(0).zeros(32 * 8); // borrowed_amount_outside_elevation_group, borrowed_amounts_against…
  w.zeros(207 * 8); // padding
  if (w.length !== 8624) throw new Error(`test encoder bug: Kamino reserve is ${w.length} bytes`);
  return w.bytes();
}

/** a / b as a decimal string with `digits` fractional digits (bigint long division), for hand-computed expectations. */
export function decimalQuotient(a: bigint, b: bigint, digits = 30): string {
  const q = a / b;
  let r = a % b;
  let frac = '';
  for (let i = 0; i < digits; i++) {
    r *= 10n;
    frac += (r / b).toString();
    r %= b;
  }
  return `${q}.${frac}`;
}
