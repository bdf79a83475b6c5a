import { join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVault, type LoadedVault } from '../src/config/load-vault.js';
import type { Observation } from '../src/domain/observation.js';
import { DAY } from '../src/domain/time.js';
import type { Executor } from '../src/executor/executor.js';
import { PaperExecutor } from '../src/executor/paper-executor.js';
import { openJournal, openJournalDb } from '../src/journal/open-journal.js';
import { listEvents, listCycles } from '../src/journal/queries.js';
import { Keeper } from '../src/keeper/keeper.js';
import { OverlapGuard } from '../src/keeper/overlap-guard.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import { ReplaySource } from '../src/sources/recorded/replay-source.js';
import type { SourceRead, YieldSource } from '../src/sources/yield-source.js';
import { loadHighsSolver } from '../src/strategy/highs-solver.js';
import { loadStrategy } from '../src/strategy/load-strategy.js';
import type { LpSolver } from '../src/strategy/lp-solver.js';
import type { Strategy } from '../src/strategy/strategy.js';
import { ROOT, tempDir } from './support/cli.js';

let vault: LoadedVault;
let strategy: Strategy<unknown>;
let solver: LpSolver;
let rows: Observation[];
const silent = pino({ level: 'silent' });
const T0 = Date.parse('2024-06-12T00:00:00Z');

beforeAll(async () => {
  vault = loadVault(join(ROOT, 'config/vaults/eth-restaking.yaml'));
  strategy = await loadStrategy('risk-adjusted');
  solver = await loadHighsSolver();
  rows = readHistoryFile(join(ROOT, 'history/ethereum.csv'));
});

function params() {
  return strategy.params.parse(vault.config.strategy.params);
}

function start(journalPath: string, source: YieldSource, executor: Executor = new PaperExecutor()) {
  const journal = openJournal(journalPath);
  const keeper = Keeper.start({ vault, strategy, params: params(), solver, source, executor, journal, mode: 'paper', log: silent }, T0);
  return { journal, keeper };
}

describe('holdings from the executor (a chain executor reads the vault balances)', () => {
  /** A paper executor that also reports holdings, as a chain executor does. */
  class ReportingExecutor extends PaperExecutor {
    reads = 0;
    constructor(private readonly report: () => ReadonlyMap<string, bigint>) {
      super();
    }
    async readHoldings(): Promise<ReadonlyMap<string, bigint>> {
      this.reads++;
      return this.report();
    }
  }
  const E18 = 10n ** 18n;

  it('plans from what the chain holds, and journals the difference from the journal (drift above 0.1 % is a warning)', async () => {
    const dir = tempDir();
    const ex = new ReportingExecutor(() => new Map([['ETH', 40n * E18], ['wstETH', 0n]]));
    const { journal, keeper } = start(join(dir, 'j.sqlite'), new ReplaySource(rows), ex);
    const r = await keeper.runCycle(T0);
    expect(ex.reads).toBe(1);
    expect(r.status).toBe('completed');
    // Sized on 40 ETH, not the config's 100: NAV (after this cycle's costs) and every entry follow the chain.
    expect(r.navBase).toBeLessThanOrEqual(40n * E18);
    expect(r.navBase).toBeGreaterThan(39n * E18);
    const db = openJournalDb(join(dir, 'j.sqlite'), { readonly: true });
    const drift = listEvents(db, { kind: 'holdings-drift' });
    expect(drift).toHaveLength(1);
    expect(drift[0]?.severity).toBe('warn');
    expect(drift[0]?.message).toBe('holdings taken from the chain (journal → chain, base units): ETH 100000000000000000000 → 40000000000000000000');
    const spent = db.prepare("SELECT SUM(CAST(amount_in AS REAL)) AS s FROM actions WHERE from_asset = 'ETH'").get() as { s: number };
    expect(spent.s).toBeLessThanOrEqual(40e18);
    db.close();
    journal.close();
  });

  it('a small difference is adopted quietly (info); no difference, no event', async () => {
    const dir = tempDir();
    let eth = 100n * E18 + 10n ** 15n; // +0.001 %
    const ex = new ReportingExecutor(() => new Map([['ETH', eth]]));
    const { journal, keeper } = start(join(dir, 'j.sqlite'), new ReplaySource(rows), ex);
    await keeper.runCycle(T0);
    eth = keeper.currentPortfolio.holdings.get('ETH') ?? 0n; // the chain now agrees with the journal
    await keeper.runCycle(T0 + DAY);
    const db = openJournalDb(join(dir, 'j.sqlite'), { readonly: true });
    expect(listEvents(db, { kind: 'holdings-synced' }).map((e) => e.severity)).toEqual(['info']);
    expect(listEvents(db, { kind: 'holdings-drift' })).toEqual([]);
    db.close();
    journal.close();
  });

  it('fails the cycle closed when the balances cannot be read: no plan, a critical event', async () => {
    const dir = tempDir();
    const ex = new ReportingExecutor(() => {
      throw new Error('RPC http://127.0.0.1:1 refused the connection');
    });
    const { journal, keeper } = start(join(dir, 'j.sqlite'), new ReplaySource(rows), ex);
    const r = await keeper.runCycle(T0);
    expect(r.status).toBe('failed');
    expect(r.planned).toBe(0);
    expect(r.note).toBe('holdings read failed: RPC http://127.0.0.1:1 refused the connection');
    const db = openJournalDb(join(dir, 'j.sqlite'), { readonly: true });
    const ev = listEvents(db, { kind: 'holdings-read-failed' });
    expect(ev.map((e) => [e.severity, e.message])).toEqual([['critical', "could not read the vault's balances: RPC http://127.0.0.1:1 refused the connection"]]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM actions').get()).toEqual({ n: 0 });
    db.close();
    journal.close();
  });
});

describe('keeper cycle', () => {
  it('fails closed when a source covering a held asset fails: no plan, an event says which and why', async () => {
    const dir = tempDir();
    const replay = new ReplaySource(rows);
    let fail = false;
    const source: YieldSource = {
      name: 'flaky',
      async read(now): Promise<SourceRead> {
        const r = await replay.read(now);
        return fail ? { observations: r.observations, failures: [{ source: 'aave-reader', assets: ['aave-v3-weETH'], message: 'HTTP 500 from upstream' }] } : r;
      },
    };
    const { journal, keeper } = start(join(dir, 'j.sqlite'), source);
    const first = await keeper.runCycle(T0);
    expect(first.status).toBe('completed');
    expect(first.filled).toBeGreaterThan(0);
    expect(keeper.currentPortfolio.holdings.has('aave-v3-weETH')).toBe(true);
    fail = true;
    const second = await keeper.runCycle(T0 + DAY);
    expect(second.status).toBe('failed');
    expect(second.planned).toBe(0);
    const db = openJournalDb(join(dir, 'j.sqlite'), { readonly: true });
    const events = listEvents(db, { kind: 'source-failed' });
    expect(events).toHaveLength(1);
    expect(events[0]?.message).toMatch(/aave-reader: HTTP 500 from upstream/);
    expect(events[0]?.severity).toBe('critical');
    db.close();
    journal.close();
  });

  it('a failed source for an asset not held is a warning, and the cycle still plans', async () => {
    const dir = tempDir();
    const replay = new ReplaySource(rows);
    const source: YieldSource = {
      name: 'partial',
      async read(now) {
        const r = await replay.read(now);
        return { observations: r.observations, failures: [{ source: 'kelp-reader', assets: ['rsETH'], message: 'timeout' }] };
      },
    };
    const { journal, keeper } = start(join(dir, 'j.sqlite'), source);
    const r = await keeper.runCycle(T0);
    expect(r.status).toBe('completed');
    expect(r.planned).toBeGreaterThan(0);
    journal.close();
  });

  it('after a crash mid-execution, the next start says what was interrupted and carries on', async () => {
    const dir = tempDir();
    const path = join(dir, 'j.sqlite');
    const paper = new PaperExecutor();
    let calls = 0;
    const crashing: Executor = {
      mode: 'paper',
      async execute(a, p, ctx) {
        if (++calls === 2) throw new Error('simulated crash');
        return paper.execute(a, p, ctx);
      },
    };
    const first = start(path, new ReplaySource(rows), crashing);
    await expect(first.keeper.runCycle(T0)).rejects.toThrow('simulated crash');
    first.journal.close();

    const second = start(path, new ReplaySource(rows));
    const db = openJournalDb(path, { readonly: true });
    const interrupted = listEvents(db, { kind: 'cycle-interrupted' });
    expect(interrupted).toHaveLength(1);
    expect(interrupted[0]?.message).toMatch(/interrupted after stage "planned"; 3 open action\(s\) abandoned/);
    const cycles = listCycles(db, {});
    expect(cycles.find((c) => c.cycleId === 1)?.endStatus).toBe('interrupted');
    db.close();
    // The resumed keeper starts from the last recorded snapshot (pre-trade) and completes a cycle.
    const r = await second.keeper.runCycle(T0 + DAY);
    expect(r.status).toBe('completed');
    second.journal.close();
  });

  it('journals every observation exactly once across cycles', async () => {
    const dir = tempDir();
    const { journal, keeper } = start(join(dir, 'j.sqlite'), new ReplaySource(rows));
    for (let k = 0; k < 3; k++) await keeper.runCycle(T0 + k * DAY);
    journal.close();
    const db = openJournalDb(join(dir, 'j.sqlite'), { readonly: true });
    const n = (db.prepare('SELECT COUNT(*) AS n FROM observations').get() as { n: number }).n;
    const distinct = (db.prepare('SELECT COUNT(*) AS n FROM (SELECT DISTINCT time, asset, source FROM observations)').get() as { n: number }).n;
    expect(n).toBe(distinct);
    expect(n).toBe(rows.filter((o) => o.time <= T0 + 2 * DAY).length);
    db.close();
  });
});

describe('overlap guard', () => {
  it('skips a tick that arrives while a cycle is running, and runs the next one', async () => {
    const g = new OverlapGuard();
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    let ran = 0;
    const first = g.run(async () => {
      ran++;
      await slow;
    });
    let skipped = 0;
    expect(await g.run(async () => void ran++, () => skipped++)).toBe(false);
    expect(skipped).toBe(1);
    release();
    expect(await first).toBe(true);
    expect(await g.run(async () => void ran++)).toBe(true);
    expect(ran).toBe(2);
  });

  it('the keeper itself refuses a second concurrent cycle', async () => {
    const dir = tempDir();
    const { journal, keeper } = start(join(dir, 'j.sqlite'), new ReplaySource(rows));
    const a = keeper.runCycle(T0);
    await expect(keeper.runCycle(T0 + DAY)).rejects.toThrow(/already running/);
    await a;
    journal.close();
  });
});
