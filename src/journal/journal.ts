import type Database from 'better-sqlite3';
import type { ActionStatus, Fill, PlannedAction } from '../domain/action.js';
import { SEVERITIES, type KeeperEvent } from '../domain/event.js';
import type { Observation } from '../domain/observation.js';
import { portfolioToJson, type Portfolio } from '../domain/portfolio.js';
import type { AssetScore } from '../domain/score.js';
import { JournalError } from '../errors.js';
import { guard, optionalJsonText, toJsonText, uintToText } from './codec.js';
import type {
  CycleEndStatus,
  JournalPort,
  LatestPortfolio,
  NewTransaction,
  StatusRow,
  TransactionJournal,
  TransactionRecord,
  UnfinishedCycle,
} from './journal-port.js';
import { ActionStore } from './action-store.js';
import { CycleRecords } from './cycle-records.js';
import { JournalReads } from './journal-reads.js';
import { id, prepareStatements } from './journal-statements.js';
import { LATEST_SCHEMA_VERSION, schemaVersion } from './migrations.js';
import { SqliteRedoJournal } from './redo-journal.js';
import { CYCLE_END_STATUSES } from './tables.js';
import { TransactionStore } from './transaction-store.js';
import type { TxStatus } from './transitions.js';

/**
 * The journal, on better-sqlite3. Synchronous by design: a write has reached the WAL (and, with
 * synchronous = FULL, the disk) when the method returns, so "write intent, then act" is a real ordering.
 * Open it with `openJournal` (which sets the pragmas and migrates); the constructor only checks the
 * schema version matches this code.
 */
export class Journal implements JournalPort, TransactionJournal {
  readonly #db: Database.Database;
  readonly #s: ReturnType<typeof prepareStatements>;
  readonly #reads: JournalReads;
  readonly #records: CycleRecords;
  readonly #actions: ActionStore;
  readonly #txs: TransactionStore;
  #runId: number | undefined;

  constructor(db: Database.Database) {
    const version = schemaVersion(db);
    if (version !== LATEST_SCHEMA_VERSION) {
      throw new JournalError(
        `journal ${db.name} is at schema version ${version}, this keeper expects ${LATEST_SCHEMA_VERSION}` +
          (version < LATEST_SCHEMA_VERSION ? ' (open it with openJournal to migrate)' : ''),
        { file: db.name, version, expected: LATEST_SCHEMA_VERSION },
      );
    }
    this.#db = db;
    this.#s = prepareStatements(db);
    this.#reads = new JournalReads(db);
    this.#records = new CycleRecords(this.#s, (fn) => this.#tx(fn));
    this.#actions = new ActionStore(this.#s, (fn) => this.#tx(fn));
    this.#txs = new TransactionStore(db, (fn) => this.#tx(fn), (actionId) => this.#actions.latestStatus(actionId));
  }

  /** The underlying connection, for the read-side queries and CSV export. */
  get db(): Database.Database {
    return this.#db;
  }

  /** The run last started through this object, if any. */
  get currentRunId(): number | undefined {
    return this.#runId;
  }

  /** Run fn in one BEGIN IMMEDIATE transaction (takes the write lock up front: no read→write upgrade races). */
  #tx<T>(fn: () => T): T {
    return this.#db.transaction(fn).immediate();
  }

  #redo: SqliteRedoJournal | undefined;

  /** Redo of interrupted cycles (crash recovery): see redo-port.ts. */
  get redo(): SqliteRedoJournal {
    this.#redo ??= new SqliteRedoJournal(this.#db, (fn) => this.#tx(fn), (c) => this.beginCycle(c));
    return this.#redo;
  }

  startRun(r: { at: number; mode: string; vault: string; configHash: string; configJson: string }): number {
    return guard('startRun', { vault: r.vault }, () => {
      const runId = id(this.#s.insertRun.run({
          at: r.at,
          mode: r.mode,
          vault: r.vault,
          configHash: r.configHash,
          configJson: r.configJson,
        }).lastInsertRowid);
      this.#runId = runId;
      return runId;
    });
  }

  beginCycle(c: { runId: number; decisionTime: number; at: number }): number {
    return guard('beginCycle', { runId: c.runId }, () =>
      this.#tx(() => {
        if (!this.#s.runExists.get(c.runId)) throw new JournalError(`beginCycle: no run ${c.runId}`, { runId: c.runId });
        const seq = this.#s.nextSeq.get(c.runId)?.seq ?? 1;
        return id(this.#s.insertCycle.run({ runId: c.runId, seq, decisionTime: c.decisionTime, at: c.at }).lastInsertRowid);
      }),
    );
  }

  recordStage(cycleId: number, stage: string, at: number): void {
    guard('recordStage', { cycleId, stage }, () => {
      this.#s.insertStage.run(cycleId, stage, at);
    });
  }

  recordObservations(cycleId: number, obs: readonly Observation[]): void {
    this.#records.recordObservations(cycleId, obs);
  }

  recordScores(cycleId: number, scores: readonly AssetScore[]): void {
    this.#records.recordScores(cycleId, scores);
  }

  recordDecision(cycleId: number, d: { strategy: string; weights: Record<string, number>; rationale: readonly string[]; halted: boolean }): void {
    this.#records.recordDecision(cycleId, d);
  }

  recordActions(cycleId: number, actions: readonly PlannedAction[], at?: number): number[] {
    return this.#actions.recordActions(cycleId, actions, at);
  }

  recordActionStatus(actionId: number, status: ActionStatus, at: number, detail?: Record<string, unknown>): void {
    this.#actions.recordActionStatus(actionId, status, at, detail);
  }

  recordFill(actionId: number, fill: Fill): void {
    this.#actions.recordFill(actionId, fill);
  }

  /** The run a row belongs to: the cycle's, else the explicit one, else the current run. */
  #runFor(cycleId: number | null | undefined, runId: number | null | undefined): number | undefined {
    if (cycleId !== null && cycleId !== undefined) {
      const row = this.#s.cycleRun.get(cycleId);
      if (!row) throw new JournalError(`no cycle ${cycleId}`, { cycleId });
      return row.run_id;
    }
    return runId ?? this.#runId;
  }

  recordPortfolio(s: {
    cycleId: number | null;
    at: number;
    navBase: bigint;
    portfolio: Portfolio;
    marks: Record<string, number>;
    runId?: number;
  }): void {
    guard('recordPortfolio', { cycleId: s.cycleId }, () => {
      const runId = this.#runFor(s.cycleId, s.runId);
      if (runId === undefined) {
        throw new JournalError('recordPortfolio: a snapshot without a cycle needs a runId (or startRun first)', {});
      }
      this.#s.insertSnapshot.run({
        runId,
        cycleId: s.cycleId,
        at: s.at,
        navBase: uintToText('navBase', s.navBase),
        portfolio: toJsonText('portfolio', portfolioToJson(s.portfolio)),
        marks: toJsonText('marks', s.marks),
      });
    });
  }

  #eventListeners: Array<(e: KeeperEvent & { cycleId?: number | null }) => void> = [];

  /**
   * Calls `fn` with every event once it is journaled (alerting hangs off this). A listener that throws is
   * ignored: journaling never depends on who else is told.
   */
  onEvent(fn: (e: KeeperEvent & { cycleId?: number | null }) => void): void {
    this.#eventListeners.push(fn);
  }

  recordEvent(e: KeeperEvent & { cycleId?: number | null; runId?: number | null }): void {
    this.#insertEvent(e);
    for (const fn of this.#eventListeners) {
      try {
        fn(e);
      } catch {
        // see onEvent
      }
    }
  }

  #insertEvent(e: KeeperEvent & { cycleId?: number | null; runId?: number | null }): void {
    guard('recordEvent', { kind: e.kind, cycleId: e.cycleId }, () => {
      if (!SEVERITIES.includes(e.severity)) {
        throw new JournalError(`unknown event severity "${String(e.severity)}"`, { severity: e.severity });
      }
      this.#s.insertEvent.run({
        runId: this.#runFor(e.cycleId, e.runId) ?? null,
        cycleId: e.cycleId ?? null,
        at: e.at,
        kind: e.kind,
        severity: e.severity,
        asset: e.asset ?? null,
        message: e.message,
        data: optionalJsonText('event data', e.data),
      });
    });
  }

  endCycle(cycleId: number, at: number, status: CycleEndStatus, summary: Record<string, unknown>): void {
    guard('endCycle', { cycleId, status }, () =>
      this.#tx(() => {
        if (!CYCLE_END_STATUSES.includes(status)) {
          throw new JournalError(`unknown cycle end status "${String(status)}"`, { cycleId, status });
        }
        if (!this.#s.cycleRun.get(cycleId)) throw new JournalError(`endCycle: no cycle ${cycleId}`, { cycleId });
        if (this.#s.cycleEnded.get(cycleId)) throw new JournalError(`cycle ${cycleId} has already ended`, { cycleId });
        const open = this.#s.openActions.all(cycleId);
        if (open.length > 0) {
          throw new JournalError(
            `cannot end cycle ${cycleId} while actions are open: ${open.map((a) => `${a.id} (${a.status})`).join(', ')}; ` +
              'record each as confirmed, failed, skipped or abandoned first',
            { cycleId, openActions: open.map((a) => a.id) },
          );
        }
        this.#s.insertEnd.run(cycleId, at, status, toJsonText('cycle summary', summary));
      }),
    );
  }

  // recovery and pipeline reads (journal-reads.ts)

  unfinishedCycles(): UnfinishedCycle[] {
    return this.#reads.unfinishedCycles();
  }

  latestPortfolio(vault: string): LatestPortfolio | undefined {
    return this.#reads.latestPortfolio(vault);
  }

  lastDecisionTime(vault: string): number | undefined {
    return this.#reads.lastDecisionTime(vault);
  }

  peakNav(vault: string): bigint | undefined {
    return this.#reads.peakNav(vault);
  }

  recentObservations(vault: string, since: number): Observation[] {
    return this.#reads.recentObservations(vault, since);
  }

  actionStatusHistory(actionId: number): Array<StatusRow<ActionStatus>> {
    return this.#reads.actionStatusHistory(actionId);
  }

  actionInfo(actionId: number): { action: PlannedAction; cycleId: number; runId: number; vault: string } | undefined {
    return this.#reads.actionInfo(actionId);
  }

  latestEvent(vault: string, kinds: readonly string[]): { id: number; kind: string; at: number; message: string; data?: Record<string, unknown> | undefined } | undefined {
    return this.#reads.latestEvent(vault, kinds);
  }

  // chain transactions (transaction-store.ts)

  recordTransaction(t: NewTransaction): number {
    return this.#txs.recordTransaction(t);
  }

  recordTransactionStatus(transactionId: number, status: TxStatus, at: number, detail?: Record<string, unknown>): void {
    this.#txs.recordTransactionStatus(transactionId, status, at, detail);
  }

  transaction(transactionId: number): TransactionRecord | undefined {
    return this.#txs.transaction(transactionId);
  }

  transactionHistory(transactionId: number): Array<StatusRow<TxStatus>> {
    return this.#txs.transactionHistory(transactionId);
  }

  openTransactions(filter: { chain?: string; account?: string } = {}): TransactionRecord[] {
    return this.#txs.openTransactions(filter);
  }

  transactionsOfAction(actionId: number): TransactionRecord[] {
    return this.#txs.transactionsOfAction(actionId);
  }

  transactionsAtNonce(chain: string, account: string, nonce: number): TransactionRecord[] {
    return this.#txs.transactionsAtNonce(chain, account, nonce);
  }

  highestNonce(chain: string, account: string): number | undefined {
    return this.#txs.highestNonce(chain, account);
  }

  spentBetween(chain: string, account: string, from: number, to: number): bigint {
    return this.#txs.spentBetween(chain, account, from, to);
  }

  #onClose: Array<() => void> = [];

  /** Runs `fn` once the journal is closed (the CLI releases the keeper's instance lease this way). */
  onClose(fn: () => void): void {
    this.#onClose.push(fn);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
    for (const fn of this.#onClose.splice(0)) fn();
  }
}
