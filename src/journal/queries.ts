import type Database from 'better-sqlite3';
import type { ActionStatus, Fill, PlannedAction } from '../domain/action.js';
import { SEVERITIES, type KeeperEvent, type Severity } from '../domain/event.js';
import type { Observation } from '../domain/observation.js';
import { portfolioFromJson, type Portfolio, type PortfolioJson } from '../domain/portfolio.js';
import type { AssetScore } from '../domain/score.js';
import { JournalError } from '../errors.js';
import { actionFromRow, type ActionColumns } from './action-row.js';
import { guard, parseJsonText, parseOptionalJson, textToUint } from './codec.js';
import type { CycleEndStatus } from './journal-port.js';

/**
 * The read side, for `restake-keeper journal …`. Plain functions over a connection; every value comes
 * back typed (bigints as bigint, JSON parsed), never as raw rows.
 */

export interface CycleSummary {
  readonly cycleId: number;
  readonly runId: number;
  readonly vault: string;
  readonly mode: string;
  readonly seq: number;
  readonly decisionTime: number;
  readonly startedAt: number;
  readonly lastStage: string | null;
  /** null while the cycle is unfinished. */
  readonly endStatus: CycleEndStatus | null;
  readonly endedAt: number | null;
  /** NAV of the cycle's latest portfolio snapshot, if it took one. */
  readonly navBase: bigint | null;
  readonly actions: number;
  readonly events: number;
}

function checkPage(limit: number, offset: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new JournalError(`limit must be a positive integer, got ${limit}`, { limit });
  if (!Number.isInteger(offset) || offset < 0) throw new JournalError(`offset must be a non-negative integer, got ${offset}`, { offset });
}

/** Cycles, newest first, with a one-line summary each. */
export function listCycles(db: Database.Database, opts: { vault?: string; limit?: number; offset?: number } = {}): CycleSummary[] {
  const limit = opts.limit ?? 50;
  const offset = opts.offset ?? 0;
  checkPage(limit, offset);
  return guard('listCycles', { vault: opts.vault }, () =>
    db
      .prepare<
        { vault: string | null; limit: number; offset: number },
        {
          id: number;
          run_id: number;
          vault: string;
          mode: string;
          seq: number;
          decision_time: number;
          started_at: number;
          last_stage: string | null;
          end_status: CycleEndStatus | null;
          ended_at: number | null;
          nav_base: string | null;
          n_actions: number;
          n_events: number;
        }
      >(
        `SELECT c.id, c.run_id, r.vault, r.mode, c.seq, c.decision_time, c.started_at,
           (SELECT s.stage FROM cycle_stages s WHERE s.cycle_id = c.id ORDER BY s.id DESC LIMIT 1) AS last_stage,
           e.status AS end_status, e.at AS ended_at,
           (SELECT p.nav_base FROM portfolio_snapshots p WHERE p.cycle_id = c.id ORDER BY p.id DESC LIMIT 1) AS nav_base,
           (SELECT COUNT(*) FROM actions a WHERE a.cycle_id = c.id) AS n_actions,
           (SELECT COUNT(*) FROM events v WHERE v.cycle_id = c.id) AS n_events
         FROM cycles c
         JOIN runs r ON r.id = c.run_id
         LEFT JOIN cycle_ends e ON e.cycle_id = c.id
         WHERE @vault IS NULL OR r.vault = @vault
         ORDER BY c.id DESC
         LIMIT @limit OFFSET @offset`,
      )
      .all({ vault: opts.vault ?? null, limit, offset })
      .map((r) => ({
        cycleId: r.id,
        runId: r.run_id,
        vault: r.vault,
        mode: r.mode,
        seq: r.seq,
        decisionTime: r.decision_time,
        startedAt: r.started_at,
        lastStage: r.last_stage,
        endStatus: r.end_status,
        endedAt: r.ended_at,
        navBase: r.nav_base === null ? null : textToUint('nav_base', r.nav_base),
        actions: r.n_actions,
        events: r.n_events,
      })),
  );
}

/** The part of an AssetScore kept in breakdown_json (everything but the columns). */
export type ScoreBreakdown = Omit<AssetScore, 'asset' | 'eligible' | 'reasons' | 'score' | 'expectedLoss'>;

export interface ScoreRecord {
  readonly asset: string;
  readonly eligible: boolean;
  readonly score: number;
  readonly expectedYield: number;
  readonly expectedLoss: number;
  readonly reasons: string[];
  readonly breakdown: ScoreBreakdown;
}

export interface ActionRecord extends PlannedAction {
  readonly actionId: number;
  /** Latest status. */
  readonly status: ActionStatus;
  readonly history: ReadonlyArray<{ status: ActionStatus; at: number; detail?: Record<string, unknown> }>;
  readonly fills: readonly Fill[];
}

export interface EventRecord extends KeeperEvent {
  readonly id: number;
  readonly runId: number | null;
  readonly cycleId: number | null;
}

export interface CycleDetail {
  readonly cycle: {
    readonly cycleId: number;
    readonly runId: number;
    readonly vault: string;
    readonly mode: string;
    readonly seq: number;
    readonly decisionTime: number;
    readonly startedAt: number;
    readonly stages: ReadonlyArray<{ stage: string; at: number }>;
    readonly end: { at: number; status: CycleEndStatus; summary: Record<string, unknown> } | null;
  };
  readonly observations: Observation[];
  readonly scores: ScoreRecord[];
  readonly decision: { strategy: string; weights: Record<string, number>; rationale: string[]; halted: boolean } | null;
  readonly actions: ActionRecord[];
  /** The cycle's latest portfolio snapshot. */
  readonly portfolio: { at: number; navBase: bigint; portfolio: Portfolio; marks: Record<string, number> } | null;
  readonly events: EventRecord[];
}

interface ObservationRow {
  asset: string;
  time: number;
  source: string;
  ref: string | null;
  fair_rate: number | null;
  market_rate: number | null;
  apy_base: number | null;
  apy_mev: number | null;
  apy_restaking: number | null;
  apy_incentives: number | null;
  apy_lending: number | null;
  supply_index: number | null;
  tvl_base: number | null;
  exit_liquidity_base: number | null;
  redemption_delay_s: number | null;
  exit_impact: number | null;
  exit_size_base: number | null;
}

const OBSERVATION_COLUMNS = [
  ['ref', 'ref'],
  ['fairRate', 'fair_rate'],
  ['marketRate', 'market_rate'],
  ['apyBase', 'apy_base'],
  ['apyMev', 'apy_mev'],
  ['apyRestaking', 'apy_restaking'],
  ['apyIncentives', 'apy_incentives'],
  ['apyLending', 'apy_lending'],
  ['supplyIndex', 'supply_index'],
  ['tvlBase', 'tvl_base'],
  ['exitLiquidityBase', 'exit_liquidity_base'],
  ['redemptionDelaySeconds', 'redemption_delay_s'],
  ['exitImpact', 'exit_impact'],
  ['exitSizeBase', 'exit_size_base'],
] as const;

function toObservation(r: ObservationRow): Observation {
  const o: Record<string, unknown> = { time: r.time, asset: r.asset, source: r.source };
  for (const [field, col] of OBSERVATION_COLUMNS) if (r[col] !== null) o[field] = r[col];
  return o as unknown as Observation;
}

/**
 * Journaled readings in time order, one per (time, asset, source) (the same reading journaled by two
 * runs is one reading), optionally for one vault and a time range. Feeds the live keeper's warm start
 * and `restake-keeper export`.
 */
export function observationsBetween(db: Database.Database, o: { vault?: string; from?: number; to?: number } = {}): Observation[] {
  const rows = db
    .prepare<[string | null, string | null, number, number], ObservationRow>(
      // With MIN() in the select list SQLite takes the bare columns from the row holding the minimum:
      // the first journaled copy of each reading.
      `SELECT MIN(o.id) AS first_id, o.* FROM observations o
       JOIN cycles c ON c.id = o.cycle_id JOIN runs r ON r.id = c.run_id
       WHERE (? IS NULL OR r.vault = ?) AND o.time >= ? AND o.time <= ?
       GROUP BY o.time, o.asset, o.source
       ORDER BY o.time, o.asset, o.source`,
    )
    .all(o.vault ?? null, o.vault ?? null, o.from ?? -8.64e15, o.to ?? 8.64e15);
  return rows.map(toObservation);
}

interface EventRow {
  id: number;
  run_id: number | null;
  cycle_id: number | null;
  at: number;
  kind: string;
  severity: Severity;
  asset: string | null;
  message: string;
  data_json: string | null;
}

function toEvent(r: EventRow): EventRecord {
  const data = parseOptionalJson<Record<string, unknown>>('events.data_json', r.data_json);
  return {
    id: r.id,
    runId: r.run_id,
    cycleId: r.cycle_id,
    at: r.at,
    kind: r.kind,
    severity: r.severity,
    message: r.message,
    ...(r.asset !== null ? { asset: r.asset } : {}),
    ...(data !== undefined ? { data } : {}),
  };
}

/** Everything recorded about one cycle, or undefined if there is no such cycle. */
export function cycleDetail(db: Database.Database, cycleId: number): CycleDetail | undefined {
  return guard('cycleDetail', { cycleId }, () =>
    db
      .transaction(() => {
        const c = db
          .prepare<[number], { id: number; run_id: number; vault: string; mode: string; seq: number; decision_time: number; started_at: number }>(
            `SELECT c.id, c.run_id, r.vault, r.mode, c.seq, c.decision_time, c.started_at
             FROM cycles c JOIN runs r ON r.id = c.run_id WHERE c.id = ?`,
          )
          .get(cycleId);
        if (!c) return undefined;

        const stages = db
          .prepare<[number], { stage: string; at: number }>('SELECT stage, at FROM cycle_stages WHERE cycle_id = ? ORDER BY id')
          .all(cycleId);
        const endRow = db
          .prepare<[number], { at: number; status: CycleEndStatus; summary_json: string }>(
            'SELECT at, status, summary_json FROM cycle_ends WHERE cycle_id = ?',
          )
          .get(cycleId);

        const observations = db
          .prepare<[number], ObservationRow>('SELECT * FROM observations WHERE cycle_id = ? ORDER BY id')
          .all(cycleId)
          .map(toObservation);

        const scores = db
          .prepare<
            [number],
            { asset: string; eligible: number; score: number; expected_yield: number; expected_loss: number; breakdown_json: string; reasons_json: string }
          >('SELECT * FROM scores WHERE cycle_id = ? ORDER BY rowid')
          .all(cycleId)
          .map((r) => ({
            asset: r.asset,
            eligible: r.eligible === 1,
            score: r.score,
            expectedYield: r.expected_yield,
            expectedLoss: r.expected_loss,
            reasons: parseJsonText<string[]>('scores.reasons_json', r.reasons_json),
            breakdown: parseJsonText<ScoreBreakdown>('scores.breakdown_json', r.breakdown_json),
          }));

        const d = db
          .prepare<[number], { strategy: string; weights_json: string; rationale_json: string; halted: number }>(
            'SELECT strategy, weights_json, rationale_json, halted FROM decisions WHERE cycle_id = ?',
          )
          .get(cycleId);

        const history = new Map<number, Array<{ status: ActionStatus; at: number; detail?: Record<string, unknown> }>>();
        for (const s of db
          .prepare<[number], { action_id: number; status: ActionStatus; at: number; detail_json: string | null }>(
            `SELECT s.action_id, s.status, s.at, s.detail_json
             FROM action_status s JOIN actions a ON a.id = s.action_id
             WHERE a.cycle_id = ? ORDER BY s.id`,
          )
          .all(cycleId)) {
          const detail = parseOptionalJson<Record<string, unknown>>('action_status.detail_json', s.detail_json);
          const list = history.get(s.action_id) ?? [];
          list.push({ status: s.status, at: s.at, ...(detail !== undefined ? { detail } : {}) });
          history.set(s.action_id, list);
        }
        const fills = new Map<number, Fill[]>();
        for (const f of db
          .prepare<[number], { action_id: number; amount_in: string; amount_out: string; cost_base: string; at: number; detail_json: string | null }>(
            `SELECT f.action_id, f.amount_in, f.amount_out, f.cost_base, f.at, f.detail_json
             FROM fills f JOIN actions a ON a.id = f.action_id
             WHERE a.cycle_id = ? ORDER BY f.id`,
          )
          .all(cycleId)) {
          const detail = parseOptionalJson<Record<string, unknown>>('fills.detail_json', f.detail_json);
          const list = fills.get(f.action_id) ?? [];
          list.push({
            amountIn: textToUint('fills.amount_in', f.amount_in),
            amountOut: textToUint('fills.amount_out', f.amount_out),
            costBase: textToUint('fills.cost_base', f.cost_base),
            at: f.at,
            ...(detail !== undefined ? { detail } : {}),
          });
          fills.set(f.action_id, list);
        }
        const actions: ActionRecord[] = db
          .prepare<
            [number],
            ActionColumns & { id: number }
          >('SELECT * FROM actions WHERE cycle_id = ? ORDER BY seq, id')
          .all(cycleId)
          .map((a) => {
            const h = history.get(a.id) ?? [];
            const last = h[h.length - 1];
            if (!last) throw new JournalError(`action ${a.id} has no status rows`, { actionId: a.id });
            return {
              actionId: a.id,
              ...actionFromRow(a),
              status: last.status,
              history: h,
              fills: fills.get(a.id) ?? [],
            };
          });

        const p = db
          .prepare<[number], { at: number; nav_base: string; portfolio_json: string; marks_json: string }>(
            'SELECT at, nav_base, portfolio_json, marks_json FROM portfolio_snapshots WHERE cycle_id = ? ORDER BY id DESC LIMIT 1',
          )
          .get(cycleId);

        const events = db
          .prepare<[number], EventRow>('SELECT * FROM events WHERE cycle_id = ? ORDER BY id')
          .all(cycleId)
          .map(toEvent);

        return {
          cycle: {
            cycleId: c.id,
            runId: c.run_id,
            vault: c.vault,
            mode: c.mode,
            seq: c.seq,
            decisionTime: c.decision_time,
            startedAt: c.started_at,
            stages,
            end: endRow
              ? { at: endRow.at, status: endRow.status, summary: parseJsonText<Record<string, unknown>>('cycle_ends.summary_json', endRow.summary_json) }
              : null,
          },
          observations,
          scores,
          decision: d
            ? {
                strategy: d.strategy,
                weights: parseJsonText<Record<string, number>>('decisions.weights_json', d.weights_json),
                rationale: parseJsonText<string[]>('decisions.rationale_json', d.rationale_json),
                halted: d.halted === 1,
              }
            : null,
          actions,
          portfolio: p
            ? {
                at: p.at,
                navBase: textToUint('portfolio_snapshots.nav_base', p.nav_base),
                portfolio: portfolioFromJson(parseJsonText<PortfolioJson>('portfolio_snapshots.portfolio_json', p.portfolio_json)),
                marks: parseJsonText<Record<string, number>>('portfolio_snapshots.marks_json', p.marks_json),
              }
            : null,
          events,
        };
      })
      // One read transaction: a consistent snapshot even while the keeper is writing.
      .deferred(),
  );
}

/** Events, newest first, filtered by exact kind / severity / vault / cycle. */
export function listEvents(
  db: Database.Database,
  opts: { kind?: string; severity?: Severity; vault?: string; cycleId?: number; limit?: number; offset?: number } = {},
): EventRecord[] {
  const limit = opts.limit ?? 1000;
  const offset = opts.offset ?? 0;
  checkPage(limit, offset);
  if (opts.severity !== undefined && !SEVERITIES.includes(opts.severity)) {
    throw new JournalError(`unknown severity "${String(opts.severity)}" (expected one of ${SEVERITIES.join(', ')})`, {
      severity: opts.severity,
    });
  }
  return guard('listEvents', { ...opts }, () =>
    db
      .prepare<{ kind: string | null; severity: string | null; vault: string | null; cycleId: number | null; limit: number; offset: number }, EventRow>(
        `SELECT v.* FROM events v
         LEFT JOIN runs r ON r.id = v.run_id
         WHERE (@kind IS NULL OR v.kind = @kind)
           AND (@severity IS NULL OR v.severity = @severity)
           AND (@vault IS NULL OR r.vault = @vault)
           AND (@cycleId IS NULL OR v.cycle_id = @cycleId)
         ORDER BY v.id DESC
         LIMIT @limit OFFSET @offset`,
      )
      .all({
        kind: opts.kind ?? null,
        severity: opts.severity ?? null,
        vault: opts.vault ?? null,
        cycleId: opts.cycleId ?? null,
        limit,
        offset,
      })
      .map(toEvent),
  );
}
