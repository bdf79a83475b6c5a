import { NATIVE_MINT } from '@solana/spl-token';
import { PublicKey } from '@solana/web3.js';
import { closeAccount, need, tokenAccount, TOKEN_PROGRAM, type DoubleRegistration } from './double-kit.js';
import type { ProgramDouble } from './stake-pool-double.js';

/** The ATA double (stake-pool-double.ts) creates a wSOL account without is_native's rent reserve; this is the rent it funded. */
const ATA_RENT = 2_039_280n;

/**
 * The SPL Token program inside a doubled transaction, for the wrap/unwrap plumbing around a doubled
 * program (a Kamino SOL reserve's liquidity is wrapped SOL): SyncNative (17) {account(w)} sets a native
 * account's amount to its lamports less its rent reserve; CloseAccount (9) {account(w), destination(w),
 * owner(s)} pays every lamport to the destination (a non-native account must be empty) and closes it.
 * Any other instruction fails: the doubled transactions here need no more.
 */
export const tokenNativeDouble: ProgramDouble = (ix, store) => {
  need(ix.data.length >= 1, 'token: empty instruction');
  const tag = ix.data[0];
  if (tag === 17) {
    need(ix.data.length === 1 && ix.accounts.length >= 1, 'token SyncNative: invalid instruction');
    const k = ix.accounts[0]!;
    const t = tokenAccount(store, k.key, 'SyncNative account');
    need(t.mint.equals(NATIVE_MINT) && k.writable, 'token SyncNative: NonNativeNotSupported');
    const a = store.get(k.key)!;
    const reserve = a.data.readUInt32LE(109) === 1 ? a.data.readBigUInt64LE(113) : ATA_RENT;
    need(a.lamports >= reserve, 'token SyncNative: below the rent reserve');
    need(a.lamports - reserve >= t.amount, 'token SyncNative: amount would decrease (InvalidState)');
    a.data.writeBigUInt64LE(a.lamports - reserve, 64);
    store.set(k.key, a);
    return;
  }
  if (tag === 9) {
    need(ix.data.length === 1 && ix.accounts.length >= 3, 'token CloseAccount: invalid instruction');
    const [acc, dest, owner] = ix.accounts as [(typeof ix.accounts)[0], (typeof ix.accounts)[0], (typeof ix.accounts)[0]];
    const t = tokenAccount(store, acc.key, 'CloseAccount account');
    const a = store.get(acc.key)!;
    const closeAuthority = a.data.readUInt32LE(129) === 1 ? new PublicKey(a.data.subarray(133, 165)) : t.owner;
    need(owner.signer && owner.key.equals(closeAuthority), 'token CloseAccount: OwnerMismatch / missing signature');
    need(t.mint.equals(NATIVE_MINT) || t.amount === 0n, 'token CloseAccount: NonNativeHasBalance');
    need(acc.writable && dest.writable && !dest.key.equals(acc.key), 'token CloseAccount: InvalidAccountData');
    closeAccount(store, acc.key, dest.key);
    return;
  }
  need(false, `token double: instruction ${tag} not implemented`);
};

/** Registration for the programs run inside a doubled transaction (svm-doubles.ts IN_DOUBLED_TX). */
export const tokenNativeRegistration: DoubleRegistration = { program: TOKEN_PROGRAM.toBase58(), make: () => tokenNativeDouble };
