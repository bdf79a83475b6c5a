import type Database from 'better-sqlite3';

/** The journal rows the Results-row metrics are rebuilt from (journal-metrics.ts), per cycle of the given runs. */
export interface MetricRows {
  /** Every portfolio snapshot of a cycle, in order: the first is the valuation before trading, the last the holdings after. */
  readonly snapshots: ReadonlyArray<{ cycle: number; run: number; t: number; nav: string; pf: string; mk: string }>;
  readonly decisions: ReadonlyMap<number, { halted: boolean; rationale: readonly string[] }>;
  /** Expected loss per asset, by cycle. */
  readonly losses: ReadonlyMap<number, Readonly<Record<string, number>>>;
  /** Each action with its last status and its fills (summed). */
  readonly actions: ReadonlyArray<{ cycle: number; kind: string; from: string; amountIn: string; status: string; fills: ReadonlyArray<{ amountIn: string; costBase: string; detail: string | null }> }>;
  readonly breakers: ReadonlyArray<{ data: string | null }>;
  /** Each run's journaled config (limits, planner). */
  readonly configs: ReadonlyMap<number, string>;
}

export function readMetricRows(db: Database.Database, runIds: readonly number[]): MetricRows {
  const inRuns = runIds.length ? `(${runIds.map(Number).join(',')})` : '(NULL)';
  const snapshots = db
    .prepare(`SELECT c.id cycle, c.run_id run, c.decision_time t, p.nav_base nav, p.portfolio_json pf, p.marks_json mk FROM portfolio_snapshots p JOIN cycles c ON c.id = p.cycle_id WHERE c.run_id IN ${inRuns} ORDER BY c.decision_time, c.id, p.id`)
    .all() as MetricRows['snapshots'][number][];
  const decisions = new Map<number, { halted: boolean; rationale: readonly string[] }>();
  for (const d of db.prepare(`SELECT d.cycle_id c, d.halted h, d.rationale_json r FROM decisions d JOIN cycles c ON c.id = d.cycle_id WHERE c.run_id IN ${inRuns}`).all() as { c: number; h: number; r: string }[]) {
    decisions.set(d.c, { halted: d.h === 1, rationale: JSON.parse(d.r) as string[] });
  }
  const losses = new Map<number, Record<string, number>>();
  for (const s of db.prepare(`SELECT s.cycle_id c, s.asset a, s.expected_loss el FROM scores s JOIN cycles c ON c.id = s.cycle_id WHERE c.run_id IN ${inRuns}`).all() as { c: number; a: string; el: number }[]) {
    losses.set(s.c, { ...losses.get(s.c), [s.a]: s.el });
  }
  const fills = new Map<number, { amountIn: string; costBase: string; detail: string | null }[]>();
  for (const f of db.prepare(`SELECT f.action_id a, f.amount_in amountIn, f.cost_base costBase, f.detail_json detail FROM fills f JOIN actions a ON a.id = f.action_id JOIN cycles c ON c.id = a.cycle_id WHERE c.run_id IN ${inRuns} ORDER BY f.id`).all() as { a: number; amountIn: string; costBase: string; detail: string | null }[]) {
    fills.set(f.a, [...(fills.get(f.a) ?? []), f]);
  }
  const actions = (
    db
      .prepare(
        `SELECT a.id, a.cycle_id cycle, a.kind, a.from_asset "from", a.amount_in amountIn, (SELECT status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) status
         FROM actions a JOIN cycles c ON c.id = a.cycle_id WHERE c.run_id IN ${inRuns} ORDER BY a.id`,
      )
      .all() as { id: number; cycle: number; kind: string; from: string; amountIn: string; status: string | null }[]
  ).map((a) => ({ cycle: a.cycle, kind: a.kind, from: a.from, amountIn: a.amountIn, status: a.status ?? 'planned', fills: fills.get(a.id) ?? [] }));
  const breakers = db.prepare(`SELECT data_json data FROM events WHERE run_id IN ${inRuns} AND kind LIKE 'breaker:%' ORDER BY id`).all() as { data: string | null }[];
  const configs = new Map<number, string>();
  for (const r of db.prepare(`SELECT id, config_json FROM runs WHERE id IN ${inRuns}`).all() as { id: number; config_json: string }[]) configs.set(r.id, r.config_json);
  return { snapshots, decisions, losses, actions, breakers, configs };
}
