import type { ActionStatus, Fill, PlannedAction } from '../domain/action.js';
import type { AssetId } from '../domain/asset.js';
import type { PendingRedemption, Portfolio } from '../domain/portfolio.js';
import type { Universe } from '../config/universe.js';
import type { Snapshot } from '../market/asset-view.js';

/**
 * The execute end of the decision path. Paper mode simulates; chain executors build, simulate, sign,
 * send and confirm. All of them report the same chain-agnostic status transitions as they happen, so
 * the journal records intent before anything irreversible.
 */
export interface ExecutionContext {
  readonly universe: Universe;
  readonly snapshot: Snapshot;
  readonly now: number;
  /** Called at each transition past 'intent' (built, simulated, signed, sent…), before the next step. */
  readonly onStatus: (status: ActionStatus, detail?: Record<string, unknown>) => void;
}

export interface ExecutionResult {
  readonly status: 'confirmed' | 'failed' | 'skipped';
  readonly portfolio: Portfolio;
  readonly fill?: Fill | undefined;
  readonly detail: Record<string, unknown>;
}

export interface Executor {
  readonly mode: string;
  execute(action: PlannedAction, portfolio: Portfolio, ctx: ExecutionContext): Promise<ExecutionResult>;
  /**
   * What the vault actually holds, where that is known outside the journal (a chain executor reads its
   * account's balances): per universe asset it can read, in base units. The keeper adopts these before
   * deciding, so a live plan starts from the chain, not from the journal's running estimate. Paper
   * executors have no such source and omit it.
   */
  readHoldings?(universe: Universe): Promise<ReadonlyMap<AssetId, bigint>>;
  /**
   * The vault's pending redemptions as the chain shows them (tickets, deactivating stake), where the
   * executor can read them; undefined where it cannot. The keeper reconciles the journal's list with it.
   */
  readPending?(universe: Universe, now: number): Promise<ChainPendingRead | undefined>;
}

/** Pending redemptions read from the chain (src/keeper/pending-sync.ts reconciles them with the journal's). */
export interface ChainPendingRead {
  /** `amountInKnown` false: the account does not record what was handed in (the journal's amount stands). */
  readonly redemptions: ReadonlyArray<PendingRedemption & { readonly amountInKnown?: boolean | undefined }>;
  /** What could not be read or valued, in words. */
  readonly problems: readonly string[];
  /** Ids the chain holds but whose state could not be validated: the journal's entry for them stands. */
  readonly unreadable: readonly string[];
}

/** One action of a plan handed to a plan-at-once executor, with its journal id and status callback. */
export interface PlanEntry {
  readonly action: PlannedAction;
  readonly actionId: number;
  readonly onStatus: ExecutionContext['onStatus'];
}

export interface PlanContext {
  readonly universe: Universe;
  readonly snapshot: Snapshot;
  readonly now: number;
  readonly cycleId: number;
  /** The decision's rationale, for whoever has to approve the plan. */
  readonly rationale: readonly string[];
  /** Breakers that fired this cycle (name, action, asset). */
  readonly firings: ReadonlyArray<{ readonly breaker: string; readonly action: string; readonly asset?: AssetId | undefined; readonly held: boolean; readonly message: string }>;
}

/**
 * An executor that takes a cycle's whole plan at once (a multisig proposer: the plan becomes one
 * proposal). It is called every cycle that reaches a decision, with an empty plan too (a pending
 * proposal may need following). Returns one result per entry, in order.
 */
export interface PlanExecutor extends Executor {
  executePlan(entries: readonly PlanEntry[], portfolio: Portfolio, ctx: PlanContext): Promise<ExecutionResult[]>;
}

export function isPlanExecutor(e: Executor): e is PlanExecutor {
  return typeof (e as Partial<PlanExecutor>).executePlan === 'function';
}
