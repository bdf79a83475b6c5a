import { PublicKey, SystemProgram } from '@solana/web3.js';
import { ASSOCIATED_TOKEN_PROGRAM_ID } from '@solana/spl-token';
import { parseStakePool } from '../../src/sources/solana/spl-stake-pool.js';

/**
 * TypeScript doubles of the programs that cannot run in bankrun here (no binaries may be brought in),
 * executed by the loopback endpoint (svm-rpc.ts) for any transaction that calls them. Each decodes its
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

function need(cond: boolean, msg: string): asserts cond {
  if (!cond) throw new ProgramError(msg);
}

const TOKEN_ACCOUNT_RENT = 2_039_280n;

export function tokenAmount(a: DoubleAccount): bigint {
  return a.data.readBigUInt64LE(64);
}

function addTokens(store: AccountStore, key: PublicKey, mint: PublicKey, delta: bigint): void {
  const a = store.get(key);
  need(a !== undefined && a.data.length >= 165, `token account ${key.toBase58()} does not exist`);
  need(new PublicKey(a.data.subarray(0, 32)).equals(mint), `token account ${key.toBase58()} is for another mint`);
  a.data.writeBigUInt64LE(tokenAmount(a) + delta, 64);
  store.set(key, a);
}

function moveLamports(store: AccountStore, from: PublicKey, to: PublicKey, n: bigint): void {
  const f = store.get(from);
  need(f !== undefined && f.lamports >= n, `insufficient lamports in ${from.toBase58()}`);
  const t = store.get(to) ?? { lamports: 0n, data: Buffer.alloc(0), owner: SystemProgram.programId };
  f.lamports -= n;
  t.lamports += n;
  store.set(from, f);
  store.set(to, t);
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
