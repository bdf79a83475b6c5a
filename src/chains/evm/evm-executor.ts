import type { Logger } from 'pino';
import { createPublicClient, defineChain, getAddress, http, type Abi, type Address, type PublicClient } from 'viem';
import type { PlannedAction } from '../../domain/action.js';
import type { AssetId } from '../../domain/asset.js';
import { mulRate, rescale } from '../../domain/amount.js';
import { fairRate } from '../../market/valuation.js';
import { holding, withHolding, type Portfolio } from '../../domain/portfolio.js';
import { KeeperError } from '../../errors.js';
import type { ExecutionContext, ExecutionResult, Executor } from '../../executor/executor.js';
import type { Universe } from '../../config/universe.js';
import type { InFlightReport } from '../reconcile-inflight.js';
import { reconcileInFlight } from '../reconcile-inflight.js';
import {
  ExecutionPipeline,
  HALT_EVENT,
  haltState,
  InFlightError,
  journalRefs,
  type HaltRequest,
  type PipelineJournal,
  type PipelineOptions,
} from '../execution-pipeline.js';
import { checkBalances, EvmAdapter, evmChainKey, type BuildActionFn, type CheckBatchFn, type PrepareActionFn } from './evm-adapter.js';
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

const RATE_SCALE = 10n ** 18n;

/**
 * The snapshot's fair rates of the action's assets as BuildInputs wants them (base-asset base units per
 * 10^18 base units of the asset), so the builders value each transaction from the data the keeper decided
 * on. An asset without a fair rate is left out (the builder then refuses rather than guess).
 */
export function fairRatesFor(action: PlannedAction, ctx: Pick<ExecutionContext, 'universe' | 'snapshot'>): Record<AssetId, bigint> {
  const out: Record<AssetId, bigint> = {};
  const u = ctx.universe;
  for (const id of [action.from, action.to]) {
    const a = u.registryAssets.get(id);
    if (!a) continue;
    const r = fairRate(u, ctx.snapshot, id);
    if (r === undefined || !(r > 0) || !Number.isFinite(r)) continue;
    out[id] = rescale(mulRate(RATE_SCALE, r), a.decimals, u.baseDecimals);
  }
  return out;
}

function adjust(p: Portfolio, asset: AssetId, delta: bigint): Portfolio {
  const v = holding(p, asset) + delta;
  return withHolding(p, asset, v < 0n ? 0n : v);
}

export class EvmExecutor implements Executor {
  readonly mode: 'dry-run' | 'live';
  readonly pipeline: ExecutionPipeline<TxIntent>;
  readonly #o: EvmExecutorOptions;
  readonly #clock: () => number;
  #halt: string | undefined;

  constructor(o: EvmExecutorOptions) {
    this.#o = o;
    this.mode = o.mode;
    this.#clock = o.clock ?? Date.now;
    if (o.mode === 'live' && !o.adapter.canSign) throw new KeeperError('live mode needs a signing key');
    this.pipeline = new ExecutionPipeline<TxIntent>({
      journal: o.journal,
      adapter: o.adapter,
      options: o.pipeline,
      clock: this.#clock,
      log: o.log,
      halt: (h) => this.#haltVault(h),
    });
    this.#halt = haltState(o.journal, o.vaultName);
  }

  get adapter(): EvmAdapter {
    return this.#o.adapter;
  }

  /** Why the vault is halted, if it is (the keeper honours it: no intents are journaled while halted). */
  haltReason(): string | undefined {
    return this.#halt;
  }

  #haltVault(h: HaltRequest): void {
    const message = `${h.cause}: ${h.message}`;
    this.#o.journal.recordEvent({ cycleId: h.cycleId, at: this.#clock(), kind: HALT_EVENT, severity: 'critical', message, data: { cause: h.cause, ...h.data } });
    this.#halt = message;
    this.#o.log?.error({ cause: h.cause }, `vault halted: ${h.message}`);
  }

  /**
   * Startup reconciliation of the journal's in-flight transactions against the chain (see
   * reconcile-inflight.ts). Must run before any new work; Keeper.startReconciled calls it.
   */
  async reconcileInFlight(at: number): Promise<InFlightReport> {
    const chainId = await this.#o.adapter.client.getChainId();
    if (evmChainKey(chainId) !== this.#o.adapter.chain) {
      throw new KeeperError(`the RPC serves chain ${chainId}, the config says ${this.#o.adapter.chain}`, { chainId });
    }
    if (this.mode === 'dry-run') return { resolutions: new Map(), lines: [], inFlight: this.#o.journal.openTransactions().length };
    const r = await reconcileInFlight(this.pipeline, this.#o.journal, at);
    for (const line of r.lines) this.#o.log?.warn(line);
    return r;
  }

  /** Cancel what is in flight at `nonce` (a 0-value self-transfer with bumped fees). */
  async cancel(nonce: number) {
    if (this.mode !== 'live') throw new KeeperError('dry-run never sends, so it cannot cancel');
    return this.pipeline.cancel(nonce);
  }

  /** The vault's balance of every universe asset with a token here (and the native asset), at one block. */
  async readHoldings(universe: Universe): Promise<ReadonlyMap<AssetId, bigint>> {
    const tokens: Record<AssetId, Address | null> = {};
    for (const a of universe.assets) {
      if (a.id === this.#o.nativeAsset) tokens[a.id] = null;
      else if (this.#o.tokens[a.id]) tokens[a.id] = this.#o.tokens[a.id] as Address;
    }
    return new Map(Object.entries(await this.#o.adapter.balances(tokens)));
  }

  #tokensFor(a: PlannedAction): Record<AssetId, Address | null> | string {
    const out: Record<AssetId, Address | null> = { [this.#o.nativeAsset]: null };
    for (const asset of [a.from, a.to]) {
      if (asset === this.#o.nativeAsset) continue;
      const t = this.#o.tokens[asset];
      if (!t) return `no token address configured for ${asset}`;
      out[asset] = t;
    }
    return out;
  }

  async execute(action: PlannedAction, portfolio: Portfolio, ctx: ExecutionContext): Promise<ExecutionResult> {
    if (this.#halt) return { status: 'skipped', portfolio, detail: { reason: `vault halted: ${this.#halt}` } };
    if (this.mode === 'dry-run') {
      const out = await this.pipeline.dryRun(action, ctx.onStatus, fairRatesFor(action, ctx));
      return out.status === 'failed'
        ? { status: 'failed', portfolio, detail: { reason: out.reason, ...out.detail } }
        : { status: 'skipped', portfolio, detail: out.detail };
    }
    const refs = journalRefs(ctx);
    if (!refs) throw new KeeperError("live execution needs the action's journal id (actionId) in the execution context");
    const tokens = this.#tokensFor(action);
    const before = typeof tokens === 'string' ? undefined : await this.#o.adapter.balances(tokens);

    let out;
    try {
      out = await this.pipeline.execute(action, refs, ctx.onStatus, fairRatesFor(action, ctx));
    } catch (e) {
      if (e instanceof InFlightError) {
        // Left in flight for the next start to reconcile; until then sign nothing more (it would queue
        // behind the stuck nonce).
        this.#o.journal.recordEvent({ cycleId: refs.cycleId, at: this.#clock(), kind: 'transaction-stuck', severity: 'critical', message: e.message, data: e.context });
        this.#halt = `a transaction is still in flight after maxWait (${e.message}); restart the keeper to reconcile it`;
      }
      throw e;
    }
    const gas = (out.status === 'skipped' ? [] : out.txs).reduce((s, t) => s + t.fee, 0n);
    if (out.status !== 'confirmed') {
      return { status: out.status, portfolio, detail: out.status === 'failed' ? { reason: out.reason, gasFee: gas.toString(), ...out.detail } : out.detail };
    }
    if (typeof tokens === 'string' || !before) {
      return { status: 'confirmed', portfolio, detail: { ...out.detail, gasFee: gas.toString(), reconciliation: { skipped: tokens } } };
    }
    const lastBlock = out.txs.reduce((m, t) => (t.block > m ? t.block : m), 0n);
    const after = await this.#o.adapter.balances(tokens, lastBlock);
    const check = checkBalances({ action, native: this.#o.nativeAsset, before, after, gas, tolerance: this.#o.tolerance });
    const reconciliation = { ok: check.ok, problems: check.problems, deltas: check.deltas, tolerance: this.#o.tolerance };
    if (!check.ok) {
      const message = `balances after action ${refs.actionId} (${action.kind} ${action.from}→${action.to}) do not match the plan: ${check.problems.join('; ')}`;
      this.#o.journal.recordEvent({ cycleId: refs.cycleId, at: this.#clock(), kind: 'reconciliation-mismatch', severity: 'critical', message, data: reconciliation });
      this.#haltVault({ cause: 'reconciliation-mismatch', message, data: { actionId: refs.actionId }, cycleId: refs.cycleId });
    }
    const amountIn = check.amountIn < 0n ? 0n : check.amountIn;
    const amountOut = check.amountOut < 0n ? 0n : check.amountOut;
    let next = adjust(portfolio, action.from, -amountIn);
    next = adjust(next, action.to, amountOut);
    next = adjust(next, this.#o.nativeAsset, -gas);
    return {
      status: 'confirmed',
      portfolio: next,
      fill: { amountIn, amountOut, costBase: gas, at: ctx.now, detail: { txs: out.detail.txs, reconciliation } },
      detail: { ...out.detail, gasFee: gas.toString(), reconciliation },
    };
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
