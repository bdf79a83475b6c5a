import type { ActionStatus, Fill, PlannedAction } from '../domain/action.js';
import type { KeeperEvent } from '../domain/event.js';
import type { Observation } from '../domain/observation.js';
import type { Portfolio } from '../domain/portfolio.js';
import type { AssetScore } from '../domain/score.js';
import type { RedoJournal } from './redo-port.js';
import type { TxStatus } from './transitions.js';

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

  // chain transactions (optional on the port so paper-only journals need not implement them)

  /** Transactions whose latest status is not terminal (recovery must reconcile them against the chain). */
  openTransactions?(filter?: { chain?: string; account?: string }): TransactionRecord[];
  /** Every transaction of an action, in insertion order, with its latest status. */
  transactionsOfAction?(actionId: number): TransactionRecord[];
  /** Redo of interrupted cycles; a journal without it closes them as interrupted and moves on. */
  readonly redo?: RedoJournal | undefined;
  close(): void;
}

export type TxKind = 'action' | 'replacement' | 'cancel';

/** One signed transaction to journal, before it is broadcast. Chain-agnostic: hex bytes, text addresses. */
export interface NewTransaction {
  readonly actionId: number;
  /** e.g. "evm:1", "solana:mainnet-beta". */
  readonly chain: string;
  /** The sending account (fee payer). */
  readonly account: string;
  /** Which transaction of the action (0, 1, …); a replacement or cancel keeps the seq it replaces. */
  readonly seq: number;
  readonly kind: TxKind;
  /** For a replacement or cancel: the transaction it replaces. */
  readonly replacesId?: number | undefined;
  readonly description: string;
  readonly to: string | null;
  /** Lower-case 0x hex. */
  readonly calldata: string;
  readonly value: bigint;
  /** Value the transaction moves out of the vault (what the daily cap counts), base units. */
  readonly valueAtRisk: bigint;
  /** The account nonce (EVM); null where a chain has none (Solana uses a recent blockhash, in meta). */
  readonly nonce: number | null;
  /** The signed serialized transaction, lower-case 0x hex: what is broadcast, and rebroadcast after a crash. */
  readonly signedRaw: string;
  readonly txHash: string;
  readonly maxFee: bigint | null;
  readonly maxPriorityFee: bigint | null;
  /** Chain-specific extras (gas limit, blockhash and last valid height, …). Never a key. */
  readonly meta?: Record<string, unknown> | undefined;
  readonly createdAt: number;
  /** Its statuses so far, oldest first: starts with 'built', ends with 'signed'. Written with the row, atomically. */
  readonly history: ReadonlyArray<{ status: TxStatus; at: number; detail?: Record<string, unknown> | undefined }>;
}

/** A journaled transaction: what was written (without the status history) plus its id and latest status. */
export interface TransactionRecord extends Omit<NewTransaction, 'replacesId' | 'meta' | 'history'> {
  readonly id: number;
  readonly replacesId: number | null;
  readonly meta: Record<string, unknown> | undefined;
  /** Latest status and when it was recorded. */
  readonly status: TxStatus;
  readonly statusAt: number;
}

export interface StatusRow<S extends string> {
  readonly status: S;
  readonly at: number;
  readonly detail?: Record<string, unknown> | undefined;
}

/** What the execution pipeline needs from the journal, beyond action statuses and events. */
export interface TransactionJournal {
  /** Insert a signed transaction with its status history (built … signed) in one commit; returns its id. */
  recordTransaction(t: NewTransaction): number;
  /** Append a status; the transition table is in transitions.ts (canTxTransition). */
  recordTransactionStatus(transactionId: number, status: TxStatus, at: number, detail?: Record<string, unknown>): void;
  transaction(transactionId: number): TransactionRecord | undefined;
  transactionHistory(transactionId: number): Array<StatusRow<TxStatus>>;
  openTransactions(filter?: { chain?: string; account?: string }): TransactionRecord[];
  transactionsOfAction(actionId: number): TransactionRecord[];
  /** Every journaled transaction of the account at this nonce (the original, its replacements, a cancel). */
  transactionsAtNonce(chain: string, account: string, nonce: number): TransactionRecord[];
  /** The highest nonce the keeper signed for this account and did not see dropped (refused, never on chain), if any. */
  highestNonce(chain: string, account: string): number | undefined;
  /**
   * Value at risk of the action steps signed in [from, to) that are not known to have failed (confirmed
   * or still in flight; a step counts once however many replacements it took; cancels count nothing).
   */
  spentBetween(chain: string, account: string, from: number, to: number): bigint;
  actionStatusHistory(actionId: number): Array<StatusRow<ActionStatus>>;
  /** The action as planned, its cycle and its run's vault. */
  actionInfo(actionId: number): { action: PlannedAction; cycleId: number; runId: number; vault: string } | undefined;
  /** The latest event of one of these kinds recorded in a run of this vault. */
  latestEvent(vault: string, kinds: readonly string[]): { id: number; kind: string; at: number; message: string; data?: Record<string, unknown> | undefined } | undefined;
}
