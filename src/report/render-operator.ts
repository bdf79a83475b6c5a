import { esc } from './render-report.js';
import { REPORT_CSS } from './report-page.js';
import type { Measured, OperatorView } from './operator-view.js';

/**
 * The operator report as one offline HTML page: tables and inline SVG lines, no script at all (the
 * Content-Security-Policy forbids every load). "not measurable" is printed where the data cannot say
 * (no market prices, too short a window), never 0 %.
 */

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
const pct = (m: Measured, places = 2) => (m === 'not measurable' ? '<span class="empty">not measurable</span>' : `${(m * 100).toFixed(places)} %`);
const amt = (x: number, base: string, places = 4) => `${x.toFixed(places)} ${esc(base)}`;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '<p class="empty">none</p>';
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** A small line chart as SVG (no script): each series scaled into one box. */
export function svgLines(series: ReadonlyArray<{ name: string; points: ReadonlyArray<readonly [number, number]> }>, label: string): string {
  const all = series.flatMap((s) => s.points);
  if (all.length < 2) return '<p class="empty">not measurable</p>';
  const [w, h] = [720, 160];
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => ((x - x0) / (x1 - x0 || 1)) * (w - 10) + 5;
  const sy = (y: number) => h - 5 - ((y - y0) / (y1 - y0 || 1)) * (h - 10);
  const colors = ['#1f6feb', '#8a8a8a', '#d1242f'];
  const paths = series.map((s, k) => `<polyline fill="none" stroke="${colors[k % colors.length]}" stroke-width="1.5" points="${s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"><title>${esc(s.name)}</title></polyline>`);
  const legend = series.map((s, k) => `<span style="color:${colors[k % colors.length]}">■ ${esc(s.name)}</span>`).join(' ');
  return `<svg role="img" aria-label="${esc(label)}" viewBox="0 0 ${w} ${h}" width="100%" height="${h}">${paths.join('')}</svg><p class="sub">${legend} · range ${y0.toPrecision(4)} → ${y1.toPrecision(4)}</p>`;
}

export function renderOperatorReport(v: OperatorView, series: { nav: ReadonlyArray<readonly [number, number]>; benchmark: ReadonlyArray<readonly [number, number]>; queuedFraction: ReadonlyArray<readonly [number, number]> }): string {
  const id = v.identity;
  const b = v.baseAsset;
  const norm = (s: ReadonlyArray<readonly [number, number]>) => (s[0] ? s.map(([t, x]) => [t, x / (s[0] as readonly [number, number])[1]] as const) : []);
  const benchInPeriod = v.period ? series.benchmark.filter(([t]) => t >= v.period!.from && t <= v.period!.to) : [];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>Operator report: ${esc(id.vault)}</title><style>${REPORT_CSS} code{white-space:pre-wrap;word-break:break-all}</style></head>
<body><main>
<header class="page"><h1>Operator report: ${esc(id.vault)}</h1>
<div class="meta"><span>Mode <b>${esc(id.mode)}</b></span><span>Runs <b>${id.runs}</b></span>${v.period ? `<span>Period <b>${day(v.period.from)}</b> → <b>${day(v.period.to)}</b> (${v.period.cycles} cycles with a NAV${v.period.unknownNavCycles ? `, ${v.period.unknownNavCycles} failed closed: NAV unknown` : ''})</span>` : '<span>No cycle with a NAV yet</span>'}</div></header>
<section class="card section" id="identity"><h2>Which run this is</h2>
${table(['strategy', 'parameters', 'limits', 'config hash', 'code version'], [[esc(id.strategy), `<code>${esc(JSON.stringify(id.params))}</code>`, `<code>${esc(JSON.stringify(id.limits))}</code>`, `<code>${esc(id.configHash.slice(0, 16))}</code>`, esc(id.codeVersion)]])}</section>
<section class="card section" id="pnl"><h2>P&amp;L and costs (in ${esc(b)})</h2>
${table(['start NAV', 'end NAV', 'P&L', 'net APY', 'costs paid', 'queue opportunity cost'], [[amt(v.pnl.startNav, b), amt(v.pnl.endNav, b), amt(v.pnl.pnlBase, b), pct(v.pnl.netApy), amt(v.costs.totalBase, b, 6), v.costs.queueOpportunityBase === 'not measurable' ? pct('not measurable') : amt(v.costs.queueOpportunityBase, b, 6)]])}
<p class="sub">Costs paid, by kind of action (each fill's cost: fees, price impact, the discount given up selling below fair, and gas, as the executor journaled them). Queue opportunity cost = value in redemption queues × the benchmark's APY over the time it waited.</p>
${table(['gas', 'fees and price impact', 'sold below fair (− = bought below fair)', 'net of all three', 'queue opportunity cost'], [[v.costs.split ? amt(v.costs.split.gas, b, 6) : pct('not measurable'), v.costs.split ? amt(v.costs.split.feesAndImpact, b, 6) : pct('not measurable'), v.costs.split ? amt(v.costs.split.belowFair, b, 6) : pct('not measurable'), v.costs.split ? amt(v.costs.split.gas + v.costs.split.feesAndImpact + v.costs.split.belowFair, b, 6) : pct('not measurable'), v.costs.queueOpportunityBase === 'not measurable' ? pct('not measurable') : amt(v.costs.queueOpportunityBase, b, 6)]])}
${table(['action', 'fills', `cost (${b})`], v.costs.byKind.map((c) => [esc(c.kind), String(c.fills), c.costBase.toFixed(6)]))}</section>
<section class="card section" id="monthly"><h2>Monthly returns</h2>
${table(['month', 'vault', `benchmark${v.benchmark ? ` (${v.benchmark.asset})` : ''}`], v.monthly.map((m) => [esc(m.month), pct(m.return), pct(m.benchmark)]))}</section>
<section class="card section" id="rolling"><h2>Rolling 30-day APY against the benchmark</h2>
${svgLines([{ name: 'vault NAV (normalized)', points: norm(series.nav) }, { name: `benchmark ${v.benchmark?.asset ?? ''} (normalized)`, points: norm(benchInPeriod) }], 'NAV against the benchmark')}
${table(['month end', 'vault APY (30 d)', 'benchmark APY (30 d)'], v.rolling.map((r) => [day(r.t), pct(r.apy), pct(r.benchmarkApy)]))}</section>
<section class="card section" id="queued"><h2>Capital locked in redemption queues</h2>
<p class="sub">Largest share of NAV queued: ${pct(v.queued.maxFraction)}; average ${pct(v.queued.meanFraction)}.</p>
${svgLines([{ name: 'queued share of NAV', points: series.queuedFraction }], 'queued share of NAV over time')}
${table(['month', `largest queued (${b})`, 'largest share of NAV'], v.queued.byMonth.filter((m) => m.maxBase > 0).map((m) => [esc(m.month), m.maxBase.toFixed(4), pct(m.maxFraction)]))}</section>
<section class="card section" id="benchmark"><h2>Benchmark</h2>
${v.benchmark ? table(['asset', 'APY over the period', 'max drawdown (held at market, else at fair)', 'market drawdown', 'largest depeg'], [[esc(v.benchmark.asset), pct(v.benchmark.apy), pct(v.benchmark.maxDrawdown), pct(v.benchmark.marketDrawdown), pct(v.benchmark.depegMax)]]) : '<p class="empty">The vault names no benchmark.</p>'}
<p class="sub">"not measurable": the data cannot say (no market prices recorded, or too short a window); it is not 0 %.</p></section>
<section class="card section" id="limits"><h2>Limits that bound</h2>
${v.bindingLimits.length === 0 && id.mode === 'backtest' ? '<p class="empty">A backtest keeps no per-decision rationale: run the same period in paper mode and use <code>report --journal</code> for the limits that bound.</p>' : table(['limit', 'cycles it bound', 'first', 'last'], v.bindingLimits.map((l) => [esc(l.limit), String(l.cycles), day(l.first), day(l.last)]))}</section>
</main></body></html>
`;
}
