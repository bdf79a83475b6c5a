import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { BacktestMetrics } from '../src/backtest/metrics.js';
import type { LayerLoss } from '../src/domain/score.js';
import { chartJsSource, esc, renderReport } from '../src/report/render-report.js';
import { REPORT_SCRIPT } from '../src/report/report-page.js';
import type { ReportModel, ReportSeries } from '../src/report/report-model.js';
import { operatorView, type OperatorInput } from '../src/report/operator-view.js';
import { writeReport } from '../src/report/write-report.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ARTIFACTS = join(ROOT, 'test', 'artifacts');
const CHROMIUM = '/usr/bin/chromium';
const CHART_IDS = ['nav-chart', 'allocation-chart', 'yields-chart', 'drawdown-chart', 'timeline-chart', 'risk-chart', 'monthly-chart', 'rolling-chart', 'queued-chart', 'benchmark-dd-chart', 'limits-chart'] as const;

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 1);
const N = 90;
const ASSETS = ['ETH', 'wstETH', 'weETH', 'aave-v3-wstETH'] as const;
const NASTY_NOTE = 'Escaping check: <b>&"\' and </script><script>window.__pwned = 1</script><!-- end';

function layer(layer: string, kind: string, expectedLoss: number): LayerLoss {
  return { layer, kind, expectedLoss, probability: expectedLoss * 4, modes: [{ name: `${layer} failure`, annualProbability: expectedLoss * 4, severity: 0.25 }] };
}

function metrics(netApy: number, extra: Partial<BacktestMetrics> = {}): BacktestMetrics {
  return {
    from: T0,
    to: T0 + (N - 1) * DAY,
    years: ((N - 1) * DAY) / (365 * DAY),
    startNav: 100,
    endNav: 100 * (1 + netApy * ((N - 1) / 365)),
    netApy,
    grossApy: netApy + 0.0011,
    costDrag: 0.0011,
    totalCost: 0.009,
    turnover: 1.84,
    actions: 7,
    failedActions: 0,
    maxDrawdown: 0.0031,
    timeInAsset: { wstETH: 0.46, weETH: 0.31, 'aave-v3-wstETH': 0.18, ETH: 0.05 },
    expectedLoss: 0.0042,
    breakerEvents: 2,
    haltedSteps: 1,
    limitBreaches: 0,
    ...extra,
  };
}

function navPath(apy: number, wobble: number, dip: number): Array<readonly [number, number]> {
  return Array.from({ length: N }, (_, i) => {
    const t = T0 + i * DAY;
    const drift = Math.pow(1 + apy, (i * DAY) / (365 * DAY));
    const shock = i >= 12 && i <= 15 ? 1 - dip * (1 - Math.abs(i - 13.5) / 2) : 1;
    return [t, drift * shock * (1 + wobble * Math.sin(i / 3))] as const;
  });
}

/** A synthetic model: 4 series (strategy, baseline, benchmark, ceiling), 30 daily points, 4 assets, a few events. */
function syntheticModel(): ReportModel {
  const series: ReportSeries[] = [
    { name: 'risk-adjusted', kind: 'strategy', nav: navPath(0.041, 0.0002, 0.002), netApy: 0.041, maxDrawdown: 0.0031, captureRatio: 0.72, metrics: metrics(0.041), params: { hurdle: 0.002 } },
    { name: 'equal-weight', kind: 'baseline', nav: navPath(0.034, 0.0003, 0.004), netApy: 0.034, maxDrawdown: 0.0052, captureRatio: 0.6, metrics: metrics(0.034, { actions: 12, breakerEvents: 3, limitBreaches: 1, failedActions: 1 }) },
    { name: 'hold wstETH', kind: 'benchmark', nav: navPath(0.031, 0.0004, 0.006), netApy: 0.031, maxDrawdown: 0.0068, captureRatio: 0.54 },
    { name: 'hindsight ceiling', kind: 'ceiling', nav: navPath(0.057, 0, 0), netApy: 0.057, maxDrawdown: 0 },
  ];
  const allocation = Array.from({ length: N }, (_, i) => {
    const shift = i >= 13 ? 0.25 : 0;
    return { t: T0 + i * DAY, weights: { ETH: i < 2 ? 0.4 : 0.02, wstETH: 0.4 + shift - (i < 2 ? 0.2 : 0), weETH: 0.38 - shift - (i < 2 ? 0.18 : 0), 'aave-v3-wstETH': 0.2 } };
  });
  const yields = Array.from({ length: N }, (_, i) => ({
    t: T0 + i * DAY,
    yields: { ETH: 0, wstETH: 0.031 + 0.001 * Math.sin(i / 4), weETH: 0.038 - (i >= 12 ? 0.009 : 0), 'aave-v3-wstETH': 0.034 + 0.002 * Math.cos(i / 5) },
  }));
  let peak = -Infinity;
  const drawdown = (series[0] as ReportSeries).nav.map(([t, v]) => {
    peak = Math.max(peak, v);
    return [t, v / peak - 1] as const;
  });
  return {
    title: 'Backtest: eth-core',
    source: 'backtest',
    operator: operatorView(operatorInput(series)),
    vault: 'eth-core',
    chain: 'ethereum',
    baseAsset: 'ETH',
    from: T0,
    to: T0 + (N - 1) * DAY,
    generatedAt: '2024-04-01T12:00:00.000Z',
    series,
    primary: {
      name: 'risk-adjusted',
      allocation,
      yields,
      drawdown,
      events: [
        { t: T0 + 1 * DAY, kind: 'action', label: 'swap ETH→wstETH', detail: '20.0000 ETH via curve; cost 0.002100; initial allocation' },
        { t: T0 + 2 * DAY, kind: 'action', label: 'swap ETH→weETH', detail: '18.0000 ETH via uniswap-v3; cost 0.003300; initial allocation' },
        { t: T0 + 12 * DAY, kind: 'breaker', label: 'depeg weETH → exit', detail: 'weETH trades 1.9% below its fair rate (limit 1.0%)' },
        { t: T0 + 13 * DAY, kind: 'action', label: 'swap weETH→wstETH', detail: '25.0000 ETH via curve; cost 0.011000; breaker exit' },
        { t: T0 + 20 * DAY, kind: 'breaker', label: 'stale-data <oracle> → hold', detail: 'no fresh rate for weETH in 36h & counting' },
      ],
      risk: [
        { asset: 'ETH', expectedLoss: 0, lossProbability: 0, layers: [] },
        { asset: 'wstETH', expectedLoss: 0.0021, lossProbability: 0.0084, layers: [layer('ethereum-consensus', 'base-chain', 0.0005), layer('lido', 'lst-protocol', 0.0016)] },
        {
          asset: 'weETH',
          expectedLoss: 0.0063,
          lossProbability: 0.025,
          layers: [layer('ethereum-consensus', 'base-chain', 0.0005), layer('etherfi', 'lst-protocol', 0.0018), layer('eigenlayer', 'restaking-protocol', 0.0025), layer('etherfi-avs-set', 'services', 0.0015)],
        },
        { asset: 'aave-v3-wstETH', expectedLoss: 0.0033, lossProbability: 0.013, layers: [layer('ethereum-consensus', 'base-chain', 0.0005), layer('lido', 'lst-protocol', 0.0016), layer('aave-v3-ethereum', 'money-market', 0.0012)] },
      ],
      riskContribution: { ETH: 0, wstETH: 0.00097, weETH: 0.00195, 'aave-v3-wstETH': 0.00059 },
    },
    lookahead: { checkpoints: 3, decisionsCompared: 87 },
    notes: ['Decisions every 1d from 2024-03-01 to 2024-03-30.', NASTY_NOTE],
  };
}

/** The operator sections' input for the same synthetic run: NAV in ETH, a queue, the benchmark at fair and market, fills in parts, binding limits. */
function operatorInput(series: readonly ReportSeries[]): OperatorInput {
  const nav = (series[0] as ReportSeries).nav.map(([t, v]) => [t, 100 * v] as const);
  const fair = (series[2] as ReportSeries).nav.map(([t, v]) => [t, 1.1 * v] as const);
  return {
    identity: { vault: 'eth-core', mode: 'backtest', strategy: 'risk-adjusted', params: { hurdle: 0.002 }, limits: { maxWeightPerAsset: 0.5 }, configHash: 'f'.repeat(64), codeVersion: '0.1.0 (test)', runs: 1 },
    baseAsset: 'ETH',
    nav,
    queued: nav.map(([t], i) => [t, i >= 40 && i < 55 ? 30 : 0] as const),
    benchmark: { asset: 'wstETH', fair, market: fair.map(([t, v], i) => [t, v * (i >= 12 && i <= 15 ? 0.994 : 0.999)] as const) },
    costs: [
      { kind: 'buy', venue: 'curve', costBase: 0.0021, split: { gas: 0.0006, fee: 0.0002, slippage: 0.0008, depeg: 0.0005 } },
      { kind: 'sell', venue: 'curve', costBase: 0.011, split: { gas: 0.0006, fee: 0.0025, slippage: 0.0019, depeg: 0.006 } },
    ],
    binding: nav.filter((_, i) => i % 3 === 0).map(([t], i) => ({ t, limits: i % 2 ? ['per-asset cap 0.5'] : ['per-asset cap 0.5', 'restaking group "eigenlayer" cap 0.4'] })),
    unknownNavCycles: 0,
  };
}

/** What each chart must hold, derived from the model alone: per dataset, its number of points. */
function expectedPoints(m: ReportModel): Record<(typeof CHART_IDS)[number], number[]> {
  const p = m.primary;
  const op = m.operator!;
  const held = new Set<string>();
  for (const r of p.allocation) for (const [a, w] of Object.entries(r.weights)) if (w > 0) held.add(a);
  const yieldAssets = new Set<string>();
  for (const r of p.yields) for (const a of Object.keys(r.yields)) yieldAssets.add(a);
  const kinds = new Set<string>();
  for (const r of p.risk) for (const l of r.layers) kinds.add(l.kind);
  return {
    'nav-chart': m.series.map((s) => s.nav.length),
    'allocation-chart': [...held].map(() => p.allocation.length),
    'yields-chart': [...yieldAssets].map(() => p.yields.length),
    'drawdown-chart': [p.drawdown.length],
    'timeline-chart': [p.events.filter((e) => e.kind === 'breaker').length, p.events.filter((e) => e.kind === 'action').length],
    'risk-chart': [...kinds].map(() => p.risk.length),
    'monthly-chart': [op.monthly.length, op.monthly.length],
    'rolling-chart': [op.charts.rollingApy.length, op.charts.rollingApy.length],
    'queued-chart': [op.charts.queued.length, op.charts.queued.length],
    'benchmark-dd-chart': [op.charts.benchmarkDrawdown.length],
    'limits-chart': [op.charts.binding.length],
  };
}

function dataBlock(html: string, id: string): string {
  const m = new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`).exec(html);
  if (!m) throw new Error(`no #${id} block`);
  return m[1] as string;
}

describe('renderReport', () => {
  const model = syntheticModel();
  const html = renderReport(model);
  const ownMarkup = html.replace(chartJsSource(), '');

  it('is one self-contained document: no external scripts, stylesheets, images or URLs', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script[^>]*\ssrc\s*=/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/<img|<iframe|<object|<embed/i);
    expect(ownMarkup).not.toMatch(/@import|url\(/i);
    // The page's own markup has no URL at all; Chart.js's only URLs are in its license banner comments (/*! … */).
    expect(ownMarkup).not.toMatch(/https?:\/\//i);
    const banners = /\/\*![\s\S]*?\*\//g;
    expect(chartJsSource().match(banners)?.join('\n')).toContain('https://www.chartjs.org');
    expect(chartJsSource().replace(banners, '')).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/sourceMappingURL/);
    expect(html).toContain("default-src 'none'");
    // Chart.js is inlined exactly once, and nothing inside it can close the script element early.
    expect(html.split('Chart.js v4').length).toBe(2);
    expect(chartJsSource()).not.toMatch(/<\/script/i);
  });

  it('embeds the model as JSON that parses back to the model', () => {
    const back = JSON.parse(dataBlock(html, 'report-data')) as ReportModel;
    expect(back).toEqual(JSON.parse(JSON.stringify(model)));
    expect(back.series.map((s) => s.name)).toEqual(['risk-adjusted', 'equal-weight', 'hold wstETH', 'hindsight ceiling']);
    expect(back.primary.allocation[5]?.weights).toEqual(model.primary.allocation[5]?.weights);
    expect(back.primary.events[4]?.label).toBe('stale-data <oracle> → hold');
    expect(back.notes[1]).toBe(NASTY_NOTE);
    // Fractions stay fractions in the data; percent formatting is the view's job.
    expect(back.series[0]?.netApy).toBe(0.041);
    const view = JSON.parse(dataBlock(html, 'report-view')) as { allocationAssets: string[]; riskAssets: string[] };
    expect(view.allocationAssets).toEqual(['wstETH', 'aave-v3-wstETH', 'weETH', 'ETH']);
    expect(view.riskAssets).toEqual(['weETH', 'aave-v3-wstETH', 'wstETH', 'ETH']);
  });

  it('escapes text: a note with <b>&" and a </script> stays text', () => {
    expect(html).toContain('Escaping check: &lt;b&gt;&amp;&quot;&#39; and &lt;/script&gt;&lt;script&gt;window.__pwned = 1&lt;/script&gt;&lt;!-- end');
    expect(html).not.toContain('<b>&"');
    expect(html).not.toContain('window.__pwned = 1</script>');
    expect(ownMarkup).not.toContain('<!--');
    expect(html).toContain('stale-data &lt;oracle&gt; → hold');
    expect(html).toContain('no fresh rate for weETH in 36h &amp; counting');
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    // Exactly four script elements: Chart.js, the two JSON blocks and the page script; no note closed one early.
    expect(html.match(/<\/script>/g)?.length).toBe(4);
  });

  it('has every chart with a heading, the results table, notes, the lookahead line and the generation time', () => {
    for (const id of CHART_IDS) expect(html.split(`<canvas id="${id}"`).length, id).toBe(2);
    for (const id of CHART_IDS.slice(0, 6)) expect(html).toContain(`<h2 id="${id}-h">`);
    // the operator sections, each under its heading
    for (const id of ['identity', 'pnl', 'monthly', 'rolling', 'queued', 'benchmark', 'limits']) expect(html).toContain(`<section class="card section" id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">`);
    const results = /<table id="results-table">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
    expect(results.match(/<tr/g)?.length).toBe(1 + model.series.length);
    for (const h of ['Net APY', 'Max DD', 'Capture', 'Gross APY', 'Cost drag', 'Turnover', 'Actions', 'Exp. loss/yr', 'Breakers', 'Limit breaches', 'Time in asset']) expect(results).toContain(`>${h}</th>`);
    expect(results).toContain('4.10%'); // net APY of the primary, formatted only here
    expect(results).toContain('1.84×/yr');
    expect(results).toContain('wstETH 46.0%');
    expect(results).toMatch(/class="num bad">1</); // the baseline's limit breach stands out
    expect(html).toContain('id="lookahead">Lookahead check passed: 3 checkpoints, 87 decisions compared');
    expect(html).toContain('Generated 2024-04-01T12:00:00.000Z');
    expect(html).toContain('<ul class="notes"><li>Decisions every 1d from 2024-03-01 to 2024-03-30.</li>');
    expect(html).toContain('<table id="risk-table">');
    expect(html).toContain('<table id="events-table">');
  });

  it('handles a model with no events, no lookahead and no benchmark', () => {
    const m = syntheticModel();
    const bare: ReportModel = { ...m, series: m.series.filter((s) => s.kind !== 'benchmark'), lookahead: null, notes: [], primary: { ...m.primary, events: [] } };
    const out = renderReport(bare);
    expect(out).toContain('No breaker events or large actions in the period.');
    expect(out).toContain('Lookahead check: not run for this report.');
    expect(out).toContain('No notes.');
    expect(out).not.toContain('vs benchmark');
  });

  it('ships a page script that parses', () => {
    expect(() => new Function(REPORT_SCRIPT)).not.toThrow();
  });

  it('writeReport creates the directory and writes the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    try {
      const file = writeReport(model, join(dir, 'a', 'b', 'report.html'));
      expect(readFileSync(file, 'utf8')).toBe(html);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

type ChartSummary = Record<string, Array<{ label: string; n: number }>>;

// Mandatory in CI (CI is set in .ci/run): a missing browser fails there. On a fresh machine without Debian's
// chromium the test is skipped, saying why and how to install it.
const SKIP_BROWSER = !existsSync(CHROMIUM) && !process.env.CI;
if (SKIP_BROWSER) console.warn(`report browser test skipped: Debian's chromium is not installed at ${CHROMIUM} (apt-get install -y chromium; it is required when CI is set)`);

describe('report in headless Chromium', () => {
  it.skipIf(SKIP_BROWSER)(`loads offline with no console errors or network requests, every chart holds its data, and a screenshot is written${SKIP_BROWSER ? ` — SKIPPED: no chromium at ${CHROMIUM} (apt-get install -y chromium)` : ''}`, async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Debian's chromium is not installed at ${CHROMIUM}. The report's browser test needs it and never downloads a browser: install it with "apt-get install -y chromium" (CI does this in .ci/run).`,
      );
    }
    const model = syntheticModel();
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = writeReport(model, join(ARTIFACTS, 'report.html'));
    const screenshot = join(ARTIFACTS, 'report.png');
    rmSync(screenshot, { force: true });

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
      });
      page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
      page.on('request', (req) => {
        if (!/^(file|data|about):/i.test(req.url())) requests.push(req.url());
      });

      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await page.waitForFunction('window.__reportReady === true', undefined, { timeout: 15_000 });

      const charts = (await page.evaluate(`(() => {
        const out = {};
        for (const [id, chart] of Object.entries(window.__reportCharts)) {
          out[id] = chart.data.datasets.map((d) => ({ label: d.label, n: d.data.length }));
        }
        return out;
      })()`)) as ChartSummary;
      const canvases = (await page.evaluate(`Array.from(document.querySelectorAll('canvas')).map((c) => ({ id: c.id, w: c.width, h: c.height }))`)) as Array<{ id: string; w: number; h: number }>;
      const page_ = (await page.evaluate(`({
        pwned: typeof window.__pwned,
        note: document.querySelectorAll('ul.notes li')[1].textContent,
        title: document.title,
      })`)) as { pwned: string; note: string; title: string };

      await page.screenshot({ path: screenshot, fullPage: true });

      // Hovering runs the tooltip callbacks (formatting, event label/detail): they must work too.
      const tooltips: Record<string, string[]> = {};
      for (const [id, datasetIndex, index] of [['nav-chart', 0, 15], ['timeline-chart', 0, 0], ['risk-chart', 1, 0], ['allocation-chart', 0, 20], ['monthly-chart', 0, 1], ['rolling-chart', 0, 60], ['queued-chart', 0, 45], ['benchmark-dd-chart', 0, 14], ['limits-chart', 0, 0]] as const) {
        await page.locator(`#${id}`).scrollIntoViewIfNeeded();
        const at = (await page.evaluate(`(() => {
          const c = window.__reportCharts['${id}'];
          const el = c.getDatasetMeta(${datasetIndex}).data[${index}];
          const r = c.canvas.getBoundingClientRect();
          const x = typeof el.base === 'number' && c.options.indexAxis === 'y' ? (el.x + el.base) / 2 : el.x;
          const y = typeof el.base === 'number' && c.config.type === 'bar' && c.options.indexAxis !== 'y' ? (el.y + el.base) / 2 : el.y;
          return { x: r.left + x, y: r.top + y };
        })()`)) as { x: number; y: number };
        await page.mouse.move(at.x, at.y);
        await page.waitForFunction(`window.__reportCharts['${id}'].tooltip.getActiveElements().length > 0`, undefined, { timeout: 5_000 }).catch((e: Error) => { throw new Error(`${id}: ${e.message}`); });
        tooltips[id] = (await page.evaluate(`(() => {
          const t = window.__reportCharts['${id}'].tooltip;
          return [...t.title, ...t.body.flatMap((b) => [...b.before, ...b.lines, ...b.after]), ...t.footer];
        })()`)) as string[];
      }

      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(Object.keys(charts).sort()).toEqual([...CHART_IDS].sort());
      const expected = expectedPoints(model);
      for (const id of CHART_IDS) {
        expect(charts[id]?.map((d) => d.n), id).toEqual(expected[id]);
        for (const n of expected[id]) expect(n, `${id} has data`).toBeGreaterThan(0);
      }
      expect(charts['nav-chart']?.map((d) => d.label)).toEqual(['risk-adjusted', 'equal-weight (baseline)', 'hold wstETH (benchmark)', 'hindsight ceiling (ceiling)']);
      expect(new Set(charts['allocation-chart']?.map((d) => d.label))).toEqual(new Set(ASSETS));
      expect(charts['risk-chart']?.map((d) => d.label)).toEqual(['base-chain', 'lst-protocol', 'restaking-protocol', 'services', 'money-market']);
      for (const c of canvases) {
        expect(c.w, c.id).toBeGreaterThan(200);
        expect(c.h, c.id).toBeGreaterThan(100);
      }
      expect(tooltips['nav-chart']?.[0]).toBe('2024-03-16 00:00 UTC');
      expect(tooltips['nav-chart']).toContain(`risk-adjusted: ${(model.series[0]?.nav[15]?.[1] as number).toFixed(4)}  (+${(((model.series[0]?.nav[15]?.[1] as number) - 1) * 100).toFixed(2)}%)`);
      expect(tooltips['timeline-chart']).toEqual(['2024-03-13 00:00 UTC', 'Breaker: depeg weETH → exit', 'weETH trades 1.9% below its fair rate (limit 1.0%)']);
      expect(tooltips['risk-chart']).toContain('lst-protocol: 0.180%  (etherfi)');
      expect(tooltips['risk-chart']).toContain('Total: 0.630% / yr');
      expect(tooltips['allocation-chart']).toContain('wstETH: 65.0%');
      const op = model.operator!;
      expect(tooltips['monthly-chart']).toEqual([op.monthly[1]!.month, `vault: ${(op.monthly[1]!.return * 100).toFixed(3)}%`, expect.stringMatching(/^benchmark: -?\d+\.\d{3}%$/)]);
      expect(tooltips['rolling-chart']?.[1]).toMatch(/^vault APY \(30 d\): \d+\.\d\d%$/);
      expect(tooltips['queued-chart']).toContain('queued (ETH): 30.0000');
      expect(tooltips['benchmark-dd-chart']?.[1]).toMatch(/^Drawdown: -\d+\.\d{3}%$/);
      expect(tooltips['limits-chart']).toEqual([expect.stringMatching(/UTC$/), 'per-asset cap 0.5']);
      expect(page_).toEqual({ pwned: 'undefined', note: NASTY_NOTE, title: 'Backtest: eth-core' });
      expect(statSync(screenshot).size).toBeGreaterThan(20_000);
    } finally {
      await browser.close();
    }
  });
});
