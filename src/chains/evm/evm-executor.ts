import type { Logger } from 'pino';
import { createPublicClient, defineChain, getAddress, http, type Abi, type Address, type PublicClient } from 'viem';
import type { AssetId } from '../../domain/asset.js';
import { KeeperError } from '../../errors.js';
import { ChainExecutor, fairRatesFor, type ChainBalances } from '../chain-executor.js';
import type { PipelineJournal, PipelineOptions } from '../execution-pipeline.js';
import { EvmAdapter, evmChainKey, type BuildActionFn, type CheckBatchFn, type PrepareActionFn } from './evm-adapter.js';
import type { EvmExecutionConfig } from './exec-config.js';
import type { BuildContext, TxIntent } from './evm-tx.js';
import { loadKey } from './key-source.js';

/**
 * The Executor port on an EVM chain.
 *
 * - dry-run: build and simulate against the RPC; never signs, never sends; the action ends 'skipped'
 *   with the simulation result (a revert's decoded reason included).
 * - live: the full pipeline (execution-pipeline.ts), then the vault's balances of the tokens involved are
 *   read and compared with the plan; a mismatch beyond the tolerance raises a 'reconciliation-mismatch'
 *   critical event and halts the vault. A halted executor skips every action (and the keeper checks
 *   haltReason() before journaling an intent) until an operator resumes the vault (resumeVault).
 */

export interface EvmExecutorOptions {
  readonly mode: 'dry-run' | 'live';
  readonly journal: PipelineJournal;
  readonly adapter: EvmAdapter;
  /** The vault's config name: halts are recorded and looked up per vault. */
  readonly vaultName: string;
  /** The asset that pays gas (the universe's base asset on Ethereum, e.g. "ETH"). */
  readonly nativeAsset: AssetId;
  /** ERC-20 address per asset id, for balance reconciliation (the native asset has none). */
  readonly tokens: Readonly<Record<AssetId, Address>>;
  /** Fraction of the expected amount a balance change may differ by. */
  readonly tolerance: number;
  readonly pipeline: PipelineOptions;
  readonly clock?: (() => number) | undefined;
  readonly log?: Logger | undefined;
}

/** Re-exported: the shared executor's helper, where EVM callers have always found it. */
export { fairRatesFor };

/** The vault's balances of the given assets through the adapter (null token = native ETH), at one block. */
function evmBalances(o: EvmExecutorOptions): ChainBalances {
  const tokenOf = (asset: AssetId): Address | null | undefined => (asset === o.nativeAsset ? null : o.tokens[asset]);
  return {
    async read(assets, atBlock) {
      const tokens: Record<AssetId, Address | null> = {};
      for (const a of assets) {
        const t = tokenOf(a);
        if (t === undefined) return `no token address configured for ${a}`;
        tokens[a] = t;
      }
      return o.adapter.balances(tokens, atBlock);
    },
    async holdings(universe) {
      const tokens: Record<AssetId, Address | null> = {};
      for (const a of universe.assets) {
        const t = tokenOf(a.id);
        if (t !== undefined) tokens[a.id] = t;
      }
      return new Map(Object.entries(await o.adapter.balances(tokens)));
    },
  };
}

export class EvmExecutor extends ChainExecutor<TxIntent> {
  readonly #adapter: EvmAdapter;

  constructor(o: EvmExecutorOptions) {
    super({
      ...o,
      balances: evmBalances(o),
      verifyChain: async () => {
        const chainId = await o.adapter.client.getChainId();
        if (evmChainKey(chainId) !== o.adapter.chain) throw new KeeperError(`the RPC serves chain ${chainId}, the config says ${o.adapter.chain}`, { chainId });
      },
    });
    this.#adapter = o.adapter;
  }

  get adapter(): EvmAdapter {
    return this.#adapter;
  }

  /** Cancel what is in flight at `nonce` (a 0-value self-transfer with bumped fees). */
  async cancel(nonce: number) {
    if (this.mode !== 'live') throw new KeeperError('dry-run never sends, so it cannot cancel');
    return this.pipeline.cancel(nonce);
  }
}

export interface EvmExecutorDeps {
  readonly journal: PipelineJournal;
  readonly vaultName: string;
  readonly nativeAsset: AssetId;
  readonly buildAction: BuildActionFn;
  /** Chain reads before building (fresh DEX quotes, rates, claim hints): builders/registry.ts prepareAction. */
  readonly prepareAction?: PrepareActionFn | undefined;
  readonly checkBatch: CheckBatchFn;
  /** Protocol addresses and token map for the builders; its vault must be the config's. */
  readonly buildContext: BuildContext;
  /** The explicit live flag (e.g. --live on the command line). Live needs it AND `mode: live` in the config. */
  readonly liveFlag: boolean;
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly log?: Logger | undefined;
  readonly clock?: (() => number) | undefined;
  readonly errorAbis?: readonly Abi[] | undefined;
  /** A ready client (tests); otherwise one is made for config.rpcUrl. */
  readonly client?: PublicClient | undefined;
}

/** Builds the executor a vault's `execution.evm` section describes. Live only with both the config's mode and the flag. */
export function createEvmExecutor(config: EvmExecutionConfig, deps: EvmExecutorDeps): EvmExecutor {
  if (config.mode === 'live' && !deps.liveFlag) {
    throw new KeeperError('execution.evm.mode is live but the live flag was not given: refusing to send (pass --live, or use mode: dry-run)');
  }
  if (deps.liveFlag && config.mode !== 'live') {
    throw new KeeperError('the live flag was given but execution.evm.mode is dry-run: set mode: live in the config to send');
  }
  if (getAddress(deps.buildContext.vault) !== config.vault) throw new KeeperError(`the builders' vault ${deps.buildContext.vault} is not the config's ${config.vault}`);
  const live = config.mode === 'live';
  const key = live && config.key ? loadKey(config.key, { env: deps.env, ...(deps.log ? { log: deps.log } : {}) }) : undefined;
  if (key && key.address !== config.vault) {
    throw new KeeperError(`the key from ${key.source} is for ${key.address}, not the vault ${config.vault}`);
  }
  const chain = defineChain({
    id: config.chainId,
    name: `chain ${config.chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
  const client = deps.client ?? (createPublicClient({ chain, transport: http(config.rpcUrl, { retryCount: 2, timeout: 20_000 }) }) as PublicClient);
  const adapter = new EvmAdapter({
    client,
    chainId: config.chainId,
    vault: config.vault,
    signer: key?.account,
    buildAction: deps.buildAction,
    prepareAction: deps.prepareAction,
    buildContext: deps.buildContext,
    checkBatch: deps.checkBatch,
    fees: config.fees,
    bump: config.bump,
    gasHeadroom: config.gasHeadroom,
    errorAbis: deps.errorAbis,
  });
  return new EvmExecutor({
    mode: live ? 'live' : 'dry-run',
    journal: deps.journal,
    adapter,
    vaultName: deps.vaultName,
    nativeAsset: deps.nativeAsset,
    tokens: deps.buildContext.tokens,
    tolerance: config.reconcile.tolerance,
    pipeline: {
      confirmations: config.confirmations,
      pollIntervalMs: config.pollInterval,
      replaceAfterMs: config.replaceAfter,
      maxReplacements: config.maxReplacements,
      maxWaitMs: config.maxWait,
    },
    clock: deps.clock,
    log: deps.log,
  });
}
