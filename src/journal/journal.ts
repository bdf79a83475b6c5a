import type Database from 'better-sqlite3';
import { observationsBetween } from './queries.js';
import { ACTION_STATUSES, type ActionStatus, type Fill, type PlannedAction } from '../domain/action.js';
import { SEVERITIES, type KeeperEvent } from '../domain/event.js';
import type { Observation } from '../domain/observation.js';
import { portfolioFromJson, portfolioToJson, type Portfolio, type PortfolioJson } from '../domain/portfolio.js';
import type { AssetScore } from '../domain/score.js';
import { JournalError } from '../errors.js';
import { guard, optionalJsonText, parseJsonText, textToUint, toJsonText, uintToText } from './codec.js';
import type { CycleEndStatus, JournalPort, LatestPortfolio, UnfinishedCycle } from './journal-port.js';
import { LATEST_SCHEMA_VERSION, schemaVersion } from './migrations.js';
import { CYCLE_END_STATUSES } from './tables.js';
import { allowedNext, canFill, canTransition, TERMINAL_STATUSES } from './transitions.js';

const TERMINAL_SQL = TERMINAL_STATUSES.map((s) => `'${s}'`).join(', ');

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
export class Journal implements JournalPort {
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

  recordEvent(e: KeeperEvent & { cycleId?: number | null; runId?: number | null }): void {
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

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
