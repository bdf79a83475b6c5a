import { PublicKey, SYSVAR_CLOCK_PUBKEY, SYSVAR_RENT_PUBKEY, SystemProgram } from '@solana/web3.js';
import { parseMarinadeState } from '../../src/sources/solana/marinade-state.js';
import { addSupply, addTokens, accountsOf, anchorDisc, closeAccount, moveLamports, need, tokenAccount, TOKEN_PROGRAM, type DoubleRegistration, type Meta } from './double-kit.js';
import { marinadeDepositDouble, type AccountStore, type DoubleIx, type ProgramDouble } from './stake-pool-double.js';

/** What the Marinade double reads of the cluster's clock (claim.rs looks at the epoch and how far into it we are). */
export interface MarinadeClock {
  readonly epoch: bigint;
  readonly unixTimestamp: bigint;
  readonly epochStartTimestamp: bigint;
}

const TICKET_DISC = anchorDisc('TicketAccountData', 'account');
const TICKET_SPACE = 88;
/** claim.rs EXTRA_WAIT_SECONDS. */
const EXTRA_WAIT_SECONDS = 1800n;
const IX = { deposit: anchorDisc('deposit'), orderUnstake: anchorDisc('order_unstake'), claim: anchorDisc('claim') };

function stateOf(ix: DoubleIx, store: AccountStore, m: Meta) {
  const st = store.get(m.key);
  need(st !== undefined && st.owner.equals(ix.program), 'AccountOwnedByWrongProgram: state');
  need(m.writable, 'ConstraintMut: state');
  return { acc: st, s: parseMarinadeState(st.data) };
}
const pda = (ix: DoubleIx, state: PublicKey, seed: string) => PublicKey.findProgramAddressSync([state.toBuffer(), Buffer.from(seed)], ix.program)[0];

/**
 * order_unstake (instructions/delayed_unstake/order_unstake.rs): state(w), msol_mint(w), burn_msol_from(w),
 * burn_msol_authority(s), new_ticket_account(w; created by the caller, owned by Marinade, zeroed), clock,
 * rent, token_program; data {msol_amount u64}. Burns the mSOL, writes the ticket (beneficiary = the burn
 * authority, lamports at msol_price, created_epoch = now) and adds it to circulating_ticket_balance.
 */
function orderUnstake(ix: DoubleIx, store: AccountStore, clock: () => MarinadeClock): void {
  need(ix.data.length === 16, 'InstructionDidNotDeserialize');
  const [state, mint, from, auth, ticket, clk, rent, tok] = accountsOf(ix, 8) as [Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta];
  const { acc: st, s } = stateOf(ix, store, state);
  need(!s.paused, 'ProgramIsPaused');
  need(mint.key.equals(s.msolMint) && mint.writable, 'ConstraintAddress: msol_mint');
  const src = tokenAccount(store, from.key, 'burn_msol_from');
  need(src.mint.equals(s.msolMint) && from.writable, 'ConstraintTokenMint: burn_msol_from');
  need(auth.signer && src.owner.equals(auth.key), 'ConstraintTokenOwner / AccountNotSigner: burn_msol_authority');
  const t = store.get(ticket.key);
  need(t !== undefined && t.owner.equals(ix.program) && ticket.writable, 'AccountOwnedByWrongProgram: new_ticket_account');
  need(t.data.length === TICKET_SPACE && t.data.every((b) => b === 0), 'AccountDiscriminatorAlreadySet: new_ticket_account');
  need(t.lamports >= 1_503_360n, 'AccountNotRentExempt: new_ticket_account');
  need(clk.key.equals(SYSVAR_CLOCK_PUBKEY) && rent.key.equals(SYSVAR_RENT_PUBKEY) && tok.key.equals(TOKEN_PROGRAM), 'AccountSysvarMismatch / InvalidProgramId');
  const msol = ix.data.readBigUInt64LE(8);
  const lamports = (msol * s.msolPrice) >> 32n;
  need(lamports > 0n, 'UnstakeTooSmall (ticket below the minimum)');
  addTokens(store, from.key, s.msolMint, -msol, 'burn_msol_from');
  addSupply(store, s.msolMint, -msol);
  const d = Buffer.alloc(TICKET_SPACE);
  TICKET_DISC.copy(d, 0);
  state.key.toBuffer().copy(d, 8);
  auth.key.toBuffer().copy(d, 40);
  d.writeBigUInt64LE(lamports, 72);
  d.writeBigUInt64LE(clock().epoch, 80);
  store.set(ticket.key, { ...t, data: d });
  st.data.writeBigUInt64LE(st.data.readBigUInt64LE(528) + lamports, 528); // circulating_ticket_balance
  st.data.writeBigUInt64LE(st.data.readBigUInt64LE(504) - msol, 504); // msol_supply
  store.set(state.key, st);
}

/**
 * claim (instructions/delayed_unstake/claim.rs): state(w), reserve_pda(w), ticket_account(w),
 * transfer_sol_to(w), clock, system_program; no args. Not before created_epoch + 1 (TicketNotDue), nor in
 * that epoch's first 30 minutes (TicketNotReady); pays lamports_amount from the reserve and closes the
 * ticket to the beneficiary.
 */
function claim(ix: DoubleIx, store: AccountStore, clock: () => MarinadeClock): void {
  need(ix.data.length === 8, 'InstructionDidNotDeserialize');
  const [state, reserve, ticket, to, clk, sys] = accountsOf(ix, 6) as [Meta, Meta, Meta, Meta, Meta, Meta];
  const { acc: st } = stateOf(ix, store, state);
  need(reserve.key.equals(pda(ix, state.key, 'reserve')) && reserve.writable, 'ConstraintSeeds: reserve_pda');
  const t = store.get(ticket.key);
  need(t !== undefined && t.owner.equals(ix.program) && ticket.writable, 'AccountOwnedByWrongProgram: ticket_account');
  need(t.data.length === TICKET_SPACE && t.data.subarray(0, 8).equals(TICKET_DISC), 'AccountDiscriminatorMismatch: ticket_account');
  need(new PublicKey(t.data.subarray(8, 40)).equals(state.key), 'InvalidTicketAccountOwner (state)');
  need(new PublicKey(t.data.subarray(40, 72)).equals(to.key) && to.writable, 'WrongBeneficiary');
  need(clk.key.equals(SYSVAR_CLOCK_PUBKEY) && sys.key.equals(SystemProgram.programId), 'AccountSysvarMismatch / InvalidProgramId');
  const lamports = t.data.readBigUInt64LE(72);
  const created = t.data.readBigUInt64LE(80);
  const c = clock();
  need(c.epoch >= created + 1n, `TicketNotDue (created in epoch ${created}, now ${c.epoch})`);
  need(c.epoch > created + 1n || c.unixTimestamp - c.epochStartTimestamp >= EXTRA_WAIT_SECONDS, 'TicketNotReady (less than 30 minutes into the due epoch)');
  const r = store.get(reserve.key);
  need(r !== undefined && r.lamports >= lamports, 'NotEnoughReserve');
  moveLamports(store, reserve.key, to.key, lamports);
  closeAccount(store, ticket.key, to.key);
  const s2 = store.get(state.key) ?? st;
  s2.data.writeBigUInt64LE(s2.data.readBigUInt64LE(528) - lamports, 528);
  store.set(state.key, s2);
}

/** The Marinade program double: deposit (stake-pool-double.ts), order_unstake and claim; any other discriminator fails as Anchor does. */
export function marinadeDouble(clock: () => MarinadeClock): ProgramDouble {
  const deposit = marinadeDepositDouble(IX.deposit, parseMarinadeState);
  return (ix, store) => {
    const d = ix.data.subarray(0, 8);
    if (d.equals(IX.deposit)) return deposit(ix, store);
    if (d.equals(IX.orderUnstake)) return orderUnstake(ix, store, clock);
    if (d.equals(IX.claim)) return claim(ix, store, clock);
    need(false, 'InstructionFallbackNotFound');
  };
}

/** Registration for the SVM server's doubles list (svm-doubles.ts): Marinade's program id, the double over the chain's clock. */
export const marinadeRegistration: DoubleRegistration = { program: 'MarBmsSgKXdrN1egZf5sqe1TMai9K1rChYNDJgjq7aD', make: (clock) => marinadeDouble(() => clock()) };
