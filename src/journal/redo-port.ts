import type { PlannedAction } from '../domain/action.js';
import type { Portfolio } from '../domain/portfolio.js';

/** An action of an interrupted decision that was carried out (or tried and failed): it is never executed again. */
export interface ExecutedAction {
  readonly actionId: number;
  readonly cycleId: number;
  readonly action: PlannedAction;
  readonly status: 'confirmed' | 'failed';
  /** The vault's holdings right after it (confirmed actions; written with the fill). */
  readonly holdingsAfter: Portfolio | undefined;
}

/**
 * An interrupted decision still owed: the cycle to redo and everything the redo continues from. A redo
 * that is itself interrupted makes the chain longer; the decision being made again is the first cycle's.
 */
export interface PendingRedo {
  /** The interrupted cycle the redo links to (the newest of the chain). */
  readonly interrupted: number;
  /** Every cycle of the chain, oldest (the original decision) first. */
  readonly chain: readonly number[];
  readonly decisionTime: number;
  /** Where the interrupted cycle stopped (its last stage), for the journal's account of the redo. */
  readonly lastStage: string | null;
  /** The holdings the decision was made on (the chain's first portfolio snapshot), if it got that far. */
  readonly decisionHoldings: Portfolio | undefined;
  /** Actions of the chain that were executed (confirmed or failed), in execution order. */
  readonly executed: readonly ExecutedAction[];
}

/** The journal's side of redoing interrupted cycles (migration 5: cycle_redos, action_holdings). */
export interface RedoJournal {
  /**
   * The interrupted cycle of this vault still to redo: ended 'interrupted', not redone yet, and at the
   * vault's latest decision time (an interrupted cycle the keeper has since moved past is history).
   */
  pendingRedo(vault: string): PendingRedo | undefined;
  /** Begins the redo cycle and links it to the cycle it redoes, in one transaction. */
  beginRedoCycle(c: { runId: number; redoOf: number; at: number }): number;
  /** The holdings right after a confirmed action; call inside the same `atomically` as its fill and status. */
  recordActionHoldings(actionId: number, at: number, portfolio: Portfolio): void;
  /** The newest reading time journaled for this vault, if any. */
  lastObservationTime(vault: string): number | undefined;
  /**
   * `key` of the end summary of the vault's latest cycle that finished (completed, halted or failed; an
   * interrupted one left nothing to carry): state a decision hands to the next, e.g. depeg episodes.
   */
  lastCarried(vault: string, key: string): unknown;
  /** Runs fn as one transaction: either every write in it is journaled or none is. */
  atomically<T>(fn: () => T): T;
}
