import { Connection, PublicKey } from '@solana/web3.js';
import type { Logger } from 'pino';
import type { LoadedVault } from '../../config/load-vault.js';
import { ConfigError, KeeperError } from '../../errors.js';
import type { Journal } from '../../journal/journal.js';
import { ChainExecutor } from '../chain-executor.js';
import { jupiterApi } from './builders/jupiter.js';
import { solanaBuilders } from './builders/registry.js';
import type { SolAssetVenue } from './builders/types.js';
import type { SolanaExecutionConfig } from './exec-config.js';
import { loadSolPolicy, type SolPolicy } from './policy/sol-policy-schema.js';
import { loadSolanaKey } from './sol-key-source.js';
import { SolanaAdapter, type SolTxPayload } from './solana-adapter.js';
import { solanaBalances } from './solana-balances.js';
import { solanaPendingReader } from './pending-redemptions.js';

/**
 * Wires the Solana executor a vault's `execution` section describes: the policy (its vault must be the
 * section's), the builders with the section's assets, the adapter over a web3.js Connection, the shared
 * ChainExecutor. Live only with `mode: live` AND the --live flag, and a key for the vault.
 */
export function loadSolanaExecutionSetup(vault: LoadedVault, o: { allowPlaceholder?: boolean } = {}): { sol: SolanaExecutionConfig; policy: SolPolicy } {
  const sol = vault.config.execution?.solana;
  if (!sol) throw new ConfigError(vault.file, [{ where: `${vault.file} execution.solana`, value: undefined, expected: 'an execution.solana section (rpcUrl, vault, key, fees, assets) for --executor solana' }]);
  const policyPath = vault.paths.policy;
  if (!policyPath) throw new ConfigError(vault.file, [{ where: `${vault.file} execution.policy`, value: undefined, expected: 'the path of the Solana transaction policy (relative to the vault file)' }]);
  const policy = loadSolPolicy(policyPath, { allowPlaceholder: o.allowPlaceholder === true });
  if (policy.vault !== sol.vault) throw new ConfigError(policyPath, [{ where: `${policyPath} vault`, value: policy.vault, expected: `the vault of execution.solana (${sol.vault})` }]);
  return { sol, policy };
}

/** The section's assets as the builders and the readers take them: each asset's mint, and its venue where it has one. */
export function solAssetMaps(sol: SolanaExecutionConfig): { mints: Record<string, string>; venues: Record<string, SolAssetVenue> } {
  const mints: Record<string, string> = {};
  const venues: Record<string, SolAssetVenue> = {};
  for (const [id, a] of Object.entries(sol.assets)) {
    mints[id] = a.mint;
    if (a.venue) venues[id] = a.venue as SolAssetVenue;
  }
  return { mints, venues };
}

/** The adapter's fee, compute and cluster settings from the section (the single-key and Squads executors share them). */
export function solAdapterSettings(sol: SolanaExecutionConfig) {
  return {
    fees: { percentile: sol.fees.percentile, maxMicroLamportsPerCu: BigInt(sol.fees.maxMicroLamportsPerCu), minMicroLamportsPerCu: BigInt(sol.fees.minMicroLamportsPerCu) },
    computeUnitMargin: sol.computeUnitMargin,
    maxComputeUnits: sol.maxComputeUnits,
    cluster: `solana:${sol.cluster}`,
  };
}

export function solanaExecutorFor(vault: LoadedVault, journal: Journal, o: { live: boolean; log: Logger; env?: NodeJS.ProcessEnv; connection?: Connection; allowPlaceholder?: boolean }): ChainExecutor<SolTxPayload> {
  const { sol, policy } = loadSolanaExecutionSetup(vault, { allowPlaceholder: o.allowPlaceholder });
  if (sol.mode === 'live' && !o.live) throw new KeeperError('execution.solana.mode is live but the live flag was not given: refusing to send (pass --live, or use mode: dry-run)');
  if (o.live && sol.mode !== 'live') throw new KeeperError('the live flag was given but execution.solana.mode is dry-run: set mode: live in the config to send');
  const live = sol.mode === 'live';
  const key = live && sol.key ? loadSolanaKey(sol.key, { env: o.env ?? process.env, log: o.log }) : undefined;
  const vaultKey = new PublicKey(sol.vault);
  if (key && !key.keypair.publicKey.equals(vaultKey)) throw new KeeperError(`the key from ${key.source} is for ${key.keypair.publicKey.toBase58()}, not the vault ${sol.vault}`);
  const connection = o.connection ?? new Connection(sol.rpcUrl, { commitment: sol.commitment });
  const { mints, venues } = solAssetMaps(sol);
  const pendingOnChain = solanaPendingReader({ connection, vault: vaultKey, nativeAsset: vault.config.baseAsset, mints, venues, commitment: sol.commitment });
  const adapter = new SolanaAdapter({
    connection,
    vault: vaultKey,
    signer: key?.keypair,
    builders: solanaBuilders(sol.jupiter ? jupiterApi(sol.jupiter) : undefined),
    buildContext: { baseAsset: vault.config.baseAsset, mints, venues, maxSlippage: vault.config.planner.maxSlippage },
    policy,
    commitment: sol.commitment,
    ...solAdapterSettings(sol),
  });
  return new ChainExecutor<SolTxPayload>({
    mode: live ? 'live' : 'dry-run',
    journal,
    adapter,
    balances: { ...solanaBalances(connection, vaultKey, vault.config.baseAsset, mints, sol.commitment, false, venues), pending: (_u, now) => pendingOnChain(now) },
    vaultName: vault.config.name,
    nativeAsset: vault.config.baseAsset,
    tolerance: sol.reconcile.tolerance,
    pipeline: { confirmations: 1, pollIntervalMs: sol.pollInterval, replaceAfterMs: Number.MAX_SAFE_INTEGER, maxReplacements: sol.maxResigns, maxWaitMs: sol.maxWait },
    log: o.log,
  });
}
