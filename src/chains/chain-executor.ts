import type { Logger } from 'pino';
import type { Universe } from '../config/universe.js';
import type { PlannedAction } from '../domain/action.js';
import type { AssetId } from '../domain/asset.js';
import { mulRate, rescale } from '../domain/amount.js';
import { holding, withHolding, type Portfolio } from '../domain/portfolio.js';
import { KeeperError } from '../errors.js';
import type { ChainPendingRead, ExecutionContext, ExecutionResult, Executor } from '../executor/executor.js';
import { fairRate } from '../market/valuation.js';
import { checkBalances } from './balance-check.js';
import { costSplitDetail } from '../domain/cost-split.js';
import { chainSplit } from '../market/fill-split.js';
import type { ChainAdapter } from './chain-adapter.js';
import { ExecutionPipeline, HALT_EVENT, haltState, InFlightError, journalRefs, type HaltRequest, type PipelineJournal, type PipelineOptions, type PipelineOutcome } from './execution-pipeline.js';
import { reconcileInFlight, type InFlightReport } from './reconcile-inflight.js';

/**
 * The Executor port over any chain adapter: the part every chain shares (the EVM and Solana executors are
 * this with their adapter and balance reader).
 *
 * - dry-run: build and simulate; never signs, never sends; the action ends 'skipped' with the simulation.
 * - live: the pipeline (execution-pipeline.ts), then the vault's balances of the assets involved are read
 *   and compared with the plan; a mismatch beyond the tolerance raises a 'reconciliation-mismatch'
 *   critical event and halts the vault. A halted executor skips every action until an operator resumes.
 */
export interface ChainBalances {
  /**
   * The vault's balances of these assets (the native asset included), mutually consistent (one block /
   * slot, at least `atBlock` when given); a string names why they cannot be read (an unconfigured asset).
   */
  read(assets: readonly AssetId[], atBlock?: bigint): Promise<Record<AssetId, bigint> | string>;
  /** Every universe asset the chain can say something about, for the keeper's holdings sync. */
  holdings(universe: Universe): Promise<ReadonlyMap<AssetId, bigint>>;
  /** The vault's pending redemptions as the chain holds them (Solana: solana/pending-redemptions.ts), where the chain can say. */
  pending?(universe: Universe, now: number): Promise<ChainPendingRead>;
}

export interface ChainExecutorOptions<P> {
  readonly mode: 'dry-run' | 'live';
  readonly journal: PipelineJournal;
  readonly adapter: ChainAdapter<P>;
  readonly balances: ChainBalances;
  /** The vault's config name: halts are recorded and looked up per vault. */
  readonly vaultName: string;
  /** The asset that pays fees (the universe's base asset). */
  readonly nativeAsset: AssetId;
  /** Fraction of the expected amount a balance change may differ by. */
  readonly tolerance: number;
  readonly pipeline: PipelineOptions;
  /** Checks the RPC serves the configured chain before reconciling (throws a KeeperError if not). */
  readonly verifyChain?: (() => Promise<void>) | undefined;
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

export class ChainExecutor<P = unknown> implements Executor {
  readonly mode: 'dry-run' | 'live';
  readonly pipeline: ExecutionPipeline<P>;
  readonly #o: ChainExecutorOptions<P>;
  readonly #clock: () => number;
  #halt: string | undefined;

  constructor(o: ChainExecutorOptions<P>) {
    this.#o = o;
    this.mode = o.mode;
    this.#clock = o.clock ?? Date.now;
    if (o.mode === 'live' && !o.adapter.canSign) throw new KeeperError('live mode needs a signing key');
    this.pipeline = new ExecutionPipeline<P>({ journal: o.journal, adapter: o.adapter, options: o.pipeline, clock: this.#clock, log: o.log, halt: (h) => this.#haltVault(h) });
    this.#halt = haltState(o.journal, o.vaultName);
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

  /** Startup reconciliation of the journal's in-flight transactions (reconcile-inflight.ts), before any new work. */
  async reconcileInFlight(at: number): Promise<InFlightReport> {
    await this.#o.verifyChain?.();
    if (this.mode === 'dry-run') return { resolutions: new Map(), lines: [], inFlight: this.#o.journal.openTransactions().length };
    const r = await reconcileInFlight(this.pipeline as ExecutionPipeline, this.#o.journal, at);
    for (const line of r.lines) this.#o.log?.warn(line);
    return r;
  }

  async readHoldings(universe: Universe): Promise<ReadonlyMap<AssetId, bigint>> {
    return this.#o.balances.holdings(universe);
  }

  async readPending(universe: Universe, now: number): Promise<ChainPendingRead | undefined> {
    return this.#o.balances.pending?.(universe, now);
  }

  async execute(action: PlannedAction, portfolio: Portfolio, ctx: ExecutionContext): Promise<ExecutionResult> {
    if (this.#halt) return { status: 'skipped', portfolio, detail: { reason: `vault halted: ${this.#halt}` } };
    if (this.mode === 'dry-run') {
      const out = await this.pipeline.dryRun(action, ctx.onStatus, fairRatesFor(action, ctx));
      return out.status === 'failed' ? { status: 'failed', portfolio, detail: { reason: out.reason, ...out.detail } } : { status: 'skipped', portfolio, detail: out.detail };
    }
    const refs = journalRefs(ctx);
    if (!refs) throw new KeeperError("live execution needs the action's journal id (actionId) in the execution context");
    const assets = [...new Set([this.#o.nativeAsset, action.from, action.to])];
    const before = await this.#o.balances.read(assets);

    let out: PipelineOutcome;
    try {
      out = await this.pipeline.execute(action, refs, ctx.onStatus, fairRatesFor(action, ctx));
    } catch (e) {
      if (e instanceof InFlightError) {
        // Left in flight for the next start to reconcile; until then sign nothing more.
        this.#o.journal.recordEvent({ cycleId: refs.cycleId, at: this.#clock(), kind: 'transaction-stuck', severity: 'critical', message: e.message, data: e.context });
        this.#halt = `a transaction is still in flight after maxWait (${e.message}); restart the keeper to reconcile it`;
      }
      throw e;
    }
    const gas = (out.status === 'skipped' ? [] : out.txs).reduce((s, t) => s + t.fee, 0n);
    if (out.status !== 'confirmed') {
      return { status: out.status, portfolio, detail: out.status === 'failed' ? { reason: out.reason, gasFee: gas.toString(), ...out.detail } : out.detail };
    }
    if (typeof before === 'string') return { status: 'confirmed', portfolio, detail: { ...out.detail, gasFee: gas.toString(), reconciliation: { skipped: before } } };
    const lastBlock = out.txs.reduce((m, t) => (t.block > m ? t.block : m), 0n);
    const after = await this.#o.balances.read(assets, lastBlock);
    if (typeof after === 'string') return { status: 'confirmed', portfolio, detail: { ...out.detail, gasFee: gas.toString(), reconciliation: { skipped: after } } };
    const check = checkBalances({ action, native: this.#o.nativeAsset, before, after, gas, tolerance: this.#o.tolerance, queued: this.#o.balances.pending !== undefined });
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
    // A claim spends its redemption; a request's new one is what the chain now holds for that asset (if
    // this read fails, the next cycle's pending sync adopts it with a 'pending-appeared' event).
    if (action.kind === 'redeem-claim') next = { ...next, pending: next.pending.filter((p) => p.id !== action.redemptionId) };
    if (action.kind === 'redeem-request' && this.#o.balances.pending) {
      const chain = await this.#o.balances.pending(ctx.universe, ctx.now).catch(() => undefined);
      const known = new Set(next.pending.map((p) => p.id));
      if (chain) next = { ...next, pending: [...next.pending, ...chain.redemptions.filter((r) => r.asset === action.from && !known.has(r.id)).map((r) => ({ id: r.id, asset: r.asset, amountIn: r.amountInKnown === false ? amountIn : r.amountIn, expectedBase: r.expectedBase, requestedAt: ctx.now, claimableAt: r.claimableAt }))] };
    }
    return {
      status: 'confirmed',
      portfolio: next,
      // Gas from the receipts; the venue's fee and slippage against the snapshot's quote, or unknown with the reason.
      fill: { amountIn, amountOut, costBase: gas, at: ctx.now, detail: { txs: out.detail.txs, reconciliation, ...costSplitDetail(chainSplit(ctx.universe, ctx.snapshot, action, { amountIn, amountOut, gas })) } },
      detail: { ...out.detail, gasFee: gas.toString(), reconciliation },
    };
  }
}
