import { PublicKey } from '@solana/web3.js';
import { LayoutError, ratio, readPubkey, readU16, readU64, readU8 } from './bytes.js';

/**
 * Jito Restaking `Vault` account (bytemuck Pod, repr(C), all integers little-endian, no padding).
 * Encoding: byte 0 = discriminator (Vault = 2), bytes 1..8 reserved, then the struct.
 *
 * Source: jito-foundation/restaking@09dfe43 vault_core/src/vault.rs (struct Vault) and
 * vault_core/src/delegation_state.rs (DelegationState = 3 × u64 + [u8; 256] = 280 bytes), cross-checked
 * with protocols.md B3 (jito-foundation/restaking@8109c87, total 1111 bytes). The two commits differ only
 * after is_paused (@8109c87 carves last_start_state_update_slot u64 out of the reserved tail), so every
 * offset below is the same in both and the account length is 1111 in both.
 */
export const JITO_VAULT_PROGRAM_ID = new PublicKey('Vau1t6sLNxnzB7ZDsef8TLbPLfyZMYXH8WTNqUdm9g8');
export const JITO_VAULT_DISCRIMINATOR = 2;
export const JITO_VAULT_ACCOUNT_LENGTH = 1111;

export const OFFSET = {
  discriminator: 0, // u8 (+7 reserved)
  base: 8,
  vrtMint: 40,
  supportedMint: 72,
  vrtSupply: 104, // u64
  tokensDeposited: 112, // u64
  depositCapacity: 120, // u64
  delegationState: 128, // staked @128, enqueued_for_cooldown @136, cooling_down @144, reserved[256]
  additionalAssetsNeedUnstaking: 408,
  vrtEnqueuedForCooldownAmount: 416,
  vrtCoolingDownAmount: 424,
  vrtReadyToClaimAmount: 432,
  admin: 440, // 11 admin pubkeys 440..792; fee_wallet @696, mint_burn_admin @728
  feeWallet: 696,
  mintBurnAdmin: 728,
  vaultIndex: 792,
  lastFullStateUpdateSlot: 832, // u64
  depositFeeBps: 840, // u16
  withdrawalFeeBps: 842,
  nextWithdrawalFeeBps: 844,
  rewardFeeBps: 846,
  programFeeBps: 848,
  bump: 850, // u8
  isPaused: 851, // PodBool (u8)
} as const;

export interface JitoVaultState {
  readonly vrtMint: PublicKey;
  readonly supportedMint: PublicKey;
  readonly vrtSupply: bigint;
  readonly tokensDeposited: bigint;
  readonly depositCapacity: bigint;
  readonly stakedAmount: bigint;
  readonly lastFullStateUpdateSlot: bigint;
  readonly depositFeeBps: number;
  readonly withdrawalFeeBps: number;
  readonly nextWithdrawalFeeBps: number;
  readonly rewardFeeBps: number;
  readonly programFeeBps: number;
  readonly isPaused: boolean;
  readonly mintBurnAdmin: PublicKey;
  /** Receives the vault's VRT fees (MintTo / BurnWithdrawalTicket pass its VRT ATA). */
  readonly feeWallet: PublicKey;
}

export function parseJitoVault(data: Uint8Array): JitoVaultState {
  if (data.length !== JITO_VAULT_ACCOUNT_LENGTH) {
    throw new LayoutError(`account is ${data.length} bytes, expected ${JITO_VAULT_ACCOUNT_LENGTH} (Jito Vault)`);
  }
  const disc = readU8(data, OFFSET.discriminator, 'discriminator');
  if (disc !== JITO_VAULT_DISCRIMINATOR) {
    throw new LayoutError(`discriminator is ${disc}, expected ${JITO_VAULT_DISCRIMINATOR} (Vault)`);
  }
  const paused = readU8(data, OFFSET.isPaused, 'is_paused');
  if (paused > 1) throw new LayoutError(`is_paused is ${paused}, expected 0 or 1`);
  return {
    vrtMint: readPubkey(data, OFFSET.vrtMint, 'vrt_mint'),
    supportedMint: readPubkey(data, OFFSET.supportedMint, 'supported_mint'),
    vrtSupply: readU64(data, OFFSET.vrtSupply, 'vrt_supply'),
    tokensDeposited: readU64(data, OFFSET.tokensDeposited, 'tokens_deposited'),
    depositCapacity: readU64(data, OFFSET.depositCapacity, 'deposit_capacity'),
    stakedAmount: readU64(data, OFFSET.delegationState, 'delegation_state.staked_amount'),
    lastFullStateUpdateSlot: readU64(data, OFFSET.lastFullStateUpdateSlot, 'last_full_state_update_slot'),
    depositFeeBps: readU16(data, OFFSET.depositFeeBps, 'deposit_fee_bps'),
    withdrawalFeeBps: readU16(data, OFFSET.withdrawalFeeBps, 'withdrawal_fee_bps'),
    nextWithdrawalFeeBps: readU16(data, OFFSET.nextWithdrawalFeeBps, 'next_withdrawal_fee_bps'),
    rewardFeeBps: readU16(data, OFFSET.rewardFeeBps, 'reward_fee_bps'),
    programFeeBps: readU16(data, OFFSET.programFeeBps, 'program_fee_bps'),
    isPaused: paused === 1,
    mintBurnAdmin: readPubkey(data, OFFSET.mintBurnAdmin, 'mint_burn_admin'),
    feeWallet: readPubkey(data, OFFSET.feeWallet, 'fee_wallet'),
  };
}

/**
 * Whole supported tokens per whole VRT = tokens_deposited / vrt_supply, rescaled when the two mints'
 * decimals differ (vault.rs: burn pays `vrt × tokens_deposited / vrt_supply` in raw units). The VRT's
 * SOL rate is this × the supported token's SOL rate.
 */
export function vrtTokensPerVrt(v: JitoVaultState, vrtDecimals = 9, supportedDecimals = 9): number {
  if (v.vrtSupply === 0n) throw new LayoutError('vrt_supply is 0: no exchange rate');
  const d = vrtDecimals - supportedDecimals;
  return d >= 0
    ? ratio(v.tokensDeposited * 10n ** BigInt(d), v.vrtSupply)
    : ratio(v.tokensDeposited, v.vrtSupply * 10n ** BigInt(-d));
}
