import { loadVault } from '../../config/load-vault.js';
import { ConfigError, formatIssue, KeeperError } from '../../errors.js';
import { loadStrategy, parseStrategyParams } from '../../strategy/load-strategy.js';
import { PLACEHOLDER_VAULT } from '../../chains/evm/policy/policy-schema.js';
import { loadEvmExecutionSetup } from '../../chains/evm/evm-executor-setup.js';
import { PLACEHOLDER_SOL_VAULT } from '../../chains/solana/policy/sol-policy-schema.js';
import { loadSolanaExecutionSetup } from '../../chains/solana/solana-executor-setup.js';

/** Checks a vault config, its registry and its strategy params; prints every problem. Exit 0 only when all is valid. */
export async function validateConfigCommand(file: string, out: (l: string) => void): Promise<number> {
  try {
    const v = loadVault(file);
    const s = await loadStrategy(v.config.strategy.name);
    parseStrategyParams(s, v.config.strategy.params, v.file);
    out(`${v.file}: valid (vault ${v.config.name}, ${v.universe.assets.length} assets, strategy ${s.name}, registry ${v.paths.registry})`);
    if (v.config.execution?.evm) {
      const x = loadEvmExecutionSetup(v, { allowPlaceholder: true });
      out(`  execution: ${x.evm.mode} on chain ${x.evm.chainId} for vault ${x.evm.vault}; policy ${x.policyPath} valid (${x.policy.rules.length} rules)${v.paths.deployment ? `; deployment ${v.paths.deployment}` : ''}`);
      if (x.policy.vault === PLACEHOLDER_VAULT) out(`  note: the vault address is the shipped placeholder ${PLACEHOLDER_VAULT}; --executor evm refuses to start until it is set here and in the policy`);
    }
    if (v.config.execution?.solana) {
      const x = loadSolanaExecutionSetup(v, { allowPlaceholder: true });
      out(`  execution: solana ${x.sol.mode} on ${x.sol.cluster} for vault ${x.sol.vault}; policy ${v.paths.policy} valid (${x.policy.rules.length} rules)`);
      if (x.policy.vault === PLACEHOLDER_SOL_VAULT) out(`  note: the vault address is the shipped placeholder ${PLACEHOLDER_SOL_VAULT}; --executor solana refuses to start until it is set here and in the policy`);
    }
    return 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      out(`${e.file}: ${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}`);
      for (const i of e.issues) out(`  - ${formatIssue(i)}`);
      return 1;
    }
    if (e instanceof KeeperError) {
      out(`${file}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
