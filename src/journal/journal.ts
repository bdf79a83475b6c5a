import type Database from 'better-sqlite3';
import { observationsBetween } from './queries.js';
import { ACTION_STATUSES, type ActionStatus, type Fill, type PlannedAction } from '../domain/action.js';
import { SEVERITIES, type KeeperEvent } from '../domain/event.js';
import type { Observation } from '../domain/observation.js';
import { portfolioFromJson, portfolioToJson, type Portfolio, type PortfolioJson } from '../domain/portfolio.js';
import type { AssetScore } from '../domain/score.js';
import { JournalError } from '../errors.js';
import { guard, optionalJsonText, parseJsonText, parseOptionalJson, textToUint, toJsonText, uintToText } from './codec.js';
import type {
  CycleEndStatus,
  JournalPort,
  LatestPortfolio,
  NewTransaction,
  StatusRow,
  TransactionJournal,
  TransactionRecord,
  TxKind,
  UnfinishedCycle,
} from './journal-port.js';
import { LATEST_SCHEMA_VERSION, schemaVersion } from './migrations.js';
import { SqliteRedoJournal } from './redo-journal.js';
import { CYCLE_END_STATUSES } from './tables.js';
import {
  allowedNext,
  allowedTxNext,
  canFill,
  canTransition,
  canTxTransition,
  isTerminal,
  TERMINAL_STATUSES,
  TX_STATUSES,
  TX_TERMINAL_STATUSES,
  type TxStatus,
} from './transitions.js';

const TERMINAL_SQL = TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');
const TX_TERMINAL_SQL = TX_TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');

interface TxRow {
  id: number;
  action_id: number;
  chain: string;
  account: string;
  seq: number;
  kind: TxKind;
  replaces_id: number | null;
  description: string;
  to_addr: string | null;
  calldata: string;
  value: string;
  value_at_risk: string;
  nonce: number | null;
  signed_raw: string;
  tx_hash: string;
  max_fee: string | null;
  max_priority_fee: string | null;
  meta_json: string | null;
  created_at: number;
  status: TxStatus;
  status_at: number;
}

/** A transaction row with its latest status (every transaction has at least its 'built' row). */
const TX_SELECT = `
  SELECT t.*, st.status AS status, st.at AS status_at
  FROM transactions t
  JOIN transaction_status st ON st.id = (SELECT MAX(s2.id) FROM transaction_status s2 WHERE s2.transaction_id = t.id)`;

function txRecord(r: TxRow): TransactionRecord {
  return {
    id: r.id,
    actionId: r.action_id,
    chain: r.chain,
    account: r.account,
    seq: r.seq,
    kind: r.kind,
    replacesId: r.replaces_id,
    description: r.description,
    to: r.to_addr,
    calldata: r.calldata,
    value: textToUint('value', r.value),
    valueAtRisk: textToUint('value_at_risk', r.value_at_risk),
    nonce: r.nonce,
    signedRaw: r.signed_raw,
    txHash: r.tx_hash,
    maxFee: r.max_fee === null ? null : textToUint('max_fee', r.max_fee),
    maxPriorityFee: r.max_priority_fee === null ? null : textToUint('max_priority_fee', r.max_priority_fee),
    meta: parseOptionalJson<Record<string, unknown>>('meta_json', r.meta_json),
    createdAt: r.created_at,
    status: r.status,
    statusAt: r.status_at,
  };
}

function hexText(field: string, v: string): string {
  const lower = v.toLowerCase();
  if (!/^0x([0-9a-f]{2})*$/.test(lower)) throw new JournalError(`${field} must be 0x-prefixed hex of whole bytes`, { field });
  return lower;
}

function prepareStatements(db: Database.Database) {
  return {
    insertRun: db.prepare(
      'INSERT INTO runs (started_at, mode, vault, config_hash, config_json) VALUES (@at, @mode, @vault, @configHash, @configJson)',
    ),
    runExists: db.prepare<[number], { id: number }>('SELECT id FROM runs WHERE id = ?'),
    nextSeq: db.prepare<[number], { seq: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM cycles WHERE run_id = ?'),
    insertCycle: db.prepare(
      'INSERT INTO cycles (run_id, seq, decision_time, started_at) VALUES (@runId, @seq, @decisionTime, @at)',
    ),
    cycleRun: db.prepare<[number], { run_id: number }>('SELECT run_id FROM cycles WHERE id = ?'),
    cycleLatestTime: db.prepare<[number, number], { at: number | null }>(
      'SELECT MAX(t) AS at FROM (SELECT started_at AS t FROM cycles WHERE id = ? UNION ALL SELECT at FROM cycle_stages WHERE cycle_id = ?)',
    ),
    insertStage: db.prepare('INSERT INTO cycle_stages (cycle_id, stage, at) VALUES (?, ?, ?)'),
    insertObservation: db.prepare(
      `INSERT INTO observations (cycle_id, asset, time, source, ref, fair_rate, market_rate, apy_base, apy_mev,
         apy_restaking, apy_incentives, apy_lending, supply_index, tvl_base, exit_liquidity_base, redemption_delay_s, exit_impact, exit_size_base)
       VALUES (@cycleId, @asset, @time, @source, @ref, @fairRate, @marketRate, @apyBase, @apyMev,
         @apyRestaking, @apyIncentives, @apyLending, @supplyIndex, @tvlBase, @exitLiquidityBase, @redemptionDelaySeconds, @exitImpact, @exitSizeBase)`,
    ),
    insertScore: db.prepare(
      `INSERT INTO scores (cycle_id, asset, eligible, score, expected_yield, expected_loss, breakdown_json, reasons_json)
       VALUES (@cycleId, @asset, @eligible, @score, @expectedYield, @expectedLoss, @breakdown, @reasons)`,
    ),
    insertDecision: db.prepare(
      `INSERT INTO decisions (cycle_id, strategy, weights_json, rationale_json, halted)
       VALUES (@cycleId, @strategy, @weights, @rationale, @halted)`,
    ),
    insertAction: db.prepare(
      `INSERT INTO actions (cycle_id, seq, kind, from_asset, to_asset, amount_in, expected_out, min_out, venue,
         est_cost_base, delay_s, redemption_id, reason)
       VALUES (@cycleId, @seq, @kind, @from, @to, @amountIn, @expectedOut, @minOut, @venue,
         @estCostBase, @delaySeconds, @redemptionId, @reason)`,
    ),
    insertStatus: db.prepare('INSERT INTO action_status (action_id, status, at, detail_json) VALUES (?, ?, ?, ?)'),
    actionExists: db.prepare<[number], { id: number }>('SELECT id FROM actions WHERE id = ?'),
    latestStatus: db.prepare<[number], { status: ActionStatus }>(
      'SELECT status FROM action_status WHERE action_id = ? ORDER BY id DESC LIMIT 1',
    ),
    insertFill: db.prepare(
      `INSERT INTO fills (action_id, amount_in, amount_out, cost_base, at, detail_json)
       VALUES (@actionId, @amountIn, @amountOut, @costBase, @at, @detail)`,
    ),
    insertSnapshot: db.prepare(
      `INSERT INTO portfolio_snapshots (run_id, cycle_id, at, nav_base, portfolio_json, marks_json)
       VALUES (@runId, @cycleId, @at, @navBase, @portfolio, @marks)`,
    ),
    insertEvent: db.prepare(
      `INSERT INTO events (run_id, cycle_id, at, kind, severity, asset, message, data_json)
       VALUES (@runId, @cycleId, @at, @kind, @severity, @asset, @message, @data)`,
    ),
    insertEnd: db.prepare('INSERT INTO cycle_ends (cycle_id, at, status, summary_json) VALUES (?, ?, ?, ?)'),
    cycleEnded: db.prepare<[number], { cycle_id: number }>('SELECT cycle_id FROM cycle_ends WHERE cycle_id = ?'),
    unfinished: db.prepare<[], { id: number; run_id: number; decision_time: number; last_stage: string | null }>(
      `SELECT c.id, c.run_id, c.decision_time,
         (SELECT s.stage FROM cycle_stages s WHERE s.cycle_id = c.id ORDER BY s.id DESC LIMIT 1) AS last_stage
       FROM cycles c
       WHERE NOT EXISTS (SELECT 1 FROM cycle_ends e WHERE e.cycle_id = c.id)
       ORDER BY c.id`,
    ),
    openActions: db.prepare<[number], { id: number; status: ActionStatus }>(
      `SELECT a.id, st.status
       FROM actions a
       JOIN action_status st ON st.id = (SELECT MAX(s2.id) FROM action_status s2 WHERE s2.action_id = a.id)
       WHERE a.cycle_id = ? AND st.status NOT IN (${TERMINAL_SQL})
       ORDER BY a.seq, a.id`,
    ),
    latestSnapshot: db.prepare<[string], { at: number; nav_base: string; portfolio_json: string; cycle_id: number | null }>(
      `SELECT p.at, p.nav_base, p.portfolio_json, p.cycle_id
       FROM portfolio_snapshots p JOIN runs r ON r.id = p.run_id
       WHERE r.vault = ?
       ORDER BY p.id DESC LIMIT 1`,
    ),
    // nav_base is canonical decimal text (no leading zeros), so longer-then-lexicographic is numeric order.
    peakNav: db.prepare<[string], { nav_base: string }>(
      `SELECT p.nav_base FROM portfolio_snapshots p JOIN runs r ON r.id = p.run_id
       WHERE r.vault = ? ORDER BY length(p.nav_base) DESC, p.nav_base DESC LIMIT 1`,
    ),
    insertTx: db.prepare(
      `INSERT INTO transactions (action_id, chain, account, seq, kind, replaces_id, description, to_addr, calldata, value,
         value_at_risk, nonce, signed_raw, tx_hash, max_fee, max_priority_fee, meta_json, created_at)
       VALUES (@actionId, @chain, @account, @seq, @kind, @replacesId, @description, @to, @calldata, @value,
         @valueAtRisk, @nonce, @signedRaw, @txHash, @maxFee, @maxPriorityFee, @meta, @createdAt)`,
    ),
    insertTxStatus: db.prepare('INSERT INTO transaction_status (transaction_id, status, at, detail_json) VALUES (?, ?, ?, ?)'),
    txExists: db.prepare<[number], { id: number }>('SELECT id FROM transactions WHERE id = ?'),
    latestTxStatus: db.prepare<[number], { status: TxStatus }>(
      'SELECT status FROM transaction_status WHERE transaction_id = ? ORDER BY id DESC LIMIT 1',
    ),
    txById: db.prepare<[number], TxRow>(`${TX_SELECT} WHERE t.id = ?`),
    txHistory: db.prepare<[number], { status: TxStatus; at: number; detail_json: string | null }>(
      'SELECT status, at, detail_json FROM transaction_status WHERE transaction_id = ? ORDER BY id',
    ),
    openTxs: db.prepare<{ chain: string | null; account: string | null }, TxRow>(
      `${TX_SELECT} WHERE st.status NOT IN (${TX_TERMINAL_SQL})
         AND (@chain IS NULL OR t.chain = @chain) AND (@account IS NULL OR t.account = @account)
       ORDER BY t.id`,
    ),
    txsOfAction: db.prepare<[number], TxRow>(`${TX_SELECT} WHERE t.action_id = ? ORDER BY t.id`),
    openTxCount: db.prepare<[number], { n: number }>(
      `SELECT COUNT(*) AS n FROM transactions t
       JOIN transaction_status st ON st.id = (SELECT MAX(s2.id) FROM transaction_status s2 WHERE s2.transaction_id = t.id)
       WHERE t.action_id = ? AND st.status NOT IN (${TX_TERMINAL_SQL})`,
    ),
    txsAtNonce: db.prepare<[string, string, number], TxRow>(`${TX_SELECT} WHERE t.chain = ? AND t.account = ? AND t.nonce = ? ORDER BY t.id`),
    highestNonce: db.prepare<[string, string], { n: number | null }>(
      `SELECT MAX(t.nonce) AS n FROM transactions t
       WHERE t.chain = ? AND t.account = ?
         AND (SELECT s.status FROM transaction_status s WHERE s.transaction_id = t.id ORDER BY s.id DESC LIMIT 1) <> 'dropped'`,
    ),
    spent: db.prepare<{ chain: string; account: string; from: number; to: number }, { value_at_risk: string }>(
      `SELECT t.value_at_risk FROM transactions t
       WHERE t.kind = 'action' AND t.chain = @chain AND t.account = @account AND t.created_at >= @from AND t.created_at < @to
         AND EXISTS (
           SELECT 1 FROM transactions u
           JOIN transaction_status su ON su.id = (SELECT MAX(s2.id) FROM transaction_status s2 WHERE s2.transaction_id = u.id)
           WHERE u.action_id = t.action_id AND u.seq = t.seq AND u.kind <> 'cancel'
             AND su.status IN ('built', 'simulated', 'signed', 'sent', 'confirmed'))`,
    ),
    actionHistory: db.prepare<[number], { status: ActionStatus; at: number; detail_json: string | null }>(
      'SELECT status, at, detail_json FROM action_status WHERE action_id = ? ORDER BY id',
    ),
    actionInfo: db.prepare<
      [number],
      { id: number; cycle_id: number; run_id: number; vault: string; seq: number; kind: PlannedAction['kind']; from_asset: string; to_asset: string;
        amount_in: string; expected_out: string; min_out: string; venue: string; est_cost_base: string; delay_s: number; redemption_id: string | null; reason: string }
    >(
      `SELECT a.*, c.run_id, r.vault FROM actions a JOIN cycles c ON c.id = a.cycle_id JOIN runs r ON r.id = c.run_id WHERE a.id = ?`,
    ),
    latestEvent: db.prepare<[string, string], { id: number; kind: string; at: number; message: string; data_json: string | null }>(
      `SELECT e.id, e.kind, e.at, e.message, e.data_json FROM events e JOIN runs r ON r.id = e.run_id
       WHERE r.vault = ? AND e.kind IN (SELECT value FROM json_each(?))
       ORDER BY e.id DESC LIMIT 1`,
    ),
    lastDecisionTime: db.prepare<[string], { t: number | null }>(
      // Recorder samples are not decisions: a paper run resumes after its own last decision only.
      "SELECT MAX(c.decision_time) AS t FROM cycles c JOIN runs r ON r.id = c.run_id WHERE r.vault = ? AND r.mode <> 'record'",
    ),
  };
}

function id(lastInsertRowid: number | bigint): number {
  return Number(lastInsertRowid);
}

function bool(b: boolean): 0 | 1 {
  return b ? 1 : 0;
}

/**
 * The journal, on better-sqlite3. Synchronous by design: a write has reached the WAL (and, with
 * synchronous = FULL, the disk) when the method returns, so "write intent, then act" is a real ordering.
 * Open it with `openJournal` (which sets the pragmas and migrates); the constructor only checks the
 * schema version matches this code.
 */
export class Journal implements JournalPort, TransactionJournal {
  readonly #db: Database.Database;
  readonly #s: ReturnType<typeof prepareStatements>;
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
    guard('recordObservations', { cycleId }, () =>
      this.#tx(() => {
        for (const o of obs) {
          this.#s.insertObservation.run({
            cycleId,
            asset: o.asset,
            time: o.time,
            source: o.source,
            ref: o.ref ?? null,
            fairRate: o.fairRate ?? null,
            marketRate: o.marketRate ?? null,
            apyBase: o.apyBase ?? null,
            apyMev: o.apyMev ?? null,
            apyRestaking: o.apyRestaking ?? null,
            apyIncentives: o.apyIncentives ?? null,
            apyLending: o.apyLending ?? null,
            supplyIndex: o.supplyIndex ?? null,
            tvlBase: o.tvlBase ?? null,
            exitLiquidityBase: o.exitLiquidityBase ?? null,
            redemptionDelaySeconds: o.redemptionDelaySeconds ?? null,
            exitImpact: o.exitImpact ?? null,
            exitSizeBase: o.exitSizeBase ?? null,
          });
        }
      }),
    );
  }

  recordScores(cycleId: number, scores: readonly AssetScore[]): void {
    guard('recordScores', { cycleId }, () =>
      this.#tx(() => {
        for (const s of scores) {
          const { asset, eligible, reasons, score, expectedLoss, ...breakdown } = s;
          this.#s.insertScore.run({
            cycleId,
            asset,
            eligible: bool(eligible),
            score,
            expectedYield: s.yield.total,
            expectedLoss,
            breakdown: toJsonText(`scores[${asset}].breakdown`, breakdown),
            reasons: toJsonText(`scores[${asset}].reasons`, reasons),
          });
        }
      }),
    );
  }

  recordDecision(
    cycleId: number,
    d: { strategy: string; weights: Record<string, number>; rationale: readonly string[]; halted: boolean },
  ): void {
    guard('recordDecision', { cycleId }, () => {
      this.#s.insertDecision.run({
        cycleId,
        strategy: d.strategy,
        weights: toJsonText('decision.weights', d.weights),
        rationale: toJsonText('decision.rationale', d.rationale),
        halted: bool(d.halted),
      });
    });
  }

  recordActions(cycleId: number, actions: readonly PlannedAction[], at?: number): number[] {
    return guard('recordActions', { cycleId }, () =>
      this.#tx(() => {
        const plannedAt = at ?? this.#s.cycleLatestTime.get(cycleId, cycleId)?.at;
        if (plannedAt === null || plannedAt === undefined) {
          throw new JournalError(`recordActions: no cycle ${cycleId}`, { cycleId });
        }
        return actions.map((a) => {
          const actionId = id(
            this.#s.insertAction.run({
              cycleId,
              seq: a.seq,
              kind: a.kind,
              from: a.from,
              to: a.to,
              amountIn: uintToText(`action ${a.seq} amountIn`, a.amountIn),
              expectedOut: uintToText(`action ${a.seq} expectedOut`, a.expectedOut),
              minOut: uintToText(`action ${a.seq} minOut`, a.minOut),
              venue: a.venue,
              estCostBase: uintToText(`action ${a.seq} estCostBase`, a.estCostBase),
              delaySeconds: a.delaySeconds,
              redemptionId: a.redemptionId ?? null,
              reason: a.reason,
            }).lastInsertRowid,
          );
          this.#s.insertStatus.run(actionId, 'planned', plannedAt, null);
          return actionId;
        });
      }),
    );
  }

  #latestStatus(actionId: number): ActionStatus | undefined {
    if (!this.#s.actionExists.get(actionId)) throw new JournalError(`no action ${actionId}`, { actionId });
    return this.#s.latestStatus.get(actionId)?.status;
  }

  recordActionStatus(actionId: number, status: ActionStatus, at: number, detail?: Record<string, unknown>): void {
    guard('recordActionStatus', { actionId, status }, () =>
      this.#tx(() => {
        if (!ACTION_STATUSES.includes(status)) {
          throw new JournalError(`unknown action status "${String(status)}"`, { actionId, status });
        }
        const from = this.#latestStatus(actionId);
        if (!canTransition(from, status)) {
          const next = allowedNext(from);
          throw new JournalError(
            `illegal status transition for action ${actionId}: ${from ?? '(none)'} → ${status}` +
              ` (allowed from ${from ?? '(none)'}: ${next.length ? next.join(', ') : 'nothing, it is terminal'})`,
            { actionId, from, to: status },
          );
        }
        if (isTerminal(status)) {
          const open = this.#s.openTxCount.get(actionId)?.n ?? 0;
          if (open > 0) {
            throw new JournalError(
              `action ${actionId} cannot become ${status} while ${open} of its transactions are in flight; reconcile them first`,
              { actionId, status, openTransactions: open },
            );
          }
        }
        this.#s.insertStatus.run(actionId, status, at, optionalJsonText('action status detail', detail));
      }),
    );
  }

  recordFill(actionId: number, fill: Fill): void {
    guard('recordFill', { actionId }, () =>
      this.#tx(() => {
        const status = this.#latestStatus(actionId);
        if (status === undefined || !canFill(status)) {
          throw new JournalError(`cannot record a fill for action ${actionId} in status ${status ?? '(none)'}`, {
            actionId,
            status,
          });
        }
        this.#s.insertFill.run({
          actionId,
          amountIn: uintToText('fill amountIn', fill.amountIn),
          amountOut: uintToText('fill amountOut', fill.amountOut),
          costBase: uintToText('fill costBase', fill.costBase),
          at: fill.at,
          detail: optionalJsonText('fill detail', fill.detail),
        });
      }),
    );
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

  unfinishedCycles(): UnfinishedCycle[] {
    return guard('unfinishedCycles', {}, () =>
      this.#db.transaction(() =>
        this.#s.unfinished.all().map((c) => ({
          cycleId: c.id,
          runId: c.run_id,
          decisionTime: c.decision_time,
          lastStage: c.last_stage,
          openActions: this.#s.openActions.all(c.id).map((a) => ({ actionId: a.id, status: a.status })),
        })),
      ).deferred(),
    );
  }

  latestPortfolio(vault: string): LatestPortfolio | undefined {
    return guard('latestPortfolio', { vault }, () => {
      const row = this.#s.latestSnapshot.get(vault);
      if (!row) return undefined;
      return {
        at: row.at,
        navBase: textToUint('nav_base', row.nav_base),
        portfolio: portfolioFromJson(parseJsonText<PortfolioJson>('portfolio_json', row.portfolio_json)),
        cycleId: row.cycle_id,
      };
    });
  }

  lastDecisionTime(vault: string): number | undefined {
    return guard('lastDecisionTime', { vault }, () => this.#s.lastDecisionTime.get(vault)?.t ?? undefined);
  }

  peakNav(vault: string): bigint | undefined {
    return guard('peakNav', { vault }, () => {
      const row = this.#s.peakNav.get(vault);
      return row ? textToUint('nav_base', row.nav_base) : undefined;
    });
  }

  recentObservations(vault: string, since: number): Observation[] {
    return guard('recentObservations', { vault, since }, () => observationsBetween(this.#db, { vault, from: since }));
  }

  // chain transactions

  recordTransaction(t: NewTransaction): number {
    return guard('recordTransaction', { actionId: t.actionId, seq: t.seq, kind: t.kind }, () =>
      this.#tx(() => {
        const status = this.#latestStatus(t.actionId);
        if (status === undefined || status === 'planned' || isTerminal(status)) {
          throw new JournalError(`recordTransaction: action ${t.actionId} is ${status ?? '(none)'}; a transaction needs an action past its intent and not finished`, {
            actionId: t.actionId,
            status,
          });
        }
        const first = t.history[0];
        if (!first || first.status !== 'built') {
          throw new JournalError('recordTransaction: the history must start with built', { actionId: t.actionId });
        }
        if (!Number.isInteger(t.seq) || t.seq < 0) throw new JournalError(`recordTransaction: bad seq ${t.seq}`, { seq: t.seq });
        if (t.nonce !== null && (!Number.isSafeInteger(t.nonce) || t.nonce < 0)) {
          throw new JournalError(`recordTransaction: bad nonce ${t.nonce}`, { nonce: t.nonce });
        }
        const txId = id(
          this.#s.insertTx.run({
            actionId: t.actionId,
            chain: t.chain,
            account: t.account,
            seq: t.seq,
            kind: t.kind,
            replacesId: t.replacesId ?? null,
            description: t.description,
            to: t.to,
            calldata: hexText('calldata', t.calldata),
            value: uintToText('transaction value', t.value),
            valueAtRisk: uintToText('transaction valueAtRisk', t.valueAtRisk),
            nonce: t.nonce,
            signedRaw: hexText('signedRaw', t.signedRaw),
            txHash: t.txHash,
            maxFee: t.maxFee === null ? null : uintToText('maxFee', t.maxFee),
            maxPriorityFee: t.maxPriorityFee === null ? null : uintToText('maxPriorityFee', t.maxPriorityFee),
            meta: optionalJsonText('transaction meta', t.meta),
            createdAt: t.createdAt,
          }).lastInsertRowid,
        );
        let prev: TxStatus | undefined;
        for (const h of t.history) {
          this.#checkTxTransition(txId, prev, h.status);
          this.#s.insertTxStatus.run(txId, h.status, h.at, optionalJsonText('transaction status detail', h.detail));
          prev = h.status;
        }
        return txId;
      }),
    );
  }

  #checkTxTransition(txId: number, from: TxStatus | undefined, to: TxStatus): void {
    if (!TX_STATUSES.includes(to)) throw new JournalError(`unknown transaction status "${String(to)}"`, { transactionId: txId, status: to });
    if (!canTxTransition(from, to)) {
      const next = allowedTxNext(from);
      throw new JournalError(
        `illegal status transition for transaction ${txId}: ${from ?? '(none)'} → ${to}` +
          ` (allowed from ${from ?? '(none)'}: ${next.length ? next.join(', ') : 'nothing, it is terminal'})`,
        { transactionId: txId, from, to },
      );
    }
  }

  recordTransactionStatus(transactionId: number, status: TxStatus, at: number, detail?: Record<string, unknown>): void {
    guard('recordTransactionStatus', { transactionId, status }, () =>
      this.#tx(() => {
        if (!this.#s.txExists.get(transactionId)) throw new JournalError(`no transaction ${transactionId}`, { transactionId });
        this.#checkTxTransition(transactionId, this.#s.latestTxStatus.get(transactionId)?.status, status);
        this.#s.insertTxStatus.run(transactionId, status, at, optionalJsonText('transaction status detail', detail));
      }),
    );
  }

  transaction(transactionId: number): TransactionRecord | undefined {
    return guard('transaction', { transactionId }, () => {
      const r = this.#s.txById.get(transactionId);
      return r ? txRecord(r) : undefined;
    });
  }

  transactionHistory(transactionId: number): Array<StatusRow<TxStatus>> {
    return guard('transactionHistory', { transactionId }, () =>
      this.#s.txHistory.all(transactionId).map((r) => ({
        status: r.status,
        at: r.at,
        ...(r.detail_json === null ? {} : { detail: parseJsonText<Record<string, unknown>>('detail_json', r.detail_json) }),
      })),
    );
  }

  openTransactions(filter: { chain?: string; account?: string } = {}): TransactionRecord[] {
    return guard('openTransactions', {}, () => this.#s.openTxs.all({ chain: filter.chain ?? null, account: filter.account ?? null }).map(txRecord));
  }

  transactionsOfAction(actionId: number): TransactionRecord[] {
    return guard('transactionsOfAction', { actionId }, () => this.#s.txsOfAction.all(actionId).map(txRecord));
  }

  transactionsAtNonce(chain: string, account: string, nonce: number): TransactionRecord[] {
    return guard('transactionsAtNonce', { chain, nonce }, () => this.#s.txsAtNonce.all(chain, account, nonce).map(txRecord));
  }

  highestNonce(chain: string, account: string): number | undefined {
    return guard('highestNonce', { chain }, () => this.#s.highestNonce.get(chain, account)?.n ?? undefined);
  }

  spentBetween(chain: string, account: string, from: number, to: number): bigint {
    return guard('spentBetween', { chain, from, to }, () =>
      this.#s.spent.all({ chain, account, from, to }).reduce((sum, r) => sum + textToUint('value_at_risk', r.value_at_risk), 0n),
    );
  }

  actionStatusHistory(actionId: number): Array<StatusRow<ActionStatus>> {
    return guard('actionStatusHistory', { actionId }, () =>
      this.#s.actionHistory.all(actionId).map((r) => ({
        status: r.status,
        at: r.at,
        ...(r.detail_json === null ? {} : { detail: parseJsonText<Record<string, unknown>>('detail_json', r.detail_json) }),
      })),
    );
  }

  actionInfo(actionId: number): { action: PlannedAction; cycleId: number; runId: number; vault: string } | undefined {
    return guard('actionInfo', { actionId }, () => {
      const r = this.#s.actionInfo.get(actionId);
      if (!r) return undefined;
      return {
        cycleId: r.cycle_id,
        runId: r.run_id,
        vault: r.vault,
        action: {
          seq: r.seq,
          kind: r.kind,
          from: r.from_asset,
          to: r.to_asset,
          amountIn: textToUint('amount_in', r.amount_in),
          expectedOut: textToUint('expected_out', r.expected_out),
          minOut: textToUint('min_out', r.min_out),
          venue: r.venue,
          estCostBase: textToUint('est_cost_base', r.est_cost_base),
          delaySeconds: r.delay_s,
          redemptionId: r.redemption_id ?? undefined,
          reason: r.reason,
        },
      };
    });
  }

  latestEvent(vault: string, kinds: readonly string[]): { id: number; kind: string; at: number; message: string; data?: Record<string, unknown> | undefined } | undefined {
    return guard('latestEvent', { vault }, () => {
      const r = this.#s.latestEvent.get(vault, JSON.stringify(kinds));
      if (!r) return undefined;
      return { id: r.id, kind: r.kind, at: r.at, message: r.message, data: parseOptionalJson<Record<string, unknown>>('data_json', r.data_json) };
    });
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
