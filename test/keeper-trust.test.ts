import { join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVault, type LoadedVault } from '../src/config/load-vault.js';
import type { Observation } from '../src/domain/observation.js';
import { DAY, HOUR } from '../src/domain/time.js';
import { PaperExecutor } from '../src/executor/paper-executor.js';
import { openJournal, openJournalDb } from '../src/journal/open-journal.js';
import { listCycles, listEvents } from '../src/journal/queries.js';
import { Keeper } from '../src/keeper/keeper.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import type { SourceRead, YieldSource } from '../src/sources/yield-source.js';
import { loadStrategy } from '../src/strategy/load-strategy.js';
import type { Strategy } from '../src/strategy/strategy.js';
import { createYalpsSolver } from '../src/strategy/yalps-solver.js';
import { ROOT, tempDir } from './support/cli.js';

/** The keeper shell journals the gate's verdicts; a stale reading no longer fails a cycle. */
let vault: LoadedVault;
let strategy: Strategy<unknown>;
let rows: Observation[];
const silent = pino({ level: 'silent' });
const T0 = Date.parse('2024-08-01T00:00:00Z');

beforeAll(async () => {
  vault = loadVault(join(ROOT, 'config/vaults/eth-restaking.yaml'));
  strategy = await loadStrategy('risk-adjusted');
  rows = readHistoryFile(join(ROOT, 'history/ethereum.csv')).filter((o) => o.time >= T0 - 40 * DAY);
});

/** Hands back, per read, the rows in (last read, now] plus whatever `extra(now)` adds (a lagging node, a re-read). */
class ScriptedSource implements YieldSource {
  readonly name = 'scripted';
  private last = -Infinity;
  constructor(
    private readonly all: readonly Observation[],
    private readonly extra: (now: number) => Observation[] = () => [],
  ) {}
  async read(now: number): Promise<SourceRead> {
    const out = this.all.filter((o) => o.time > this.last && o.time <= now);
    this.last = now;
    return { observations: [...out, ...this.extra(now)], failures: [] };
  }
}

function start(path: string, source: YieldSource, primeFromJournal = false) {
  const journal = openJournal(path);
  const keeper = Keeper.start({ vault, strategy, params: strategy.params.parse(vault.config.strategy.params), solver: createYalpsSolver(), source, executor: new PaperExecutor(), journal, mode: 'paper', log: silent, primeFromJournal }, T0);
  return { journal, keeper };
}

describe('stale is not broken', () => {
  it('a reading older than the newest from its source is ignored and journaled; the cycle completes', async () => {
    const dir = tempDir();
    const old = rows.filter((o) => o.asset === 'wstETH' && o.time <= T0).at(-3) as Observation;
    const source = new ScriptedSource(rows, (now) => (now > T0 ? [old] : []));
    const { journal, keeper } = start(join(dir, 'j.sqlite'), source);
    const first = await keeper.runCycle(T0);
    const second = await keeper.runCycle(T0 + DAY);
    journal.close();
    expect(first.status).toBe('completed');
    expect(second.status).toBe('completed');
    const db = openJournalDb(join(dir, 'j.sqlite'), { readonly: true });
    const stale = listEvents(db, { kind: 'reading-stale' });
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({ asset: 'wstETH', severity: 'info' });
    expect(stale[0]?.message).toContain(new Date(old.time).toISOString());
    expect(listEvents(db, { kind: 'source-failed' })).toEqual([]);
    expect(listCycles(db).map((c) => c.endStatus)).toEqual(['completed', 'completed']);
    // The stale reading is not journaled a second time.
    const n = (db.prepare('SELECT COUNT(*) AS n FROM observations WHERE asset = ? AND time = ?').get('wstETH', old.time) as { n: number }).n;
    expect(n).toBe(1);
    db.close();
  });

  it('a primed keeper that reads again what the journal holds (a node that has not moved) completes every cycle', async () => {
    const dir = tempDir();
    const path = join(dir, 'j.sqlite');
    const a = start(path, new ScriptedSource(rows));
    await a.keeper.runCycle(T0);
    a.journal.close();
    // A new process (as `once` is), primed from the journal; its source hands back the last readings again.
    const again = rows.filter((o) => o.time > T0 - 2 * HOUR && o.time <= T0);
    const b = start(path, new ScriptedSource(rows.filter((o) => o.time > T0), () => again), true);
    const r = await b.keeper.runCycle(T0 + DAY);
    b.journal.close();
    expect(r.status).toBe('completed');
    const db = openJournalDb(path, { readonly: true });
    expect(listEvents(db, { kind: 'reading-stale' }).length).toBe(again.length);
    const n = (db.prepare('SELECT COUNT(*) AS n FROM observations').get() as { n: number }).n;
    const distinct = (db.prepare('SELECT COUNT(*) AS n FROM (SELECT DISTINCT time, asset, source FROM observations)').get() as { n: number }).n;
    expect(n).toBe(distinct);
    db.close();
  });
});

describe('quarantine in the keeper', () => {
  it('a replay restarted from the top does not journal the verdicts on history again', async () => {
    const dir = tempDir();
    const path = join(dir, 'j.sqlite');
    const a = start(path, new ScriptedSource(rows));
    await a.keeper.runCycle(T0);
    a.journal.close();
    const b = start(path, new ScriptedSource(rows));
    await b.keeper.runCycle(T0 + DAY);
    b.journal.close();
    const db = openJournalDb(path, { readonly: true });
    // The history's own one-day Aave WETH APY spike (2024-07-05): held and dropped once, said once.
    expect(listEvents(db, { kind: 'reading-quarantined' }).filter((e) => e.asset === 'aave-v3-WETH')).toHaveLength(1);
    expect(listEvents(db, { kind: 'reading-discarded' }).filter((e) => e.asset === 'aave-v3-WETH')).toHaveLength(1);
    db.close();
  });

  it('journals the quarantined reading with its reason and numbers, says a held asset is frozen, and never trades it', async () => {
    const dir = tempDir();
    const bad = T0 + 2 * DAY;
    const corrupted = rows.map((o) => (o.asset === 'wstETH' && o.time === bad ? { ...o, fairRate: (o.fairRate as number) * 1.5, marketRate: (o.marketRate as number) * 1.5 } : o));
    const { journal, keeper } = start(join(dir, 'j.sqlite'), new ScriptedSource(corrupted));
    await keeper.runCycle(T0);
    await keeper.runCycle(T0 + DAY);
    const held = keeper.currentPortfolio.holdings.get('wstETH') ?? 0n;
    expect(held).toBeGreaterThan(0n);
    const r = await keeper.runCycle(bad);
    await keeper.runCycle(bad + DAY);
    journal.close();
    expect(r.status).toBe('completed');
    const db = openJournalDb(join(dir, 'j.sqlite'), { readonly: true });
    // (The history's own one-day Aave WETH APY spike of 2024-07-05 is held and dropped too.)
    const q = listEvents(db, { kind: 'reading-quarantined' }).filter((e) => e.asset === 'wstETH');
    expect(q).toHaveLength(1);
    expect(q[0]?.message).toMatch(/fairRate rose 50\.0+ %/);
    expect((q[0]?.data as { findings: Array<{ code: string; value: number }> }).findings.map((f) => f.code)).toContain('fair-rate-jump');
    const frozen = listEvents(db, { kind: 'quarantine-held' });
    expect(frozen.map((e) => e.asset)).toEqual(expect.arrayContaining(['wstETH']));
    expect(frozen.every((e) => e.cycleId === r.cycleId)).toBe(true);
    expect(listEvents(db, { kind: 'reading-discarded' }).filter((e) => e.asset === 'wstETH')).toHaveLength(1);
    const traded = db.prepare("SELECT COUNT(*) AS n FROM actions WHERE cycle_id = ? AND (from_asset = 'wstETH' OR to_asset = 'wstETH')").get(r.cycleId) as { n: number };
    expect(traded.n).toBe(0);
    db.close();
  });
});
