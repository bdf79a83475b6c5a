import type { ActionStatus, Fill, PlannedAction } from '../domain/action.js';
import type { KeeperEvent } from '../domain/event.js';
import type { Observation } from '../domain/observation.js';
import type { Portfolio } from '../domain/portfolio.js';
import type { AssetScore } from '../domain/score.js';

export type CycleEndStatus = 'completed' | 'halted' | 'failed' | 'interrupted';

export interface UnfinishedCycle {
  readonly cycleId: number;
  readonly runId: number;
  readonly decisionTime: number;
  /** The last stage recorded for the cycle, or null if it never got past beginCycle. */
  readonly lastStage: string | null;
  /** Actions of the cycle whose latest status is not terminal, in plan order. */
  readonly openActions: Array<{ actionId: number; status: ActionStatus }>;
}

export interface LatestPortfolio {
  readonly at: number;
  readonly navBase: bigint;
  readonly portfolio: Portfolio;
  readonly cycleId: number | null;
}

/**
 * What the keeper core needs from its journal: the append-only record of every run, cycle, reading,
 * score, decision, action and fill, and the reads that let a restarted keeper pick up where it died.
 *
 * Every method that writes several rows writes them in one transaction. Errors (unknown ids, illegal
 * transitions, a closed cycle, a bad value) are thrown as JournalError.
 */
export interface JournalPort {
  /** Start a run (one keeper process or backtest). Later cycle-less snapshots/events belong to it. */
  startRun(r: { at: number; mode: string; vault: string; configHash: string; configJson: string }): number;

  /** Begin a cycle. Its seq is 1 + the highest seq in the same run (cycles are numbered per run). */
  beginCycle(c: { runId: number; decisionTime: number; at: number }): number;

  /** Mark progress (e.g. 'observed', 'scored', 'decided', 'planned', 'executing'). */
  recordStage(cycleId: number, stage: string, at: number): void;
  recordObservations(cycleId: number, obs: readonly Observation[]): void;
  /** One row per asset per cycle. */
  recordScores(cycleId: number, scores: readonly AssetScore[]): void;
  /** One decision per cycle. */
  recordDecision(
    cycleId: number,
    d: { strategy: string; weights: Record<string, number>; rationale: readonly string[]; halted: boolean },
  ): void;

  /**
   * Record the plan; returns the action ids in the order given, and writes a 'planned' status row for
   * each. `at` (the time of the planned rows) defaults to the cycle's latest recorded time (its last
   * stage, else its start), never the wall clock, so backtests stay on simulated time.
   */
  recordActions(cycleId: number, actions: readonly PlannedAction[], at?: number): number[];

  /**
   * Append a status. Legal moves: planned → intent | skipped | failed | abandoned; then forward along
   * intent → built → simulated → signed → sent → confirmed (stages may be skipped); failed/abandoned from
   * any open status; skipped only before sent. Nothing follows confirmed/failed/skipped/abandoned.
   */
  recordActionStatus(actionId: number, status: ActionStatus, at: number, detail?: Record<string, unknown>): void;

  /** A (possibly partial) fill. Allowed once the action has an intent and is not failed/skipped/abandoned. */
  recordFill(actionId: number, fill: Fill): void;

  /**
   * Snapshot the portfolio. With a cycleId the snapshot belongs to that cycle's run; without one, to
   * `runId` if given, else to the last run started through this journal object.
   */
  recordPortfolio(s: {
    cycleId: number | null;
    at: number;
    navBase: bigint;
    portfolio: Portfolio;
    marks: Record<string, number>;
    runId?: number;
  }): void;

  /** Events attach to a cycle when given one, and to its run (or `runId`, else the current run, else none). */
  recordEvent(e: KeeperEvent & { cycleId?: number | null; runId?: number | null }): void;

  /**
   * Close a cycle for good (nothing more may be recorded about its stages, plan or actions). Refused while
   * any of its actions is still open: resolve each (confirmed/failed/skipped/abandoned) first, so open
   * actions only ever exist in unfinished cycles and recovery cannot miss one.
   */
  endCycle(cycleId: number, at: number, status: CycleEndStatus, summary: Record<string, unknown>): void;

  // recovery

  /** Cycles with no end row (the process died mid-cycle), oldest first, with their open actions. */
  unfinishedCycles(): UnfinishedCycle[];
  /** The most recently recorded snapshot of any run of this vault (by write order, not by `at`). */
  latestPortfolio(vault: string): LatestPortfolio | undefined;
  /** The latest decision time of any cycle begun for this vault (finished or not). */
  lastDecisionTime(vault: string): number | undefined;
  /** The highest NAV of any snapshot of this vault (for drawdown breakers), compared exactly as bigints. */
  peakNav?(vault: string): bigint | undefined;
  /**
   * Readings journaled for this vault (any run, recorder included) at or after `since`, in time order,
   * one per (time, asset, source): what a restarted live keeper primes its market view with.
   */
  recentObservations?(vault: string, since: number): Observation[];
  close(): void;
}
