import type { PublicKey } from '@solana/web3.js';
import type { AssetId } from '../../domain/asset.js';
import type { PendingRedemption } from '../../domain/portfolio.js';
import type { JitoVaultState } from '../../sources/solana/jito-vault.js';
import { parseVrtTicket, vrtPayout } from './builders/jito-vault.js';

export { vrtPayout };
import { parseMarinadeTicket } from './builders/marinade.js';
import { parseStakeAccount, U64_MAX } from './builders/stake-account.js';

/**
 * Pure decoding of the accounts that hold the vault's pending redemptions on Solana into the planner's
 * PendingRedemption, with their claimable times from the programs' epoch rules:
 * - a split stake account (Stake program): withdrawable once its deactivation epoch has ended, i.e. from
 *   the first slot of deactivation_epoch + 1 (a never-delegated, Initialized one at once). All its lamports
 *   come back (stake and rent).
 * - a Marinade ticket (TicketAccountData): claim.rs wants epoch ≥ created_epoch + 1 and 30 minutes into
 *   that epoch; it pays lamports_amount and closes the ticket to the beneficiary (its rent comes back too).
 * - a Jito VRT withdrawal ticket: burnable when the vault program's epoch (slot / config.epoch_length,
 *   not Solana's) is past epoch(slot_unstaked) + 1, i.e. from slot (epoch_unstaked + 2) × epoch_length.
 *   It pays vrt_amount less the vault's withdrawal fee and the program fee, at the vault's rate, in the
 *   vault's supported token, valued in SOL as its pool's WithdrawSol pays it (the claim redeems it so),
 *   plus the ticket's rent (the burn closes it to the staker).
 */

/** Where the chain stands, to turn slots and epochs into wall time. */
export interface EpochClock {
  /** Wall time (ms) taken to be the time of `slot`. */
  readonly now: number;
  readonly slot: bigint;
  readonly epoch: bigint;
  /** Slots of the current epoch already past (getEpochInfo slotIndex). */
  readonly slotIndex: bigint;
  readonly slotsInEpoch: bigint;
  /** Assumed duration of a slot (Solana's target is 400 ms; real slots run a little longer). */
  readonly slotMs: number;
}

/** Marinade claim.rs EXTRA_WAIT_SECONDS: a ticket is claimable 30 minutes into its due epoch. */
export const MARINADE_EXTRA_WAIT_MS = 30 * 60_000;

/**
 * The estimated wall time of a slot: `now` plus the slots between, at slotMs each. Epochs from the
 * current one on all have slotsInEpoch slots (the warm-up schedule ends long before any real epoch).
 */
export function slotTime(c: EpochClock, slot: bigint): number {
  return c.now + Number(slot - c.slot) * c.slotMs;
}

export function epochStartSlot(c: EpochClock, epoch: bigint): bigint {
  return c.slot - c.slotIndex + (epoch - c.epoch) * c.slotsInEpoch;
}

export type RedemptionKind = 'stake-account' | 'marinade-ticket' | 'vrt-ticket';

/** A pending redemption as the chain shows it; `amountInKnown` is false where the account does not record what was handed in. */
export interface ChainRedemption extends PendingRedemption {
  readonly kind: RedemptionKind;
  readonly amountInKnown: boolean;
}

export interface RawAccount {
  readonly lamports: bigint;
  readonly data: Uint8Array;
}

/** A split stake account withdrawable by the vault; null for one still active (not in any redemption). */
export function stakeRedemption(address: PublicKey, acc: RawAccount, asset: AssetId, vault: PublicKey, c: EpochClock): ChainRedemption | null {
  const s = parseStakeAccount(acc.data);
  if (!s.withdrawer.equals(vault)) return null;
  const base = { id: address.toBase58(), asset, amountIn: 0n, expectedBase: acc.lamports, kind: 'stake-account' as const, amountInKnown: false };
  if (s.tag === 1) return { ...base, requestedAt: c.now, claimableAt: c.now };
  if (s.deactivationEpoch === U64_MAX) return null;
  return { ...base, requestedAt: slotTime(c, epochStartSlot(c, s.deactivationEpoch)), claimableAt: slotTime(c, epochStartSlot(c, s.deactivationEpoch + 1n)) };
}

/** A Marinade delayed-unstake ticket whose beneficiary is the vault; null for anyone else's. */
export function marinadeRedemption(address: PublicKey, acc: RawAccount, asset: AssetId, vault: PublicKey, state: PublicKey, c: EpochClock): ChainRedemption | null {
  const t = parseMarinadeTicket(acc.data);
  if (!t.beneficiary.equals(vault) || !t.state.equals(state)) return null;
  return {
    id: address.toBase58(),
    asset,
    amountIn: 0n,
    amountInKnown: false,
    expectedBase: t.lamports + acc.lamports,
    requestedAt: slotTime(c, epochStartSlot(c, t.createdEpoch)),
    claimableAt: slotTime(c, epochStartSlot(c, t.createdEpoch + 1n)) + MARINADE_EXTRA_WAIT_MS,
    kind: 'marinade-ticket',
  };
}

/** The lamports a claim of `tokens` of the supported token turns into (its pool's WithdrawSol, net of the fee). */
export type TokenValue = (tokens: bigint) => bigint;

/** A VRT withdrawal ticket whose staker is the vault, on this Jito vault; null for anyone else's. */
export function vrtRedemption(address: PublicKey, acc: RawAccount, asset: AssetId, o: { vault: PublicKey; jitoVault: PublicKey; state: JitoVaultState; epochLength: bigint; value: TokenValue }, c: EpochClock): ChainRedemption | null {
  const t = parseVrtTicket(acc.data);
  if (!t.staker.equals(o.vault) || !t.vault.equals(o.jitoVault)) return null;
  const supported = vrtPayout(o.state, t.vrtAmount);
  const mature = (t.slotUnstaked / o.epochLength + 2n) * o.epochLength;
  return {
    id: address.toBase58(),
    asset,
    amountIn: t.vrtAmount,
    amountInKnown: true,
    expectedBase: o.value(supported) + acc.lamports, // the burn closes the ticket to the staker: its rent comes back
    requestedAt: slotTime(c, t.slotUnstaked),
    claimableAt: slotTime(c, mature),
    kind: 'vrt-ticket',
  };
}
