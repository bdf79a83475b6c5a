import type { Logger } from 'pino';
import { buildTargetsFromRegistry, type EvmBuildTargets } from '../../chains/evm/builders/mainnet.js';
import { buildAction, prepareAction } from '../../chains/evm/builders/registry.js';
import { applyDeployment, loadDeployment } from '../../chains/evm/deployment-file.js';
import { createEvmExecutor } from '../../chains/evm/evm-executor.js';
import type { BuildContext } from '../../chains/evm/evm-tx.js';
import { policyChecker } from '../../chains/evm/policy-check.js';
import { loadPolicy, PLACEHOLDER_VAULT, type Policy } from '../../chains/evm/policy/policy-schema.js';
import type { EvmExecutionConfig } from '../../chains/evm/exec-config.js';
import type { LoadedVault } from '../../config/load-vault.js';
import { ConfigError, KeeperError } from '../../errors.js';
import type { Executor } from '../../executor/executor.js';
import { PaperExecutor } from '../../executor/paper-executor.js';
import type { Journal } from '../../journal/journal.js';

export type ExecutorKind = 'paper' | 'evm';

export interface ExecutorFlags {
  /** --executor: paper (default) or evm (the vault's execution.evm section). */
  readonly executor?: string | undefined;
  /** --live: the explicit flag a live EVM executor needs besides `mode: live` in the config. */
  readonly live?: boolean | undefined;
}

export function executorKind(o: ExecutorFlags): ExecutorKind {
  const k = o.executor ?? 'paper';
  if (k !== 'paper' && k !== 'evm') throw new KeeperError(`--executor must be paper or evm, not "${k}"`);
  if (o.live && k !== 'evm') throw new KeeperError('--live only applies to --executor evm (the paper executor never sends)');
  return k;
}

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

/** The executor a run uses, and the journal mode it is recorded under. */
export function executorFor(kind: ExecutorKind, vault: LoadedVault, journal: Journal, o: { live: boolean; log: Logger }, paperMode: string): { executor: Executor; mode: string } {
  if (kind === 'paper') return { executor: new PaperExecutor(), mode: paperMode };
  const executor = evmExecutorFor(vault, journal, o);
  return { executor, mode: `evm-${executor.mode}` };
}
