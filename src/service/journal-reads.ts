import { statSync } from 'node:fs';
import type { Journal } from '../journal/journal.js';
import { listEvents, type EventRecord } from '../journal/queries.js';
import { parseJsonText, textToUint } from '../journal/codec.js';
import { ProposalJournal } from '../journal/proposal-journal.js';

/**
 * What the service shows of a vault's journal: the last decision with its rationale, NAV over time, work
 * still in flight, recent events, the day's spend, the file's size. Read on the keeper's own connection
 * between awaits (better-sqlite3 is synchronous, so a read never lands inside a cycle's write transaction).
 */

export interface LastDecision {
  readonly cycleId: number;
  readonly decisionTime: number;
  readonly strategy: string;
  readonly weights: Record<string, number>;
  readonly rationale: string[];
  readonly halted: boolean;
  readonly endStatus: string | null;
}

export function lastDecision(j: Journal, vault: string): LastDecision | undefined {
  const r = j.db
    .prepare<[string], { cycle_id: number; decision_time: number; strategy: string; weights_json: string; rationale_json: string; halted: number; status: string | null }>(
      `SELECT d.cycle_id, c.decision_time, d.strategy, d.weights_json, d.rationale_json, d.halted, e.status
       FROM decisions d JOIN cycles c ON c.id = d.cycle_id JOIN runs r ON r.id = c.run_id
       LEFT JOIN cycle_ends e ON e.cycle_id = c.id
       WHERE r.vault = ? ORDER BY d.cycle_id DESC LIMIT 1`,
    )
    .get(vault);
  if (!r) return undefined;
  return {
    cycleId: r.cycle_id,
    decisionTime: r.decision_time,
    strategy: r.strategy,
    weights: parseJsonText<Record<string, number>>('decisions.weights_json', r.weights_json),
    rationale: parseJsonText<string[]>('decisions.rationale_json', r.rationale_json),
    halted: r.halted === 1,
    endStatus: r.status,
  };
}

/** NAV over time (snapshot time, NAV in base units), at most `points` evenly thinned, the latest always kept. */
export function navSeries(j: Journal, vault: string, points = 240): Array<{ at: number; navBase: bigint }> {
  const rows = j.db
    .prepare<[string], { at: number; nav_base: string }>(
      `SELECT p.at, p.nav_base FROM portfolio_snapshots p JOIN runs r ON r.id = p.run_id
       WHERE r.vault = ? AND p.cycle_id IS NOT NULL
       AND p.id IN (SELECT MAX(id) FROM portfolio_snapshots GROUP BY cycle_id)
       ORDER BY p.id`,
    )
    .all(vault);
  const stride = Math.max(1, Math.ceil(rows.length / points));
  const out: Array<{ at: number; navBase: bigint }> = [];
  rows.forEach((r, i) => {
    if (i % stride === 0 || i === rows.length - 1) out.push({ at: r.at, navBase: textToUint('nav_base', r.nav_base) });
  });
  return out;
}

export interface InFlight {
  /** Actions of unfinished cycles not yet in a terminal status (a cycle running now, or one a crash left). */
  readonly actions: Array<{ actionId: number; cycleId: number; kind: string; from: string; to: string; status: string }>;
  /** Signed transactions not yet confirmed, failed or dropped. */
  readonly transactions: Array<{ id: number; chain: string; nonce: number | null; txHash: string; status: string; description: string }>;
  /** Multisig proposals awaiting signatures, where the journal records them (a proposal executor). */
  readonly proposals: Array<Record<string, unknown>>;
}

const PENDING_PROPOSAL_SQL = `
  SELECT p.id, p.multisig, p.chain, p.account, p.nonce, p.proposal_hash AS hash, s.status, s.at
  FROM proposals p JOIN proposal_status s ON s.id = (SELECT MAX(s2.id) FROM proposal_status s2 WHERE s2.proposal_id = p.id)
  WHERE p.vault = ? AND s.status IN ('intent', 'proposed', 'confirmations') ORDER BY p.id`;

const hasTable = (j: Journal, name: string) => j.db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(name)?.n === 1;

export function inFlight(j: Journal, vault: string): InFlight {
  const actions = j.unfinishedCycles().flatMap((c) =>
    c.openActions.map((a) => {
      const info = j.actionInfo(a.actionId);
      return { actionId: a.actionId, cycleId: c.cycleId, kind: info?.action.kind ?? '?', from: info?.action.from ?? '?', to: info?.action.to ?? '?', status: a.status };
    }),
  );
  const transactions = j.openTransactions().map((t) => ({ id: t.id, chain: t.chain, nonce: t.nonce, txHash: t.txHash, status: t.status, description: t.description }));
  // Multisig proposals (Safe, Squads) awaiting signatures or execution, where the journal has them.
  const proposals = hasTable(j, 'proposals') ? j.db.prepare<[string], Record<string, unknown>>(PENDING_PROPOSAL_SQL).all(vault) : [];
  return { actions, transactions, proposals };
}

export function recentEvents(j: Journal, vault: string, limit = 25): EventRecord[] {
  return listEvents(j.db, { vault, limit });
}

/**
 * Value at risk committed in [from, to), what per-day caps count: transactions signed from every account
 * the journal has sent from, and multisig proposals of the vault that can still execute or did.
 */
export function spendBetween(j: Journal, vault: string, from: number, to: number): bigint {
  const accounts = j.db.prepare<[], { chain: string; account: string }>('SELECT DISTINCT chain, account FROM transactions').all();
  let sum = accounts.reduce((s, a) => s + j.spentBetween(a.chain, a.account, from, to), 0n);
  if (hasTable(j, 'proposals')) {
    const pj = new ProposalJournal(j.db);
    for (const a of j.db.prepare<[string], { chain: string; account: string }>('SELECT DISTINCT chain, account FROM proposals WHERE vault = ?').all(vault)) {
      sum += pj.valueAtRiskBetween(a.chain, a.account, from, to);
    }
  }
  return sum;
}

/** The journal's size on disk: the database and its write-ahead log. */
export function journalBytes(path: string): number {
  let n = 0;
  for (const f of [path, `${path}-wal`]) {
    try {
      n += statSync(f).size;
    } catch {
      // no WAL yet
    }
  }
  return n;
}
