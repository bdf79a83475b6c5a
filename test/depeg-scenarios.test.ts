import { beforeAll, describe, expect, it } from 'vitest';
import { simulate, type BacktestResult } from '../src/backtest/simulate.js';
import { computeMetrics } from '../src/backtest/metrics.js';
import type { LoadedVault } from '../src/config/load-vault.js';
import type { Observation } from '../src/domain/observation.js';
import { DAY, parseTime } from '../src/domain/time.js';
import { nextEpisode } from '../src/risk/depeg-episodes.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import { loadStrategy, parseStrategyParams } from '../src/strategy/load-strategy.js';
import type { LpSolver } from '../src/strategy/lp-solver.js';
import { ETH_HISTORY_FILE, ethVault, highs } from './support/core-fixtures.js';
import { day, grow, scenarioRows, syntheticVault, type Scenario, type VaultOptions } from './support/synthetic-vault.js';

let solver: LpSolver;
beforeAll(async () => {
  solver = await highs();
});

async function run(v: LoadedVault, rows: readonly Observation[], fromDay = 10, toDay = 120): Promise<BacktestResult> {
  const strategy = await loadStrategy(v.config.strategy.name);
  const params = parseStrategyParams(strategy, v.config.strategy.params, v.file);
  return simulate({ vault: v, strategy, params, solver, rows, from: day(fromDay), to: day(toDay), step: DAY });
}

const at = (r: BacktestResult, n: number) => r.steps.find((s) => s.t === day(n));
/** The quarantine (issue 9) believes a market or fair-rate move once a second daily reading confirms it: the response comes a day after the move. */
const CONFIRMED = 1;
const actionsOn = (r: BacktestResult, asset: string, kind?: string) => r.actions.filter((a) => a.status === 'confirmed' && (a.action.from === asset || a.action.to === asset) && (!kind || a.action.kind === kind));
const depegFirings = (r: BacktestResult, asset: string) => r.firings.filter((f) => f.firing.breaker === 'depeg' && f.firing.asset === asset);
const hold = (extra: Partial<VaultOptions> = {}): VaultOptions => ({ holdings: { ETH: 20, TOK: 40, NOQ: 40 }, strategy: 'hold', ...extra });

describe('hysteresis', () => {
  const b = { enter: 0.005, exit: 0.0025, minDwellMs: 7 * DAY };
  it('enters at the enter band, survives a wobble under it, ends only after the exit band held for the dwell', () => {
    let e = nextEpisode(undefined, 0.004, false, day(0), b);
    expect(e).toBeUndefined();
    e = nextEpisode(undefined, 0.006, false, day(1), b);
    expect(e).toMatchObject({ kind: 'liquidity', since: day(1) });
    e = nextEpisode(e, 0.004, false, day(2), b); // under the enter band, above the exit band: still in
    expect(e?.calmSince).toBeNull();
    e = nextEpisode(e, 0.002, false, day(3), b);
    expect(e?.calmSince).toBe(day(3));
    e = nextEpisode(e, 0.003, false, day(5), b); // a wobble above the exit band restarts the dwell
    expect(e?.calmSince).toBeNull();
    for (let n = 6; n < 13; n++) e = nextEpisode(e, 0.001, false, day(n), b);
    expect(e).toBeDefined();
    expect(nextEpisode(e, 0.001, false, day(13), b)).toBeUndefined();
  });
  it('impairment is sticky for the episode', () => {
    let e = nextEpisode(undefined, 0, true, day(0), b);
    e = nextEpisode(e, 0.01, false, day(1), b);
    expect(e?.kind).toBe('impairment');
  });
});

describe('synthetic stress scenarios', () => {
  it('a liquidity depeg that recovers: the queued token redeems at fair, the queue-less one is held, nothing is sold at a discount, no buy-back before the dwell', async () => {
    // 3 % discount from day 30 to day 60 with the fair rate growing, then back to 0.1 %.
    const disc = (n: number) => (n >= 30 && n < 60 ? 0.03 + 0.005 * Math.sin(n) : 0.001);
    const s: Scenario = (n) => ({ TOK: { fair: grow(n, 0.04), discount: disc(n) }, NOQ: { fair: grow(n, 0.05), discount: disc(n) } });
    const rows = scenarioRows(s);
    const r = await run(syntheticVault(hold()), rows);
    expect(actionsOn(r, 'TOK', 'sell')).toEqual([]);
    expect(actionsOn(r, 'NOQ', 'sell')).toEqual([]);
    const q = actionsOn(r, 'TOK', 'redeem-request');
    expect(q.map((a) => a.t)).toEqual([day(30 + CONFIRMED)]);
    const first = depegFirings(r, 'TOK')[0]?.firing;
    expect(first?.data).toMatchObject({ kind: 'liquidity', decision: 'redeem' });
    expect(first?.message).toMatch(/queue 7\.0 d costing/);
    const noq = depegFirings(r, 'NOQ').find((f) => f.t === day(30 + CONFIRMED))?.firing;
    expect(noq?.data).toMatchObject({ kind: 'liquidity', decision: 'hold' });
    expect(noq?.message).toMatch(/hold and freeze new money/);
    // NOQ never traded; its value recovers with the peg
    expect(actionsOn(r, 'NOQ')).toEqual([]);
    expect(computeMetrics(r).limitBreaches).toBe(0);
    // the queued claim pays the fair value (no 3 % loss): NAV after recovery beats the day-29 NAV
    expect(at(r, 70)!.nav).toBeGreaterThan(at(r, 29)!.nav);

    // a strategy that wants TOK back (chase-apy) waits out the episode: calm from day 60, dwell 7 d
    const chase = await run(syntheticVault(hold({ strategy: 'chase-apy' })), rows);
    const buys = actionsOn(chase, 'TOK').filter((a) => a.action.to === 'TOK' && a.t > day(30 + CONFIRMED));
    expect(buys.length).toBeGreaterThan(0);
    expect(Math.min(...buys.map((a) => a.t))).toBeGreaterThanOrEqual(day(67));
    expect(actionsOn(chase, 'TOK', 'sell')).toEqual([]);
    expect(actionsOn(chase, 'NOQ', 'sell')).toEqual([]);
  });

  it('an impairment where the market leads and the fair rate drops 20 % a week later: TOK leaves at fair through the queue before the fall, NOQ is sold once impaired, above maxExitCost, saying why', async () => {
    // calm until day 30; the market then prices a 12 % loss the fair rate only shows on day 37, after which it trades 2 % under the fallen rate
    const disc = (n: number) => (n < 30 ? 0.001 : n < 37 ? 0.12 : 0.02);
    const s: Scenario = (n) => ({ TOK: { fair: grow(n, 0.04, 0.2, 37), discount: disc(n) }, NOQ: { fair: grow(n, 0.05, 0.2, 37), discount: disc(n) } });
    const r = await run(syntheticVault(hold()), scenarioRows(s));
    const q = actionsOn(r, 'TOK', 'redeem-request');
    expect(q.map((a) => a.t)).toEqual([day(30 + CONFIRMED)]);
    // NOQ: a 12 % discount with the fair rate intact is held (selling would crystallize more than holding is expected to lose)
    expect(depegFirings(r, 'NOQ').find((f) => f.t === day(30 + CONFIRMED))?.firing.data).toMatchObject({ kind: 'liquidity', decision: 'hold' });
    const sells = actionsOn(r, 'NOQ', 'sell');
    expect(sells.map((a) => a.t)).toEqual([day(37 + CONFIRMED)]);
    const why = depegFirings(r, 'NOQ').find((f) => f.t === day(37 + CONFIRMED))!.firing;
    expect(why.data).toMatchObject({ kind: 'impairment', decision: 'sell' });
    expect(why.message).toMatch(/forced sale above maxExitCost .* because the asset is impaired/);
    expect(why.message).toMatch(/fair rate .* below peak/);
    // the queued TOK is pending, not held: no breaker fires on it after day 30
    expect(depegFirings(r, 'TOK').filter((f) => f.t > day(30 + CONFIRMED) && f.firing.held)).toEqual([]);
    // TOK's 40 ETH came back at the pre-fall fair value
    const claim = actionsOn(r, 'TOK', 'redeem-claim')[0]!;
    expect(claim.t).toBe(day(37 + CONFIRMED)); // requested on day 31, claimable 7 d later
    expect(claim.valueBase).toBeGreaterThan(40 * grow(10, 0.04) * 0.999);
  });

  it('a stored rate that stops updating is impairment: the queue (paying at a rate nobody updates) is not used, the token is sold', async () => {
    const s: Scenario = (n) => ({ TOK: { fair: grow(n, 0.04), discount: 0.002, stuck: n >= 40 }, NOQ: { fair: grow(n, 0.05), discount: 0.001 } });
    const r = await run(syntheticVault(hold()), scenarioRows(s));
    const f = depegFirings(r, 'TOK')[0];
    expect(f?.t).toBe(day(43)); // the rate last changed on day 39: more than maxRateStillness (3 d) later
    expect(f?.firing.data).toMatchObject({ kind: 'impairment', decision: 'sell' });
    expect(f?.firing.message).toMatch(/nobody updates/);
    expect(actionsOn(r, 'TOK', 'redeem-request')).toEqual([]);
    expect(actionsOn(r, 'TOK', 'sell').map((a) => a.t)).toEqual([day(43)]);
    expect(actionsOn(r, 'NOQ')).toEqual([]);
  });

  it('a queue that lengthens: with the queue at 7 d the discount is redeemed at fair; lengthened past maxRedemptionDelay the token is held, never sold', async () => {
    const disc = (n: number) => (n >= 30 && n < 60 ? 0.03 : 0.001);
    const short = await run(syntheticVault(hold()), scenarioRows((n) => ({ TOK: { fair: grow(n, 0.04), discount: disc(n), queueDays: 7 }, NOQ: { fair: grow(n, 0.05), discount: 0.001 } })));
    expect(actionsOn(short, 'TOK', 'redeem-request').map((a) => a.t)).toEqual([day(30 + CONFIRMED)]);
    const long = await run(syntheticVault(hold()), scenarioRows((n) => ({ TOK: { fair: grow(n, 0.04), discount: disc(n), queueDays: n >= 25 ? 45 : 7 }, NOQ: { fair: grow(n, 0.05), discount: 0.001 } })));
    expect(actionsOn(long, 'TOK')).toEqual([]);
    const f = depegFirings(long, 'TOK')[0]!.firing;
    expect(f.data).toMatchObject({ kind: 'liquidity', decision: 'hold', queueDelayDays: 45, queueCost: null });
    expect(f.message).toMatch(/queue 45\.0 d .*\(not usable\)/);
  });
});

describe('the bundled 2024-08-06 weETH event goes through the same response', () => {
  it('liquidity event: weETH (via its Aave position) leaves through the EtherFi queue at fair, is never sold at the discount, and is not bought back inside the episode', async () => {
    const v = ethVault();
    const rows = readHistoryFile(ETH_HISTORY_FILE);
    const strategy = await loadStrategy('risk-adjusted');
    const params = parseStrategyParams(strategy, v.config.strategy.params, v.file);
    const from = parseTime('2024-06-12T00:00:00Z');
    const r = simulate({ vault: v, strategy, params, solver, rows, from, to: parseTime('2024-09-30T00:00:00Z'), step: DAY });
    const ev = r.firings.filter((f) => f.firing.breaker === 'depeg' && f.firing.held);
    expect(ev.length).toBeGreaterThan(0);
    expect(new Date(ev[0]!.t).toISOString()).toBe('2024-08-06T00:00:00.000Z');
    expect(ev[0]!.firing.data).toMatchObject({ kind: 'liquidity', decision: 'redeem' });
    expect(ev[0]!.firing.data.discount as number).toBeCloseTo(0.00517, 4);
    const weSells = r.actions.filter((a) => a.status === 'confirmed' && a.action.kind === 'sell' && (a.action.from === 'weETH' || a.action.from === 'aave-v3-weETH'));
    expect(weSells).toEqual([]);
    expect(r.actions.some((a) => a.action.kind === 'redeem-request' && a.action.from === 'weETH' && a.t === ev[0]!.t)).toBe(true);
    const rebuy = r.actions.filter((a) => a.status === 'confirmed' && a.t > ev[0]!.t && (a.action.to === 'weETH' || a.action.to === 'aave-v3-weETH'));
    for (const a of rebuy) expect(a.t).toBeGreaterThanOrEqual(ev[0]!.t + 7 * DAY);
  });
});
