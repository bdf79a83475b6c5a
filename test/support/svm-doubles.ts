import { MARINADE_IX } from '../../src/chains/solana/builders/marinade.js';
import { parseJitoVault } from '../../src/sources/solana/jito-vault.js';
import { parseMarinadeState } from '../../src/sources/solana/marinade-state.js';
import { jitoBurnDouble, marinadeDepositDouble, stakePoolDouble, type ProgramDouble } from './stake-pool-double.js';

/** The chain's clock as a double sees it: read once before each doubled transaction. */
export interface DoubleClock {
  readonly slot: bigint;
  readonly epoch: bigint;
}

/**
 * The program doubles the SVM server child serves, by program id: one line each. A transaction calling
 * any of these programs runs in TypeScript (svm-server/doubled-run.ts); every other program runs in
 * bankrun. A test may narrow the set with startSvmRpc's `doubles` option.
 */
export const SVM_DOUBLES: ReadonlyArray<readonly [program: string, make: (clock: () => DoubleClock) => ProgramDouble]> = [
  ['SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy', (clock) => stakePoolDouble(() => clock().epoch)],
  ['MarBmsSgKXdrN1egZf5sqe1TMai9K1rChYNDJgjq7aD', () => marinadeDepositDouble(MARINADE_IX.deposit, parseMarinadeState)],
  ['Vau1t6sLNxnzB7ZDsef8TLbPLfyZMYXH8WTNqUdm9g8', (clock) => jitoBurnDouble(() => clock().slot, parseJitoVault)],
];
