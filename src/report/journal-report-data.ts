import type Database from 'better-sqlite3';
import { readCostSplit, splitTotal } from '../domain/cost-split.js';
import { redactDeep } from '../redact.js';
import { fillParts } from './operator-costs.js';
import type { OperatorInput } from './operator-view.js';

/**
 * Reads what the operator report needs from a paper or live journal: the runs of the vault (not recorder
 * runs), NAV and queued value per cycle, every fill's cost in parts, the benchmark's recorded rates and the limits
 * each decision named as binding.
 */
export function operatorInputFromJournal(db: Database.Database, o: { vault: string; baseAsset: string; baseDecimals: number; benchmark: string | undefined; codeVersion: string }): OperatorInput {
  const scale = 10 ** o.baseDecimals;
  const whole = (text: string) => Number(BigInt(text)) / scale;
  const runs = vaultRuns(db, o.vault);
  const lastRun = runs[runs.length - 1];
  const cfg = lastRun ? (JSON.parse(lastRun.config_json) as { strategy?: { name?: string; params?: unknown }; limits?: unknown }) : {};
  const runIds = runs.map((r) => r.id);
  const inRuns = runIds.length ? `(${runIds.join(',')})` : '(NULL)';

  const snaps = db
    .prepare(
      `SELECT c.decision_time t, p.nav_base nav, p.portfolio_json pf FROM portfolio_snapshots p JOIN cycles c ON c.id = p.cycle_id
       WHERE c.run_id IN ${inRuns} AND p.id = (SELECT MAX(id) FROM portfolio_snapshots WHERE cycle_id = c.id) ORDER BY c.decision_time, c.id`,
    )
    .all() as { t: number; nav: string; pf: string }[];
  const nav: [number, number][] = [];
  const queued: [number, number][] = [];
  for (const s of snaps) {
    const pending = (JSON.parse(s.pf) as { pending?: { expectedBase: string }[] }).pending ?? [];
    nav.push([s.t, whole(s.nav)]);
    queued.push([s.t, pending.reduce((sum, p) => sum + whole(p.expectedBase), 0)]);
  }
  const unknown = (db.prepare(`SELECT COUNT(*) n FROM cycle_ends e JOIN cycles c ON c.id = e.cycle_id WHERE c.run_id IN ${inRuns} AND e.status = 'failed'`).get() as { n: number }).n;

  const costs = (
    db.prepare(`SELECT a.kind, a.venue, f.cost_base, f.detail_json FROM fills f JOIN actions a ON a.id = f.action_id JOIN cycles c ON c.id = a.cycle_id WHERE c.run_id IN ${inRuns} ORDER BY f.id`).all() as { kind: string; venue: string; cost_base: string; detail_json: string | null }[]
  ).map((r) => {
    const d = r.detail_json ? (JSON.parse(r.detail_json) as Record<string, unknown>) : {};
    // Net of any gain against fair (a buy below fair), as the backtest counts it. A chain fill journals gas as
    // its cost; where its parts are known, their sum (gas + fee + slippage + depeg) is its cost against fair.
    const gain = typeof d.gainBase === 'string' && /^\d+$/.test(d.gainBase) ? BigInt(d.gainBase) : 0n;
    const split = readCostSplit(d);
    const net = (split && splitTotal(split)) ?? BigInt(r.cost_base) - gain;
    return { kind: r.kind, venue: r.venue, costBase: whole(net.toString()), split: split ? fillParts(split, o.baseDecimals) : undefined };
  });

  const binding = (
    db.prepare(`SELECT c.decision_time t, d.rationale_json r FROM decisions d JOIN cycles c ON c.id = d.cycle_id WHERE c.run_id IN ${inRuns} ORDER BY c.decision_time`).all() as { t: number; r: string }[]
  ).map((row) => ({ t: row.t, limits: bindingLimits(JSON.parse(row.r) as string[]) }));

  let benchmark: OperatorInput['benchmark'];
  if (o.benchmark) {
    const rows = db.prepare('SELECT time, fair_rate, market_rate FROM observations WHERE asset = ? ORDER BY time, id').all(o.benchmark) as { time: number; fair_rate: number | null; market_rate: number | null }[];
    const fair = new Map<number, number>();
    const market = new Map<number, number>();
    for (const r of rows) {
      if (r.fair_rate !== null) fair.set(r.time, r.fair_rate);
      if (r.market_rate !== null) market.set(r.time, r.market_rate);
    }
    benchmark = { asset: o.benchmark, fair: [...fair], market: [...market] };
  }

  return {
    identity: {
      vault: o.vault,
      mode: [...new Set(runs.map((r) => r.mode))].join(', ') || 'none',
      strategy: cfg.strategy?.name ?? 'unknown',
      // Redacted on the way out: a journal written before redaction landed keeps its config as it was given.
      params: redactDeep(cfg.strategy?.params ?? {}),
      limits: redactDeep(cfg.limits ?? {}),
      configHash: lastRun?.config_hash ?? 'unknown',
      codeVersion: o.codeVersion,
      runs: runs.length,
    },
    baseAsset: o.baseAsset,
    nav,
    queued,
    benchmark,
    costs,
    binding,
    unknownNavCycles: unknown,
  };
}

/** The vault's keeper runs (not recorder or operator runs), oldest first. */
export function vaultRuns(db: Database.Database, vault: string): { id: number; mode: string; config_hash: string; config_json: string }[] {
  return db.prepare("SELECT id, mode, config_hash, config_json FROM runs WHERE vault = ? AND mode NOT IN ('record', 'operator') ORDER BY id").all(vault) as { id: number; mode: string; config_hash: string; config_json: string }[];
}

/** "binding: a; b (per-asset cap 0.5)" → the limits named, without the weights they bound at. */
export function bindingLimits(rationale: readonly string[]): string[] {
  const line = rationale.find((l) => l.startsWith('binding:'));
  if (!line) return [];
  return line
    .slice('binding:'.length)
    .split(';')
    .map((s) => s.trim().replace(/ at its (upper|lower) bound [\d.]+/, ''))
    .filter(Boolean);
}
