import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAY, YEAR } from '../src/domain/time.js';
import { bindingLimits } from '../src/report/journal-report-data.js';
import { apyBetween, operatorView, type OperatorInput } from '../src/report/operator-view.js';
import { cliRun, ROOT, tempDir } from './support/cli.js';

/** The operator report: identity, P&L and costs, monthly returns, rolling APY vs benchmark, queues, limits; "not measurable", never 0 %. */

const T0 = Date.parse('2025-01-01T00:00:00Z');
const days = (n: number) => T0 + n * DAY;

function input(extra: Partial<OperatorInput> = {}): OperatorInput {
  const nav: [number, number][] = [];
  const fair: [number, number][] = [];
  for (let d = 0; d <= 90; d++) {
    nav.push([days(d), 100 * Math.pow(1.0001, d)]);
    fair.push([days(d), 1.1 * Math.pow(1.0002, d)]);
  }
  return {
    identity: { vault: 'v', mode: 'paper', strategy: 's', params: { a: 1 }, limits: { maxExpectedLoss: 0.004 }, configHash: 'abc', codeVersion: '0.1.0', runs: 1 },
    baseAsset: 'ETH',
    nav,
    queued: nav.map(([t]) => [t, t >= days(10) && t < days(20) ? 40 : 0] as const),
    benchmark: { asset: 'wstETH', fair, market: [] },
    costs: [{ kind: 'buy', venue: 'x', costBase: 0.01 }, { kind: 'buy', venue: 'x', costBase: 0.02 }, { kind: 'mint', venue: 'y', costBase: 0.005 }],
    binding: [{ t: days(1), limits: ['per-asset cap 0.5'] }, { t: days(2), limits: ['per-asset cap 0.5', 'restaking group "eigenlayer" cap 0.4'] }],
    unknownNavCycles: 2,
    ...extra,
  };
}

describe('operatorView', () => {
  it('monthly returns, P&L, costs by kind and binding limits, as computed by hand', () => {
    const v = operatorView(input());
    // January: day 0 → day 30 (Jan 31); February: day 30 → day 58 (Feb 28)
    expect(v.monthly[0]!.month).toBe('2025-01');
    expect(v.monthly[0]!.return).toBeCloseTo(Math.pow(1.0001, 30) - 1, 12);
    expect(v.monthly[1]!.return).toBeCloseTo(Math.pow(1.0001, 28) - 1, 12);
    expect(v.monthly[1]!.benchmark).toBeCloseTo(Math.pow(1.0002, 28) - 1, 12);
    expect(v.pnl.pnlBase).toBeCloseTo(100 * (Math.pow(1.0001, 90) - 1), 9);
    expect(v.pnl.netApy).toBeCloseTo(Math.pow(Math.pow(1.0001, 90), YEAR / (90 * DAY)) - 1, 9);
    expect(v.costs.totalBase).toBeCloseTo(0.035, 12);
    expect(v.costs.split).toBeUndefined(); // these fills carry no parts: not made up
    expect(v.costs.byKind).toEqual([{ kind: 'buy', fills: 2, costBase: 0.03 }, { kind: 'mint', fills: 1, costBase: 0.005 }]);
    expect(v.bindingLimits[0]).toEqual({ limit: 'per-asset cap 0.5', cycles: 2, first: days(1), last: days(2) });
    expect(v.period?.unknownNavCycles).toBe(2);
  });

  it('queued capital over time and its opportunity cost at the benchmark APY', () => {
    const v = operatorView(input());
    expect(v.queued.maxFraction).toBeCloseTo(40 / (100 * Math.pow(1.0001, 10)), 9);
    expect(v.queued.byMonth.find((m) => m.month === '2025-01')?.maxBase).toBe(40);
    const benchApy = Math.pow(1.0002, 365) - 1;
    // 40 ETH for 10 days at the benchmark's APY (its own growth over the trailing window)
    expect(v.costs.queueOpportunityBase as number).toBeCloseTo(40 * 10 * (Math.pow(1 + benchApy, DAY / YEAR) - 1), 6);
  });

  it('"not measurable" where the data cannot say: no market prices, a window shorter than the history', () => {
    const v = operatorView(input());
    expect(v.benchmark?.marketDrawdown).toBe('not measurable');
    expect(v.benchmark?.depegMax).toBe('not measurable');
    const late = operatorView(input({ nav: input().nav.filter(([t]) => t >= days(10)) }));
    expect(late.rolling[0]!.apy).toBe('not measurable'); // January 31: only 21 days of history
    expect(typeof late.rolling[1]!.apy).toBe('number');
    expect(apyBetween(1, 1.01, DAY / 2)).toBe('not measurable');
    const withMarket = operatorView(input({ benchmark: { asset: 'wstETH', fair: [[days(0), 1.1], [days(1), 1.1]], market: [[days(0), 1.1], [days(1), 1.089]] } }));
    expect(withMarket.benchmark?.depegMax as number).toBeCloseTo(0.01, 9);
    expect(withMarket.benchmark?.marketDrawdown as number).toBeCloseTo(-0.01, 9);
  });

  it('reads the limits a decision named as binding, without the weights they bound at', () => {
    expect(bindingLimits(['x', 'binding: operators group "lido" cap 0.5; wstETH at its upper bound 0.5000 (per-asset cap 0.5)'])).toEqual(['operators group "lido" cap 0.5', 'wstETH (per-asset cap 0.5)']);
    expect(bindingLimits(['nothing bound'])).toEqual([]);
  });
});

describe('report --journal', () => {
  it('renders the operator report from a paper journal: identity, costs, months, queues, benchmark, limits', async () => {
    const dir = tempDir('rep-');
    const j = join(dir, 'p.sqlite');
    expect((await cliRun(['run', '-j', j, '--max-cycles', '90', '-q', '--param', 'riskAversion=2'])).code).toBe(0);
    const out = join(dir, 'report.html');
    const r = await cliRun(['report', '--journal', j, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/operator report for eth-restaking \(paper, strategy risk-adjusted\) 2024-06-12 → 2024-09-09, 90 cycles/);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    expect(html).not.toMatch(/<script/);
    for (const id of ['identity', 'pnl', 'monthly', 'rolling', 'queued', 'benchmark', 'limits']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('&quot;riskAversion&quot;:2'); // the --param the run used
    expect(html).toMatch(/<td>2024-07<\/td><td>-?\d+\.\d\d %<\/td><td>-?\d+\.\d\d %<\/td>/);
    expect(html).toMatch(/<td>redeem-request<\/td>/);
    // the cost split journaled with every paper fill: gas, fees and impact, distance from fair, and their net
    const split = /<th>net of all three<\/th><th>queue opportunity cost<\/th><\/tr><\/thead><tbody><tr><td>([\d.]+) ETH<\/td><td>([\d.]+) ETH<\/td><td>(-?[\d.]+) ETH<\/td><td>(-?[\d.]+) ETH<\/td><td>([\d.]+) ETH<\/td>/.exec(html);
    expect(split, 'cost split row').not.toBeNull();
    const [gas, fees, fair, net] = split!.slice(1, 5).map(Number) as [number, number, number, number];
    expect(gas).toBeGreaterThan(0);
    expect(fees).toBeGreaterThan(0);
    expect(net).toBeCloseTo(gas + fees + fair, 5);
    expect(html).toMatch(/<td>2024-08<\/td><td>\d+\.\d{4}<\/td>/); // the weETH queue in August
    expect(html).toMatch(/per-asset cap 0\.5/);
  }, 120_000);

  it('a vault whose history has no market prices says so instead of 0 %', async () => {
    const dir = tempDir('rep-');
    const j = join(dir, 's.sqlite');
    const cfg = join(ROOT, 'config/vaults/sol-staking.yaml');
    expect((await cliRun(['run', '-c', cfg, '-j', j, '--max-cycles', '45', '-q'])).code).toBe(0);
    const out = join(dir, 's.html');
    expect((await cliRun(['report', '-c', cfg, '--journal', j, '-o', out])).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/<tr><td>JitoSOL<\/td><td>\d+\.\d\d %<\/td><td>[^<]*<\/td><td><span class="empty">not measurable<\/span><\/td><td><span class="empty">not measurable<\/span><\/td><\/tr>/);
  }, 120_000);

  it('a backtest writes the same operator view beside its report', async () => {
    const dir = tempDir('rep-');
    const r = await cliRun(['backtest', '--from', '2024-06-12', '--to', '2024-09-30', '--lookahead', '0', '--no-baselines', '-o', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/operator view: .*operator\.html/);
    const html = readFileSync(join(dir, 'operator.html'), 'utf8');
    for (const id of ['identity', 'pnl', 'monthly', 'rolling', 'queued', 'benchmark', 'limits']) expect(html).toContain(`id="${id}"`);
    expect(html).toMatch(/<span>Mode <b>backtest<\/b><\/span>/);
    expect(html).toMatch(/<tr><td>wstETH<\/td><td>\d+\.\d\d %<\/td><td>-?\d+\.\d\d %<\/td><td>-?\d+\.\d\d %<\/td><td>\d+\.\d\d %<\/td><\/tr>/); // wstETH has market prices: depeg measured
  }, 180_000);
});
