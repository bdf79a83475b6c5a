import { createHash } from 'node:crypto';
import { PublicKey, SYSVAR_CLOCK_PUBKEY, SYSVAR_RENT_PUBKEY, SystemProgram, TransactionInstruction } from '@solana/web3.js';
import type { PlannedAction } from '../../../domain/action.js';
import { LayoutError, bytesEqual, readPubkey, readU64 } from '../../../sources/solana/bytes.js';
import { liquidUnstakeQuote, parseMarinadeLiqPoolFees } from '../../../sources/solana/marinade-liq-pool.js';
import { MSOL_PRICE_DENOMINATOR, parseMarinadeState, totalVirtualStakedLamports, type MarinadeState } from '../../../sources/solana/marinade-state.js';
import { slippageFloor } from '../../build-error.js';
import { anchorDiscriminator, BuildError, mintOf, parsed, pk, r, receiptAsset, requirePositive, sol, u64le, venueOf, w } from './common.js';
import { vaultAta, createSeededAccount, ensureAta, seededAccount, TOKEN_PROGRAM_ID } from './plumbing.js';
import type { SolBuildContext, SolProtocolBuilder, SolTxIntent } from './types.js';

/**
 * Marinade (mSOL), an Anchor program: deposit, liquid_unstake (instant, pool fee) and order_unstake (a
 * ticket claimable after the epoch boundary: a pending redemption) then claim. Account orders from
 * marinade-finance/liquid-staking-program (instructions/user/*.rs); PDAs are seeded with the State
 * address: reserve "reserve", mSOL mint authority "st_mint", liquidity-pool SOL leg "liq_sol", its mSOL
 * leg authority "liq_st_sol_authority". None of these take a minimum out, so the expected out is
 * checked against the State of the same slot and in simulation (enforcedOnChain false).
 */
export const MARINADE_IX = {
  deposit: anchorDiscriminator('deposit'),
  liquidUnstake: anchorDiscriminator('liquid_unstake'),
  orderUnstake: anchorDiscriminator('order_unstake'),
  claim: anchorDiscriminator('claim'),
};
/** TicketAccountData: discriminator, state_address, beneficiary, lamports_amount u64, created_epoch u64. */
export const TICKET_SPACE = 88;
/** Rent-exempt minimum of an 88-byte account at mainnet's rent. */
export const TICKET_RENT_LAMPORTS = 1_503_360n;
export const TICKET_DISCRIMINATOR = createHash('sha256').update('account:TicketAccountData').digest().subarray(0, 8);

export function marinadePdas(program: PublicKey, state: PublicKey) {
  const pda = (seed: string) => PublicKey.findProgramAddressSync([state.toBuffer(), Buffer.from(seed)], program)[0];
  return { reserve: pda('reserve'), msolMintAuthority: pda('st_mint'), liqPoolSolLeg: pda('liq_sol'), liqPoolMsolLegAuthority: pda('liq_st_sol_authority') };
}

export interface MarinadeTicket {
  readonly state: PublicKey;
  readonly beneficiary: PublicKey;
  readonly lamports: bigint;
  readonly createdEpoch: bigint;
}

export function parseMarinadeTicket(data: Uint8Array): MarinadeTicket {
  if (!bytesEqual(data, 0, TICKET_DISCRIMINATOR)) throw new LayoutError('not a Marinade TicketAccountData (discriminator)');
  return { state: readPubkey(data, 8, 'state_address'), beneficiary: readPubkey(data, 40, 'beneficiary'), lamports: readU64(data, 72, 'lamports_amount'), createdEpoch: readU64(data, 80, 'created_epoch') };
}

export function ticketSeed(actionKey: string): string {
  return `mtk${createHash('sha256').update(actionKey).digest('hex').slice(0, 24)}`;
}

const msolFor = (s: MarinadeState, lamports: bigint) => (lamports * MSOL_PRICE_DENOMINATOR) / s.msolPrice;
const lamportsFor = (s: MarinadeState, msol: bigint) => (msol * s.msolPrice) / MSOL_PRICE_DENOMINATOR;

function load(action: PlannedAction, ctx: SolBuildContext) {
  const { asset, venue } = venueOf(action, ctx, 'marinade');
  const program = pk(venue.program, 'Marinade program', action);
  const stateKey = pk(venue.state, 'Marinade state', action);
  const s = parsed(ctx, stateKey, 'Marinade state', program, parseMarinadeState, action);
  const mint = mintOf(ctx, asset, action);
  if (!s.msolMint.equals(mint)) throw new BuildError(`Marinade state mints ${s.msolMint.toBase58()}, not ${asset}'s ${mint.toBase58()}`, action);
  if (s.paused) throw new BuildError('Marinade is paused', action);
  if (s.msolPrice === 0n) throw new BuildError('Marinade msol_price is 0', action);
  return { asset, program, stateKey, s, mint, pdas: marinadePdas(program, stateKey), msolAta: vaultAta(ctx, mint) };
}

function deposit(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[] {
  requirePositive(action, action.amountIn);
  const m = load(action, ctx);
  const expected = msolFor(m.s, action.amountIn);
  if (expected < action.minOut) throw new BuildError(`Marinade state gives ${sol(expected)} mSOL, below the planned minimum ${sol(action.minOut)}`, action);
  const floor = slippageFloor(expected, ctx.maxSlippage, action);
  const minOut = floor > action.minOut ? floor : action.minOut;
  const keys = [w(m.stateKey), w(m.mint), w(m.pdas.liqPoolSolLeg), w(m.s.liqPoolMsolLeg), r(m.pdas.liqPoolMsolLegAuthority), w(m.pdas.reserve), w(ctx.vault, true), w(m.msolAta), r(m.pdas.msolMintAuthority), r(SystemProgram.programId), r(TOKEN_PROGRAM_ID)];
  return [
    {
      instructions: [ensureAta(ctx.vault, ctx.vault, m.mint), new TransactionInstruction({ programId: m.program, keys, data: Buffer.concat([MARINADE_IX.deposit, u64le(action.amountIn)]) })],
      description: `deposit ${sol(action.amountIn)} SOL into Marinade for ≈ ${sol(expected)} mSOL`,
      valueAtRiskLamports: action.amountIn,
      slippage: { minOut, quotedOut: expected, destination: m.msolAta.toBase58(), enforcedOnChain: false },
    },
  ];
}

function liquidUnstake(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[] {
  requirePositive(action, action.amountIn);
  const m = load(action, ctx);
  const gross = lamportsFor(m.s, action.amountIn);
  // The pool's fee depends on its SOL leg, read in the same slot as the State (prepare): quote what the
  // program will pay, and refuse below the planner's minimum.
  const leg = ctx.chain?.accounts.get(m.pdas.liqPoolSolLeg.toBase58());
  const stateData = ctx.chain?.accounts.get(m.stateKey.toBase58())?.data;
  if (!stateData) throw new BuildError('Marinade state was not read', action);
  let fees;
  try {
    fees = parseMarinadeLiqPoolFees(stateData);
  } catch (e) {
    throw new BuildError(`Marinade state liq_pool fees unreadable: ${(e as Error).message}`, action);
  }
  const q = liquidUnstakeQuote(totalVirtualStakedLamports(m.s), m.s.msolSupply, fees, leg?.lamports ?? 0n, action.amountIn);
  if (q.insufficient) throw new BuildError(`Marinade's liquidity pool holds ${sol(leg?.lamports ?? 0n)} SOL, not enough to pay ${sol(q.lamports)} SOL for ${sol(action.amountIn)} mSOL`, action);
  if (q.lamports < action.minOut) throw new BuildError(`Marinade's pool pays ${sol(q.lamports)} SOL (fee ${q.feeBps} bps), below the planned minimum ${sol(action.minOut)}`, action);
  const floor = slippageFloor(q.lamports, ctx.maxSlippage, action);
  const minOut = floor > action.minOut ? floor : action.minOut;
  const keys = [w(m.stateKey), w(m.mint), w(m.pdas.liqPoolSolLeg), w(m.s.liqPoolMsolLeg), w(m.s.treasuryMsolAccount), w(m.msolAta), r(ctx.vault, true), w(ctx.vault), r(SystemProgram.programId), r(TOKEN_PROGRAM_ID)];
  return [
    {
      instructions: [new TransactionInstruction({ programId: m.program, keys, data: Buffer.concat([MARINADE_IX.liquidUnstake, u64le(action.amountIn)]) })],
      description: `liquid-unstake ${sol(action.amountIn)} mSOL for ≈ ${sol(q.lamports)} SOL (pool fee ${q.feeBps} bps)`,
      valueAtRiskLamports: gross,
      slippage: { minOut, quotedOut: q.lamports, destination: ctx.vault.toBase58(), enforcedOnChain: false },
    },
  ];
}

function orderUnstake(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[] {
  requirePositive(action, action.amountIn);
  const m = load(action, ctx);
  if (!ctx.actionKey) throw new BuildError('a Marinade ticket needs the action key to derive its account', action);
  const seed = ticketSeed(ctx.actionKey);
  const ticket = seededAccount(ctx.vault, seed, m.program);
  const lamports = lamportsFor(m.s, action.amountIn);
  const keys = [w(m.stateKey), w(m.mint), w(m.msolAta), r(ctx.vault, true), w(ticket), r(SYSVAR_CLOCK_PUBKEY), r(SYSVAR_RENT_PUBKEY), r(TOKEN_PROGRAM_ID)];
  return [
    {
      instructions: [createSeededAccount(ctx.vault, seed, m.program, TICKET_SPACE, TICKET_RENT_LAMPORTS), new TransactionInstruction({ programId: m.program, keys, data: Buffer.concat([MARINADE_IX.orderUnstake, u64le(action.amountIn)]) })],
      description: `order a delayed unstake of ${sol(action.amountIn)} mSOL (≈ ${sol(lamports)} SOL) into ticket ${ticket.toBase58()}`,
      valueAtRiskLamports: 0n,
      pending: { kind: 'marinade-ticket', account: ticket.toBase58(), expected: lamports },
    },
  ];
}

function claim(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[] {
  const { venue } = venueOf(action, ctx, 'marinade');
  const program = pk(venue.program, 'Marinade program', action);
  const stateKey = pk(venue.state, 'Marinade state', action);
  const ticketKey = pk(action.redemptionId ?? '', 'redemption id (Marinade ticket)', action);
  const t = parsed(ctx, ticketKey, 'Marinade ticket', program, parseMarinadeTicket, action);
  if (!t.beneficiary.equals(ctx.vault)) throw new BuildError(`ticket ${ticketKey.toBase58()} pays ${t.beneficiary.toBase58()}, not the vault`, action);
  if (!t.state.equals(stateKey)) throw new BuildError(`ticket ${ticketKey.toBase58()} belongs to state ${t.state.toBase58()}`, action);
  const epoch = ctx.chain?.epoch ?? 0n;
  if (epoch <= t.createdEpoch) throw new BuildError(`ticket ${ticketKey.toBase58()} is not due (created in epoch ${t.createdEpoch}, now ${epoch})`, action);
  const keys = [w(stateKey), w(marinadePdas(program, stateKey).reserve), w(ticketKey), w(ctx.vault), r(SYSVAR_CLOCK_PUBKEY), r(SystemProgram.programId)];
  return [
    {
      instructions: [new TransactionInstruction({ programId: program, keys, data: Buffer.from(MARINADE_IX.claim) })],
      description: `claim ${sol(t.lamports)} SOL from Marinade ticket ${ticketKey.toBase58()}`,
      valueAtRiskLamports: 0n,
    },
  ];
}

export const marinadeBuilder: SolProtocolBuilder = {
  protocol: 'marinade',
  supports: (a, ctx) => {
    const asset = receiptAsset(a);
    if (ctx.venues[asset]?.kind !== 'marinade') return false;
    return a.kind === 'mint' || a.kind === 'redeem-request' || a.kind === 'redeem-claim' || (a.kind === 'sell' && /liquid-unstake/.test(a.venue));
  },
  async prepare(action, ctx, chain) {
    const { venue } = venueOf(action, ctx, 'marinade');
    const keys = [new PublicKey(venue.state)];
    // liquid_unstake's fee depends on the pool's SOL leg: read it with the State.
    if (action.kind === 'sell') keys.push(marinadePdas(pk(venue.program, 'Marinade program', action), keys[0] as PublicKey).liqPoolSolLeg);
    if (action.kind === 'redeem-claim') keys.push(pk(action.redemptionId ?? '', 'redemption id (Marinade ticket)', action));
    return { ...ctx, chain: await chain.readAccounts(keys) };
  },
  build(action, ctx) {
    if (action.kind === 'mint') return deposit(action, ctx);
    if (action.kind === 'redeem-request') return orderUnstake(action, ctx);
    if (action.kind === 'redeem-claim') return claim(action, ctx);
    return liquidUnstake(action, ctx);
  },
};
