import type { ActionStatus, Fill, PlannedAction } from '../domain/action.js';
import type { AssetId } from '../domain/asset.js';
import type { Portfolio } from '../domain/portfolio.js';
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
}
