import type Database from 'better-sqlite3';
import type { ActionStatus, PlannedAction } from '../domain/action.js';
import type { Observation } from '../domain/observation.js';
import { portfolioFromJson, type PortfolioJson } from '../domain/portfolio.js';
import { actionFromRow } from './action-row.js';
import { guard, parseJsonText, parseOptionalJson, textToUint } from './codec.js';
import type { LatestPortfolio, StatusRow, UnfinishedCycle } from './journal-port.js';
import { prepareReadStatements } from './journal-statements.js';
import { observationsBetween } from './queries.js';

/** The journal's reads for recovery (what a restarted keeper picks up) and for the execution pipeline. */
export class JournalReads {
  readonly #db: Database.Database;
  readonly #s: ReturnType<typeof prepareReadStatements>;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#s = prepareReadStatements(db);
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
        action: actionFromRow(r),
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
}
