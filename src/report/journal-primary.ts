import type Database from 'better-sqlite3';
import type { Universe } from '../config/universe.js';
import type { AssetId } from '../domain/asset.js';
import type { LayerLoss } from '../domain/score.js';
import type { ReportModel } from './report-model.js';
import { snapshotWeights } from './snapshot-weights.js';

type Primary = Omit<ReportModel['primary'], 'name' | 'drawdown'>;

/**
 * The strategy's detail as a journal keeps it, for the same charts a backtest draws: the allocation held
 * after each cycle (holdings at the cycle's marks, queued redemptions counted in the base asset as the
 * backtest counts them), each asset's yield estimate and its risk stack from the scores, breaker firings
 * from the events and every fill as an action.
 */
export function journalPrimary(db: Database.Database, u: Universe, runIds: readonly number[]): Primary {
  const inRuns = runIds.length ? `(${runIds.join(',')})` : '(NULL)';
  const decimals = (a: AssetId) => u.registryAssets.get(a)?.decimals ?? u.baseDecimals;
  const snaps = db
    .prepare(
      `SELECT c.decision_time t, p.portfolio_json pf, p.marks_json mk FROM portfolio_snapshots p JOIN cycles c ON c.id = p.cycle_id
       WHERE c.run_id IN ${inRuns} AND p.id = (SELECT MAX(id) FROM portfolio_snapshots WHERE cycle_id = c.id) ORDER BY c.decision_time, c.id`,
    )
    .all() as { t: number; pf: string; mk: string }[];
  const allocation = snaps.map((s) => ({ t: s.t, weights: snapshotWeights(u, s.pf, s.mk).weights }));

  const scoreRows = db
    .prepare(`SELECT c.decision_time t, s.asset, s.expected_yield y, s.expected_loss el, s.breakdown_json b FROM scores s JOIN cycles c ON c.id = s.cycle_id WHERE c.run_id IN ${inRuns} ORDER BY c.decision_time, c.id`)
    .all() as { t: number; asset: string; y: number; el: number; b: string }[];
  const yieldsAt = new Map<number, Record<AssetId, number>>();
  const lossAt = new Map<number, Record<AssetId, number>>();
  for (const r of scoreRows) {
    yieldsAt.set(r.t, { ...yieldsAt.get(r.t), [r.asset]: r.y });
    lossAt.set(r.t, { ...lossAt.get(r.t), [r.asset]: r.el });
  }
  const lastT = scoreRows[scoreRows.length - 1]?.t;
  const risk = scoreRows
    .filter((r) => r.t === lastT)
    .map((r) => {
      const b = JSON.parse(r.b) as { lossProbability?: number; layers?: LayerLoss[] };
      return { asset: r.asset, expectedLoss: r.el, lossProbability: b.lossProbability ?? 0, layers: b.layers ?? [] };
    });
  // Time-weighted expected loss carried in each asset: Σ_t w·EL / n, over the cycles with both.
  const riskContribution: Record<AssetId, number> = {};
  for (const a of allocation) {
    const el = lossAt.get(a.t) ?? {};
    for (const [asset, w] of Object.entries(a.weights)) riskContribution[asset] = (riskContribution[asset] ?? 0) + (w * (el[asset] ?? 0)) / Math.max(1, allocation.length);
  }

  const events: Primary['events'][number][] = [];
  const breakers = db.prepare(`SELECT COALESCE(c.decision_time, e.at) at, e.kind, e.asset, e.message FROM events e LEFT JOIN cycles c ON c.id = e.cycle_id WHERE e.run_id IN ${inRuns} AND e.kind LIKE 'breaker:%' ORDER BY 1, e.id`).all() as { at: number; kind: string; asset: string | null; message: string }[];
  for (const e of breakers) events.push({ t: e.at, kind: 'breaker', label: `${e.kind.slice('breaker:'.length)}${e.asset ? ` ${e.asset}` : ''}`, detail: e.message });
  const fills = db
    .prepare(`SELECT c.decision_time t, a.kind, a.from_asset f, a.to_asset tt, a.venue, a.reason, x.amount_in amt FROM fills x JOIN actions a ON a.id = x.action_id JOIN cycles c ON c.id = a.cycle_id WHERE c.run_id IN ${inRuns} ORDER BY x.id`)
    .all() as { t: number; kind: string; f: string; tt: string; venue: string; reason: string; amt: string }[];
  for (const f of fills) {
    const inAsset = f.kind === 'redeem-claim' ? u.baseAsset : f.f;
    events.push({ t: f.t, kind: 'action', label: `${f.kind} ${f.f}→${f.tt}`, detail: `${(Number(BigInt(f.amt)) / 10 ** decimals(inAsset)).toFixed(4)} ${inAsset} via ${f.venue}; ${f.reason}` });
  }
  events.sort((a, b) => a.t - b.t);
  return { allocation, yields: [...yieldsAt].map(([t, yields]) => ({ t, yields })), events, risk, riskContribution };
}
