import { PublicKey, SystemProgram } from '@solana/web3.js';
import { ASSOCIATED_TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { parseStakePool } from '../../src/sources/solana/spl-stake-pool.js';
// A cycle with double-kit.ts (it takes ProgramError from here): both sides are used only at call time.
import { moveLamports, need } from './double-kit.js';

/**
 * TypeScript doubles of the programs that cannot run in bankrun here (no binaries may be brought in),
 * executed by the SVM server child (svm-server/doubled-run.ts) for any transaction that calls them. Each decodes its
 * instruction as the real program does — tag, account count and order, the PDAs and pool fields every
 * position must match — and fails like the program on anything else; then it moves lamports and tokens
 * as the program would. Token accounts are the SPL layout (mint 0, owner 32, amount 64, state 108).
 */
export interface DoubleAccount {
  lamports: bigint;
  data: Buffer;
  owner: PublicKey;
}

export interface AccountStore {
  get(key: PublicKey): DoubleAccount | undefined;
  set(key: PublicKey, a: DoubleAccount): void;
}

export interface DoubleIx {
  readonly program: PublicKey;
  readonly accounts: ReadonlyArray<{ key: PublicKey; signer: boolean; writable: boolean }>;
  readonly data: Buffer;
}

export class ProgramError extends Error {}

export type ProgramDouble = (ix: DoubleIx, store: AccountStore) => void;

const TOKEN_ACCOUNT_RENT = 2_039_280n;

export function tokenAmount(a: DoubleAccount): bigint {
  return a.data.readBigUInt64LE(64);
}

/** Looser than double-kit's addTokens: the pool tests hand it token accounts by layout alone, whatever their owner. */
function addTokens(store: AccountStore, key: PublicKey, mint: PublicKey, delta: bigint): void {
  const a = store.get(key);
  need(a !== undefined && a.data.length >= 165, `token account ${key.toBase58()} does not exist`);
  need(new PublicKey(a.data.subarray(0, 32)).equals(mint), `token account ${key.toBase58()} is for another mint`);
  need(tokenAmount(a) + delta >= 0n, `insufficient funds in token account ${key.toBase58()}`);
  a.data.writeBigUInt64LE(tokenAmount(a) + delta, 64);
  store.set(key, a);
}

/** The associated-token-account program's CreateIdempotent (1) and Create (0). */
export const ataDouble: ProgramDouble = (ix, store) => {
  need(ix.data.length === 0 || ix.data[0] === 0 || ix.data[0] === 1, 'unknown ATA instruction');
  const [payer, account, owner, mint, , tokenProgram] = ix.accounts;
  need(payer !== undefined && account !== undefined && owner !== undefined && mint !== undefined && tokenProgram !== undefined, 'ATA: missing accounts');
  need(payer.signer, 'ATA: payer must sign');
  const expected = PublicKey.findProgramAddressSync([owner.key.toBuffer(), tokenProgram.key.toBuffer(), mint.key.toBuffer()], ASSOCIATED_TOKEN_PROGRAM_ID)[0];
  need(expected.equals(account.key), 'ATA: address is not the associated token account');
  if (store.get(account.key)?.data.length) {
    need(ix.data[0] === 1, 'ATA: account already exists');
    return;
  }
  const d = Buffer.alloc(165);
  mint.key.toBuffer().copy(d, 0);
  owner.key.toBuffer().copy(d, 32);
  d[108] = 1;
  moveLamports(store, payer.key, account.key, TOKEN_ACCOUNT_RENT);
  const a = store.get(account.key) as DoubleAccount;
  store.set(account.key, { lamports: a.lamports, data: d, owner: tokenProgram.key });
};

/** SPL stake pool DepositSol (14) and DepositSolWithSlippage (25), as program/src/processor.rs does them. */
export function stakePoolDouble(epoch: () => bigint): ProgramDouble {
  return (ix, store) => {
    const tag = ix.data[0];
    need(tag === 14 || tag === 25, `stake pool double: instruction ${tag} not implemented`);
    need(ix.data.length === (tag === 14 ? 9 : 17), 'invalid instruction data');
    const lamports = ix.data.readBigUInt64LE(1);
    const minOut = tag === 25 ? ix.data.readBigUInt64LE(9) : 0n;
    need(ix.accounts.length >= 10, 'NotEnoughAccountKeys');
    const [poolK, authK, reserveK, fromK, destK, feeK, refK, mintK, sysK, tokK] = ix.accounts as [DoubleIx['accounts'][0], ...DoubleIx['accounts']] & Array<DoubleIx['accounts'][0]>;
    const poolAcc = store.get(poolK.key);
    need(poolAcc !== undefined && poolAcc.owner.equals(ix.program), 'IncorrectProgramId: pool');
    const pool = parseStakePool(poolAcc.data);
    need(pool.lastUpdateEpoch >= epoch(), 'StakeListAndPoolOutOfDate');
    need(PublicKey.findProgramAddressSync([poolK.key.toBuffer(), Buffer.from('withdraw')], ix.program)[0].equals(authK!.key), 'InvalidProgramAddress: withdraw authority');
    need(reserveK!.key.equals(pool.reserveStake) && reserveK!.writable, 'InvalidProgramAddress: reserve');
    need(fromK!.signer, 'MissingRequiredSignature: lamports from');
    need(feeK!.key.equals(pool.managerFeeAccount), 'InvalidFeeAccount');
    need(mintK!.key.equals(pool.poolMint), 'WrongPoolMint');
    need(sysK!.key.equals(SystemProgram.programId), 'IncorrectProgramId: system');
    need(tokK!.key.equals(pool.tokenProgramId), 'IncorrectProgramId: token');
    if (pool.solDepositAuthority) need(ix.accounts[10]?.key.equals(pool.solDepositAuthority) === true && ix.accounts[10]?.signer === true, 'InvalidSolDepositAuthority');
    const minted = pool.poolTokenSupply === 0n || pool.totalLamports === 0n ? lamports : (lamports * pool.poolTokenSupply) / pool.totalLamports;
    const fee = pool.solDepositFee.denominator === 0n ? 0n : (minted * pool.solDepositFee.numerator) / pool.solDepositFee.denominator;
    const referral = (fee * BigInt(pool.solReferralFee)) / 100n;
    const user = minted - fee;
    need(user >= minOut, 'ExceededSlippage');
    moveLamports(store, fromK!.key, reserveK!.key, lamports);
    addTokens(store, destK!.key, pool.poolMint, user);
    addTokens(store, refK!.key, pool.poolMint, referral);
    addTokens(store, feeK!.key, pool.poolMint, fee - referral);
    const p = store.get(poolK.key) as DoubleAccount;
    p.data.writeBigUInt64LE(pool.totalLamports + lamports, 258);
    p.data.writeBigUInt64LE(pool.poolTokenSupply + minted, 266);
    store.set(poolK.key, p);
    const m = store.get(mintK!.key);
    need(m !== undefined, 'mint missing');
    m.data.writeBigUInt64LE(m.data.readBigUInt64LE(36) + minted, 36);
    store.set(mintK!.key, m);
  };
}

/**
 * Marinade `deposit` (liquid-staking-program instructions/user/deposit.rs): accounts in the program's
 * order with the State's PDAs and legs, lamports to the reserve, mSOL minted at msol_price. Simplified: the
 * real program first buys mSOL from the liquidity pool's mSOL leg (at the same price); the double always
 * mints, which gives the depositor the same amount.
 */
export function marinadeDepositDouble(disc: Buffer, parse: (d: Uint8Array) => { msolMint: PublicKey; liqPoolMsolLeg: PublicKey; msolPrice: bigint; paused: boolean | undefined }): ProgramDouble {
  return (ix, store) => {
    need(ix.data.subarray(0, 8).equals(disc), 'InstructionFallbackNotFound');
    need(ix.data.length === 16, 'InstructionDidNotDeserialize');
    need(ix.accounts.length === 11, 'AccountNotEnoughKeys');
    const lamports = ix.data.readBigUInt64LE(8);
    const [state, msolMint, solLeg, msolLeg, legAuth, reserve, from, mintTo, mintAuth, sys, tok] = ix.accounts as Array<DoubleIx['accounts'][0]>;
    const st = store.get(state!.key);
    need(st !== undefined && st.owner.equals(ix.program), 'AccountOwnedByWrongProgram: state');
    const s = parse(st.data);
    need(!s.paused, 'ProgramIsPaused');
    const pda = (seed: string) => PublicKey.findProgramAddressSync([state!.key.toBuffer(), Buffer.from(seed)], ix.program)[0];
    need(msolMint!.key.equals(s.msolMint) && msolMint!.writable, 'ConstraintAddress: msol_mint');
    need(solLeg!.key.equals(pda('liq_sol')), 'ConstraintSeeds: liq_pool_sol_leg_pda');
    need(msolLeg!.key.equals(s.liqPoolMsolLeg), 'ConstraintAddress: liq_pool_msol_leg');
    need(legAuth!.key.equals(pda('liq_st_sol_authority')), 'ConstraintSeeds: liq_pool_msol_leg_authority');
    need(reserve!.key.equals(pda('reserve')) && reserve!.writable, 'ConstraintSeeds: reserve_pda');
    need(from!.signer && from!.writable, 'AccountNotSigner: transfer_from');
    need(mintAuth!.key.equals(pda('st_mint')), 'ConstraintSeeds: msol_mint_authority');
    need(sys!.key.equals(SystemProgram.programId), 'InvalidProgramId: system_program');
    need(tok!.key.toBase58() === 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA', 'InvalidProgramId: token_program');
    const msol = (lamports << 32n) / s.msolPrice;
    moveLamports(store, from!.key, reserve!.key, lamports);
    addTokens(store, mintTo!.key, s.msolMint, msol);
    const m = store.get(msolMint!.key);
    need(m !== undefined, 'mint missing');
    m.data.writeBigUInt64LE(m.data.readBigUInt64LE(36) + msol, 36);
    store.set(msolMint!.key, m);
  };
}

/**
 * Jito vault BurnWithdrawalTicket (14), as vault_program burn_withdrawal_ticket.rs checks it: the config
 * PDA, the vault's state update for the current epoch (else 0x3fc VaultUpdateNeeded), the ticket PDA and
 * its staker, every token account the ATA of its owner, and maturity: current epoch > epoch unstaked + 1
 * (else 0x406 not withdrawable). Then the ticket's VRT is burned, the supported tokens move to the staker
 * at the vault's rate (fees 0 in the tests' vault), and the ticket is closed to the staker.
 */
export function jitoBurnDouble(slot: () => bigint, parseVault: (d: Uint8Array) => { vrtMint: PublicKey; supportedMint: PublicKey; vrtSupply: bigint; tokensDeposited: bigint; lastFullStateUpdateSlot: bigint; feeWallet: PublicKey }): ProgramDouble {
  return (ix, store) => {
    need(ix.data.length === 1 && ix.data[0] === 14, `jito vault double: instruction ${ix.data[0]} not implemented`);
    need(ix.accounts.length >= 12, 'NotEnoughAccountKeys');
    const k = ix.accounts.map((a) => a.key);
    const ataOf = (owner: PublicKey, mint: PublicKey) => PublicKey.findProgramAddressSync([owner.toBuffer(), new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA').toBuffer(), mint.toBuffer()], ASSOCIATED_TOKEN_PROGRAM_ID)[0];
    need(k[0]!.equals(PublicKey.findProgramAddressSync([Buffer.from('config')], ix.program)[0]), 'InvalidAccountData: config');
    const cfg = store.get(k[0]!);
    need(cfg !== undefined && cfg.owner.equals(ix.program), 'InvalidAccountOwner: config');
    const epochLength = cfg.data.readBigUInt64LE(72);
    const programFeeWallet = new PublicKey(cfg.data.subarray(96, 128));
    const vAcc = store.get(k[1]!);
    need(vAcc !== undefined && vAcc.owner.equals(ix.program), 'InvalidAccountOwner: vault');
    const v = parseVault(vAcc.data);
    const now = slot();
    need(v.lastFullStateUpdateSlot / epochLength >= now / epochLength, 'custom program error: 0x3fc (VaultUpdateNeeded)');
    need(k[2]!.equals(ataOf(k[1]!, v.supportedMint)), 'InvalidAccountData: vault_token_account');
    need(k[3]!.equals(v.vrtMint), 'InvalidAccountData: vrt_mint');
    const tAcc = store.get(k[6]!);
    need(tAcc !== undefined && tAcc.owner.equals(ix.program) && tAcc.data[0] === 7, 'InvalidAccountOwner: ticket');
    const staker = new PublicKey(tAcc.data.subarray(40, 72));
    const base = new PublicKey(tAcc.data.subarray(72, 104));
    const vrt = tAcc.data.readBigUInt64LE(104);
    const slotUnstaked = tAcc.data.readBigUInt64LE(112);
    need(k[6]!.equals(PublicKey.findProgramAddressSync([Buffer.from('vault_staker_withdrawal_ticket'), k[1]!.toBuffer(), base.toBuffer()], ix.program)[0]), 'InvalidAccountData: ticket PDA');
    need(k[4]!.equals(staker), 'InvalidAccountData: staker');
    need(k[5]!.equals(ataOf(staker, v.supportedMint)), 'InvalidAccountData: staker_token_account');
    need(k[7]!.equals(ataOf(k[6]!, v.vrtMint)), 'InvalidAccountData: ticket_token_account');
    need(k[8]!.equals(ataOf(v.feeWallet, v.vrtMint)), 'InvalidAccountData: vault_fee_token_account');
    need(k[9]!.equals(ataOf(programFeeWallet, v.vrtMint)), 'InvalidAccountData: program_fee_token_account');
    need(now / epochLength > slotUnstaked / epochLength + 1n, 'custom program error: 0x406 (VaultStakerWithdrawalTicketNotWithdrawable)');
    const out = (vrt * v.tokensDeposited) / v.vrtSupply;
    addTokens(store, k[7]!, v.vrtMint, -vrt);
    addTokens(store, k[2]!, v.supportedMint, -out);
    addTokens(store, k[5]!, v.supportedMint, out);
    const mintAcc = store.get(k[3]!);
    need(mintAcc !== undefined, 'vrt mint missing');
    mintAcc.data.writeBigUInt64LE(mintAcc.data.readBigUInt64LE(36) - vrt, 36);
    store.set(k[3]!, mintAcc);
    vAcc.data.writeBigUInt64LE(v.vrtSupply - vrt, 104);
    vAcc.data.writeBigUInt64LE(v.tokensDeposited - out, 112);
    store.set(k[1]!, vAcc);
    moveLamports(store, k[6]!, staker, tAcc.lamports);
    store.set(k[6]!, { lamports: 0n, data: Buffer.alloc(0), owner: SystemProgram.programId });
  };
}
