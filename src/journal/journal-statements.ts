import type Database from 'better-sqlite3';
import type { ActionStatus, PlannedAction } from '../domain/action.js';
import { TX_TERMINAL_SQL } from './transaction-rows.js';
import { TERMINAL_STATUSES } from './transitions.js';

/** The journal's prepared statements for runs, cycles, readings, decisions, actions, snapshots and events. */

const TERMINAL_SQL = TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');

/** What Journal writes with (and checks against before writing). */
export function prepareStatements(db: Database.Database) {
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
    openActions: db.prepare<[number], { id: number; status: ActionStatus }>(
      `SELECT a.id, st.status
       FROM actions a
       JOIN action_status st ON st.id = (SELECT MAX(s2.id) FROM action_status s2 WHERE s2.action_id = a.id)
       WHERE a.cycle_id = ? AND st.status NOT IN (${TERMINAL_SQL})
       ORDER BY a.seq, a.id`,
    ),
    openTxCount: db.prepare<[number], { n: number }>(
      `SELECT COUNT(*) AS n FROM transactions t
       JOIN transaction_status st ON st.id = (SELECT MAX(s2.id) FROM transaction_status s2 WHERE s2.transaction_id = t.id)
       WHERE t.action_id = ? AND st.status NOT IN (${TX_TERMINAL_SQL})`,
    ),
  };
}

/** What JournalReads reads: recovery and the execution pipeline's lookups. */
export function prepareReadStatements(db: Database.Database) {
  return {
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

export function id(lastInsertRowid: number | bigint): number {
  return Number(lastInsertRowid);
}

export function bool(b: boolean): 0 | 1 {
  return b ? 1 : 0;
}
