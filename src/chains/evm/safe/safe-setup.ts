import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createPublicClient, defineChain, http, type PublicClient } from 'viem';
import type { LoadedVault } from '../../../config/load-vault.js';
import { ConfigError, KeeperError } from '../../../errors.js';
import type { Journal } from '../../../journal/journal.js';
import { ProposalJournal } from '../../../journal/proposal-journal.js';
import { buildAction, prepareAction } from '../builders/registry.js';
import { loadEvmExecutionSetup } from '../evm-executor-setup.js';
import { loadKey } from '../key-source.js';
import { policyChecker } from '../policy-check.js';
import { SafeProposer } from './safe-proposer.js';
import { SafeTxServiceClient } from './safe-service.js';

/**
 * The Safe proposer a vault's `execution.safe` section describes (with `execution.evm` for the chain
 * and the Safe's address, and the same transaction policy and builders as the EOA path). Proposing needs
 * `mode: live` in the section AND the --live flag; otherwise it builds, guards, hashes and simulates only.
 */
export function safeProposerFor(vault: LoadedVault, journal: Journal, o: { live: boolean; log: Logger; env?: NodeJS.ProcessEnv; client?: PublicClient }): SafeProposer {
  const cfg = vault.config.execution?.safe;
  if (!cfg) throw new ConfigError(vault.file, [{ where: `${vault.file} execution.safe`, value: undefined, expected: 'an execution.safe section (proposer, delivery) for --executor safe' }]);
  const { evm, policy, targets } = loadEvmExecutionSetup(vault);
  if (cfg.mode === 'live' && !o.live) throw new KeeperError('execution.safe.mode is live but the live flag was not given: refusing to propose (pass --live, or use mode: dry-run)');
  if (o.live && cfg.mode !== 'live') throw new KeeperError('the live flag was given but execution.safe.mode is dry-run: set mode: live to propose');
  const env = o.env ?? process.env;
  const key = cfg.mode === 'live' && cfg.proposer ? loadKey(cfg.proposer, { env, log: o.log }) : undefined;
  let service: SafeTxServiceClient | undefined;
  if (cfg.service) {
    const name = cfg.service.apiKey?.env;
    const apiKey = name ? env[name] : undefined;
    if (name && (apiKey === undefined || apiKey.trim() === '')) throw new KeeperError(`execution.safe.service.apiKey: environment variable ${name} is not set`);
    service = new SafeTxServiceClient({ baseUrl: cfg.service.url, apiKey: apiKey?.trim(), timeoutMs: cfg.service.timeout });
  }
  const chain = defineChain({ id: evm.chainId, name: `chain ${evm.chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [evm.rpcUrl] } } });
  const client = o.client ?? (createPublicClient({ chain, transport: http(evm.rpcUrl, { retryCount: 2, timeout: 20_000 }) }) as PublicClient);
  return new SafeProposer({
    mode: cfg.mode,
    client,
    chainId: evm.chainId,
    safe: evm.vault,
    proposer: key?.account,
    multiSendCallOnly: cfg.multiSendCallOnly,
    batch: {
      buildAction,
      prepareAction,
      checkBatch: policyChecker(policy),
      buildContext: { vault: evm.vault, addresses: targets.addresses, tokens: targets.tokens, maxSlippage: vault.config.planner.maxSlippage },
      nativeAsset: vault.config.baseAsset,
    },
    journal,
    proposals: new ProposalJournal(journal.db),
    vaultName: vault.config.name,
    service,
    builderDir: cfg.builderFile ? resolve(dirname(vault.file), cfg.builderFile) : undefined,
    staleAfterMs: cfg.staleAfter,
    maxDrift: cfg.maxDrift,
    replaceOnBreaker: cfg.replaceOnBreaker,
    tolerance: evm.reconcile.tolerance,
    originMaxLength: cfg.originMaxLength,
    log: o.log,
  });
}
