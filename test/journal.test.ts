import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_STATUSES, type PlannedAction } from '../src/domain/action.js';
import type { Observation } from '../src/domain/observation.js';
import type { Portfolio } from '../src/domain/portfolio.js';
import type { AssetScore } from '../src/domain/score.js';
import { JournalError } from '../src/errors.js';
import { ProposalJournal } from '../src/journal/proposal-journal.js';
import {
  csvField,
  csvRecord,
  cycleDetail,
  exportTableCsv,
  JOURNAL_TABLES,
  LATEST_SCHEMA_VERSION,
  listCycles,
  listEvents,
  migrate,
  MIGRATIONS,
  openJournal,
  openJournalDb,
  type Journal,
} from '../src/journal/index.js';

const BIG = 2n ** 70n + 1n; // well above 2^63 and 2^53
const FIXTURE = fileURLToPath(new URL('./fixtures/journal-kill-mid-write.mjs', import.meta.url));

let dir: string;
let file: string;
const opened: Journal[] = [];

function open(): Journal {
  const j = openJournal(file);
  opened.push(j);
  return j;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'journal-test-'));
  file = join(dir, 'journal.sqlite');
});

afterEach(() => {
  for (const j of opened.splice(0)) j.close();
  rmSync(dir, { recursive: true, force: true });
});

function action(seq: number, over: Partial<PlannedAction> = {}): PlannedAction {
  return {
    seq,
    kind: 'buy',
    from: 'eth',
    to: 'wsteth',
    amountIn: 1_000_000_000_000_000_000n,
    expectedOut: 850_000_000_000_000_000n,
    minOut: 840_000_000_000_000_000n,
    venue: 'curve',
    estCostBase: 1_000_000_000_000_000n,
    delaySeconds: 0,
    reason: 'toward target wsteth 40%',
    ...over,
  };
}

function portfolio(eth: bigint, wsteth = 0n): Portfolio {
  return {
    holdings: new Map([
      ['eth', eth],
      ...(wsteth > 0n ? ([['wsteth', wsteth]] as const) : []),
    ]),
    pending: [],
    indexSeen: new Map(),
  };
}

const score: AssetScore = {
  asset: 'wsteth',
  eligible: true,
  reasons: ['ok, "quoted", with comma'],
  yield: { rateGrowth: 0.031, base: null, mev: null, restaking: null, incentives: null, lending: null, total: 0.031, note: 'rate growth' },
  expectedLoss: 0.004,
  lossProbability: 0.01,
  layers: [{ layer: 'lido', kind: 'lst', expectedLoss: 0.004, probability: 0.01, modes: [{ name: 'slashing', annualProbability: 0.01, severity: 0.4 }] }],
  depeg: -0.001,
  entryCost: 0.0005,
  exitCost: 0.001,
  exitDelaySeconds: 0,
  exitRoute: 'curve',
  tvlBase: 9_000_000,
  score: 0.026,
};

const observation: Observation = { time: 1_000, asset: 'wsteth', source: 'history', ref: '19000000', fairRate: 1.17, marketRate: 1.168, apyBase: 0.03 };

/** A run with one finished cycle that touches every table. */
function populate(j: Journal): { runId: number; cycleId: number; actionIds: number[] } {
  const runId = j.startRun({ at: 1_000, mode: 'paper', vault: 'v1', configHash: 'abc', configJson: '{"name":"v1"}' });
  const cycleId = j.beginCycle({ runId, decisionTime: 1_000, at: 1_001 });
  j.recordStage(cycleId, 'observed', 1_002);
  j.recordObservations(cycleId, [observation, { time: 1_000, asset: 'eth', source: 'history' }]);
  j.recordScores(cycleId, [score]);
  j.recordDecision(cycleId, { strategy: 'max-score', weights: { eth: 0.6, wsteth: 0.4 }, rationale: ['because'], halted: false });
  const actionIds = j.recordActions(cycleId, [action(1)]);
  const a = actionIds[0]!;
  j.recordActionStatus(a, 'intent', 1_003, { note: 'paper' });
  const tx = j.recordTransaction({
    actionId: a, chain: 'evm:1', account: '0x00000000000000000000000000000000000000aa', seq: 0, kind: 'action', description: 'wrap 1 ETH',
    to: '0x00000000000000000000000000000000000000bb', calldata: '0xd0e30db0', value: 10n ** 18n, valueAtRisk: 10n ** 18n, nonce: 0,
    signedRaw: '0x02f8', txHash: '0x01', maxFee: 2n, maxPriorityFee: 1n, createdAt: 1_003, history: [{ status: 'built', at: 1_003 }, { status: 'signed', at: 1_003 }],
  });
  j.recordTransactionStatus(tx, 'sent', 1_003);
  j.recordTransactionStatus(tx, 'confirmed', 1_004, { block: '1' });
  j.recordFill(a, { amountIn: 10n ** 18n, amountOut: 85n * 10n ** 16n, costBase: 10n ** 15n, at: 1_004, detail: { price: 1.17, raw: 5n } });
  j.recordActionStatus(a, 'confirmed', 1_004);
  j.recordPortfolio({ cycleId, at: 1_005, navBase: 10n ** 18n, portfolio: portfolio(10n ** 17n, 85n * 10n ** 16n), marks: { wsteth: 1.17 } });
  new ProposalJournal(j.db).recordIntent({ vault: 'v1', cycleId, multisig: 'safe', chain: 'evm:1', account: `0x${'cc'.repeat(20)}-${runId}`, nonce: 0n, hash: '0x02', proposer: '0xdd', payload: {}, description: {}, valueAtRisk: 1n, createdAt: 1_005 });
  j.recordEvent({ cycleId, at: 1_005, kind: 'rebalanced', severity: 'info', message: 'moved 1 ETH', data: { n: 1n } });
  j.endCycle(cycleId, 1_006, 'completed', { actions: 1 });
  return { runId, cycleId, actionIds };
}

describe('opening and migrations', () => {
  it('is idempotent: opening twice applies each migration once', () => {
    open().close();
    const j = open();
    const rows = j.db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    expect(rows).toHaveLength(MIGRATIONS.length); // versions are numbered per feature branch, so may have gaps
    expect(migrate(j.db)).toEqual([]);
    // and the data written before survives a reopen
    populate(j);
    j.close();
    expect(listCycles(open().db)).toHaveLength(1);
  });

  it('refuses a journal whose schema is newer than the code knows', () => {
    open().close();
    const raw = new Database(file);
    raw.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_SCHEMA_VERSION + 1, 'from the future', 0);
    raw.close();
    expect(() => openJournal(file)).toThrow(JournalError);
    expect(() => openJournal(file)).toThrow(new RegExp(`schema version ${LATEST_SCHEMA_VERSION + 1}, newer than this keeper knows \\(${LATEST_SCHEMA_VERSION}\\)`));
    expect(() => openJournal(file, { readonly: true })).toThrow(/newer than this keeper knows/);
  });

  it('upgrades a version-1 journal in place, keeping its rows, and the new columns round-trip', () => {
    const raw = new Database(file);
    raw.exec(readFileSync(new URL('./fixtures/journal-v1-schema.sql', import.meta.url), 'utf8'));
    raw.close();
    const j = open();
    const runId = j.startRun({ at: 1, mode: 'paper', vault: 'v', configHash: 'h', configJson: '{}' });
    const cycleId = j.beginCycle({ runId, decisionTime: 2, at: 2 });
    j.recordObservations(cycleId, [{ time: 2, asset: 'JitoSOL', source: 'jupiter', exitImpact: 0.0004, exitSizeBase: 1000 }]);
    j.close();
    const db = new Database(file, { readonly: true });
    const row = db.prepare('SELECT exit_impact, exit_size_base FROM observations').get() as { exit_impact: number; exit_size_base: number };
    expect(row).toEqual({ exit_impact: 0.0004, exit_size_base: 1000 });
    const strict = db.prepare("SELECT strict FROM pragma_table_list WHERE name = 'observations'").get() as { strict: number };
    expect(strict.strict).toBe(1);
    expect((db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });

  it('refuses a journal whose recorded migrations are not ours', () => {
    const raw = new Database(file);
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
    raw.prepare('INSERT INTO schema_migrations VALUES (1, ?, 0)').run('someone else');
    raw.close();
    expect(() => openJournal(file)).toThrow(/does not have/);
  });

  it('turns on WAL, synchronous FULL, foreign keys and busy_timeout', () => {
    const { db } = open();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('also opens in memory (for other tests)', () => {
    const j = openJournal(':memory:');
    opened.push(j);
    populate(j);
    expect(j.unfinishedCycles()).toEqual([]);
  });

  it('read-only open does not create a file', () => {
    expect(() => openJournal(join(dir, 'missing.sqlite'), { readonly: true })).toThrow(JournalError);
    open().close();
    const ro = openJournal(file, { readonly: true });
    opened.push(ro);
    expect(() => ro.startRun({ at: 1, mode: 'paper', vault: 'v', configHash: 'h', configJson: '{}' })).toThrow(/readonly/);
  });
});

describe('schema', () => {
  it('has exactly the known tables, every one STRICT', () => {
    const { db } = open();
    const tables = (db.pragma('table_list') as Array<{ schema: string; name: string; type: string; strict: number }>).filter(
      (t) => t.schema === 'main' && t.type === 'table' && !t.name.startsWith('sqlite_'),
    );
    expect(tables.map((t) => t.name).sort()).toEqual([...JOURNAL_TABLES].sort());
    for (const t of tables) expect({ table: t.name, strict: t.strict }).toEqual({ table: t.name, strict: 1 });
  });

  it('every table is append-only: UPDATE, DELETE and INSERT OR REPLACE abort', () => {
    const j = open();
    const { runId } = populate(j);
    // a redo (migration 5): an interrupted cycle, the cycle that redoes it, and an action's holdings after it
    const interrupted = j.beginCycle({ runId, decisionTime: 2_000, at: 2_000 });
    j.endCycle(interrupted, 2_001, 'interrupted', {});
    const redo = j.redo.beginRedoCycle({ runId, redoOf: interrupted, at: 2_002 });
    const [redone] = j.recordActions(redo, [action(1)]) as [number];
    j.recordActionStatus(redone, 'intent', 2_003);
    j.recordActionStatus(redone, 'confirmed', 2_003);
    j.redo.recordActionHoldings(redone, 2_003, portfolio(1n));
    const db = j.db;
    for (const table of JOURNAL_TABLES) {
      const before = (db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n;
      expect({ table, hasRows: before > 0 }).toEqual({ table, hasRows: true }); // an empty table would make UPDATE a no-op
      const col = (db.prepare(`SELECT * FROM "${table}" LIMIT 1`).columns()[0] as { name: string }).name;
      expect(() => db.prepare(`UPDATE "${table}" SET "${col}" = "${col}"`).run(), table).toThrow(`${table} is append-only`);
      expect(() => db.prepare(`DELETE FROM "${table}"`).run(), table).toThrow(`${table} is append-only`);
      expect((db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n).toBe(before);
    }
    expect(() =>
      db.prepare("INSERT OR REPLACE INTO runs (id, started_at, mode, vault, config_hash, config_json) VALUES (1, 0, 'x', 'x', 'x', '{}')").run(),
    ).toThrow('runs is append-only');
  });

  it('money columns accept only canonical non-negative decimal text', () => {
    const j = open();
    const { cycleId } = populate(j);
    const runId = j.startRun({ at: 2_000, mode: 'paper', vault: 'v1', configHash: 'abc', configJson: '{}' });
    const insert = j.db.prepare(
      "INSERT INTO portfolio_snapshots (run_id, cycle_id, at, nav_base, portfolio_json, marks_json) VALUES (?, NULL, 0, ?, '{}', '{}')",
    );
    for (const bad of ['-1', '01', '1.5', '1e3', '', ' 1', 'abc']) {
      expect(() => insert.run(runId, bad), bad).toThrow(/CHECK constraint failed/);
    }
    // a JS number bound by mistake is a double: STRICT turns it into the text '12.0', which the CHECK refuses
    expect(() => insert.run(runId, 12)).toThrow(/CHECK constraint failed/);
    insert.run(runId, '0');
    insert.run(runId, BIG.toString());
    expect(() => j.recordPortfolio({ cycleId: null, at: 0, navBase: -1n, portfolio: portfolio(0n), marks: {} })).toThrow(
      /navBase must be non-negative/,
    );
    expect(cycleId).toBeGreaterThan(0);
  });

  it('the action_status CHECK knows every ActionStatus', () => {
    const { db } = open();
    const sql = (db.prepare("SELECT sql FROM sqlite_schema WHERE name = 'action_status'").get() as { sql: string }).sql;
    for (const s of ACTION_STATUSES) expect(sql).toContain(`'${s}'`);
  });
});

describe('writes', () => {
  it('round-trips bigints above 2^63 exactly through portfolio, actions and fills', () => {
    const j = open();
    const runId = j.startRun({ at: 0, mode: 'paper', vault: 'v1', configHash: 'h', configJson: '{}' });
    const cycleId = j.beginCycle({ runId, decisionTime: 10, at: 11 });
    const [a] = j.recordActions(cycleId, [action(1, { amountIn: BIG, expectedOut: BIG - 2n, minOut: BIG - 3n, estCostBase: BIG + 4n, delaySeconds: 1.5 })]);
    j.recordActionStatus(a!, 'intent', 12, { raw: BIG });
    j.recordFill(a!, { amountIn: BIG, amountOut: BIG * 3n, costBase: BIG + 7n, at: 13 });
    j.recordActionStatus(a!, 'confirmed', 13);
    const p: Portfolio = {
      holdings: new Map([['eth', BIG], ['wsteth', BIG * 2n]]),
      pending: [{ id: 'r1', asset: 'steth', amountIn: BIG + 1n, expectedBase: BIG + 2n, requestedAt: 5, claimableAt: 6 }],
      indexSeen: new Map([['aweth', 1.0123]]),
    };
    j.recordPortfolio({ cycleId, at: 14, navBase: BIG * 5n, portfolio: p, marks: { wsteth: 1.2 } });

    const latest = j.latestPortfolio('v1')!;
    expect(latest.navBase).toBe(BIG * 5n);
    expect(latest.portfolio).toEqual(p);

    const d = cycleDetail(j.db, cycleId)!;
    const rec = d.actions[0]!;
    expect([rec.amountIn, rec.expectedOut, rec.minOut, rec.estCostBase]).toEqual([BIG, BIG - 2n, BIG - 3n, BIG + 4n]);
    expect(rec.delaySeconds).toBe(1.5);
    expect(rec.fills).toEqual([{ amountIn: BIG, amountOut: BIG * 3n, costBase: BIG + 7n, at: 13 }]);
    expect(rec.history.map((h) => h.status)).toEqual(['planned', 'intent', 'confirmed']);
    expect(rec.history[1]!.detail).toEqual({ raw: BIG.toString() });
    expect(d.portfolio!.navBase).toBe(BIG * 5n);
    // stored as text, not as a (lossy) number
    const stored = j.db.prepare('SELECT typeof(amount_in) AS t, amount_in FROM actions WHERE id = ?').get(a) as { t: string; amount_in: string };
    expect(stored).toEqual({ t: 'text', amount_in: '1180591620717411303425' });
  });

  it('rejects illegal action status transitions and leaves the history unchanged', () => {
    const j = open();
    const runId = j.startRun({ at: 0, mode: 'paper', vault: 'v1', configHash: 'h', configJson: '{}' });
    const cycleId = j.beginCycle({ runId, decisionTime: 10, at: 11 });
    const [a, b, c] = j.recordActions(cycleId, [action(1), action(2), action(3)]) as [number, number, number];

    expect(() => j.recordActionStatus(a, 'confirmed', 12)).toThrow(/illegal status transition for action \d+: planned → confirmed/);
    expect(() => j.recordActionStatus(a, 'planned', 12)).toThrow(JournalError);
    expect(() => j.recordFill(a, { amountIn: 1n, amountOut: 1n, costBase: 0n, at: 12 })).toThrow(/cannot record a fill/);
    j.recordActionStatus(a, 'intent', 12);
    expect(() => j.recordActionStatus(a, 'intent', 12)).toThrow(/intent → intent/);
    j.recordActionStatus(a, 'sent', 13);
    expect(() => j.recordActionStatus(a, 'built', 13)).toThrow(/sent → built/);
    expect(() => j.recordActionStatus(a, 'skipped', 13)).toThrow(/sent → skipped/);
    j.recordActionStatus(a, 'confirmed', 14);
    for (const s of ACTION_STATUSES) expect(() => j.recordActionStatus(a, s, 15), s).toThrow(JournalError);

    j.recordActionStatus(b, 'skipped', 12);
    expect(() => j.recordActionStatus(b, 'intent', 13)).toThrow(/skipped → intent .*nothing, it is terminal/);
    j.recordActionStatus(c, 'abandoned', 12);
    expect(() => j.recordFill(c, { amountIn: 1n, amountOut: 1n, costBase: 0n, at: 12 })).toThrow(/abandoned/);
    expect(() => j.recordActionStatus(999, 'intent', 12)).toThrow(/no action 999/);

    const hist = cycleDetail(j.db, cycleId)!.actions.map((x) => x.history.map((h) => h.status));
    expect(hist).toEqual([['planned', 'intent', 'sent', 'confirmed'], ['planned', 'skipped'], ['planned', 'abandoned']]);

    // the database itself refuses a status after a terminal one, even from a writer that bypasses the class
    expect(() => j.db.prepare("INSERT INTO action_status (action_id, status, at) VALUES (?, 'failed', 20)").run(a)).toThrow(/terminal/);
  });

  it('closes a cycle for good, and refuses to close it while actions are open', () => {
    const j = open();
    const runId = j.startRun({ at: 0, mode: 'paper', vault: 'v1', configHash: 'h', configJson: '{}' });
    const cycleId = j.beginCycle({ runId, decisionTime: 10, at: 11 });
    const [a] = j.recordActions(cycleId, [action(1)]) as [number];
    expect(() => j.endCycle(cycleId, 12, 'completed', {})).toThrow(/while actions are open/);
    j.recordActionStatus(a, 'skipped', 12);
    j.endCycle(cycleId, 12, 'halted', { why: 'breaker' });
    expect(() => j.endCycle(cycleId, 13, 'completed', {})).toThrow(/already ended/);
    expect(() => j.recordStage(cycleId, 'late', 13)).toThrow(/cycle has already ended/);
    expect(() => j.recordActions(cycleId, [action(2)])).toThrow(/cycle has already ended/);
    expect(j.unfinishedCycles()).toEqual([]);
  });

  it('numbers cycles per run and writes multi-row batches atomically', () => {
    const j = open();
    const r1 = j.startRun({ at: 0, mode: 'paper', vault: 'v1', configHash: 'h', configJson: '{}' });
    const r2 = j.startRun({ at: 0, mode: 'paper', vault: 'v1', configHash: 'h', configJson: '{}' });
    const c1 = j.beginCycle({ runId: r1, decisionTime: 10, at: 10 });
    const c2 = j.beginCycle({ runId: r1, decisionTime: 20, at: 20 });
    const c3 = j.beginCycle({ runId: r2, decisionTime: 30, at: 30 });
    const seqs = j.db.prepare('SELECT id, seq FROM cycles ORDER BY id').all();
    expect(seqs).toEqual([{ id: c1, seq: 1 }, { id: c2, seq: 2 }, { id: c3, seq: 1 }]);
    expect(() => j.beginCycle({ runId: 999, decisionTime: 0, at: 0 })).toThrow(/no run 999/);

    // the second action repeats seq 1: the whole batch must roll back, including the first action and its status
    expect(() => j.recordActions(c1, [action(1), action(1)])).toThrow(JournalError);
    expect(j.db.prepare('SELECT COUNT(*) AS n FROM actions').get()).toEqual({ n: 0 });
    expect(j.db.prepare('SELECT COUNT(*) AS n FROM action_status').get()).toEqual({ n: 0 });
    expect(() => j.recordActions(c1, [action(1), action(2, { amountIn: -5n })])).toThrow(/amountIn must be non-negative/);
    expect(j.db.prepare('SELECT COUNT(*) AS n FROM actions').get()).toEqual({ n: 0 });
    expect(() => j.recordScores(c1, [score, score])).toThrow(JournalError);
    expect(j.db.prepare('SELECT COUNT(*) AS n FROM scores').get()).toEqual({ n: 0 });
  });
});

describe('recovery reads', () => {
  it('unfinishedCycles finds a cycle with no end and its open actions', () => {
    const j = open();
    const { runId } = populate(j); // one finished cycle
    const open2 = j.beginCycle({ runId, decisionTime: 2_000, at: 2_001 });
    j.recordStage(open2, 'planned', 2_002);
    const [a, b, c] = j.recordActions(open2, [action(1), action(2), action(3)]) as [number, number, number];
    j.recordActionStatus(a, 'intent', 2_003);
    j.recordActionStatus(a, 'confirmed', 2_004);
    j.recordActionStatus(b, 'intent', 2_005);
    j.recordActionStatus(b, 'sent', 2_006, { tx: '0xbeef' });
    const bare = j.beginCycle({ runId, decisionTime: 3_000, at: 3_001 });

    expect(j.unfinishedCycles()).toEqual([
      { cycleId: open2, runId, decisionTime: 2_000, lastStage: 'planned', openActions: [{ actionId: b, status: 'sent' }, { actionId: c, status: 'planned' }] },
      { cycleId: bare, runId, decisionTime: 3_000, lastStage: null, openActions: [] },
    ]);
    // planned rows default to the cycle's latest recorded time, not the wall clock
    expect(cycleDetail(j.db, open2)!.actions[2]!.history[0]!.at).toBe(2_002);

    j.recordActionStatus(b, 'abandoned', 4_000);
    j.recordActionStatus(c, 'abandoned', 4_000);
    j.endCycle(open2, 4_001, 'interrupted', { recovered: true });
    expect(j.unfinishedCycles().map((u) => u.cycleId)).toEqual([bare]);
    expect(j.lastDecisionTime('v1')).toBe(3_000);
    expect(j.lastDecisionTime('other')).toBeUndefined();
  });

  it('latestPortfolio returns the newest snapshot of the vault, across runs', () => {
    const j = open();
    expect(j.latestPortfolio('v1')).toBeUndefined();
    const r1 = j.startRun({ at: 0, mode: 'paper', vault: 'v1', configHash: 'h', configJson: '{}' });
    const c1 = j.beginCycle({ runId: r1, decisionTime: 10, at: 10 });
    j.recordPortfolio({ cycleId: c1, at: 100, navBase: 1n, portfolio: portfolio(1n), marks: {} });
    j.recordPortfolio({ cycleId: c1, at: 200, navBase: 2n, portfolio: portfolio(2n), marks: {} });
    const other = j.startRun({ at: 0, mode: 'paper', vault: 'v2', configHash: 'h', configJson: '{}' });
    j.recordPortfolio({ cycleId: null, at: 900, navBase: 9n, portfolio: portfolio(9n), marks: {} });
    expect(j.latestPortfolio('v1')).toMatchObject({ at: 200, navBase: 2n, cycleId: c1 });
    expect(j.latestPortfolio('v2')).toMatchObject({ at: 900, navBase: 9n, cycleId: null });

    // a later run of v1, snapshot outside any cycle, attached to the explicit run
    const r2 = j.startRun({ at: 0, mode: 'paper', vault: 'v1', configHash: 'h', configJson: '{}' });
    j.recordPortfolio({ cycleId: null, runId: r2, at: 300, navBase: 3n, portfolio: portfolio(3n, 7n), marks: {} });
    const latest = j.latestPortfolio('v1')!;
    expect(latest).toMatchObject({ at: 300, navBase: 3n, cycleId: null });
    expect(latest.portfolio.holdings).toEqual(new Map([['eth', 3n], ['wsteth', 7n]]));
    expect(other).not.toBe(r2);
    // "newest" is the last one recorded: a new run replaying from an earlier time supersedes older runs
    const r3 = j.startRun({ at: 0, mode: 'backtest', vault: 'v1', configHash: 'h', configJson: '{}' });
    j.recordPortfolio({ cycleId: null, at: 50, navBase: 5n, portfolio: portfolio(5n), marks: {} });
    expect(j.latestPortfolio('v1')).toMatchObject({ at: 50, navBase: 5n });
    expect(j.currentRunId).toBe(r3);
    // peak NAV compares as numbers, not as text ('9' > '10' as strings)
    expect(j.peakNav('v1')).toBe(5n);
    j.recordPortfolio({ cycleId: null, at: 60, navBase: 10n, portfolio: portfolio(10n), marks: {} });
    j.recordPortfolio({ cycleId: null, at: 70, navBase: 9n, portfolio: portfolio(9n), marks: {} });
    expect(j.peakNav('v1')).toBe(10n);
    j.recordPortfolio({ cycleId: null, at: 80, navBase: BIG, portfolio: portfolio(BIG), marks: {} });
    expect(j.peakNav('v1')).toBe(BIG);
    expect(j.peakNav('v2')).toBe(9n);
    expect(j.peakNav('nope')).toBeUndefined();
    // a snapshot cannot claim a cycle of another run
    expect(() => j.db.prepare("INSERT INTO portfolio_snapshots (run_id, cycle_id, at, nav_base, portfolio_json, marks_json) VALUES (?, ?, 0, '0', '{}', '{}')").run(other, c1)).toThrow(
      /run_id does not match/,
    );
  });
});

describe('read side', () => {
  it('lists cycles with a summary and returns a cycle in full', () => {
    const j = open();
    const { cycleId, actionIds } = populate(j);
    const [summary] = listCycles(j.db, { vault: 'v1', limit: 10, offset: 0 });
    expect(summary).toMatchObject({ cycleId, seq: 1, decisionTime: 1_000, endStatus: 'completed', lastStage: 'observed', navBase: 10n ** 18n, actions: 1, events: 1 });
    expect(listCycles(j.db, { vault: 'nope' })).toEqual([]);
    expect(() => listCycles(j.db, { limit: 0 })).toThrow(JournalError);

    const d = cycleDetail(j.db, cycleId)!;
    expect(d.observations).toEqual([observation, { time: 1_000, asset: 'eth', source: 'history' }]);
    expect(d.scores[0]).toMatchObject({ asset: 'wsteth', eligible: true, score: 0.026, expectedYield: 0.031, expectedLoss: 0.004, reasons: score.reasons });
    const { asset, eligible, reasons, score: s, expectedLoss, ...breakdown } = score;
    expect(d.scores[0]!.breakdown).toEqual(breakdown);
    expect([asset, eligible, reasons, s, expectedLoss]).toBeDefined();
    expect(d.decision).toEqual({ strategy: 'max-score', weights: { eth: 0.6, wsteth: 0.4 }, rationale: ['because'], halted: false });
    expect(d.actions.map((a) => [a.actionId, a.status])).toEqual([[actionIds[0], 'confirmed']]);
    expect(d.events[0]).toMatchObject({ kind: 'rebalanced', data: { n: '1' }, cycleId });
    expect(d.cycle.end).toEqual({ at: 1_006, status: 'completed', summary: { actions: 1 } });
    expect(cycleDetail(j.db, 12345)).toBeUndefined();
  });

  it('filters events by kind and severity', () => {
    const j = open();
    populate(j);
    j.recordEvent({ at: 1, kind: 'breaker', severity: 'critical', asset: 'wsteth', message: 'depeg' });
    j.recordEvent({ at: 2, kind: 'breaker', severity: 'warn', message: 'tvl drop' });
    expect(listEvents(j.db, { kind: 'breaker' }).map((e) => e.message)).toEqual(['tvl drop', 'depeg']);
    expect(listEvents(j.db, { severity: 'critical' })).toMatchObject([{ message: 'depeg', asset: 'wsteth', runId: 1, cycleId: null }]);
    expect(listEvents(j.db, { vault: 'v1' })).toHaveLength(3);
    expect(() => listEvents(j.db, { severity: 'loud' as never })).toThrow(/unknown severity/);
  });
});

describe('CSV export', () => {
  const nasty = 'a "quoted", comma\nand a new line\r\nand CRLF';

  it('quotes cells with commas, quotes and newlines so they parse back exactly', async () => {
    const j = open();
    populate(j);
    j.recordEvent({ at: 7, kind: 'note', severity: 'warn', message: nasty, data: { text: nasty, list: [1, 2] } });
    j.recordEvent({ at: 8, kind: 'note', severity: 'info', asset: 'two\nlines', message: 'plain' });
    const out = join(dir, 'events.csv');
    const n = await exportTableCsv(j.db, 'events', out);
    expect(n).toBe(3);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('"a ""quoted"", comma\nand a new line\r\nand CRLF"');
    const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(3);
    expect(rows[2]!.asset).toBe('two\nlines');
    expect(text).toContain(',"two\nlines",plain,\r\n'); // a bare LF is quoted too, not only CRLF
    expect(Object.keys(rows[0]!)).toEqual(['id', 'run_id', 'cycle_id', 'at', 'kind', 'severity', 'asset', 'message', 'data_json']);
    expect(rows[1]!.message).toBe(nasty);
    expect(JSON.parse(rows[1]!.data_json!)).toEqual({ text: nasty, list: [1, 2] });
    expect(rows[1]!.asset).toBe(''); // NULL
    expect(rows[1]!.cycle_id).toBe('');
  });

  it('quotes exactly the fields that need it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField(' padded ')).toBe('" padded "');
    expect(csvField(null)).toBe('');
    expect(csvField(1.5)).toBe('1.5');
    expect(csvRecord(['a', null, 'b\nc'])).toBe('a,,"b\nc"\r\n');
  });

  it('exports money exactly and writes to a stream', async () => {
    const j = open();
    const runId = j.startRun({ at: 0, mode: 'paper', vault: 'v1', configHash: 'h', configJson: '{"a":1,"b":"x,y"}' });
    const cycleId = j.beginCycle({ runId, decisionTime: 10, at: 11 });
    j.recordActions(cycleId, [action(1, { amountIn: BIG, reason: 'exit, then "enter"' })]);
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    expect(await exportTableCsv(j.db, 'actions', sink)).toBe(1);
    const rows = parse(Buffer.concat(chunks).toString('utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(rows[0]).toMatchObject({ amount_in: BIG.toString(), reason: 'exit, then "enter"', redemption_id: '' });
    for (const table of JOURNAL_TABLES) await exportTableCsv(j.db, table, new PassThrough().resume());
  });

  it('rejects a table name that is not a journal table', async () => {
    const j = open();
    populate(j);
    for (const bad of ['runs; DROP TABLE runs', 'sqlite_schema', 'Runs', '"runs"', '']) {
      await expect(exportTableCsv(j.db, bad, new PassThrough()), bad).rejects.toThrow(/unknown journal table/);
    }
    await expect(exportTableCsv(j.db, 'runs', join(dir, 'no-such-dir', 'x.csv'))).rejects.toThrow(JournalError);
    expect(j.db.prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 1 });
  });
});

describe('crash safety', () => {
  it('keeps every commit and none of a transaction killed half-way', async () => {
    const j = open();
    const { runId } = populate(j);
    const cycleId = j.beginCycle({ runId, decisionTime: 5_000, at: 5_000 });
    j.recordStage(cycleId, 'planned', 5_000);
    const [actionId] = j.recordActions(cycleId, [action(1)]) as [number];
    j.recordActionStatus(actionId, 'intent', 5_000);
    j.close();

    const child = spawn(process.execPath, [FIXTURE, file, String(cycleId), String(actionId)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const report = await new Promise<{ walAfterCommit: number; walInTransaction: number; inTransaction: boolean }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`child never reached the open transaction; stderr: ${stderr}`)), 30_000);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          resolve(JSON.parse(out.slice(0, nl)));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`child exited early with ${code}; stderr: ${stderr}`));
      });
    }).finally(() => child.kill('SIGKILL'));
    expect(await exited).toBe('SIGKILL');
    expect(report.inTransaction).toBe(true);
    // the uncommitted transaction really reached the WAL file before the kill
    expect(report.walInTransaction).toBeGreaterThan(report.walAfterCommit);

    const after = open();
    expect(after.db.pragma('integrity_check', { simple: true })).toBe('ok');
    // committed by the parent and by the child
    expect(listCycles(after.db)).toHaveLength(2);
    const d = cycleDetail(after.db, cycleId)!;
    expect(d.cycle.stages.map((s) => s.stage)).toEqual(['planned', 'executing']);
    expect(d.actions[0]!.history.map((h) => h.status)).toEqual(['planned', 'intent', 'sent']);
    expect(d.actions[0]!.history[2]!.detail).toEqual({ tx: '0xcommitted' });
    // none of the killed transaction
    expect(d.actions[0]!.fills).toEqual([]);
    expect(d.cycle.end).toBeNull();
    expect(listEvents(after.db, { kind: 'uncommitted' })).toEqual([]);
    // and recovery sees the open cycle with its in-flight action
    expect(after.unfinishedCycles()).toEqual([
      { cycleId, runId, decisionTime: 5_000, lastStage: 'executing', openActions: [{ actionId, status: 'sent' }] },
    ]);
    // the journal is writable again
    after.recordActionStatus(actionId, 'confirmed', 6_000);
    after.endCycle(cycleId, 6_001, 'interrupted', {});
    expect(after.unfinishedCycles()).toEqual([]);
  });
});
