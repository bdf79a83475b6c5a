import { PublicKey } from '@solana/web3.js';
import { SPL_STAKE_POOL_PROGRAM } from './solana-constants.js';
import { Cursor, LayoutError, ratio, readPubkey, readU64, readU8 } from './bytes.js';

/**
 * SPL Stake Pool `StakePool` account (Borsh, no Anchor discriminator), used by JitoSOL, bSOL and the
 * Sanctum forks.
 *
 * Source: solana-program/stake-pool@0e56295 program/src/state.rs (struct StakePool, struct Fee,
 * enum FutureEpoch) — read to derive offsets, cross-checked with protocols.md B1
 * (solana-program/stake-pool@2a01bc0). Offsets up to EPOCH_FEE are fixed; everything after
 * next_epoch_fee contains Option/enum tags and is parsed sequentially.
 *
 * Fee is { denominator: u64, numerator: u64 } — denominator FIRST (state.rs `pub struct Fee`).
 * FutureEpoch<Fee> is a Borsh enum: tag 0 None | 1 One(Fee) | 2 Two(Fee).
 */
export const SPL_STAKE_POOL_PROGRAM_ID = new PublicKey(SPL_STAKE_POOL_PROGRAM);
/** Sanctum forks (protocols.md B1, 3P): byte-for-byte layout equality with upstream is UNVERIFIED. */
export const SANCTUM_SINGLE_VALIDATOR_PROGRAM_ID = new PublicKey('SP12tWFxD9oJsVWNavTTBZvMbA6gkAmxtVgxdqvyvhY');
export const SANCTUM_MULTI_VALIDATOR_PROGRAM_ID = new PublicKey('SPMBzsVUuoHA4Jm6KunbsotaahvVikZs1JyTW6iJvbn');

/** AccountType enum: 0 Uninitialized, 1 StakePool, 2 ValidatorList (state.rs `enum AccountType`). */
export const ACCOUNT_TYPE_STAKE_POOL = 1;

export const OFFSET = {
  accountType: 0, // u8
  manager: 1, // Pubkey
  staker: 33,
  stakeDepositAuthority: 65,
  stakeWithdrawBumpSeed: 97, // u8
  validatorList: 98,
  reserveStake: 130,
  poolMint: 162,
  managerFeeAccount: 194,
  tokenProgramId: 226,
  totalLamports: 258, // u64
  poolTokenSupply: 266, // u64
  lastUpdateEpoch: 274, // u64
  lockup: 282, // { unix_timestamp i64, epoch u64, custodian Pubkey } = 48 bytes
  epochFee: 330, // Fee { denominator u64, numerator u64 } = 16 bytes
  nextEpochFee: 346, // FutureEpoch<Fee> — start of the variable part
} as const;

export interface Fee {
  readonly denominator: bigint;
  readonly numerator: bigint;
}

export interface StakePoolState {
  readonly poolMint: PublicKey;
  readonly reserveStake: PublicKey;
  readonly validatorList: PublicKey;
  readonly totalLamports: bigint;
  readonly poolTokenSupply: bigint;
  readonly lastUpdateEpoch: bigint;
  readonly epochFee: Fee;
  readonly solDepositFee: Fee;
  readonly solWithdrawalFee: Fee;
  readonly stakeWithdrawalFee: Fee;
  /** Parsed sequentially after the variable part (state.rs field order: supply first, then lamports). */
  readonly lastEpochPoolTokenSupply: bigint;
  readonly lastEpochTotalLamports: bigint;
  /** Bytes consumed by the Borsh serialization (the account may be allocated larger). */
  readonly serializedLength: number;
  /** What the transaction builders need besides the rate (chains/solana/builders/spl-stake-pool.ts). */
  readonly managerFeeAccount: PublicKey;
  readonly tokenProgramId: PublicKey;
  readonly stakeDepositAuthority: PublicKey;
  /** Set when SOL deposits / withdrawals are permissioned: that key must sign them. */
  readonly solDepositAuthority: PublicKey | null;
  readonly solWithdrawAuthority: PublicKey | null;
  /** Percent of the SOL deposit fee paid to the referrer. */
  readonly solReferralFee: number;
}

function readFee(c: Cursor, field: string): Fee {
  const denominator = c.u64(`${field}.denominator`);
  const numerator = c.u64(`${field}.numerator`);
  return { denominator, numerator };
}

function readFutureEpochFee(c: Cursor, field: string): Fee | null {
  const tag = c.u8(`${field} (FutureEpoch tag)`);
  if (tag === 0) return null;
  if (tag === 1 || tag === 2) return readFee(c, field);
  throw new LayoutError(`${field}: FutureEpoch tag ${tag} at offset ${c.offset - 1}, expected 0, 1 or 2`);
}

/** Parses a StakePool account. Throws LayoutError on a wrong account type or a truncated account. */
export function parseStakePool(data: Uint8Array): StakePoolState {
  const accountType = readU8(data, OFFSET.accountType, 'account_type');
  if (accountType !== ACCOUNT_TYPE_STAKE_POOL) {
    throw new LayoutError(`account_type is ${accountType}, expected ${ACCOUNT_TYPE_STAKE_POOL} (StakePool)`);
  }
  const c = new Cursor(data, OFFSET.epochFee);
  const epochFee = readFee(c, 'epoch_fee');
  readFutureEpochFee(c, 'next_epoch_fee');
  c.option('preferred_deposit_validator_vote_address', () => c.pubkey('preferred_deposit_validator_vote_address'));
  c.option('preferred_withdraw_validator_vote_address', () => c.pubkey('preferred_withdraw_validator_vote_address'));
  readFee(c, 'stake_deposit_fee');
  const stakeWithdrawalFee = readFee(c, 'stake_withdrawal_fee');
  readFutureEpochFee(c, 'next_stake_withdrawal_fee');
  c.u8('stake_referral_fee');
  const solDepositAuthority = c.option('sol_deposit_authority', () => c.pubkey('sol_deposit_authority'));
  const solDepositFee = readFee(c, 'sol_deposit_fee');
  const solReferralFee = c.u8('sol_referral_fee');
  const solWithdrawAuthority = c.option('sol_withdraw_authority', () => c.pubkey('sol_withdraw_authority'));
  const solWithdrawalFee = readFee(c, 'sol_withdrawal_fee');
  readFutureEpochFee(c, 'next_sol_withdrawal_fee');
  const lastEpochPoolTokenSupply = c.u64('last_epoch_pool_token_supply');
  const lastEpochTotalLamports = c.u64('last_epoch_total_lamports');

  return {
    poolMint: readPubkey(data, OFFSET.poolMint, 'pool_mint'),
    reserveStake: readPubkey(data, OFFSET.reserveStake, 'reserve_stake'),
    validatorList: readPubkey(data, OFFSET.validatorList, 'validator_list'),
    totalLamports: readU64(data, OFFSET.totalLamports, 'total_lamports'),
    poolTokenSupply: readU64(data, OFFSET.poolTokenSupply, 'pool_token_supply'),
    lastUpdateEpoch: readU64(data, OFFSET.lastUpdateEpoch, 'last_update_epoch'),
    epochFee,
    solDepositFee,
    solWithdrawalFee,
    stakeWithdrawalFee,
    lastEpochPoolTokenSupply,
    lastEpochTotalLamports,
    serializedLength: c.offset,
    managerFeeAccount: readPubkey(data, OFFSET.managerFeeAccount, 'manager_fee_account'),
    tokenProgramId: readPubkey(data, OFFSET.tokenProgramId, 'token_program_id'),
    stakeDepositAuthority: readPubkey(data, OFFSET.stakeDepositAuthority, 'stake_deposit_authority'),
    solDepositAuthority,
    solWithdrawAuthority,
    solReferralFee,
  };
}

/** SOL per whole pool token = total_lamports / pool_token_supply (both raw, 9 decimals each). */
export function stakePoolRate(s: StakePoolState): number {
  if (s.poolTokenSupply === 0n) throw new LayoutError('pool_token_supply is 0: no exchange rate');
  return ratio(s.totalLamports, s.poolTokenSupply);
}

/** Fee as a fraction (0 when the denominator is 0, as Fee::apply treats it). */
export function feeFraction(f: Fee): number {
  return f.denominator === 0n ? 0 : ratio(f.numerator, f.denominator);
}
