import { PublicKey, StakeProgram, SYSVAR_CLOCK_PUBKEY, SYSVAR_STAKE_HISTORY_PUBKEY } from '@solana/web3.js';
import { parseValidatorList, validatorStakeAddress } from '../../src/chains/solana/builders/validator-list.js';
import { parseStakePool, type Fee } from '../../src/sources/solana/spl-stake-pool.js';
import { addSupply, addTokens, accountsOf, moveLamports, need, tokenAccount, type DoubleRegistration, type Meta } from './double-kit.js';
import { stakePoolDouble, type AccountStore, type DoubleIx, type ProgramDouble } from './stake-pool-double.js';

const U64_MAX = (1n << 64n) - 1n;
const STAKE_SIZE = 200;
const applyFee = (amount: bigint, f: Fee): bigint => (f.denominator === 0n ? 0n : (amount * f.numerator) / f.denominator);

/**
 * SPL stake pool WithdrawStake (10) and WithdrawStakeWithSlippage (24) {pool_tokens[, min_lamports_out]},
 * as processor.rs process_withdraw_stake does them: pool(w), validator list(w), withdraw authority (PDA
 * [pool, "withdraw"]), the validator's stake PDA or the reserve to split (w), an uninitialized stake account
 * (w), the new stake authority, the user transfer authority (s), the user's pool tokens (w), the manager fee
 * account (w), the pool mint (w), clock, token program, stake program. The stake withdrawal fee (in pool
 * tokens) goes to the manager fee account, the rest is burned, and `(tokens − fee) × total_lamports /
 * supply` lamports of delegated stake are split into the new account, its staker and withdrawer the new
 * authority. Not modelled: the validator list's per-validator balance (the program updates it too).
 */
function withdrawStake(ix: DoubleIx, store: AccountStore, epoch: bigint): void {
  const tag = ix.data[0];
  need(ix.data.length === (tag === 10 ? 9 : 17), 'invalid instruction data');
  const [poolK, listK, authK, splitK, destK, newAuth, userAuth, sourceK, feeK, mintK, clockK, tokK, stakeK] = accountsOf(ix, 13) as Meta[] as [Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta];
  const poolAcc = store.get(poolK.key);
  need(poolAcc !== undefined && poolAcc.owner.equals(ix.program) && poolK.writable, 'IncorrectProgramId: pool');
  const pool = parseStakePool(poolAcc.data);
  need(pool.lastUpdateEpoch >= epoch, 'StakeListAndPoolOutOfDate');
  need(listK.key.equals(pool.validatorList) && listK.writable, 'InvalidValidatorStakeList');
  need(authK.key.equals(PublicKey.findProgramAddressSync([poolK.key.toBuffer(), Buffer.from('withdraw')], ix.program)[0]), 'InvalidProgramAddress: withdraw authority');
  const listAcc = store.get(listK.key);
  need(listAcc !== undefined, 'InvalidValidatorStakeList');
  const isValidatorStake = splitK.key.equals(pool.reserveStake) || parseValidatorList(listAcc.data).some((v) => validatorStakeAddress(ix.program, poolK.key, v).equals(splitK.key));
  need(isValidatorStake && splitK.writable, 'ValidatorNotFound: stake to split');
  need(userAuth.signer, 'MissingRequiredSignature: user transfer authority');
  const src = tokenAccount(store, sourceK.key, 'source pool tokens');
  need(src.owner.equals(userAuth.key) && sourceK.writable, 'InvalidArgument: source pool tokens not the transfer authority\'s');
  need(feeK.key.equals(pool.managerFeeAccount) && feeK.writable, 'InvalidFeeAccount');
  need(mintK.key.equals(pool.poolMint) && mintK.writable, 'WrongPoolMint');
  need(clockK.key.equals(SYSVAR_CLOCK_PUBKEY) && tokK.key.equals(pool.tokenProgramId) && stakeK.key.equals(StakeProgram.programId), 'IncorrectProgramId');
  const dest = store.get(destK.key);
  need(dest !== undefined && dest.owner.equals(StakeProgram.programId) && dest.data.length === STAKE_SIZE && dest.data.readUInt32LE(0) === 0 && destK.writable, 'InvalidAccountData: destination is not an uninitialized stake account');
  const tokens = ix.data.readBigUInt64LE(1);
  const fee = applyFee(tokens, pool.stakeWithdrawalFee);
  const lamports = pool.poolTokenSupply === 0n ? 0n : ((tokens - fee) * pool.totalLamports) / pool.poolTokenSupply;
  need(lamports > 0n, 'WithdrawalTooSmall');
  if (tag === 24) need(lamports >= ix.data.readBigUInt64LE(9), 'ExceededSlippage');
  const s = store.get(splitK.key);
  need(s !== undefined && s.owner.equals(StakeProgram.programId) && s.data.readUInt32LE(0) === 2, 'InvalidAccountData: stake to split is not delegated');
  need(s.data.readBigUInt64LE(156) >= lamports + 1_000_000_000n, 'StakeLamportsNotEqualToMinimum: the split would leave the validator under its minimum');
  addTokens(store, sourceK.key, pool.poolMint, -tokens, 'source pool tokens');
  addTokens(store, feeK.key, pool.poolMint, fee, 'manager fee account');
  addSupply(store, pool.poolMint, -(tokens - fee));
  // The split, as the Stake program's Split does it: same delegation, the stake moved, new authorities.
  const d = Buffer.from(s.data);
  newAuth.key.toBuffer().copy(d, 12);
  newAuth.key.toBuffer().copy(d, 44);
  d.writeBigUInt64LE(lamports, 156);
  s.data.writeBigUInt64LE(s.data.readBigUInt64LE(156) - lamports, 156);
  store.set(splitK.key, s);
  moveLamports(store, splitK.key, destK.key, lamports);
  store.set(destK.key, { ...(store.get(destK.key) as typeof dest), data: d });
  const p = store.get(poolK.key)!;
  p.data.writeBigUInt64LE(pool.totalLamports - lamports, 258);
  p.data.writeBigUInt64LE(pool.poolTokenSupply - (tokens - fee), 266);
  store.set(poolK.key, p);
}

/**
 * WithdrawSol (16) and WithdrawSolWithSlippage (26) {pool_tokens[, min_lamports_out]}: pool(w), withdraw
 * authority, user transfer authority(s), user pool tokens(w), reserve(w), lamports receiver(w), manager fee
 * account(w), pool mint(w), clock, stake history, stake program, token program, [SOL withdraw authority(s)].
 * The SOL withdrawal fee (pool tokens) goes to the manager, the rest is burned, and `(tokens − fee) ×
 * total_lamports / supply` lamports leave the reserve, which must keep its rent and a minimum delegation.
 */
function withdrawSol(ix: DoubleIx, store: AccountStore, epoch: bigint): void {
  const tag = ix.data[0];
  need(ix.data.length === (tag === 16 ? 9 : 17), 'invalid instruction data');
  const a = accountsOf(ix, 12, 1);
  const [poolK, authK, userAuth, sourceK, reserveK, toK, feeK, mintK, clockK, historyK, stakeK, tokK] = a as [Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta];
  const poolAcc = store.get(poolK.key);
  need(poolAcc !== undefined && poolAcc.owner.equals(ix.program) && poolK.writable, 'IncorrectProgramId: pool');
  const pool = parseStakePool(poolAcc.data);
  need(pool.lastUpdateEpoch >= epoch, 'StakeListAndPoolOutOfDate');
  need(authK.key.equals(PublicKey.findProgramAddressSync([poolK.key.toBuffer(), Buffer.from('withdraw')], ix.program)[0]), 'InvalidProgramAddress: withdraw authority');
  need(userAuth.signer, 'MissingRequiredSignature: user transfer authority');
  const src = tokenAccount(store, sourceK.key, 'source pool tokens');
  need(src.owner.equals(userAuth.key) && sourceK.writable, 'InvalidArgument: source pool tokens not the transfer authority\'s');
  need(reserveK.key.equals(pool.reserveStake) && reserveK.writable, 'InvalidProgramAddress: reserve');
  need(toK.writable, 'InvalidArgument: lamports receiver not writable');
  need(feeK.key.equals(pool.managerFeeAccount) && feeK.writable, 'InvalidFeeAccount');
  need(mintK.key.equals(pool.poolMint) && mintK.writable, 'WrongPoolMint');
  need(clockK.key.equals(SYSVAR_CLOCK_PUBKEY) && historyK.key.equals(SYSVAR_STAKE_HISTORY_PUBKEY) && stakeK.key.equals(StakeProgram.programId) && tokK.key.equals(pool.tokenProgramId), 'IncorrectProgramId');
  if (pool.solWithdrawAuthority) need(a[12]?.key.equals(pool.solWithdrawAuthority) === true && a[12]?.signer === true, 'InvalidSolWithdrawAuthority');
  const tokens = ix.data.readBigUInt64LE(1);
  const fee = applyFee(tokens, pool.solWithdrawalFee);
  const lamports = pool.poolTokenSupply === 0n ? 0n : ((tokens - fee) * pool.totalLamports) / pool.poolTokenSupply;
  need(lamports > 0n, 'WithdrawalTooSmall');
  if (tag === 26) need(lamports >= ix.data.readBigUInt64LE(9), 'ExceededSlippage');
  const reserve = store.get(reserveK.key);
  need(reserve !== undefined && reserve.lamports >= lamports + 2_282_880n + 1_000_000_000n, 'SolWithdrawalTooLarge');
  addTokens(store, sourceK.key, pool.poolMint, -tokens, 'source pool tokens');
  addTokens(store, feeK.key, pool.poolMint, fee, 'manager fee account');
  addSupply(store, pool.poolMint, -(tokens - fee));
  moveLamports(store, reserveK.key, toK.key, lamports);
  const p = store.get(poolK.key)!;
  p.data.writeBigUInt64LE(pool.totalLamports - lamports, 258);
  p.data.writeBigUInt64LE(pool.poolTokenSupply - (tokens - fee), 266);
  store.set(poolK.key, p);
}

/** The SPL stake pool program double: DepositSol 14 / 25 (stake-pool-double.ts), WithdrawStake 10 / 24, WithdrawSol 16 / 26. */
export function splStakePoolDouble(epoch: () => bigint): ProgramDouble {
  const deposit = stakePoolDouble(epoch);
  return (ix, store) => {
    const tag = ix.data[0];
    if (tag === 10 || tag === 24) return withdrawStake(ix, store, epoch());
    if (tag === 16 || tag === 26) return withdrawSol(ix, store, epoch());
    return deposit(ix, store);
  };
}

/**
 * The native Stake program's Deactivate (5) inside a doubled transaction (where the real program cannot
 * run): stake(w), clock, stake authority(s); sets deactivation_epoch to the current epoch. Outside doubled
 * transactions the real Stake program runs (withdraw included).
 */
export function stakeDeactivateDouble(epoch: bigint): ProgramDouble {
  return (ix, store) => {
    need(ix.data.length === 4 && ix.data.readUInt32LE(0) === 5, `stake double: instruction ${ix.data.length >= 4 ? ix.data.readUInt32LE(0) : '?'} runs only on the real Stake program`);
    const [stake, clock, auth] = accountsOf(ix, 3) as [Meta, Meta, Meta];
    const a = store.get(stake.key);
    need(a !== undefined && a.owner.equals(StakeProgram.programId) && stake.writable && a.data.readUInt32LE(0) === 2, 'InvalidAccountData: not a delegated stake account');
    need(clock.key.equals(SYSVAR_CLOCK_PUBKEY), 'InvalidArgument: clock');
    need(auth.signer && new PublicKey(a.data.subarray(12, 44)).equals(auth.key), 'MissingRequiredSignature: stake authority');
    need(a.data.readBigUInt64LE(172) === U64_MAX, 'AlreadyDeactivated');
    a.data.writeBigUInt64LE(epoch, 172);
    store.set(stake.key, a);
  };
}

/** Registration for the SVM server's doubles list (svm-doubles.ts): the SPL stake pool program id, the double over the chain's epoch. */
export const splStakePoolRegistration: DoubleRegistration = { program: 'SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy', make: (clock) => splStakePoolDouble(() => clock().epoch) };
