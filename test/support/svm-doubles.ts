import { PublicKey, StakeProgram, SystemProgram } from '@solana/web3.js';
import type { DoubleRegistration } from './double-kit.js';
import { jitoVaultRegistration } from './jito-vault-double.js';
import { marinadeRegistration } from './marinade-double.js';
import { ataDouble } from './stake-pool-double.js';
import { splStakePoolRegistration, stakeDeactivateDouble } from './stake-pool-withdraw-double.js';
import { systemDouble } from './system-double.js';

/**
 * The program doubles the SVM server child serves, one line each (each double's file exports its
 * registration: program id + the double made over the chain's Clock sysvar, read before every doubled
 * transaction). A transaction calling any of these programs runs wholly in TypeScript
 * (svm-server/doubled-run.ts); every other transaction runs in bankrun. A test may narrow the set with
 * startSvmRpc's `doubles` option (program ids).
 */
export const SVM_DOUBLES: readonly DoubleRegistration[] = [splStakePoolRegistration, marinadeRegistration, jitoVaultRegistration];

/**
 * Programs bankrun runs for real, doubled only inside a transaction that also calls one of SVM_DOUBLES
 * (where the real program cannot run). Compute-budget instructions are skipped there.
 */
export const IN_DOUBLED_TX: readonly DoubleRegistration[] = [
  { program: new PublicKey('ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL').toBase58(), make: () => ataDouble },
  { program: SystemProgram.programId.toBase58(), make: () => systemDouble },
  { program: StakeProgram.programId.toBase58(), make: (clock) => (ix, store) => stakeDeactivateDouble(clock().epoch)(ix, store) },
];
