import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { getAddress, parseEther, toHex, type Address, type LocalAccount } from 'viem';
import { buildAction, prepareAction } from '../../src/chains/evm/builders/registry.js';
import { policyChecker } from '../../src/chains/evm/policy-check.js';
import { parsePolicy } from '../../src/chains/evm/policy/policy-schema.js';
import { SafeProposer } from '../../src/chains/evm/safe/safe-proposer.js';
import { SafeTxServiceClient } from '../../src/chains/evm/safe/safe-service.js';
import { loadVault, type LoadedVault } from '../../src/config/load-vault.js';
import type { Journal } from '../../src/journal/journal.js';
import { openJournal } from '../../src/journal/open-journal.js';
import { ProposalJournal } from '../../src/journal/proposal-journal.js';
import { Keeper } from '../../src/keeper/keeper.js';
import { ReplaySource } from '../../src/sources/recorded/replay-source.js';
import { loadSolver } from '../../src/strategy/load-solver.js';
import { loadStrategy, parseStrategyParams } from '../../src/strategy/load-strategy.js';
import { doublesPolicyText } from './doubles-config.js';
import type { ExecDoubles } from './exec-doubles.js';
import type { SafeDeployment } from './safe-deploy.js';
import type { TestChain } from './solidity.js';

/**
 * The keeper with a SafeProposer against anvil, for the Safe tests: the bundled eth-restaking vault, its
 * real strategy, solver, builders and the shipped policy (addresses swapped for the doubles', vault = the
 * Safe), replaying recorded history; a settable clock shared by the keeper and the proposer.
 */

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const VAULT_FILE = join(ROOT, 'config/vaults/eth-restaking.yaml');
export const API_KEY = 'sk-test-safe-service-0123456789';

export interface ProposerRig {
  readonly journal: Journal;
  readonly proposals: ProposalJournal;
  readonly proposer: SafeProposer;
  readonly vault: LoadedVault;
  readonly clock: { now: number };
  /** One keeper cycle at `at` (one keeper for the rig's life, as `run` keeps one). */
  cycle(at: number): Promise<void>;
}

export async function proposerRig(p: {
  admin: TestChain;
  d: ExecDoubles;
  dep: SafeDeployment;
  safe: Address;
  signer: LocalAccount;
  journalPath: string;
  serviceUrl?: string;
  builderDir?: string;
  staleAfterMs?: number;
  multiSendCallOnly?: Address;
  maxDrift?: number;
}): Promise<ProposerRig> {
  const vault = loadVault(VAULT_FILE);
  const chainId = await p.admin.client.getChainId();
  const policy = parsePolicy(doublesPolicyText(p.d, p.safe, chainId), 'eth-restaking.policy.yaml (doubles, Safe)');
  const journal = openJournal(p.journalPath);
  const proposals = new ProposalJournal(journal.db);
  const clock = { now: 0 };
  const log = pino({ level: 'silent' });
  const proposer = new SafeProposer({
    mode: 'live',
    client: p.admin.client,
    chainId,
    safe: p.safe,
    proposer: p.signer,
    multiSendCallOnly: p.multiSendCallOnly ?? p.dep.multiSendCallOnly,
    batch: { buildAction, prepareAction, checkBatch: policyChecker(policy), buildContext: { vault: p.safe, addresses: p.d.addresses, tokens: p.d.tokens, maxSlippage: vault.config.planner.maxSlippage }, nativeAsset: vault.config.baseAsset },
    journal,
    proposals,
    vaultName: vault.config.name,
    service: p.serviceUrl ? new SafeTxServiceClient({ baseUrl: p.serviceUrl, apiKey: API_KEY }) : undefined,
    builderDir: p.builderDir,
    staleAfterMs: p.staleAfterMs ?? 86_400_000,
    maxDrift: p.maxDrift ?? 0.05,
    replaceOnBreaker: true,
    tolerance: 0.01,
    originMaxLength: 200,
    clock: () => clock.now,
    log,
  });
  const strategy = await loadStrategy(vault.config.strategy.name);
  const params = parseStrategyParams(strategy, vault.config.strategy.params, vault.file);
  const solver = await loadSolver(vault.config.optimizer.solver);
  const source = ReplaySource.fromFile(vault.paths.history as string);
  let keeper: Keeper | undefined;
  return {
    journal,
    proposals,
    proposer,
    vault,
    clock,
    async cycle(at: number) {
      clock.now = at;
      keeper ??= await Keeper.startReconciled({ vault, strategy, params, solver, source, executor: proposer, journal, mode: 'safe-propose', log, clock: () => clock.now }, at);
      await keeper.runCycle(at);
    },
  };
}

/** Gives the Safe exactly the vault config's 100 ETH. */
export async function fundSafe(admin: TestChain, safe: Address): Promise<void> {
  await admin.client.request({ method: 'anvil_setBalance', params: [getAddress(safe), toHex(parseEther('100'))] } as never);
}
