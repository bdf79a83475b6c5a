import type Database from 'better-sqlite3';
import { portfolioFromJson, portfolioToJson, type Portfolio, type PortfolioJson } from '../domain/portfolio.js';
import { JournalError } from '../errors.js';
import { guard, parseJsonText, toJsonText } from './codec.js';
import type { ExecutedAction, PendingRedo, RedoJournal } from './redo-port.js';
import { actionFromRow, type ActionColumns } from './action-row.js';

interface ActionRow extends ActionColumns {
  id: number;
  cycle_id: number;
  status: 'confirmed' | 'failed';
  holdings_json: string | null;
}

function statements(db: Database.Database) {
  return {
    // Only non-recorder runs decide; an interrupted cycle behind a later decision is history, not owed.
    pending: db.prepare<[string, string], { id: number; decision_time: number; last_stage: string | null }>(
      `SELECT c.id, c.decision_time,
         (SELECT s.stage FROM cycle_stages s WHERE s.cycle_id = c.id ORDER BY s.id DESC LIMIT 1) AS last_stage
       FROM cycles c JOIN runs r ON r.id = c.run_id JOIN cycle_ends e ON e.cycle_id = c.id
       WHERE r.vault = ? AND e.status = 'interrupted'
         AND NOT EXISTS (SELECT 1 FROM cycle_redos d WHERE d.redo_of = c.id)
         AND c.decision_time = (SELECT MAX(c2.decision_time) FROM cycles c2 JOIN runs r2 ON r2.id = c2.run_id WHERE r2.vault = ? AND r2.mode <> 'record')
       ORDER BY c.id DESC LIMIT 1`,
    ),
    redoOf: db.prepare<[number], { redo_of: number }>('SELECT redo_of FROM cycle_redos WHERE cycle_id = ?'),
    redoneBy: db.prepare<[number], { cycle_id: number }>('SELECT cycle_id FROM cycle_redos WHERE redo_of = ?'),
    decisionTime: db.prepare<[number], { decision_time: number }>('SELECT decision_time FROM cycles WHERE id = ?'),
    firstSnapshot: db.prepare<[string], { portfolio_json: string }>(
      `SELECT portfolio_json FROM portfolio_snapshots WHERE cycle_id IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT 1`,
    ),
    executed: db.prepare<[string], ActionRow>(
      `SELECT a.*, st.status, h.portfolio_json AS holdings_json
       FROM actions a
       JOIN action_status st ON st.id = (SELECT MAX(s2.id) FROM action_status s2 WHERE s2.action_id = a.id)
       LEFT JOIN action_holdings h ON h.action_id = a.id
       WHERE a.cycle_id IN (SELECT value FROM json_each(?)) AND st.status IN ('confirmed', 'failed')
       ORDER BY a.id`,
    ),
    insertRedo: db.prepare('INSERT INTO cycle_redos (cycle_id, redo_of) VALUES (?, ?)'),
    insertHoldings: db.prepare('INSERT INTO action_holdings (action_id, at, portfolio_json) VALUES (?, ?, ?)'),
    lastCarried: db.prepare<[string, string], { v: string | null }>(
      `SELECT json_extract(e.summary_json, '$.' || ?) AS v FROM cycle_ends e JOIN cycles c ON c.id = e.cycle_id JOIN runs r ON r.id = c.run_id
       WHERE r.vault = ? AND r.mode <> 'record' AND e.status <> 'interrupted' ORDER BY c.id DESC LIMIT 1`,
    ),
    lastObservation: db.prepare<[string], { t: number | null }>(
      'SELECT MAX(o.time) AS t FROM observations o JOIN cycles c ON c.id = o.cycle_id JOIN runs r ON r.id = c.run_id WHERE r.vault = ?',
    ),
  };
}

function executedAction(r: ActionRow): ExecutedAction {
  return {
    actionId: r.id,
    cycleId: r.cycle_id,
    status: r.status,
    holdingsAfter: r.holdings_json === null ? undefined : portfolioFromJson(parseJsonText<PortfolioJson>('action_holdings.portfolio_json', r.holdings_json)),
    action: actionFromRow(r),
  };
}

/**
 * RedoJournal on the journal's own connection. `beginCycle` is the journal's (numbering and checks stay
 * in one place); `tx` its IMMEDIATE transaction, which nests as a savepoint inside another.
 */
export class SqliteRedoJournal implements RedoJournal {
  readonly #s: ReturnType<typeof statements>;

  constructor(
    db: Database.Database,
    private readonly tx: <T>(fn: () => T) => T,
    private readonly beginCycle: (c: { runId: number; decisionTime: number; at: number }) => number,
  ) {
    this.#s = statements(db);
  }

  pendingRedo(vault: string): PendingRedo | undefined {
    return guard('pendingRedo', { vault }, () =>
      this.tx(() => {
        const tip = this.#s.pending.get(vault, vault);
        if (!tip) return undefined;
        const chain = [tip.id];
        for (let at = this.#s.redoOf.get(tip.id); at; at = this.#s.redoOf.get(at.redo_of)) chain.unshift(at.redo_of);
        const ids = JSON.stringify(chain);
        const first = this.#s.firstSnapshot.get(ids);
        return {
          interrupted: tip.id,
          chain,
          decisionTime: tip.decision_time,
          lastStage: tip.last_stage,
          decisionHoldings: first ? portfolioFromJson(parseJsonText<PortfolioJson>('portfolio_json', first.portfolio_json)) : undefined,
          executed: this.#s.executed.all(ids).map(executedAction),
        };
      }),
    );
  }

  beginRedoCycle(c: { runId: number; redoOf: number; at: number }): number {
    return guard('beginRedoCycle', { redoOf: c.redoOf }, () =>
      this.tx(() => {
        const of = this.#s.decisionTime.get(c.redoOf);
        if (!of) throw new JournalError(`beginRedoCycle: no cycle ${c.redoOf}`, { cycleId: c.redoOf });
        const done = this.#s.redoneBy.get(c.redoOf);
        if (done) throw new JournalError(`cycle ${c.redoOf} was already redone by cycle ${done.cycle_id}`, { cycleId: c.redoOf, redoneBy: done.cycle_id });
        const cycleId = this.beginCycle({ runId: c.runId, decisionTime: of.decision_time, at: c.at });
        this.#s.insertRedo.run(cycleId, c.redoOf);
        return cycleId;
      }),
    );
  }

  recordActionHoldings(actionId: number, at: number, portfolio: Portfolio): void {
    guard('recordActionHoldings', { actionId }, () => {
      this.#s.insertHoldings.run(actionId, at, toJsonText('action holdings', portfolioToJson(portfolio)));
    });
  }

  lastObservationTime(vault: string): number | undefined {
    return guard('lastObservationTime', { vault }, () => this.#s.lastObservation.get(vault)?.t ?? undefined);
  }

  lastCarried(vault: string, key: string): unknown {
    return guard('lastCarried', { vault, key }, () => {
      const v = this.#s.lastCarried.get(key, vault)?.v;
      return typeof v === 'string' ? parseJsonText<unknown>(`cycle_ends.summary_json.${key}`, v) : undefined;
    });
  }

  atomically<T>(fn: () => T): T {
    return this.tx(fn);
  }
}

/** The redo links of a cycle, both ways (for `journal show`). */
export function redoLinks(db: Database.Database, cycleId: number): { redoOf: number | undefined; redoneBy: number | undefined } {
  const s = statements(db);
  return { redoOf: s.redoOf.get(cycleId)?.redo_of, redoneBy: s.redoneBy.get(cycleId)?.cycle_id };
}
