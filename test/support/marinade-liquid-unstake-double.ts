import { PublicKey, SystemProgram } from '@solana/web3.js';
import { parseMarinadeLiqPoolFees, type MarinadeLiqPoolFees } from '../../src/sources/solana/marinade-liq-pool.js';
import { parseMarinadeState, totalVirtualStakedLamports } from '../../src/sources/solana/marinade-state.js';
import { addTokens, accountsOf, moveLamports, need, tokenAccount, TOKEN_PROGRAM, type Meta } from './double-kit.js';
import type { AccountStore, DoubleIx } from './stake-pool-double.js';

const BPS = 10_000n;
const applyBps = (amount: bigint, bps: number) => (amount * BigInt(bps)) / BPS;

/** LiqPool::linear_fee: lp_min_fee at or above the target, else max − (max − min) × lamports / target (floored). */
export function linearFeeBps(f: MarinadeLiqPoolFees, lamportsAfter: bigint): number {
  if (lamportsAfter >= f.lpLiquidityTarget) return f.lpMinFeeBps;
  return f.lpMaxFeeBps - Number((BigInt(f.lpMaxFeeBps - f.lpMinFeeBps) * lamportsAfter) / f.lpLiquidityTarget);
}

/**
 * liquid_unstake (instructions/liq_pool/liquid_unstake.rs) {msol_amount u64}: state(w), msol_mint(w),
 * liq_pool_sol_leg_pda(w), liq_pool_msol_leg(w), treasury_msol_account(w), get_msol_from(w),
 * get_msol_from_authority(s), transfer_sol_to(w), system_program, token_program.
 * The fee is the pool's linear fee at the SOL leg left after the user's gross value (its lamports less
 * rent_exempt_for_token_acc), or lp_max_fee when the user would take it all; it is taken in mSOL. The user
 * gets the value of (mSOL − fee) at total_virtual_staked_lamports / msol_supply, from the SOL leg (which
 * keeps its rent); treasury_cut of the fee goes to the treasury's mSOL account (when it is an mSOL token
 * account; else nothing goes there), the rest of the mSOL to the pool's mSOL leg. No mSOL is burned.
 * Simplified: the SOL leg is taken as it is in the store (the real program reads the same account).
 */
export function liquidUnstake(ix: DoubleIx, store: AccountStore): void {
  need(ix.data.length === 16, 'InstructionDidNotDeserialize');
  const [state, mint, solLeg, msolLeg, treasury, from, auth, to, sys, tok] = accountsOf(ix, 10) as Meta[] as [Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta];
  const st = store.get(state.key);
  need(st !== undefined && st.owner.equals(ix.program), 'AccountOwnedByWrongProgram: state');
  need(state.writable, 'ConstraintMut: state');
  const s = parseMarinadeState(st.data);
  const fees = parseMarinadeLiqPoolFees(st.data);
  need(!s.paused, 'ProgramIsPaused');
  need(mint.key.equals(s.msolMint) && mint.writable, 'ConstraintHasOne: msol_mint');
  const legPda = PublicKey.findProgramAddressSync([state.key.toBuffer(), Buffer.from('liq_sol')], ix.program)[0];
  need(solLeg.key.equals(legPda) && solLeg.writable, 'ConstraintSeeds: liq_pool_sol_leg_pda');
  need(msolLeg.key.equals(s.liqPoolMsolLeg) && msolLeg.writable, 'ConstraintAddress: liq_pool_msol_leg');
  need(treasury.writable, 'ConstraintMut: treasury_msol_account');
  const src = tokenAccount(store, from.key, 'get_msol_from');
  need(src.mint.equals(s.msolMint) && from.writable, 'ConstraintTokenMint: get_msol_from');
  need(auth.signer, 'AccountNotSigner: get_msol_from_authority');
  need(src.owner.equals(auth.key), 'OwnerMismatch: get_msol_from_authority is not the owner of get_msol_from');
  const dest = store.get(to.key);
  need(to.writable && (dest === undefined || dest.owner.equals(SystemProgram.programId)), 'AccountNotSystemOwned: transfer_sol_to');
  need(sys.key.equals(SystemProgram.programId) && tok.key.equals(TOKEN_PROGRAM), 'InvalidProgramId');

  const msol = ix.data.readBigUInt64LE(8);
  const toSol = (m: bigint) => (s.msolSupply === 0n ? m : (m * totalVirtualStakedLamports(s)) / s.msolSupply);
  const legLamports = store.get(solLeg.key)?.lamports ?? 0n;
  const max = legLamports > fees.rentExemptForTokenAcc ? legLamports - fees.rentExemptForTokenAcc : 0n;
  const gross = toSol(msol);
  const feeBps = gross >= max ? fees.lpMaxFeeBps : linearFeeBps(fees, max - gross);
  const msolFee = applyBps(msol, feeBps);
  const lamports = toSol(msol - msolFee);
  need(lamports + fees.rentExemptForTokenAcc <= legLamports, 'InsufficientLiquidity');
  need(lamports >= fees.minWithdraw, 'WithdrawAmountIsTooLow');
  moveLamports(store, solLeg.key, to.key, lamports);
  const t = store.get(treasury.key);
  const treasuryOk = t !== undefined && t.owner.equals(TOKEN_PROGRAM) && t.data.length >= 165 && new PublicKey(t.data.subarray(0, 32)).equals(s.msolMint);
  const cut = treasuryOk ? applyBps(msolFee, fees.treasuryCutBps) : 0n;
  addTokens(store, from.key, s.msolMint, -msol, 'get_msol_from');
  addTokens(store, msolLeg.key, s.msolMint, msol - cut, 'liq_pool_msol_leg');
  if (cut > 0n) addTokens(store, treasury.key, s.msolMint, cut, 'treasury_msol_account');
}
