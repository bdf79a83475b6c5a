import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadVault, type LoadedVault } from '../src/config/load-vault.js';
import type { PlannedAction } from '../src/domain/action.js';
import type { Observation } from '../src/domain/observation.js';
import type { Portfolio } from '../src/domain/portfolio.js';
import type { Executor } from '../src/executor/executor.js';
import { PaperExecutor } from '../src/executor/paper-executor.js';
import type { Journal } from '../src/journal/journal.js';
import { openJournal } from '../src/journal/open-journal.js';
import { listEvents } from '../src/journal/queries.js';
import type { ExecutedAction } from '../src/journal/redo-port.js';
import { Keeper } from '../src/keeper/keeper.js';
import { continueInterrupted, holdingsAfterExecuted } from '../src/keeper/redo-plan.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import { ReplaySource } from '../src/sources/recorded/replay-source.js';
import { loadHighsSolver } from '../src/strategy/highs-solver.js';
import { loadStrategy } from '../src/strategy/load-strategy.js';
import type { LpSolver } from '../src/strategy/lp-solver.js';
import type { Strategy } from '../src/strategy/strategy.js';
import { ROOT, tempDir } from './support/cli.js';
import { thrown } from './support/thrown.js';
import { JournalError } from '../src/errors.js';

const opened: Journal[] = [];
afterEach(() => {
  for (const j of opened.splice(0)) j.close();
});

function journal(path = join(tempDir('rk-redo-'), 'j.sqlite')): Journal {
  const j = openJournal(path);
  opened.push(j);
  return j;
}

function act(seq: number, over: Partial<PlannedAction> = {}): PlannedAction {
  return { seq, kind: 'mint', from: 'ETH', to: 'wstETH', amountIn: 10n ** 18n, expectedOut: 8n * 10n ** 17n, minOut: 79n * 10n ** 16n, venue: 'lido', estCostBase: 10n ** 15n, delaySeconds: 0, reason: 'toward target', ...over };
}

function holdings(eth: bigint, wst = 0n): Portfolio {
  return { holdings: new Map([['ETH', eth], ...(wst ? ([['wstETH', wst]] as const) : [])]), pending: [], indexSeen: new Map() };
}

function executed(a: PlannedAction, status: 'confirmed' | 'failed', after?: Portfolio, actionId = 100 + a.seq): ExecutedAction {
  return { actionId, cycleId: 1, action: a, status, holdingsAfter: after };
}

describe('continuing an interrupted plan (pure)', () => {
  const plan = [act(0), act(1, { to: 'weETH', venue: 'etherfi' }), act(2, { kind: 'supply', from: 'wstETH', to: 'aave-v3-wstETH', venue: 'aave' })];

  it('keeps what was executed (confirmed or failed) and leaves the rest to execute, in plan order', () => {
    const c = continueInterrupted(plan, [executed(plan[0]!, 'confirmed'), executed(plan[1]!, 'failed')]);
    expect(c.kind).toBe('continue');
    if (c.kind === 'continue') expect(c.remaining.map((a) => a.seq)).toEqual([2]);
    expect(continueInterrupted(plan, [])).toMatchObject({ kind: 'continue', remaining: plan });
  });

  it('diverges when an executed action is not the plan made again, naming the action', () => {
    const other = continueInterrupted(plan, [executed({ ...plan[0]!, amountIn: 2n * 10n ** 18n }, 'confirmed')]);
    expect(other.kind).toBe('diverged');
    if (other.kind === 'diverged') expect(other.reason).toMatch(/executed action 100 \(#0 mint ETH→wstETH 2000000000000000000 via lido\) differs from the plan made again/);
    expect(continueInterrupted(plan.slice(0, 1), [executed(plan[1]!, 'confirmed')])).toMatchObject({ kind: 'diverged', reason: expect.stringMatching(/not in the plan made again/) });
    expect(continueInterrupted(plan, [executed(plan[0]!, 'confirmed', undefined, 1), executed(plan[0]!, 'confirmed', undefined, 2)])).toMatchObject({ kind: 'diverged', reason: expect.stringMatching(/executed twice/) });
  });

  it('the holdings now are those after the last confirmed action', () => {
    const start = holdings(10n);
    const h1 = holdings(9n, 1n);
    expect(holdingsAfterExecuted([], start)).toBe(start);
    expect(holdingsAfterExecuted([executed(plan[0]!, 'confirmed', h1), executed(plan[1]!, 'failed')], start)).toBe(h1);
  });
});

describe('the journal side of a redo (migration 5)', () => {
  function interruptedCycle(j: Journal) {
    const runId = j.startRun({ at: 0, mode: 'paper', vault: 'v', configHash: 'h', configJson: '{}' });
    const c = j.beginCycle({ runId, decisionTime: 1_000, at: 1_000 });
    j.recordObservations(c, [{ asset: 'wstETH', time: 900, source: 's', fairRate: 1.1 } as Observation]);
    j.recordPortfolio({ cycleId: c, at: 1_000, navBase: 10n, portfolio: holdings(10n), marks: {} });
    const [a, b] = j.recordActions(c, [act(0), act(1)], 1_000) as [number, number];
    j.redo.atomically(() => {
      j.recordActionStatus(a, 'intent', 1_001);
      j.recordFill(a, { amountIn: 10n ** 18n, amountOut: 8n * 10n ** 17n, costBase: 1n, at: 1_001 });
      j.recordActionStatus(a, 'confirmed', 1_001);
      j.redo.recordActionHoldings(a, 1_001, holdings(9n, 8n));
    });
    j.recordActionStatus(b, 'intent', 1_002);
    return { runId, c, a, b };
  }

  it('an interrupted cycle is owed once, with its decision holdings, executed actions and the holdings after them', () => {
    const j = journal();
    const { runId, c, a, b } = interruptedCycle(j);
    expect(j.redo.pendingRedo('v')).toBeUndefined(); // unfinished, not yet closed as interrupted
    j.recordActionStatus(b, 'abandoned', 2_000);
    j.endCycle(c, 2_000, 'interrupted', {});
    const owed = j.redo.pendingRedo('v');
    expect(owed).toMatchObject({ interrupted: c, chain: [c], decisionTime: 1_000, lastStage: null });
    expect(owed?.decisionHoldings?.holdings.get('ETH')).toBe(10n);
    expect(owed?.executed.map((e) => [e.actionId, e.status, e.holdingsAfter?.holdings.get('wstETH')])).toEqual([[a, 'confirmed', 8n]]);
    expect(j.redo.lastObservationTime('v')).toBe(900);

    const r1 = j.redo.beginRedoCycle({ runId, redoOf: c, at: 3_000 });
    expect(j.redo.pendingRedo('v')).toBeUndefined();
    expect(thrown(JournalError, () => j.redo.beginRedoCycle({ runId, redoOf: c, at: 3_001 })).message).toMatch(/cycle \d+ was already redone by cycle/);
    // the redo, interrupted in turn, is owed with the whole chain
    j.endCycle(r1, 4_000, 'interrupted', {});
    expect(j.redo.pendingRedo('v')).toMatchObject({ interrupted: r1, chain: [c, r1], decisionTime: 1_000 });
  });

  it('the database refuses a redo of a cycle that was not interrupted, and holdings for an action that did not fill', () => {
    const j = journal();
    const { runId, c, b } = interruptedCycle(j);
    expect(thrown(JournalError, () => j.redo.beginRedoCycle({ runId, redoOf: c, at: 3_000 })).message).toMatch(/only an interrupted cycle is redone/);
    expect(thrown(JournalError, () => j.redo.recordActionHoldings(b, 3_000, holdings(1n))).message).toMatch(/only a confirmed action has holdings after it/);
    // atomically: one failing write undoes the others
    expect(thrown(JournalError, () => j.redo.atomically(() => {
      j.recordFill(b, { amountIn: 1n, amountOut: 1n, costBase: 0n, at: 3_000 });
      j.redo.recordActionHoldings(b, 3_000, holdings(1n));
    })).message).toMatch(/confirmed action/);
    expect(j.db.prepare('SELECT COUNT(*) FROM fills WHERE action_id = ?').pluck().get(b)).toBe(0);
    // a cycle the keeper has moved past is history, not owed
    j.recordActionStatus(b, 'abandoned', 2_000);
    j.endCycle(c, 2_000, 'interrupted', {});
    const later = j.beginCycle({ runId, decisionTime: 5_000, at: 5_000 });
    j.endCycle(later, 5_001, 'completed', {});
    expect(j.redo.pendingRedo('v')).toBeUndefined();
  });
});

describe('a redo whose plan made again diverges (the keeper, in process)', () => {
  let vault: LoadedVault;
  let strategy: Strategy<unknown>;
  let solver: LpSolver;
  let rows: Observation[];
  const T0 = Date.parse('2024-06-12T00:00:00Z');
  const silent = pino({ level: 'silent' });

  beforeAll(async () => {
    vault = loadVault(join(ROOT, 'config/vaults/eth-restaking.yaml'));
    strategy = await loadStrategy('risk-adjusted');
    solver = await loadHighsSolver();
    rows = readHistoryFile(join(ROOT, 'history/ethereum.csv')).filter((o) => o.time <= T0 + 86_400_000);
  });

  function keeper(j: Journal, params: Record<string, unknown>, executor: Executor = new PaperExecutor()) {
    const p = strategy.params.parse({ ...vault.config.strategy.params, ...params });
    return Keeper.start({ vault, strategy, params: p, solver, source: new ReplaySource(rows), executor, journal: j, mode: 'paper', log: silent }, T0);
  }

  it('keeps what was executed, plans afresh against the holdings now, and says so; without a crash it would have been one plan', async () => {
    const path = join(tempDir('rk-redo-'), 'j.sqlite');
    const paper = new PaperExecutor();
    let calls = 0;
    // The process "dies" inside the second action: the first one filled and was journaled with its holdings.
    const dying: Executor = {
      mode: 'paper',
      async execute(a, p, ctx) {
        if (++calls === 2) throw new Error('killed');
        return paper.execute(a, p, ctx);
      },
    };
    const j1 = journal(path);
    await expect(keeper(j1, {}, dying).runCycle(T0)).rejects.toThrow('killed');
    j1.close();

    // Restarted with other strategy params: the decision made again is not the interrupted one.
    const j2 = journal(path);
    const k = keeper(j2, { riskAversion: 5 });
    const [r] = await k.redoInterrupted();
    expect(r?.status).toBe('completed');
    const events = listEvents(j2.db, { kind: 'redo-diverged' });
    expect(events).toHaveLength(1);
    expect(events[0]?.message).toMatch(/differs from the plan made again|not in the plan made again/);
    expect(events[0]?.message).toMatch(/planned again against the holdings as they are now/);
    // The first action was not executed again: exactly one fill for it, and the redo planned from the holdings after it.
    const first = j2.db.prepare('SELECT a.id, a.kind, a.from_asset, a.amount_in FROM actions a WHERE a.cycle_id = 1 AND a.seq = 0').get() as { id: number; from_asset: string; amount_in: string };
    expect(j2.db.prepare('SELECT COUNT(*) FROM fills WHERE action_id = ?').pluck().get(first.id)).toBe(1);
    const after = j2.db.prepare('SELECT portfolio_json FROM action_holdings WHERE action_id = ?').pluck().get(first.id) as string;
    const pre = j2.db.prepare('SELECT portfolio_json FROM portfolio_snapshots WHERE cycle_id = 2 ORDER BY id LIMIT 1').pluck().get() as string;
    expect(pre).toBe(after);
    expect(await k.redoInterrupted()).toEqual([]); // owed once
  });
});

describe('state a decision carries to the next survives a restart', () => {
  it('depeg episodes under way at a restart are taken back from the journal: the cycles after it decide as without the restart', async () => {
    const vault = loadVault(join(ROOT, 'config/vaults/eth-restaking.yaml'));
    const strategy = await loadStrategy('risk-adjusted');
    const solver = await loadHighsSolver();
    const rows = readHistoryFile(join(ROOT, 'history/ethereum.csv'));
    const params = strategy.params.parse(vault.config.strategy.params);
    const silent = pino({ level: 'silent' });
    const DAY = 86_400_000;
    const T = Date.parse('2024-08-05T00:00:00Z');
    const start = (j: Journal) => Keeper.start({ vault, strategy, params, solver, source: new ReplaySource(rows), executor: new PaperExecutor(), journal: j, mode: 'paper', log: silent }, T);
    const memories = (j: Journal) =>
      (j.db.prepare("SELECT c.decision_time AS t, json_extract(e.summary_json, '$.depegMemory') AS m FROM cycle_ends e JOIN cycles c ON c.id = e.cycle_id ORDER BY c.decision_time").all() as Array<{ t: number; m: string }>).map((r) => [r.t, JSON.parse(r.m)]);

    const whole = journal();
    const k = start(whole);
    for (let t = T; t <= T + 3 * DAY; t += DAY) await k.runCycle(t);

    const path = join(tempDir('rk-redo-'), 'j.sqlite');
    const first = journal(path);
    const k1 = start(first);
    for (let t = T; t <= T + DAY; t += DAY) await k1.runCycle(t);
    first.close();
    const second = journal(path);
    const k2 = start(second);
    for (let t = T + 2 * DAY; t <= T + 3 * DAY; t += DAY) await k2.runCycle(t);

    const expected = memories(whole);
    // the 2024-08-06 depeg opened an episode that is still under way after the restart
    expect(Object.keys(expected[1]![1] as object).length).toBeGreaterThan(0);
    expect(Object.keys(expected[2]![1] as object).length).toBeGreaterThan(0);
    expect(memories(second)).toEqual(expected);
  }, 60_000);
});

describe('a live keeper redoes on the readings journaled for the interrupted decision', () => {
  it('decides again from the journal (never reading the live source for the past) and ends as without the crash; too late, it does not redo', async () => {
    const vault = loadVault(join(ROOT, 'config/vaults/eth-restaking.yaml'));
    const strategy = await loadStrategy('risk-adjusted');
    const solver = await loadHighsSolver();
    const T = Date.parse('2024-08-06T00:00:00Z');
    const rows = readHistoryFile(join(ROOT, 'history/ethereum.csv')).filter((o) => o.time <= T);
    const params = strategy.params.parse(vault.config.strategy.params);
    const silent = pino({ level: 'silent' });
    const paper = new PaperExecutor();
    const fills = (j: Journal) => j.db.prepare('SELECT a.seq, a.kind, f.amount_in, f.amount_out FROM fills f JOIN actions a ON a.id = f.action_id ORDER BY a.seq').raw().all();

    // reference: the same decision, uninterrupted
    const ref = journal();
    await Keeper.start({ vault, strategy, params, solver, source: new ReplaySource(rows), executor: paper, journal: ref, mode: 'paper', log: silent }, T).runCycle(T);
    expect(fills(ref).length).toBeGreaterThanOrEqual(2);

    const crash = async () => {
      const path = join(tempDir('rk-redo-'), 'j.sqlite');
      const j = journal(path);
      let calls = 0;
      const dying: Executor = { mode: 'paper', execute: async (a, p, ctx) => (++calls === 2 ? Promise.reject(new Error('killed')) : paper.execute(a, p, ctx)) };
      await expect(Keeper.start({ vault, strategy, params, solver, source: new ReplaySource(rows), executor: dying, journal: j, mode: 'paper', log: silent }, T).runCycle(T)).rejects.toThrow('killed');
      j.close();
      return path;
    };
    const reads: number[] = [];
    const live = { name: 'live', read: async (now: number) => (reads.push(now), { observations: [], failures: [] }) };

    const j = journal(await crash());
    const k = Keeper.start({ vault, strategy, params, solver, source: live, executor: paper, journal: j, mode: 'paper-live', log: silent, primeFromJournal: true }, T + 3_600_000);
    const [r] = await k.redoInterrupted();
    expect(r?.status).toBe('completed');
    expect(reads).toEqual([]);
    expect(fills(j)).toEqual(fills(ref));
    expect(listEvents(j.db, { kind: 'cycle-redo' })[0]?.message).toMatch(/1 action\(s\) already executed and kept/);

    const late = journal(await crash());
    const k2 = Keeper.start({ vault, strategy, params, solver, source: live, executor: paper, journal: late, mode: 'paper-live', log: silent, primeFromJournal: true }, T + 3 * 86_400_000);
    expect(await k2.redoInterrupted()).toEqual([]);
    expect(listEvents(late.db, { kind: 'redo-expired' })[0]?.message).toMatch(/is not redone: its readings are 4320 min old, beyond the staleness bound \(36h\)/);
  }, 60_000);
});
