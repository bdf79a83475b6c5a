import { PublicKey, SystemProgram, TransactionInstruction } from '@solana/web3.js';
import type { PlannedAction } from '../../../domain/action.js';
import { LayoutError, readPubkey, readU64, readU8 } from '../../../sources/solana/bytes.js';
import { parseJitoVault, type JitoVaultState } from '../../../sources/solana/jito-vault.js';
import { slippageFloor } from '../../build-error.js';
import { BuildError, mintOf, parsed, pk, r, receiptAsset, requirePositive, sol, u64le, venueOf, w } from './common.js';
import { ensureAta, pdaAta, TOKEN_PROGRAM_ID } from './plumbing.js';
import { splStakePoolBuilder } from './spl-stake-pool.js';
import { parseStakePool } from '../../../sources/solana/spl-stake-pool.js';
import type { SolBuildContext, SolProtocolBuilder, SolTxIntent } from './types.js';

/**
 * Jito Restaking vaults (VRTs): MintTo 11 {amount_in, min_amount_out}, EnqueueWithdrawal 12 {amount}
 * (a withdrawal ticket: a pending redemption), BurnWithdrawalTicket 14 once the ticket has matured.
 * One-byte discriminants and account orders from jito-foundation/restaking vault_sdk/src/instruction.rs
 * (reference § Jito vault). Every one of them fails with VaultUpdateNeeded while the vault's state
 * update for the current epoch has not run, so the builder refuses and waits instead; when the vault
 * sets a mint_burn_admin that key must sign, so a vault whose admin is not ours is refused.
 *
 * A VRT whose supported token is an SPL pool's LST, minted from SOL, deposits SOL into the pool first in
 * the same transaction and mints with the deposit's guaranteed minimum.
 */
export const JITO_VAULT_IX = { mintTo: 11, enqueueWithdrawal: 12, burnWithdrawalTicket: 14 } as const;
export const JITO_TICKET_DISCRIMINATOR = 7;
/** The derived-signer role of a ticket's base key (SolBuildContext.derived). */
export const TICKET_BASE_ROLE = 'vrt-ticket-base';

export interface JitoVaultConfig {
  readonly epochLength: bigint;
  readonly programFeeWallet: PublicKey;
}

/** vault_core config.rs: discriminator 1; admin @8, restaking_program @40, epoch_length u64 @72, …, program_fee_bps u16 @94, program_fee_wallet @96. */
export function parseJitoVaultConfig(data: Uint8Array): JitoVaultConfig {
  const d = readU8(data, 0, 'discriminator');
  if (d !== 1) throw new LayoutError(`discriminator ${d}, expected 1 (Config)`);
  const epochLength = readU64(data, 72, 'epoch_length');
  if (epochLength === 0n) throw new LayoutError('epoch_length is 0');
  return { epochLength, programFeeWallet: readPubkey(data, 96, 'program_fee_wallet') };
}

export interface VrtTicket {
  readonly vault: PublicKey;
  readonly staker: PublicKey;
  readonly base: PublicKey;
  readonly vrtAmount: bigint;
  readonly slotUnstaked: bigint;
}

/** vault_staker_withdrawal_ticket.rs: discriminator 7; vault @8, staker @40, base @72, vrt_amount @104, slot_unstaked @112. */
export function parseVrtTicket(data: Uint8Array): VrtTicket {
  const d = readU8(data, 0, 'discriminator');
  if (d !== JITO_TICKET_DISCRIMINATOR) throw new LayoutError(`discriminator ${d}, expected ${JITO_TICKET_DISCRIMINATOR} (VaultStakerWithdrawalTicket)`);
  return { vault: readPubkey(data, 8, 'vault'), staker: readPubkey(data, 40, 'staker'), base: readPubkey(data, 72, 'base'), vrtAmount: readU64(data, 104, 'vrt_amount'), slotUnstaked: readU64(data, 112, 'slot_unstaked') };
}

export function ticketAddress(program: PublicKey, vault: PublicKey, base: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync([Buffer.from('vault_staker_withdrawal_ticket'), vault.toBuffer(), base.toBuffer()], program)[0];
}

/** vault_staker_withdrawal_ticket.rs: burnable once the current epoch is past epoch_unstaked + 1. */
export function ticketMatured(t: VrtTicket, slot: bigint, epochLength: bigint): boolean {
  return slot / epochLength > t.slotUnstaked / epochLength + 1n;
}

/** What burning `vrt` pays in the supported token: fees taken in VRT first (withdrawal + program bps), then the vault's rate. */
export function vrtPayout(v: Pick<JitoVaultState, 'vrtSupply' | 'tokensDeposited' | 'withdrawalFeeBps' | 'programFeeBps'>, vrt: bigint): bigint {
  if (v.vrtSupply === 0n) return 0n;
  // Each fee rounded up on its own: never more than the program pays (the claim's WithdrawSol leg burns this much).
  const fee = (bps: number) => (vrt * BigInt(bps) + 9_999n) / 10_000n;
  const net = vrt - fee(v.withdrawalFeeBps) - fee(v.programFeeBps);
  return net > 0n ? (net * v.tokensDeposited) / v.vrtSupply : 0n;
}

/** vault.rs check_update_state_ok: the last full update must be in the current epoch. */
export function vaultUpdateNeeded(v: JitoVaultState, slot: bigint, epochLength: bigint): boolean {
  return v.lastFullStateUpdateSlot / epochLength < slot / epochLength;
}

const DEFAULT_KEY = PublicKey.default;

function load(action: PlannedAction, ctx: SolBuildContext) {
  const { asset, venue } = venueOf(action, ctx, 'jito-vault');
  const program = pk(venue.program, 'Jito vault program', action);
  const vaultKey = pk(venue.vault, `${asset} vault`, action);
  const configKey = pk(venue.config, 'Jito vault config', action);
  const v = parsed(ctx, vaultKey, `${asset} vault`, program, parseJitoVault, action);
  const cfg = parsed(ctx, configKey, 'Jito vault config', program, parseJitoVaultConfig, action);
  const vrtMint = mintOf(ctx, asset, action);
  if (!v.vrtMint.equals(vrtMint)) throw new BuildError(`vault ${vaultKey.toBase58()} mints ${v.vrtMint.toBase58()}, not ${asset}'s ${vrtMint.toBase58()}`, action);
  if (v.isPaused) throw new BuildError(`vault ${vaultKey.toBase58()} is paused`, action);
  const slot = ctx.chain?.slot ?? 0n;
  if (vaultUpdateNeeded(v, slot, cfg.epochLength)) throw new BuildError(`vault ${vaultKey.toBase58()} needs its epoch update (last full update slot ${v.lastFullStateUpdateSlot}, now slot ${slot}); waiting for the crank`, action);
  // mint_burn_admin, when set, must sign MintTo / EnqueueWithdrawal / Burn: only possible if it is the vault's own key.
  const admin = v.mintBurnAdmin.equals(DEFAULT_KEY) ? null : v.mintBurnAdmin;
  if (admin && !admin.equals(ctx.vault)) throw new BuildError(`vault ${vaultKey.toBase58()} has mint_burn_admin ${admin.toBase58()}, which the keeper cannot sign for`, action);
  return { asset, program, vaultKey, configKey, v, cfg, vrtMint, admin, slot };
}

/** The asset id whose mint is the vault's supported token. */
function supportedAsset(ctx: SolBuildContext, mint: PublicKey): string | undefined {
  return Object.keys(ctx.mints).find((k) => ctx.mints[k] === mint.toBase58());
}

function mintTo(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[] {
  requirePositive(action, action.amountIn);
  const j = load(action, ctx);
  const supported = supportedAsset(ctx, j.v.supportedMint);
  if (!supported) throw new BuildError(`the vault's supported mint ${j.v.supportedMint.toBase58()} is no asset of the universe`, action);
  const pre: TransactionInstruction[] = [];
  let amountIn = action.amountIn;
  let valueAtRisk = action.amountIn;
  if (action.from !== supported) {
    if (action.from !== ctx.baseAsset) throw new BuildError(`the vault takes ${supported}, not ${action.from}`, action);
    const dep = splStakePoolBuilder.build({ ...action, kind: 'mint', to: supported, minOut: 0n }, ctx)[0];
    if (!dep?.slippage) throw new BuildError(`cannot deposit SOL into ${supported}'s pool first`, action);
    pre.push(...dep.instructions);
    amountIn = dep.slippage.minOut;
  } else valueAtRisk = 0n; // valued by the adapter at the LST's fair rate
  if (j.v.depositCapacity > 0n && j.v.tokensDeposited + amountIn > j.v.depositCapacity) throw new BuildError(`the vault's deposit capacity ${sol(j.v.depositCapacity)} would be exceeded`, action);
  const gross = j.v.vrtSupply === 0n || j.v.tokensDeposited === 0n ? amountIn : (amountIn * j.v.vrtSupply) / j.v.tokensDeposited;
  const expected = gross - (gross * BigInt(j.v.depositFeeBps) + 9_999n) / 10_000n;
  if (expected < action.minOut) throw new BuildError(`vault state gives ${sol(expected)} ${j.asset}, below the planned minimum ${sol(action.minOut)}`, action);
  const floor = slippageFloor(expected, ctx.maxSlippage, action);
  const minOut = floor > action.minOut ? floor : action.minOut;
  const vrtAta = pdaAta(ctx.vault, j.vrtMint);
  const keys = [
    r(j.configKey), w(j.vaultKey), w(j.vrtMint), w(ctx.vault, true), w(pdaAta(ctx.vault, j.v.supportedMint)), w(pdaAta(j.vaultKey, j.v.supportedMint)), w(vrtAta), w(pdaAta(j.v.feeWallet, j.vrtMint)), r(TOKEN_PROGRAM_ID),
  ];
  if (j.admin) keys.push(r(j.admin, true));
  return [
    {
      instructions: [...pre, ensureAta(ctx.vault, ctx.vault, j.vrtMint), ensureAta(ctx.vault, j.v.feeWallet, j.vrtMint), new TransactionInstruction({ programId: j.program, keys, data: Buffer.concat([Buffer.from([JITO_VAULT_IX.mintTo]), u64le(amountIn), u64le(minOut)]) })],
      description: `mint ≥ ${sol(minOut)} ${j.asset} for ${sol(amountIn)} ${supported}`,
      valueAtRiskLamports: valueAtRisk,
      slippage: { minOut, quotedOut: expected, destination: vrtAta.toBase58(), enforcedOnChain: true },
    },
  ];
}

function enqueue(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[] {
  requirePositive(action, action.amountIn);
  const j = load(action, ctx);
  const base = ctx.derived?.[TICKET_BASE_ROLE];
  if (!base) throw new BuildError('a withdrawal ticket needs its derived base signer', action);
  const ticket = ticketAddress(j.program, j.vaultKey, base);
  const ticketAta = pdaAta(ticket, j.vrtMint);
  const keys = [r(j.configKey), w(j.vaultKey), w(ticket), w(ticketAta), w(ctx.vault, true), w(pdaAta(ctx.vault, j.vrtMint)), r(base, true), r(TOKEN_PROGRAM_ID), r(SystemProgram.programId)];
  if (j.admin) keys.push(r(j.admin, true));
  const expected = j.v.vrtSupply === 0n ? 0n : (action.amountIn * j.v.tokensDeposited) / j.v.vrtSupply;
  return [
    {
      instructions: [ensureAta(ctx.vault, ticket, j.vrtMint), new TransactionInstruction({ programId: j.program, keys, data: Buffer.concat([Buffer.from([JITO_VAULT_IX.enqueueWithdrawal]), u64le(action.amountIn)]) })],
      description: `enqueue a withdrawal of ${sol(action.amountIn)} ${j.asset} into ticket ${ticket.toBase58()}`,
      valueAtRiskLamports: 0n,
      pending: { kind: 'vrt-ticket', account: ticket.toBase58(), expected },
    },
  ];
}

function burn(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[] {
  const j = load(action, ctx);
  const ticketKey = pk(action.redemptionId ?? '', 'redemption id (VRT ticket)', action);
  const t = parsed(ctx, ticketKey, 'VRT withdrawal ticket', j.program, parseVrtTicket, action);
  if (!t.staker.equals(ctx.vault) || !t.vault.equals(j.vaultKey)) throw new BuildError(`ticket ${ticketKey.toBase58()} is not the vault's ticket on ${j.vaultKey.toBase58()}`, action);
  if (!ticketMatured(t, j.slot, j.cfg.epochLength)) throw new BuildError(`ticket ${ticketKey.toBase58()} is not mature (unstaked in epoch ${t.slotUnstaked / j.cfg.epochLength}, now ${j.slot / j.cfg.epochLength}; burnable after epoch ${t.slotUnstaked / j.cfg.epochLength + 1n})`, action);
  const keys = [
    r(j.configKey), w(j.vaultKey), w(pdaAta(j.vaultKey, j.v.supportedMint)), w(j.vrtMint), w(ctx.vault), w(pdaAta(ctx.vault, j.v.supportedMint)), w(ticketKey), w(pdaAta(ticketKey, j.vrtMint)), w(pdaAta(j.v.feeWallet, j.vrtMint)), w(pdaAta(j.cfg.programFeeWallet, j.vrtMint)), r(TOKEN_PROGRAM_ID), r(SystemProgram.programId),
  ];
  if (j.admin) keys.push(r(j.admin, true));
  const burnIxs = [ensureAta(ctx.vault, ctx.vault, j.v.supportedMint), ensureAta(ctx.vault, j.cfg.programFeeWallet, j.vrtMint), new TransactionInstruction({ programId: j.program, keys, data: Buffer.from([JITO_VAULT_IX.burnWithdrawalTicket]) })];
  const description = `burn matured withdrawal ticket ${ticketKey.toBase58()} (${sol(t.vrtAmount)} ${j.asset})`;
  const supported = supportedAsset(ctx, j.v.supportedMint);
  if (action.to !== ctx.baseAsset || action.to === supported) return [{ instructions: burnIxs, description, valueAtRiskLamports: 0n }];
  // The planner claims into the base asset, the burn pays the supported LST: redeem the payout from the
  // LST's pool in the same transaction (WithdrawSol from its reserve, with its minimum out).
  const payout = vrtPayout(j.v, t.vrtAmount);
  if (!supported || ctx.venues[supported]?.kind !== 'spl-stake-pool') throw new BuildError(`ticket ${ticketKey.toBase58()} pays ${j.v.supportedMint.toBase58()}, which has no stake-pool venue to redeem into ${ctx.baseAsset}; claim it into the supported asset`, action);
  let leg: SolTxIntent | undefined;
  try {
    leg = splStakePoolBuilder.build({ ...action, kind: 'redeem-request', from: supported, to: ctx.baseAsset, amountIn: payout, minOut: 0n }, ctx)[0];
  } catch (e) {
    if (!(e instanceof BuildError)) throw e;
  }
  if (!leg || leg.pending) throw new BuildError(`the ${supported} pool's reserve cannot pay ${sol(payout)} ${supported} out instantly; the ticket waits (or claim it into ${supported})`, action);
  return [{ instructions: [...burnIxs, ...leg.instructions], description: `${description}, then ${leg.description}`, valueAtRiskLamports: leg.valueAtRiskLamports, slippage: leg.slippage }];
}

export const jitoVaultBuilder: SolProtocolBuilder = {
  protocol: 'jito-vault',
  supports: (a, ctx) => {
    const asset = receiptAsset(a);
    return ctx.venues[asset]?.kind === 'jito-vault' && (a.kind === 'mint' || a.kind === 'redeem-request' || a.kind === 'redeem-claim');
  },
  async prepare(action, ctx, chain) {
    const { venue } = venueOf(action, ctx, 'jito-vault');
    const keys = [new PublicKey(venue.vault), new PublicKey(venue.config)];
    if (action.kind === 'redeem-claim') keys.push(pk(action.redemptionId ?? '', 'redemption id (VRT ticket)', action));
    // Minting from SOL (or claiming into it) goes through the supported LST's pool: read it in the same slot.
    const viaPool = (action.kind === 'mint' && action.from === ctx.baseAsset) || (action.kind === 'redeem-claim' && action.to === ctx.baseAsset);
    if (viaPool) for (const v of Object.values(ctx.venues)) if (v.kind === 'spl-stake-pool') keys.push(new PublicKey(v.pool));
    const first = await chain.readAccounts(keys);
    if (action.kind !== 'redeem-claim' || !viaPool) return { ...ctx, chain: first };
    // A claim's WithdrawSol leg also needs the pools' reserves (their addresses are in the pools): one more read, every account again, one slot.
    const reserves: PublicKey[] = [];
    for (const v of Object.values(ctx.venues)) {
      const acc = v.kind === 'spl-stake-pool' ? first.accounts.get(v.pool) : null;
      try {
        if (acc) reserves.push(parseStakePool(acc.data).reserveStake);
      } catch (e) {
        if (!(e instanceof LayoutError)) throw e; // the build names the bad pool
      }
    }
    return { ...ctx, chain: await chain.readAccounts([...keys, ...reserves]) };
  },
  build(action, ctx) {
    if (action.kind === 'mint') return mintTo(action, ctx);
    if (action.kind === 'redeem-request') return enqueue(action, ctx);
    return burn(action, ctx);
  },
};
