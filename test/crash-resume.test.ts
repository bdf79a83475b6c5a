import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failpointEnv, runNode, type ChildExit } from './support/child-run.js';
import { CLI, ROOT, cli, tempDir } from './support/cli.js';

/**
 * Kill-and-resume trials in the paper path, through the real CLI in a child process: the keeper is
 * SIGKILLed right after its n-th journal write (RESTAKE_KEEPER_FAILPOINT=journal-write@n), for every n a
 * run makes, and restarted on the same journal. The run spans the 2024-08-06 weETH depeg: on 08-05 the
 * vault is allocated (four actions), on 08-06 the depeg breaker de-risks it (two actions), on 08-07 the
 * depeg episode it opened is still under way (state carried from one decision to the next). A resumed run
 * must end exactly where an uninterrupted one does: same NAV (1e-9 relative), same fills, and no plan
 * step executed twice.
 */

const FROM = '2024-08-05T00:00:00Z';
const TO = '2024-08-07T00:00:00Z';
const CONCURRENCY = 3;

let dir: string;
let config: string;

beforeAll(() => {
  dir = tempDir('rk-resume-');
  cpSync(join(ROOT, 'config'), join(dir, 'config'), { recursive: true });
  mkdirSync(join(dir, 'history'));
  cpSync(join(ROOT, 'history', 'ethereum.csv'), join(dir, 'history', 'ethereum.csv'));
  config = join(dir, 'config', 'vaults', 'eth-restaking.yaml');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Each trial's journal in a directory of its own: the CLI refuses a new journal beside another journal of
 * the same vault (a mistyped --journal), and every trial starts one.
 */
function journalPath(name: string): string {
  const d = join(dir, 'journals', name);
  mkdirSync(d, { recursive: true });
  return join(d, 'journal.sqlite');
}

function run(journal: string, killAt?: number): Promise<ChildExit> {
  const args = [CLI, 'run', '--config', config, '--from', FROM, '--to', TO, '--journal', journal, '--quiet', '--log-level', 'error'];
  return runNode(args, { cwd: dir, env: failpointEnv(killAt === undefined ? undefined : `journal-write@${killAt}`), timeoutMs: 60_000 });
}

interface Outcome {
  nav: bigint;
  /** Every fill, keyed by the decision it belongs to and its plan step. */
  fills: string[];
  /** Per decision time, the decision of the cycle that finished it, and the depeg episodes it left. */
  decisions: string[];
  /** Plan steps (decision time, seq) executed more than once. */
  twice: string[];
  unfinished: number;
  interrupted: number[];
  redos: Array<{ cycle: number; of: number }>;
}

function inspect(path: string): Outcome {
  const db = new Database(path, { readonly: true });
  try {
    const nav = db.prepare('SELECT nav_base FROM portfolio_snapshots ORDER BY id DESC LIMIT 1').pluck().get() as string;
    const fills = db
      .prepare(
        `SELECT c.decision_time, a.seq, a.kind, a.from_asset, a.to_asset, f.amount_in, f.amount_out, f.cost_base
         FROM fills f JOIN actions a ON a.id = f.action_id JOIN cycles c ON c.id = a.cycle_id
         ORDER BY c.decision_time, a.seq`,
      )
      .raw()
      .all() as unknown[][];
    const executed = db
      .prepare(
        `SELECT c.decision_time || '#' || a.seq AS step, COUNT(*) AS n FROM actions a JOIN cycles c ON c.id = a.cycle_id
         WHERE (SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) IN ('confirmed', 'failed')
         GROUP BY step HAVING n > 1`,
      )
      .all() as Array<{ step: string }>;
    const decisions = db
      .prepare(
        `SELECT c.decision_time, d.weights_json, d.halted, json_extract(e.summary_json, '$.depegMemory')
         FROM cycles c JOIN decisions d ON d.cycle_id = c.id JOIN cycle_ends e ON e.cycle_id = c.id
         WHERE e.status <> 'interrupted' ORDER BY c.decision_time`,
      )
      .raw()
      .all() as unknown[][];
    const unfinished = db.prepare('SELECT COUNT(*) FROM cycles c WHERE NOT EXISTS (SELECT 1 FROM cycle_ends e WHERE e.cycle_id = c.id)').pluck().get() as number;
    const interrupted = db.prepare("SELECT cycle_id FROM cycle_ends WHERE status = 'interrupted' ORDER BY cycle_id").pluck().all() as number[];
    const redos = (db.prepare('SELECT cycle_id, redo_of FROM cycle_redos ORDER BY cycle_id').raw().all() as number[][]).map(([cycle, of]) => ({ cycle: cycle as number, of: of as number }));
    return { nav: BigInt(nav), fills: fills.map((r) => r.join(' ')), decisions: decisions.map((r) => r.join(' ')), twice: executed.map((e) => e.step), unfinished, interrupted, redos };
  } finally {
    db.close();
  }
}

/** The decision time of the cycle the killed process left unfinished, if any. */
function unfinishedDay(path: string): string | undefined {
  const db = new Database(path, { readonly: true });
  try {
    const t = db.prepare('SELECT c.decision_time FROM cycles c WHERE NOT EXISTS (SELECT 1 FROM cycle_ends e WHERE e.cycle_id = c.id) ORDER BY c.id DESC LIMIT 1').pluck().get() as number | undefined;
    return t === undefined ? undefined : new Date(t).toISOString().slice(0, 10);
  } finally {
    db.close();
  }
}

/** Where the killed process left its last cycle: which kind of write it died after. */
function stoppedAt(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const c = db.prepare('SELECT c.id FROM cycles c WHERE NOT EXISTS (SELECT 1 FROM cycle_ends e WHERE e.cycle_id = c.id) ORDER BY c.id DESC LIMIT 1').pluck().get() as number | undefined;
    if (c === undefined) return 'between cycles';
    const statuses = db
      .prepare('SELECT (SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) FROM actions a WHERE a.cycle_id = ? ORDER BY a.seq')
      .pluck()
      .all(c) as string[];
    const decided = db.prepare('SELECT 1 FROM decisions WHERE cycle_id = ?').get(c) !== undefined;
    const snapshots = db.prepare('SELECT COUNT(*) FROM portfolio_snapshots WHERE cycle_id = ?').pluck().get(c) as number;
    if (statuses.length > 0 && statuses.every((s) => s === 'confirmed' || s === 'failed')) return snapshots > 1 ? 'before cycle end' : 'after the last fill';
    if (statuses.includes('intent')) return 'after an action intent';
    if (statuses.includes('confirmed')) return 'between fills';
    if (statuses.length > 0) return 'after the plan';
    if (decided) return 'after the decision';
    return 'before the decision';
  } finally {
    db.close();
  }
}

/** Runs `jobs` at most `n` at a time (each trial is two or three child processes). */
async function pool<T>(jobs: Array<() => Promise<T>>, n: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < jobs.length; k = next++) out[k] = await (jobs[k] as () => Promise<T>)();
  };
  await Promise.all(Array.from({ length: Math.min(n, jobs.length) }, worker));
  return out;
}

function relDiff(a: bigint, b: bigint): number {
  const d = a > b ? a - b : b - a;
  return Number(d) / Number(b);
}

describe('a crash loses no decision (paper path, real CLI, SIGKILL at every journal write)', () => {
  let ref: Outcome;
  let writes: number;
  /** A journal killed between the two fills of the de-risk, then resumed (for the journal show test). */
  let betweenFills: string | undefined;
  /** The de-risk day's last write after its decision, and between its fills (first kills of the double-crash trials). */
  let doubleFirsts: number[] = [];

  beforeAll(async () => {
    const reference = journalPath('reference');
    const r = await run(reference);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    ref = inspect(reference);
    // the window holds the allocation and the depeg de-risk: fills on both days
    expect(new Set(ref.fills.map((f) => f.split(' ')[0])).size).toBe(2);
    expect(ref.decisions).toHaveLength(3);
    expect(ref.decisions[2]).toMatch(/"weETH":\{"kind":"liquidity"/); // the episode is under way on the third day
    expect(ref.fills.length).toBeGreaterThanOrEqual(5);
    // How many writes an uninterrupted run makes (a kill set past the last one never fires): bisection.
    let lo = 1; // fires
    let hi = 256; // does not
    expect((await run(journalPath('probe-hi'), hi)).signal).toBeNull();
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((await run(journalPath(`probe-${mid}`), mid)).signal === 'SIGKILL') lo = mid;
      else hi = mid;
    }
    writes = lo;
    expect(writes).toBeGreaterThan(20);
  }, 300_000);

  it('killed after any write and restarted, the run ends with the uninterrupted NAV and fills, nothing executed twice', async () => {
    const trials = await pool(
      Array.from({ length: writes }, (_, k) => async () => {
        const n = k + 1;
        const path = journalPath(`kill-${n}`);
        const killed = await run(path, n);
        const where = stoppedAt(path);
        const day = unfinishedDay(path);
        const resumed = await run(path);
        return { n, path, where, day, killed: killed.signal, code: resumed.code, stderr: resumed.stderr, out: inspect(path) };
      }),
      CONCURRENCY,
    );
    let worst = 0;
    for (const t of trials) {
      expect({ n: t.n, signal: t.killed }).toEqual({ n: t.n, signal: 'SIGKILL' });
      expect({ n: t.n, code: t.code, stderr: t.stderr }).toEqual({ n: t.n, code: 0, stderr: '' });
      expect({ n: t.n, twice: t.out.twice, unfinished: t.out.unfinished }).toEqual({ n: t.n, twice: [], unfinished: 0 });
      expect({ n: t.n, fills: t.out.fills, decisions: t.out.decisions }).toEqual({ n: t.n, fills: ref.fills, decisions: ref.decisions });
      const d = relDiff(t.out.nav, ref.nav);
      worst = Math.max(worst, d);
      expect(d, `kill at write ${t.n} (${t.where})`).toBeLessThanOrEqual(1e-9);
      // every interrupted cycle was redone, by a cycle linked to it
      expect({ n: t.n, redone: t.out.interrupted.filter((c) => !t.out.redos.some((r) => r.of === c)) }).toEqual({ n: t.n, redone: [] });
    }
    const derisk = trials.filter((t) => t.day === '2024-08-06');
    betweenFills = derisk.find((t) => t.where === 'between fills')?.path;
    doubleFirsts = ['after the decision', 'between fills'].map((w) => derisk.find((t) => t.where === w)?.n ?? 0);
    expect(new Set(trials.map((t) => t.day))).toEqual(new Set([undefined, '2024-08-05', '2024-08-06', '2024-08-07']));
    const kinds = new Set(trials.map((t) => t.where));
    for (const k of ['before the decision', 'after the decision', 'after the plan', 'after an action intent', 'between fills', 'after the last fill', 'before cycle end']) {
      expect([...kinds]).toContain(k);
    }
    console.log(`kill-and-resume: ${trials.length} trials (one per journal write of the run), largest NAV difference ${worst} relative; killed ${[...kinds].join(', ')}`);
  }, 600_000);

  it('killed again during the redo, then restarted: still the uninterrupted NAV and fills, each step executed once', async () => {
    // First kills inside the de-risk day (the run's later writes: after its decision, between its fills),
    // second kills at every third write of the resumed process (recovery, then the redo).
    const jobs: Array<() => Promise<{ first: number; second: number; signals: Array<string | null>; code: number | null; stderr: string; out: Outcome }>> = [];
    expect(doubleFirsts.every((n) => n > 0)).toBe(true);
    for (const first of doubleFirsts) {
      for (let second = 3; second <= 18; second += 3) {
        jobs.push(async () => {
          const path = journalPath(`double-${first}-${second}`);
          const a = await run(path, first);
          const b = await run(path, second);
          const c = await run(path);
          return { first, second, signals: [a.signal, b.signal], code: c.code, stderr: c.stderr, out: inspect(path) };
        });
      }
    }
    const trials = await pool(jobs, CONCURRENCY);
    let worst = 0;
    let chained = 0;
    for (const t of trials) {
      const id = `${t.first}/${t.second}`;
      expect({ id, first: t.signals[0] }).toEqual({ id, first: 'SIGKILL' });
      expect({ id, code: t.code, stderr: t.stderr }).toEqual({ id, code: 0, stderr: '' });
      expect({ id, twice: t.out.twice, unfinished: t.out.unfinished, fills: t.out.fills, decisions: t.out.decisions }).toEqual({ id, twice: [], unfinished: 0, fills: ref.fills, decisions: ref.decisions });
      const d = relDiff(t.out.nav, ref.nav);
      worst = Math.max(worst, d);
      expect(d, id).toBeLessThanOrEqual(1e-9);
      // a redo killed in turn is redone by the next start: a chain of links
      if (t.out.redos.some((r) => t.out.redos.some((s) => s.of === r.cycle))) chained++;
    }
    expect(chained).toBeGreaterThan(0);
    console.log(`double crash: ${trials.length} trials (${chained} with the redo itself interrupted and redone), largest NAV difference ${worst} relative`);
  }, 600_000);

  it('journal show explains a redo: the link both ways and what was kept', async () => {
    const path = betweenFills as string;
    expect(path).toBeDefined();
    const out = inspect(path);
    const link = out.redos[0] as { cycle: number; of: number };
    const redo = cli(['journal', 'show', String(link.cycle), '--journal', path]);
    expect(redo.stdout).toContain(`redo of cycle ${link.of}`);
    expect(redo.stdout).toMatch(/cycle-redo: redo of cycle \d+ \(interrupted after stage "planned"\).*1 action\(s\) already executed and kept: #0 confirmed.*; 1 of 2 to execute/);
    const old = cli(['journal', 'show', String(link.of), '--journal', path]);
    expect(old.stdout).toContain(`redone by cycle ${link.cycle}`);
    // statuses print with or without their times ("planned 2024-08-06T00:00:00Z → intent … → confirmed …")
    expect(old.stdout).toMatch(/planned( \S+)? → intent( \S+)? → confirmed/);
    expect(old.stdout).toMatch(/planned( \S+)? → (intent( \S+)? → )?abandoned/);
  }, 120_000);
});
