import { Connection, PublicKey } from '@solana/web3.js';
import * as multisig from '@sqds/multisig';
import type { Logger } from 'pino';
import type { LoadedVault } from '../../../config/load-vault.js';
import { ConfigError, KeeperError } from '../../../errors.js';
import type { Journal } from '../../../journal/journal.js';
import { ProposalJournal } from '../../../journal/proposal-journal.js';
import { jupiterApi } from '../../solana/builders/jupiter.js';
import { solanaBuilders } from '../../solana/builders/registry.js';
import { loadSolanaKey } from '../../solana/sol-key-source.js';
import { SolanaAdapter } from '../../solana/solana-adapter.js';
import { solanaBalances } from '../../solana/solana-balances.js';
import { solanaPendingReader } from '../../solana/pending-redemptions.js';
import { loadSolanaExecutionSetup, solAdapterSettings, solAssetMaps } from '../../solana/solana-executor-setup.js';
import { SquadsExecutor } from './squads-executor.js';

/**
 * The Squads proposer a vault's `execution.squads` section describes, with `execution.solana` for the
 * cluster, assets and policy (its vault must be the multisig's vault PDA). Proposing needs `mode: live`
 * in the section AND the --live flag; otherwise it builds and guards only.
 */
export function squadsExecutorFor(vault: LoadedVault, journal: Journal, o: { live: boolean; log: Logger; env?: NodeJS.ProcessEnv; connection?: Connection; allowPlaceholder?: boolean; clock?: () => number }): SquadsExecutor {
  const cfg = vault.config.execution?.squads;
  if (!cfg) throw new ConfigError(vault.file, [{ where: `${vault.file} execution.squads`, value: undefined, expected: 'an execution.squads section (multisig, vaultIndex, member) for --executor squads' }]);
  const { sol, policy } = loadSolanaExecutionSetup(vault, { allowPlaceholder: o.allowPlaceholder });
  if (cfg.mode === 'live' && !o.live) throw new KeeperError('execution.squads.mode is live but the live flag was not given: refusing to propose (pass --live, or use mode: dry-run)');
  if (o.live && cfg.mode !== 'live') throw new KeeperError('the live flag was given but execution.squads.mode is dry-run: set mode: live to propose');
  const programId = cfg.programId ? new PublicKey(cfg.programId) : multisig.PROGRAM_ID;
  const multisigPda = new PublicKey(cfg.multisig);
  const [vaultPda] = multisig.getVaultPda({ multisigPda, index: cfg.vaultIndex, programId });
  if (sol.vault !== vaultPda.toBase58()) throw new ConfigError(vault.file, [{ where: `${vault.file} execution.solana.vault`, value: sol.vault, expected: `the vault PDA ${vaultPda.toBase58()} of multisig ${cfg.multisig} index ${cfg.vaultIndex}` }]);
  const member = cfg.mode === 'live' && cfg.member ? loadSolanaKey(cfg.member, { env: o.env ?? process.env, log: o.log }) : undefined;
  const connection = o.connection ?? new Connection(sol.rpcUrl, { commitment: sol.commitment });
  const { mints, venues } = solAssetMaps(sol);
  const pendingOnChain = solanaPendingReader({ connection, vault: vaultPda, nativeAsset: vault.config.baseAsset, mints, venues, commitment: sol.commitment });
  const builders = solanaBuilders(sol.jupiter ? jupiterApi(sol.jupiter) : undefined);
  // The adapter is used only for its one-slot account reader (the builders' prepare step); it never signs.
  const reader = new SolanaAdapter({
    connection, vault: vaultPda, builders, buildContext: { baseAsset: vault.config.baseAsset, mints, venues, maxSlippage: vault.config.planner.maxSlippage }, policy, commitment: sol.commitment,
    ...solAdapterSettings(sol),
  }).reader;
  const chain = `solana:${sol.cluster}`;
  return new SquadsExecutor({
    mode: cfg.mode,
    connection,
    reader,
    // Tickets and deactivating stake name the vault PDA as beneficiary / staker / withdrawer, as they name a single-key vault.
    balances: { ...solanaBalances(connection, vaultPda, vault.config.baseAsset, mints, sol.commitment, true, venues), pending: (_u, now) => pendingOnChain(now) },
    vaultPda,
    builders,
    buildContext: { baseAsset: vault.config.baseAsset, mints, venues, maxSlippage: vault.config.planner.maxSlippage },
    policy,
    proposals: new ProposalJournal(journal.db),
    proposer: member
      ? { connection, multisigPda, vaultIndex: cfg.vaultIndex, member: member.keypair, recordEvent: (e) => journal.recordEvent(e), vaultName: vault.config.name, chain, programId, maxMemoBytes: cfg.maxMemoBytes, clock: o.clock }
      : undefined,
    chain,
    multisigPda,
    clock: o.clock,
  });
}
