import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { AssetId } from '../domain/asset.js';
import type { ReportModel, ReportSeries } from './report-model.js';
import { REPORT_CSS, REPORT_SCRIPT } from './report-page.js';

/**
 * The backtest report as one self-contained HTML document: Chart.js (UMD build) and the page's own script
 * and styles are inlined, the model is embedded as JSON, and a Content-Security-Policy forbids the page
 * from loading anything at all. Tables are rendered here; charts are built in the browser from the JSON.
 */
export function renderReport(model: ReportModel): string {
  const view = buildView(model);
  const primary = primarySeries(model);
  const title = model.title || 'Backtest report';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header class="page">
  <h1>${esc(title)}</h1>
  <div class="meta">
    <span>Vault <b>${esc(model.vault)}</b></span>
    <span>Chain <b>${esc(model.chain)}</b></span>
    <span>Base asset <b>${esc(model.baseAsset)}</b></span>
    <span>Period <b>${esc(fmtTime(model.from))}</b> → <b>${esc(fmtTime(model.to))}</b> (${esc(fmtDays(model.to - model.from))})</span>
    <span>Primary strategy <b>${esc(model.primary.name)}</b></span>
  </div>
</header>
${kpis(model, primary)}
<section class="card" aria-labelledby="results-h">
  <h2 id="results-h">Results</h2>
  <p class="sub">One row per series. APYs are annualized and in ${esc(model.baseAsset)}; net is after every cost. Capture = net APY ÷ the foresight ceiling's (the best path under the same limits and costs).</p>
  ${resultsTable(model, view)}
</section>
<div class="grid section">
  ${chartCard('nav-chart', 'NAV against the baselines and the ceiling', 'Every series normalized to 1.00 at the start. Strategies solid and bold, baselines thin, the buy-and-hold benchmark dotted, the foresight ceiling dashed.', 'wide', 'tall')}
  ${chartCard('drawdown-chart', `Drawdown: ${model.primary.name}`, 'Fall of NAV from its running peak, in the base asset.', 'wide', 'short')}
  ${chartCard('allocation-chart', `Allocation over time: ${model.primary.name}`, allocationSub(model, view), '', '')}
  ${chartCard('yields-chart', 'Asset yields', 'Each asset\u2019s yield estimate (APY) as the keeper saw it at each decision.', '', '')}
  ${chartCard('timeline-chart', 'Breaker events and large actions', 'Hover a marker for what happened.', 'wide', 'short', eventsBlock(model))}
  ${chartCard('risk-chart', 'Risk breakdown', 'Annual expected loss (Σ probability × severity) of each asset\u2019s stack at the end of the period, split by layer kind. Layers shared by several assets (same id) fail together.', 'wide', '', '', riskChartHeight(view))}
  <section class="card wide" aria-labelledby="risk-table-h">
    <h2 id="risk-table-h">Risk by asset</h2>
    <p class="sub">Contribution = time-weighted expected loss the primary strategy carried in the asset (Σ<sub>t</sub> w·EL / n).</p>
    ${riskTable(model, view)}
  </section>
</div>
<section class="card section" aria-labelledby="notes-h">
  <h2 id="notes-h">Notes</h2>
  ${model.notes.length ? `<ul class="notes">${model.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '<p class="empty">No notes.</p>'}
  ${lookaheadLine(model)}
</section>
<footer>Generated ${esc(model.generatedAt)} · restake-keeper backtest report · self-contained, works offline · charts by Chart.js</footer>
</main>
<script>${chartJsSource()}</script>
<script type="application/json" id="report-data">${jsonForScript(model)}</script>
<script type="application/json" id="report-view">${jsonForScript(view)}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}

/** Nothing may be fetched: inline scripts and styles only, images only as data: URLs. */
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** Escape text for HTML element content and attribute values. */
export function esc(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => ESC[c] as string);
}
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** JSON that is safe inside a <script> element: no `</script`, no `<!--`, no line separators JSON allows but old JS does not. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

let chartJsCache: string | undefined;

/** Chart.js's UMD build, read once from node_modules. Its package exports only module entry points, so the file is found next to the CJS one. */
export function chartJsSource(): string {
  if (chartJsCache !== undefined) return chartJsCache;
  const require = createRequire(import.meta.url);
  const file = join(dirname(require.resolve('chart.js')), 'chart.umd.js');
  let src: string;
  try {
    src = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read Chart.js UMD build at ${file} (is the chart.js@4 dependency installed?): ${(e as Error).message}`);
  }
  // The source map is not shipped with the report; a reference to it would only make devtools look for a file.
  src = src.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  // Inside a <script> element the parser ends at "</script" and treats "<!--" specially; neither occurs in the
  // minified build, but escape them so a future build cannot break the page (both only occur in string literals).
  src = src.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
  chartJsCache = src;
  return src;
}

// ---------------------------------------------------------------- presentation hints for the browser script

export interface ReportView {
  readonly xMin: number;
  readonly xMax: number;
  readonly assetColors: Record<AssetId, string>;
  /** Parallel to model.series. */
  readonly series: ReadonlyArray<{ color: string; width: number; dash: number[]; order: number }>;
  /** Assets drawn on the allocation chart (held at some time), largest average weight first. */
  readonly allocationAssets: readonly AssetId[];
  readonly yieldAssets: readonly AssetId[];
  /** Risk chart rows, largest expected loss first. */
  readonly riskAssets: readonly AssetId[];
  /** One stacked dataset per layer kind: its expected loss in each riskAssets row, and the layer ids behind it. */
  readonly riskKinds: ReadonlyArray<{ kind: string; color: string; values: number[]; layers: string[] }>;
}

/** Tableau-style categorical palette: distinct, calm, readable on white. */
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#499894', '#d37295', '#86bcb6', '#b6992d', '#a0cbe8', '#8cd17d', '#fabfd2'];
const BASE_ASSET_COLOR = '#9aa3ad';
const STRATEGY_COLORS = ['#1f4e8c', '#2a9d8f', '#7b4fa0', '#c2185b'];
const BASELINE_COLORS = ['#8c6d31', '#5b8e7d', '#a05195', '#6b7b8c', '#b5838d', '#3d7ea6'];
const BENCHMARK_COLOR = '#e8871e';
const CEILING_COLOR = '#3b3b3b';
/** DESIGN.md's layer kinds, bottom of the stack first. */
const LAYER_KINDS: ReadonlyArray<readonly [string, string]> = [
  ['base-chain', '#6b7b8c'],
  ['lst-protocol', '#4e79a7'],
  ['restaking-protocol', '#e15759'],
  ['services', '#f28e2b'],
  ['operators', '#edc948'],
  ['receipt-token', '#b07aa1'],
  ['money-market', '#59a14f'],
];

function hslColor(i: number): string {
  return `hsl(${Math.round((i * 137.508) % 360)}, 45%, 50%)`;
}

export function buildView(model: ReportModel): ReportView {
  const p = model.primary;
  const avg: Record<AssetId, number> = {};
  for (const r of p.allocation) for (const [a, w] of Object.entries(r.weights)) avg[a] = (avg[a] ?? 0) + w / Math.max(1, p.allocation.length);
  const held = Object.keys(avg).filter((a) => p.allocation.some((r) => (r.weights[a] ?? 0) > 1e-9));
  const allocationAssets = held.sort((a, b) => (avg[b] as number) - (avg[a] as number) || a.localeCompare(b));

  const yieldAssets: AssetId[] = [];
  for (const r of p.yields) for (const [a, y] of Object.entries(r.yields)) if (Number.isFinite(y) && !yieldAssets.includes(a)) yieldAssets.push(a);
  yieldAssets.sort((a, b) => rank(allocationAssets, a) - rank(allocationAssets, b) || a.localeCompare(b));

  const riskRows = [...p.risk].sort((a, b) => b.expectedLoss - a.expectedLoss || a.asset.localeCompare(b.asset));
  const riskAssets = riskRows.map((r) => r.asset);

  const assetColors: Record<AssetId, string> = {};
  let next = 0;
  const everyAsset = [...allocationAssets, ...Object.keys(avg), ...yieldAssets, ...riskAssets, ...Object.keys(p.riskContribution)];
  for (const a of everyAsset) {
    if (assetColors[a] !== undefined) continue;
    if (a === model.baseAsset) {
      assetColors[a] = BASE_ASSET_COLOR;
      continue;
    }
    assetColors[a] = PALETTE[next] ?? hslColor(next);
    next++;
  }

  const kinds: string[] = LAYER_KINDS.map(([k]) => k);
  for (const r of riskRows) for (const l of r.layers) if (!kinds.includes(l.kind)) kinds.push(l.kind);
  const riskKinds = kinds
    .filter((k) => riskRows.some((r) => r.layers.some((l) => l.kind === k)))
    .map((k, i) => ({
      kind: k,
      color: LAYER_KINDS.find(([kk]) => kk === k)?.[1] ?? hslColor(i + 3),
      values: riskRows.map((r) => r.layers.filter((l) => l.kind === k).reduce((s, l) => s + l.expectedLoss, 0)),
      layers: riskRows.map((r) => r.layers.filter((l) => l.kind === k).map((l) => l.layer).join(', ')),
    }));

  const count = { strategy: 0, baseline: 0 };
  const series = model.series.map((s, i) => {
    switch (s.kind) {
      case 'strategy': {
        const first = count.strategy++ === 0;
        return { color: STRATEGY_COLORS[(count.strategy - 1) % STRATEGY_COLORS.length] as string, width: first ? 2.75 : 2, dash: [], order: first ? 0 : 1 + i };
      }
      case 'baseline':
        return { color: BASELINE_COLORS[count.baseline++ % BASELINE_COLORS.length] as string, width: 1.5, dash: [], order: 20 + i };
      case 'benchmark':
        return { color: BENCHMARK_COLOR, width: 2, dash: [2, 3], order: 40 + i };
      case 'ceiling':
        return { color: CEILING_COLOR, width: 1.5, dash: [7, 4], order: 60 + i };
    }
  });

  let xMin = model.from;
  let xMax = model.to;
  const see = (t: number) => {
    if (!Number.isFinite(t)) return;
    xMin = Number.isFinite(xMin) ? Math.min(xMin, t) : t;
    xMax = Number.isFinite(xMax) ? Math.max(xMax, t) : t;
  };
  for (const s of model.series) for (const [t] of s.nav) see(t);
  for (const r of p.allocation) see(r.t);
  for (const e of p.events) see(e.t);
  if (!(xMax > xMin)) xMax = xMin + 86_400_000;

  return { xMin, xMax, assetColors, series, allocationAssets, yieldAssets, riskAssets, riskKinds };
}

function rank(order: readonly string[], a: string): number {
  const i = order.indexOf(a);
  return i < 0 ? order.length : i;
}

// ---------------------------------------------------------------- formatting (fractions become percents only here and in the page script)

function pct(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const v = x * 100;
  // Avoid "-0.00%".
  const s = Math.abs(v) < 0.5 * 10 ** -digits ? (0).toFixed(digits) : v.toFixed(digits);
  return `${s}%`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function fmtTime(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return d.getUTCHours() === 0 && d.getUTCMinutes() === 0 ? day : `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

function fmtDays(ms: number): string {
  const days = ms / 86_400_000;
  return Number.isFinite(days) ? `${days >= 10 ? Math.round(days) : days.toFixed(1)} days` : '—';
}

function numCell(text: string, cls = ''): string {
  const na = text === '—' ? ' na' : '';
  return `<td class="num${cls ? ` ${cls}` : ''}${na}">${esc(text)}</td>`;
}

// ---------------------------------------------------------------- sections

function primarySeries(model: ReportModel): ReportSeries | undefined {
  return model.series.find((s) => s.name === model.primary.name && s.kind === 'strategy') ?? model.series.find((s) => s.kind === 'strategy');
}

function kpis(model: ReportModel, p: ReportSeries | undefined): string {
  if (!p) return '';
  const m = p.metrics;
  const bench = model.series.find((s) => s.kind === 'benchmark');
  const card = (k: string, v: string, d: string, cls = '') => `<div class="kpi${cls ? ` ${cls}` : ''}"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div><div class="d">${esc(d)}</div></div>`;
  const cards = [card('Net APY', pct(p.netApy), m ? `gross ${pct(m.grossApy)} · drag ${pct(m.costDrag)}` : 'after costs')];
  if (bench) {
    const bp = (p.netApy - bench.netApy) * 10_000;
    cards.push(card('vs benchmark', bench.noData ? 'no data' : Number.isFinite(bp) ? `${bp >= 0 ? '+' : ''}${bp.toFixed(0)} bp` : '—', `${bench.name}: ${bench.noData ? 'no data' : pct(bench.netApy)}`));
  }
  cards.push(card('Capture of ceiling', pct(p.captureRatio, 1), 'net APY ÷ ceiling\u2019s'));
  cards.push(card('Max drawdown', pct(p.maxDrawdown, 2), 'peak to trough'));
  if (m) {
    cards.push(card('Expected loss', pct(m.expectedLoss, 3), 'per year, time-weighted'));
    cards.push(card('Breaker events', String(m.breakerEvents), `${m.haltedSteps} halted step${m.haltedSteps === 1 ? '' : 's'}`, m.breakerEvents > 0 ? '' : 'good'));
    cards.push(card('Limit breaches', String(m.limitBreaches), m.limitBreaches > 0 ? 'must be zero' : 'none: caps held', m.limitBreaches > 0 ? 'bad' : 'good'));
    cards.push(card('Actions', String(m.actions), `${m.failedActions} failed · turnover ${fmtTurnover(m.turnover)}`, m.failedActions > 0 ? 'bad' : ''));
  }
  return `<section class="kpis" aria-label="Primary strategy summary">${cards.join('')}</section>`;
}

function fmtTurnover(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×/yr` : '—';
}

function resultsTable(model: ReportModel, view: ReportView): string {
  const head = ['Series', 'Kind', 'Net APY', 'Max DD', 'Capture', 'Gross APY', 'Cost drag', 'Turnover', 'Actions', 'Exp. loss/yr', 'Breakers', 'Limit breaches', 'Time in asset'];
  const numeric = new Set(head.slice(2, 12));
  const primary = primarySeries(model);
  const rows = model.series.map((s, i) => {
    const st = view.series[i];
    const swatch = st ? `<span class="swatch" style="border-top-color:${st.color};border-top-style:${st.dash.length === 0 ? 'solid' : st.dash[0] as number <= 2 ? 'dotted' : 'dashed'}"></span>` : '';
    const m = s.kind === 'strategy' || s.kind === 'baseline' ? s.metrics : undefined;
    const cells = [
      `<td class="name">${swatch}${esc(s.name)}</td>`,
      `<td><span class="kind ${esc(s.kind)}">${esc(s.kind)}</span></td>`,
      numCell(s.noData ? 'no data' : pct(s.netApy)),
      numCell(pct(s.maxDrawdown)),
      numCell(s.kind === 'ceiling' ? '—' : pct(s.captureRatio, 1)),
      numCell(m ? pct(m.grossApy) : '—'),
      numCell(m ? pct(m.costDrag) : '—'),
      numCell(m ? fmtTurnover(m.turnover) : '—'),
      numCell(m ? `${m.actions}${m.failedActions > 0 ? ` (${m.failedActions} failed)` : ''}` : '—'),
      numCell(m ? pct(m.expectedLoss, 3) : '—'),
      numCell(m ? String(m.breakerEvents) : '—'),
      numCell(m ? String(m.limitBreaches) : '—', m && m.limitBreaches > 0 ? 'bad' : ''),
      `<td class="tia-cell">${m ? timeInAsset(m.timeInAsset, view) : '<span class="na">—</span>'}</td>`,
    ];
    return `<tr${s === primary ? ' class="primary"' : ''}>${cells.join('')}</tr>`;
  });
  return `<div class="table-wrap"><table id="results-table"><thead><tr>${head.map((h) => `<th${numeric.has(h) ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function timeInAsset(time: Readonly<Record<AssetId, number>>, view: ReportView): string {
  const entries = Object.entries(time)
    .filter(([, w]) => Number.isFinite(w) && w > 0)
    .sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) return '<span class="na">—</span>';
  const color = (a: string) => view.assetColors[a] ?? '#888888';
  const bar = entries.map(([a, w]) => `<span style="width:${Math.min(100, w * 100).toFixed(2)}%;background:${color(a)}" title="${esc(a)} ${esc(pct(w, 1))}"></span>`).join('');
  const shown = entries.filter(([, w]) => w >= 0.005);
  const rest = entries.length - shown.length;
  const text = shown.map(([a, w]) => `<span><i class="dot" style="background:${color(a)}"></i>${esc(a)} ${esc(pct(w, 1))}</span>`).join('');
  return `<div class="bar">${bar}</div><div class="tia">${text}${rest > 0 ? `<span>+${rest} under 0.5%</span>` : ''}</div>`;
}

function chartCard(id: string, title: string, sub: string, cardCls: string, boxCls: string, after = '', heightPx?: number): string {
  const style = heightPx === undefined ? '' : ` style="height:${Math.round(heightPx)}px"`;
  return `<section class="card${cardCls ? ` ${cardCls}` : ''}" aria-labelledby="${id}-h">
    <h2 id="${id}-h">${esc(title)}</h2>
    <p class="sub">${esc(sub)}</p>
    <div class="chart-box${boxCls ? ` ${boxCls}` : ''}"${style}><canvas id="${id}" role="img" aria-label="${esc(title)}"></canvas></div>${after}
  </section>`;
}

/** Room for one bar per asset plus the legend and axis. */
function riskChartHeight(view: ReportView): number {
  return Math.min(520, Math.max(180, 90 + 26 * view.riskAssets.length));
}

function allocationSub(model: ReportModel, view: ReportView): string {
  const keys = new Set<string>();
  for (const r of model.primary.allocation) for (const a of Object.keys(r.weights)) keys.add(a);
  const never = keys.size - view.allocationAssets.length;
  return `Share of NAV in each asset at each decision, stacked to 100%.${never > 0 ? ` ${never} asset${never === 1 ? '' : 's'} never held ${never === 1 ? 'is' : 'are'} left out.` : ''}`;
}

function eventsBlock(model: ReportModel): string {
  const ev = model.primary.events;
  if (ev.length === 0) return '<p class="empty">No breaker events or large actions in the period.</p>';
  const breakers = ev.filter((e) => e.kind === 'breaker').length;
  const rows = ev
    .map((e) => `<tr><td class="num">${esc(fmtTime(e.t))}</td><td class="${e.kind === 'breaker' ? 'ev-breaker' : ''}">${e.kind === 'breaker' ? 'breaker' : 'action'}</td><td>${esc(e.label)}</td><td class="detail">${esc(e.detail)}</td></tr>`)
    .join('');
  return `<details${ev.length <= 12 ? ' open' : ''}><summary>All ${ev.length} events (${breakers} breaker, ${ev.length - breakers} action)</summary><div class="table-wrap"><table id="events-table"><thead><tr><th class="num">Time</th><th>Kind</th><th>What</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table></div></details>`;
}

function riskTable(model: ReportModel, view: ReportView): string {
  const p = model.primary;
  const byAsset = new Map(p.risk.map((r) => [r.asset, r] as const));
  const assets = [...view.riskAssets, ...Object.keys(p.riskContribution).filter((a) => !byAsset.has(a))];
  if (assets.length === 0) return '<p class="empty">No risk rows.</p>';
  let total = 0;
  const rows = assets.map((a) => {
    const r = byAsset.get(a);
    const c = p.riskContribution[a];
    if (c !== undefined && Number.isFinite(c)) total += c;
    const layers = r && r.layers.length > 0
      ? r.layers.map((l) => `<span title="${esc(`${l.kind}; P(any failure) ${pct(l.probability, 3)}/yr`)}">${esc(l.layer)} ${esc(pct(l.expectedLoss, 3))}</span>`).join(' · ')
      : '<span class="na">no layers</span>';
    return `<tr><td class="name"><i class="dot" style="background:${view.assetColors[a] ?? '#888888'}"></i>${esc(a)}</td>${numCell(r ? pct(r.expectedLoss, 3) : '—')}${numCell(r ? pct(r.lossProbability, 2) : '—')}${numCell(c === undefined ? '—' : pct(c, 4))}<td class="detail">${layers}</td></tr>`;
  });
  return `<div class="table-wrap"><table id="risk-table"><thead><tr><th>Asset</th><th class="num">Exp. loss/yr</th><th class="num">P(loss)/yr</th><th class="num">Contribution</th><th>Layers (expected loss)</th></tr></thead><tbody>${rows.join('')}</tbody><tfoot><tr><th>Total</th><th></th><th></th><th class="num">${esc(pct(total, 4))}</th><th></th></tr></tfoot></table></div>`;
}

function lookaheadLine(model: ReportModel): string {
  const l = model.lookahead;
  if (!l) return '<p class="status warn" id="lookahead">Lookahead check: not run for this report.</p>';
  return `<p class="status" id="lookahead">Lookahead check passed: ${esc(l.checkpoints)} checkpoint${l.checkpoints === 1 ? '' : 's'}, ${esc(l.decisionsCompared)} decisions compared with history after each checkpoint removed; none changed.</p>`;
}
