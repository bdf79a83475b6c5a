import { chartJsSource, CSP, esc, fmtDays, fmtTime, jsonForScript } from './html-util.js';
import { operatorSections } from './render-operator-sections.js';
import { allocationSub, chartCard, eventsBlock, kpis, lookaheadLine, primarySeries, resultsTable, riskChartHeight, riskTable } from './render-strategy-sections.js';
import type { ReportModel } from './report-model.js';
import { REPORT_CSS, REPORT_SCRIPT } from './report-page.js';
import { buildView } from './report-view.js';

export { chartJsSource, esc, jsonForScript } from './html-util.js';
export { buildView, type ReportView } from './report-view.js';

/**
 * The report as one self-contained HTML document, from a backtest or a paper/live journal alike: Chart.js
 * (UMD build) and the page's own script and styles are inlined, the model is embedded as JSON, and a
 * Content-Security-Policy forbids the page from loading anything at all. Tables are rendered here; charts
 * are built in the browser from the JSON.
 */
export function renderReport(model: ReportModel): string {
  const view = buildView(model);
  const primary = primarySeries(model);
  const title = model.title || 'Report';
  const fromJournal = model.source !== 'backtest';
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
    <span>Source <b>${esc(model.source)}</b></span>
    <span>Vault <b>${esc(model.vault)}</b></span>
    <span>Chain <b>${esc(model.chain)}</b></span>
    <span>Base asset <b>${esc(model.baseAsset)}</b></span>
    <span>Period <b>${esc(fmtTime(model.from))}</b> → <b>${esc(fmtTime(model.to))}</b> (${esc(fmtDays(model.to - model.from))})</span>
    <span>Primary strategy <b>${esc(model.primary.name)}</b></span>
  </div>
</header>
${kpis(model, primary)}
${model.operator ? operatorSections(model.operator) : '<p class="status warn" id="operator-missing">The operator sections were not computed for this report.</p>'}
<section class="card section" aria-labelledby="results-h">
  <h2 id="results-h">Results</h2>
  <p class="sub">One row per series. APYs are annualized and in ${esc(model.baseAsset)}; net is after every cost. Capture = net APY ÷ the foresight ceiling's (the best path under the same limits and costs)${fromJournal ? '; not measurable from a journal' : ''}.</p>
  ${resultsTable(model, view)}
</section>
<div class="grid section">
  ${chartCard('nav-chart', fromJournal ? 'NAV against the benchmark' : 'NAV against the baselines and the ceiling', 'Every series normalized to 1.00 at the start. Strategies solid and bold, baselines thin, the buy-and-hold benchmark dotted, the foresight ceiling dashed.', 'wide', 'tall')}
  ${chartCard('drawdown-chart', `Drawdown: ${model.primary.name}`, 'Fall of NAV from its running peak, in the base asset.', 'wide', 'short')}
  ${chartCard('allocation-chart', `Allocation over time: ${model.primary.name}`, allocationSub(model, view), '', '')}
  ${chartCard('yields-chart', 'Asset yields', 'Each asset\u2019s yield estimate (APY) as the keeper saw it at each decision.', '', '')}
  ${chartCard('timeline-chart', fromJournal ? 'Breaker events and fills' : 'Breaker events and large actions', 'Hover a marker for what happened.', 'wide', 'short', eventsBlock(model))}
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
<footer>Generated ${esc(model.generatedAt)} · restake-keeper report (${esc(model.source)}) · self-contained, works offline · charts by Chart.js</footer>
</main>
<script>${chartJsSource()}</script>
<script type="application/json" id="report-data">${jsonForScript(model)}</script>
<script type="application/json" id="report-view">${jsonForScript(view)}</script>
<script>${REPORT_SCRIPT}</script>
</body>
</html>
`;
}
