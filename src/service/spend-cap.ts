import { loadEvmExecutionSetup } from '../chains/evm/evm-executor-setup.js';
import { loadSolanaExecutionSetup } from '../chains/solana/solana-executor-setup.js';
import type { VaultPlan } from './vault-plan.js';

/**
 * The per-day value cap of the transaction policy a vault's executor signs under, in base units (wei for
 * the EVM key and the Safe proposer, lamports for Solana); undefined for paper, which signs nothing.
 * A policy that does not load is the runner's to report (it refuses to start the executor).
 */
export function dailyCapOf(plan: VaultPlan): bigint | undefined {
  try {
    if (plan.executor === 'evm' || plan.executor === 'safe') return loadEvmExecutionSetup(plan.vault).policy.caps.perDayWei;
    if (plan.executor === 'solana') return loadSolanaExecutionSetup(plan.vault).policy.perDay;
  } catch {
    return undefined;
  }
  return undefined;
}
