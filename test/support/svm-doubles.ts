import { MARINADE_IX } from '../../src/chains/solana/builders/marinade.js';
import { parseJitoVault } from '../../src/sources/solana/jito-vault.js';
import { parseMarinadeState } from '../../src/sources/solana/marinade-state.js';
import { ataDouble, jitoBurnDouble, marinadeDepositDouble, stakePoolDouble, type ProgramDouble } from './stake-pool-double.js';

/** The chain's Clock sysvar as a double reads it: taken once before each doubled transaction. */
export interface DoubleClock {
  readonly slot: bigint;
  readonly epoch: bigint;
  readonly epochStartTimestamp: bigint;
  readonly leaderScheduleEpoch: bigint;
  readonly unixTimestamp: bigint;
}
type Make = (clock: () => DoubleClock) => ProgramDouble;

/**
 * The program doubles the SVM server child serves, by program id: one line each. A transaction calling
 * any of these programs runs in TypeScript (svm-server/doubled-run.ts); every other program runs in
 * bankrun. A test may narrow the set with startSvmRpc's `doubles` option.
 */
export const SVM_DOUBLES: ReadonlyArray<readonly [program: string, make: Make]> = [
  ['SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy', (clock) => stakePoolDouble(() => clock().epoch)],
  ['MarBmsSgKXdrN1egZf5sqe1TMai9K1rChYNDJgjq7aD', () => marinadeDepositDouble(MARINADE_IX.deposit, parseMarinadeState)],
  ['Vau1t6sLNxnzB7ZDsef8TLbPLfyZMYXH8WTNqUdm9g8', (clock) => jitoBurnDouble(() => clock().slot, parseJitoVault)],
];

/**
 * Programs bankrun runs for real, doubled only inside a transaction that also calls one of SVM_DOUBLES
 * (such a transaction runs wholly in TypeScript). Compute-budget instructions are skipped there.
 */
export const IN_DOUBLED_TX: ReadonlyArray<readonly [program: string, make: Make]> = [
  ['ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL', () => ataDouble],
];
