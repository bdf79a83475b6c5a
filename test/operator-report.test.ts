import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DAY, YEAR } from '../src/domain/time.js';
import { costTotals } from '../src/report/operator-costs.js';
import { bindingLimits } from '../src/report/journal-report-data.js';
import { apyBetween, operatorView, type OperatorInput, type OperatorView } from '../src/report/operator-view.js';
import type { ReportModel } from '../src/report/report-model.js';
import { cliRun, ROOT, tempDir } from './support/cli.js';

/** One report from a backtest or a journal: identity, P&L and costs in parts, months, rolling APY, queues, benchmark, limits; "not measurable", never 0 %. */

const T0 = Date.parse('2025-01-01T00:00:00Z');
const days = (n: number) => T0 + n * DAY;
const CHROMIUM = '/usr/bin/chromium';
const SECTIONS = ['identity', 'pnl', 'monthly', 'rolling', 'queued', 'benchmark', 'limits'];

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
    costs: [
      { kind: 'buy', venue: 'x', costBase: 0.01, split: { gas: 0.002, fee: 0.001, slippage: 0.004, depeg: 0.003 } },
      { kind: 'buy', venue: 'x', costBase: 0.02, split: { gas: 0.002, fee: 0.001, slippage: 0.002, depeg: 0.015 } },
      { kind: 'mint', venue: 'y', costBase: 0.005, split: { gas: 0.005, fee: 0, slippage: 0, depeg: 0 } },
    ],
    binding: [{ t: days(1), limits: ['per-asset cap 0.5'] }, { t: days(2), limits: ['per-asset cap 0.5', 'restaking group "eigenlayer" cap 0.4'] }],
    unknownNavCycles: 2,
    ...extra,
  };
}

function reportData(file: string): ReportModel {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`no report data in ${file}`);
  return JSON.parse(m[1] as string) as ReportModel;
}

describe('operatorView', () => {
  it('monthly returns, P&L, costs in parts and binding limits, as computed by hand', () => {
    const v = operatorView(input());
    // January: day 0 → day 30 (Jan 31); February: day 30 → day 58 (Feb 28)
    expect(v.monthly[0]!.month).toBe('2025-01');
    expect(v.monthly[0]!.return).toBeCloseTo(Math.pow(1.0001, 30) - 1, 12);
    expect(v.monthly[1]!.return).toBeCloseTo(Math.pow(1.0001, 28) - 1, 12);
    expect(v.monthly[1]!.benchmark).toBeCloseTo(Math.pow(1.0002, 28) - 1, 12);
    expect(v.pnl.pnlBase).toBeCloseTo(100 * (Math.pow(1.0001, 90) - 1), 9);
    expect(v.pnl.netApy).toBeCloseTo(Math.pow(Math.pow(1.0001, 90), YEAR / (90 * DAY)) - 1, 9);
    expect(v.costs.totalBase).toBeCloseTo(0.035, 12);
    expect(v.costs.gas).toBeCloseTo(0.009, 12);
    expect(v.costs.fee).toBeCloseTo(0.002, 12);
    expect(v.costs.slippage).toBeCloseTo(0.006, 12);
    expect(v.costs.depeg).toBeCloseTo(0.018, 12);
    expect((v.costs.gas as number) + (v.costs.fee as number) + (v.costs.slippage as number) + (v.costs.depeg as number)).toBeCloseTo(v.costs.totalBase, 12);
    expect(v.costs.byKind).toEqual([{ kind: 'buy', fills: 2, costBase: 0.03 }, { kind: 'mint', fills: 1, costBase: 0.005 }]);
    expect(v.bindingLimits[0]).toEqual({ limit: 'per-asset cap 0.5', cycles: 2, first: days(1), last: days(2) });
    expect(v.charts.binding).toHaveLength(3);
    expect(v.period?.unknownNavCycles).toBe(2);
  });

  it('costs are never made up: fee and slippage journaled as one figure read "not split"; a fill without parts makes them not measurable', () => {
    const old = costTotals([{ kind: 'sell', venue: 'x', costBase: 0.05, split: { gas: 0.01, feeAndSlippage: 0.03, depeg: 0.01, why: 'journaled before fee and slippage were recorded apart' } }]);
    expect(old).toMatchObject({ gas: 0.01, fee: 'not split', slippage: 'not split', feeAndSlippage: 0.03, depeg: 0.01 });
    expect(old.incomplete).toEqual({ fills: 1, why: ['journaled before fee and slippage were recorded apart'] });
    const chain = costTotals([{ kind: 'sell', venue: 'x', costBase: 0.01, split: { gas: 0.01, why: 'no market price for wstETH at execution' } }, ...input().costs]);
    expect(chain).toMatchObject({ gas: 0.019, fee: 'not measurable', slippage: 'not measurable', depeg: 'not measurable' });
    expect(costTotals([{ kind: 'buy', venue: 'x', costBase: 0.01 }]).gas).toBe('not measurable');
    const v = operatorView(input({ costs: [{ kind: 'sell', venue: 'x', costBase: 0.01, split: { gas: 0.01, why: 'no market price for wstETH at execution' } }] }));
    expect(v.why.costs).toMatch(/1 fill without every part: no market price for wstETH/);
  });

  it('queued capital over time and its opportunity cost at the benchmark APY', () => {
    const v = operatorView(input());
    expect(v.queued.maxFraction).toBeCloseTo(40 / (100 * Math.pow(1.0001, 10)), 9);
    expect(v.queued.byMonth.find((m) => m.month === '2025-01')?.maxBase).toBe(40);
    const benchApy = Math.pow(1.0002, 365) - 1;
    expect(v.costs.queueOpportunityBase as number).toBeCloseTo(40 * 10 * (Math.pow(1 + benchApy, DAY / YEAR) - 1), 6);
    expect(v.charts.queued.filter(([, q]) => q === 40)).toHaveLength(10);
  });

  it('"not measurable" where the data cannot say: no market prices, a window shorter than the history, no rationale', () => {
    const v = operatorView(input());
    expect(v.benchmark?.marketDrawdown).toBe('not measurable');
    expect(v.benchmark?.depegMax).toBe('not measurable');
    expect(v.benchmark?.heldAt).toBe('fair');
    expect(v.why.benchmark).toMatch(/no market prices recorded for wstETH/);
    const late = operatorView(input({ nav: input().nav.filter(([t]) => t >= days(10)) }));
    expect(late.rolling[0]!.apy).toBe('not measurable'); // January 31: only 21 days of history
    expect(typeof late.rolling[1]!.apy).toBe('number');
    expect(late.charts.rollingApy[0]![1]).toBeNull(); // a gap in the chart, not a 0 %
    expect(apyBetween(1, 1.01, DAY / 2)).toBe('not measurable');
    const withMarket = operatorView(input({ benchmark: { asset: 'wstETH', fair: [[days(0), 1.1], [days(1), 1.1]], market: [[days(0), 1.1], [days(1), 1.089]] } }));
    expect(withMarket.benchmark?.depegMax as number).toBeCloseTo(0.01, 9);
    expect(withMarket.benchmark?.marketDrawdown as number).toBeCloseTo(-0.01, 9);
    expect(withMarket.charts.benchmarkDrawdown.map(([, d]) => d)).toEqual([0, expect.closeTo(-0.01, 9)]);
    const noBench = operatorView(input({ benchmark: undefined }));
    expect(noBench.monthly[0]!.benchmark).toBe('not measurable');
    expect(noBench.why.benchmark).toMatch(/names no benchmark/);
    expect(operatorView(input({ binding: { unknown: 'no rationale kept' } })).why.limits).toBe('no rationale kept');
  });

  it('reads the limits a decision named as binding, without the weights they bound at', () => {
    expect(bindingLimits(['x', 'binding: operators group "lido" cap 0.5; wstETH at its upper bound 0.5000 (per-asset cap 0.5)'])).toEqual(['operators group "lido" cap 0.5', 'wstETH (per-asset cap 0.5)']);
    expect(bindingLimits(['nothing bound'])).toEqual([]);
  });
});

describe('one report from a backtest or a journal', () => {
  const dir = tempDir('rep-');
  const journal = join(dir, 'paper', 'p.sqlite');
  const fromJournal = join(dir, 'journal.html');
  const backtestDir = join(dir, 'bt');
  let ran: Promise<void> | undefined;
  // The same 90 daily cycles, once through the keeper in paper mode (journaled), once as a backtest.
  const runBoth = () =>
    (ran ??= (async () => {
      const run = await cliRun(['run', '-j', journal, '--max-cycles', '90', '-q']);
      expect(run.code, run.stderr).toBe(0);
      const rep = await cliRun(['report', '--journal', journal, '-o', fromJournal]);
      expect(rep.code, rep.stderr).toBe(0);
      expect(rep.stdout).toMatch(/report for eth-restaking \(paper, strategy risk-adjusted\) 2024-06-12 → 2024-09-09, 90 cycles/);
      const bt = await cliRun(['backtest', '--from', '2024-06-12', '--to', '2024-09-09', '--lookahead', '0', '--no-baselines', '-o', backtestDir]);
      expect(bt.code, bt.stderr).toBe(0);
      expect(bt.stdout).toMatch(/report: .*report\.html/);
    })());

  it('report --journal renders the same page a backtest does: every section, the strategy charts and the cost split in parts', async () => {
    await runBoth();
    const html = readFileSync(fromJournal, 'utf8');
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'/);
    for (const file of [fromJournal, join(backtestDir, 'report.html')]) {
      const page = readFileSync(file, 'utf8');
      for (const id of SECTIONS) expect(page, `${file} ${id}`).toContain(`id="${id}"`);
      for (const c of ['nav-chart', 'drawdown-chart', 'allocation-chart', 'yields-chart', 'timeline-chart', 'risk-chart', 'monthly-chart', 'rolling-chart', 'queued-chart', 'benchmark-dd-chart', 'limits-chart']) expect(page, `${file} ${c}`).toContain(`<canvas id="${c}"`);
    }
    expect(existsSync(join(backtestDir, 'operator.html'))).toBe(false); // one page, not two
    const split = /<table id="cost-split">.*?<tbody><tr><td>([\d.]+) ETH<\/td><td>([\d.]+) ETH<\/td><td>([\d.]+) ETH<\/td><td>(-?[\d.]+) ETH<\/td><td>([\d.]+) ETH<\/td><td>(-?[\d.]+) ETH<\/td>/.exec(html);
    expect(split, 'cost split row').not.toBeNull();
    const [gas, fee, slip, depeg, , net] = split!.slice(1, 7).map(Number) as [number, number, number, number, number, number];
    expect(gas).toBeGreaterThan(0);
    expect(fee).toBeGreaterThan(0);
    expect(slip).toBeGreaterThan(0);
    expect(net).toBeCloseTo(gas + fee + slip + depeg, 5);
    const m = reportData(fromJournal);
    expect(m.source).toBe('paper');
    expect(m.operator!.costs.totalBase).toBeCloseTo(net, 5); // the parts add up to the fills' net cost
    expect(m.series.map((s) => s.kind)).toEqual(['strategy', 'benchmark']);
    expect(m.primary.allocation).toHaveLength(90);
    expect(m.primary.risk.length).toBeGreaterThan(0);
    expect(html).toMatch(/<td>2024-08<\/td><td>\d+\.\d{4}<\/td>/); // the weETH queue in August
    expect(html).toMatch(/per-asset cap 0\.5/);
    expect(html).toContain('The foresight ceiling and the baselines are not measurable from a journal');
  }, 240_000);

  it('a backtest report and a journal report of the same paper run show the same figures', async () => {
    await runBoth();
    const j = reportData(fromJournal).operator as OperatorView;
    const b = reportData(join(backtestDir, 'report.html')).operator as OperatorView;
    expect(b.identity.mode).toBe('backtest');
    expect(j.identity.strategy).toBe(b.identity.strategy);
    expect(j.identity.params).toEqual(b.identity.params);
    expect(j.identity.configHash).toBe(b.identity.configHash);
    for (const k of ['period', 'pnl', 'monthly', 'rolling', 'queued', 'benchmark', 'bindingLimits'] as const) expect(j[k], k).toEqual(b[k]);
    for (const k of ['totalBase', 'gas', 'fee', 'slippage', 'depeg', 'queueOpportunityBase'] as const) expect(j.costs[k] as number, k).toBeCloseTo(b.costs[k] as number, 12);
    expect(j.costs.byKind).toEqual(b.costs.byKind);
    expect(j.bindingLimits.length).toBeGreaterThan(0);
  }, 240_000);

  it('the Results row from the journal: every metric the backtest gives, equal to the backtest\'s of the same window', async () => {
    await runBoth();
    const j = reportData(fromJournal).series[0]!;
    const b = reportData(join(backtestDir, 'report.html')).series[0]!;
    const jm = j.metrics!;
    const bm = b.metrics!;
    expect(jm, 'journal metrics').toBeDefined();
    expect(j.unmeasured).toEqual({});
    for (const k of ['startNav', 'endNav', 'netApy', 'grossApy', 'costDrag', 'totalCost', 'turnover', 'maxDrawdown', 'expectedLoss'] as const) expect(jm[k], k).toBeCloseTo(bm[k], 9);
    for (const k of ['from', 'to', 'actions', 'failedActions', 'breakerEvents', 'haltedSteps', 'limitBreaches'] as const) expect(jm[k], k).toBe(bm[k]);
    for (const a of new Set([...Object.keys(jm.timeInAsset), ...Object.keys(bm.timeInAsset)])) expect(jm.timeInAsset[a] ?? 0, a).toBeCloseTo(bm.timeInAsset[a] ?? 0, 9);
    // the window really traded, paid costs and held more than the base asset: the comparison measures something
    expect(bm.actions).toBeGreaterThan(0);
    expect(Math.abs(bm.costDrag)).toBeGreaterThan(1e-5); // net of buys below fair it is a gain in this window
    expect(bm.turnover).toBeGreaterThan(0);
    expect(Object.values(bm.timeInAsset).filter((w) => w > 0.01).length).toBeGreaterThan(1);
    expect(j.netApy).toBeCloseTo(b.netApy, 9);
    // and the page shows them, not "—"
    const row = /<table id="results-table">.*?<tr class="primary">(.*?)<\/tr>/s.exec(readFileSync(fromJournal, 'utf8'))![1]!;
    const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map((c) => c[1]!.replace(/<[^>]+>/g, ''));
    expect(cells[5]).toBe(`${(jm.grossApy * 100).toFixed(2)}%`);
    expect(cells[6]).toBe(`${(jm.costDrag * 100).toFixed(2)}%`);
    expect(cells[7]).toBe(`${jm.turnover.toFixed(2)}×/yr`);
    expect(cells[11]).toBe(String(jm.limitBreaches));
    expect(cells[12]).toMatch(/ETH \d+\.\d%/);
    for (const [i, c] of cells.entries()) if (i !== 4) expect(c, `cell ${i}`).not.toBe('—'); // capture needs the ceiling, which a journal cannot give
  }, 240_000);

  it.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('the journal report loads in headless Chromium with no console errors and every chart holds data', async () => {
    await runBoth();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(fromJournal).href, { waitUntil: 'load' });
      await page.waitForFunction('window.__reportReady === true', undefined, { timeout: 15_000 });
      const charts = (await page.evaluate(`Object.fromEntries(Object.entries(window.__reportCharts).map(([k, c]) => [k, c.data.datasets.map((d) => d.data.length)]))`)) as Record<string, number[]>;
      expect(errors).toEqual([]);
      expect(Object.keys(charts)).toHaveLength(11);
      for (const [id, sets] of Object.entries(charts)) expect(Math.max(...sets), id).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  }, 240_000);

  it('a vault whose history has no market prices says "not measurable" instead of 0 %', async () => {
    const d = tempDir('rep-');
    const j = join(d, 's.sqlite');
    const cfg = join(ROOT, 'config/vaults/sol-staking.yaml');
    expect((await cliRun(['run', '-c', cfg, '-j', j, '--max-cycles', '45', '-q'])).code).toBe(0);
    const out = join(d, 's.html');
    expect((await cliRun(['report', '-c', cfg, '--journal', j, '-o', out])).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/<tr><td>JitoSOL<\/td><td>-?\d+\.\d\d%<\/td><td>[^<]*<\/td><td><span class="na">not measurable<\/span><\/td><td><span class="na">not measurable<\/span><\/td><\/tr>/);
    expect(html).toContain('no market prices recorded for JitoSOL');
    expect(html).not.toMatch(/market drawdown<\/th>[^]*?<td>0\.00%<\/td><td>0\.00%<\/td>/);
  }, 120_000);
});
