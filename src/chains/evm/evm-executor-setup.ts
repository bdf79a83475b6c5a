import type { Logger } from 'pino';
import { buildTargetsFromRegistry, type EvmBuildTargets } from './builders/mainnet.js';
import { buildAction, prepareAction } from './builders/registry.js';
import { applyDeployment, loadDeployment } from './deployment-file.js';
import { createEvmExecutor } from './evm-executor.js';
import type { BuildContext } from './evm-tx.js';
import { policyChecker } from './policy-check.js';
import { loadPolicy, PLACEHOLDER_VAULT, type Policy } from './policy/policy-schema.js';
import type { EvmExecutionConfig } from './exec-config.js';
import type { LoadedVault } from '../../config/load-vault.js';
import { ConfigError } from '../../errors.js';
import type { Journal } from '../../journal/journal.js';

/** What a vault's `execution` section resolves to before any connection is made. */
export interface EvmExecutionSetup {
  readonly evm: EvmExecutionConfig;
  readonly policy: Policy;
  readonly policyPath: string;
  readonly targets: EvmBuildTargets;
}

/**
 * Loads and cross-checks the `execution` section: the evm settings, the transaction policy (the
 * placeholder vault refused unless `allowPlaceholder`), the builders' targets from the asset registry with
 * the deployment file laid over them, and that the policy's vault and chain are the section's. Every
 * problem is a ConfigError naming the file and the field.
 */
export function loadEvmExecutionSetup(vault: LoadedVault, o: { allowPlaceholder?: boolean } = {}): EvmExecutionSetup {
  const evm = vault.config.execution?.evm;
  if (!evm) throw new ConfigError(vault.file, [{ where: `${vault.file} execution.evm`, value: undefined, expected: 'an execution.evm section (rpcUrl, chainId, vault, key, fees) for --executor evm' }]);
  const policyPath = vault.paths.policy;
  if (!policyPath) throw new ConfigError(vault.file, [{ where: `${vault.file} execution.policy`, value: undefined, expected: 'the path of the transaction policy (relative to the vault file) for --executor evm' }]);
  const policy = loadPolicy(policyPath, { allowPlaceholder: o.allowPlaceholder === true });
  const issues = [];
  if (policy.vault !== evm.vault) issues.push({ where: `${policyPath} vault`, value: policy.vault, expected: `the vault of execution.evm (${evm.vault})` });
  if (policy.chainId !== evm.chainId) issues.push({ where: `${policyPath} chainId`, value: policy.chainId, expected: `the chain of execution.evm (${evm.chainId})` });
  if (issues.length > 0) throw new ConfigError(policyPath, issues);
  const fromRegistry = buildTargetsFromRegistry(vault.registry, vault.config.chain);
  const targets = vault.paths.deployment ? applyDeployment(fromRegistry, loadDeployment(vault.paths.deployment)) : fromRegistry;
  return { evm, policy, policyPath, targets };
}

/**
 * The EVM executor a vault's `execution` section describes, with the policy guard in front of every
 * signature. Live only with `mode: live` AND the --live flag.
 */
export function evmExecutorFor(vault: LoadedVault, journal: Journal, o: { live: boolean; log: Logger; env?: NodeJS.ProcessEnv }) {
  const { evm, policy, targets } = loadEvmExecutionSetup(vault);
  // A DEX leg's minimum out: the planner's bound, tightened to a fresh on-chain quote less the planner's
  // slippage (the policy's maxSlippage is the looser backstop behind it).
  const ctx: BuildContext = { vault: evm.vault, addresses: targets.addresses, tokens: targets.tokens, maxSlippage: vault.config.planner.maxSlippage };
  return createEvmExecutor(evm, {
    journal,
    vaultName: vault.config.name,
    nativeAsset: vault.config.baseAsset,
    buildAction,
    prepareAction,
    checkBatch: policyChecker(policy),
    buildContext: ctx,
    liveFlag: o.live,
    env: o.env ?? process.env,
    log: o.log,
  });
}
