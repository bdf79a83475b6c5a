import type { Logger } from 'pino';
import type { LoadedVault } from '../config/load-vault.js';
import { UsageError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import { PaperExecutor } from '../executor/paper-executor.js';
import type { Journal } from '../journal/journal.js';

/**
 * The one place an executor is chosen. The CLI and the service only ask this factory for one; each
 * chain or account model (EVM key, Solana key, multisig proposer) is an adapter behind the same
 * Executor port, wired in its own setup module. A setup module is imported only when its kind is asked
 * for: the paper path (the demo, `validate-config`, every replay) never loads @solana/web3.js,
 * @sqds/multisig or the Safe code, which is most of the CLI's start time.
 */
export type ExecutorKind = 'paper' | 'evm' | 'safe' | 'solana' | 'squads';

export interface ExecutorFlags {
  /** --executor: paper (default), evm (the vault's execution.evm section), safe (propose through the Safe of execution.safe) solana (execution.solana) or squads (propose through the Squads multisig of execution.squads). */
  readonly executor?: string | undefined;
  /** --live: the explicit flag a live EVM executor needs besides `mode: live` in the config. */
  readonly live?: boolean | undefined;
}

export function executorKind(o: ExecutorFlags): ExecutorKind {
  const k = o.executor ?? 'paper';
  if (k !== 'paper' && k !== 'evm' && k !== 'safe' && k !== 'solana' && k !== 'squads') throw new UsageError(`--executor must be paper, evm, safe, solana or squads, not "${k}"`);
  if (o.live && k === 'paper') throw new UsageError('--live only applies to --executor evm, safe, solana or squads (the paper executor never sends)');
  return k;
}

/** The executor a run uses, and the journal mode it is recorded under. */
export async function executorFor(kind: ExecutorKind, vault: LoadedVault, journal: Journal, o: { live: boolean; log: Logger }, paperMode: string): Promise<{ executor: Executor; mode: string }> {
  if (kind === 'paper') return { executor: new PaperExecutor(), mode: paperMode };
  if (kind === 'solana') {
    const { solanaExecutorFor } = await import('./solana/solana-executor-setup.js');
    const executor = solanaExecutorFor(vault, journal, o);
    return { executor, mode: `solana-${executor.mode}` };
  }
  if (kind === 'squads') {
    const { squadsExecutorFor } = await import('./multisig/squads/squads-setup.js');
    const executor = squadsExecutorFor(vault, journal, o);
    return { executor, mode: `squads-${executor.mode}` };
  }
  if (kind === 'safe') {
    const { safeProposerFor } = await import('./evm/safe/safe-setup.js');
    const proposer = safeProposerFor(vault, journal, o);
    return { executor: proposer, mode: `safe-${proposer.mode}` };
  }
  const { evmExecutorFor } = await import('./evm/evm-executor-setup.js');
  const executor = evmExecutorFor(vault, journal, o);
  return { executor, mode: `evm-${executor.mode}` };
}
