import { PublicKey, StakeProgram, SYSVAR_CLOCK_PUBKEY, SYSVAR_STAKE_HISTORY_PUBKEY } from '@solana/web3.js';
import { LayoutError, readPubkey, readU32, readU64 } from '../../../sources/solana/bytes.js';

/**
 * Native stake accounts (StakeStateV2, bincode): the split stake a pool's WithdrawStake hands the vault,
 * which it deactivates and withdraws after the epoch boundary. Layout from solana-program/stake
 * (state.rs): u32 tag (0 Uninitialized, 1 Initialized, 2 Stake, 3 RewardsPool), Meta {
 * rent_exempt_reserve u64 @4, staker @12, withdrawer @44, lockup 48 bytes @76 }, then Delegation {
 * voter @124, stake u64 @156, activation_epoch @164, deactivation_epoch @172, … }.
 */
export const STAKE_ACCOUNT_SIZE = 200;
/** Rent-exempt minimum of a 200-byte account at mainnet's rent (3480 lamports/byte-year × 2 years × (128 + 200)). */
export const STAKE_RENT_EXEMPT_LAMPORTS = 2_282_880n;
export const U64_MAX = (1n << 64n) - 1n;

export interface StakeAccountState {
  readonly tag: number;
  readonly withdrawer: PublicKey;
  readonly staker: PublicKey;
  readonly delegatedStake: bigint;
  readonly activationEpoch: bigint;
  /** U64_MAX while the stake is not deactivating. */
  readonly deactivationEpoch: bigint;
}

export function parseStakeAccount(data: Uint8Array): StakeAccountState {
  if (data.length < STAKE_ACCOUNT_SIZE) throw new LayoutError(`stake account is ${data.length} bytes, expected ${STAKE_ACCOUNT_SIZE}`);
  const tag = readU32(data, 0, 'StakeStateV2 tag');
  if (tag !== 1 && tag !== 2) throw new LayoutError(`StakeStateV2 tag ${tag}: not an initialized or delegated stake account`);
  return {
    tag,
    staker: readPubkey(data, 12, 'meta.authorized.staker'),
    withdrawer: readPubkey(data, 44, 'meta.authorized.withdrawer'),
    delegatedStake: tag === 2 ? readU64(data, 156, 'delegation.stake') : 0n,
    activationEpoch: tag === 2 ? readU64(data, 164, 'delegation.activation_epoch') : U64_MAX,
    deactivationEpoch: tag === 2 ? readU64(data, 172, 'delegation.deactivation_epoch') : U64_MAX,
  };
}

/** Withdrawable once never delegated, or deactivated in an epoch that has ended. */
export function stakeWithdrawable(s: StakeAccountState, epoch: bigint): boolean {
  return s.tag === 1 || (s.deactivationEpoch !== U64_MAX && s.deactivationEpoch < epoch);
}

export const STAKE_SYSVARS = { clock: SYSVAR_CLOCK_PUBKEY, stakeHistory: SYSVAR_STAKE_HISTORY_PUBKEY, program: StakeProgram.programId };
