import type { AssetId } from '../domain/asset.js';
import type { BacktestMetrics } from '../backtest/metrics.js';
import { esc, fmtTime, numCell, pct } from './html-util.js';
import type { ReportModel, ReportSeries } from './report-model.js';
import type { ReportView } from './report-view.js';

/** The strategy sections of the report: headline figures, the results table, chart cards, events, risk, lookahead. */

export function primarySeries(model: ReportModel): ReportSeries | undefined {
  return model.series.find((s) => s.name === model.primary.name && s.kind === 'strategy') ?? model.series.find((s) => s.kind === 'strategy');
}

export function kpis(model: ReportModel, p: ReportSeries | undefined): string {
  if (!p) return '';
  const m = p.metrics;
  const nm = (k: keyof BacktestMetrics, text: string) => (p.unmeasured?.[k] !== undefined ? 'not measurable' : text);
  const bench = model.series.find((s) => s.kind === 'benchmark');
  const card = (k: string, v: string, d: string, cls = '') => `<div class="kpi${cls ? ` ${cls}` : ''}"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div><div class="d">${esc(d)}</div></div>`;
  const cards = [card('Net APY', p.noData ? 'not measurable' : pct(p.netApy), m ? `gross ${nm('grossApy', pct(m.grossApy))} · drag ${nm('costDrag', pct(m.costDrag))}` : 'after costs')];
  if (bench) {
    const bp = (p.netApy - bench.netApy) * 10_000;
    cards.push(card('vs benchmark', bench.noData || p.noData ? 'not measurable' : Number.isFinite(bp) ? `${bp >= 0 ? '+' : ''}${bp.toFixed(0)} bp` : '—', `${bench.name}: ${bench.noData ? 'not measurable' : pct(bench.netApy)}`));
  }
  cards.push(card('Capture of ceiling', pct(p.captureRatio, 1), 'net APY ÷ ceiling\u2019s'));
  cards.push(card('Max drawdown', pct(p.maxDrawdown, 2), 'peak to trough'));
  if (m) {
    const why = p.unmeasured ?? {};
    cards.push(card('Expected loss', nm('expectedLoss', pct(m.expectedLoss, 3)), why.expectedLoss ?? 'per year, time-weighted'));
    cards.push(card('Breaker events', nm('breakerEvents', String(m.breakerEvents)), why.breakerEvents ?? `${m.haltedSteps} halted step${m.haltedSteps === 1 ? '' : 's'}`, why.breakerEvents || m.breakerEvents > 0 ? '' : 'good'));
    if (why.limitBreaches !== undefined) cards.push(card('Limit breaches', 'not measurable', why.limitBreaches));
    else cards.push(card('Limit breaches', String(m.limitBreaches), m.limitBreaches > 0 ? 'must be zero' : 'none: caps held', m.limitBreaches > 0 ? 'bad' : 'good'));
    cards.push(card('Actions', String(m.actions), `${m.failedActions} failed · turnover ${nm('turnover', fmtTurnover(m.turnover))}`, m.failedActions > 0 ? 'bad' : ''));
  }
  return `<section class="kpis" aria-label="Primary strategy summary">${cards.join('')}</section>`;
}

function fmtTurnover(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}×/yr` : '—';
}

export function resultsTable(model: ReportModel, view: ReportView): string {
  const head = ['Series', 'Kind', 'Net APY', 'Max DD', 'Capture', 'Gross APY', 'Cost drag', 'Turnover', 'Actions', 'Exp. loss/yr', 'Breakers', 'Limit breaches', 'Time in asset'];
  const numeric = new Set(head.slice(2, 12));
  const primary = primarySeries(model);
  const rows = model.series.map((s, i) => {
    const st = view.series[i];
    const swatch = st ? `<span class="swatch" style="border-top-color:${st.color};border-top-style:${st.dash.length === 0 ? 'solid' : st.dash[0] as number <= 2 ? 'dotted' : 'dashed'}"></span>` : '';
    const m = s.kind === 'strategy' || s.kind === 'baseline' ? s.metrics : undefined;
    // A metric the source cannot give reads "not measurable", its reason on hover and under the table.
    const na = (k: keyof BacktestMetrics) => (m && s.unmeasured?.[k] !== undefined ? s.unmeasured[k] : undefined);
    const cell = (k: keyof BacktestMetrics, text: () => string, cls = '') => {
      const why = na(k);
      return why !== undefined ? `<td class="num na" title="${esc(why)}">not measurable</td>` : numCell(m ? text() : '—', cls);
    };
    const cells = [
      `<td class="name">${swatch}${esc(s.name)}</td>`,
      `<td><span class="kind ${esc(s.kind)}">${esc(s.kind)}</span></td>`,
      s.noData ? `<td class="num na"${s.noDataWhy ? ` title="${esc(s.noDataWhy)}"` : ''}>not measurable</td>` : numCell(pct(s.netApy)),
      numCell(s.noData && !Number.isFinite(s.maxDrawdown) ? 'not measurable' : pct(s.maxDrawdown)),
      numCell(s.kind === 'ceiling' ? '—' : pct(s.captureRatio, 1)),
      cell('grossApy', () => pct(m?.grossApy)),
      cell('costDrag', () => pct(m?.costDrag)),
      cell('turnover', () => fmtTurnover(m?.turnover ?? Number.NaN)),
      cell('actions', () => `${m?.actions}${m && m.failedActions > 0 ? ` (${m.failedActions} failed)` : ''}`),
      cell('expectedLoss', () => pct(m?.expectedLoss, 3)),
      cell('breakerEvents', () => String(m?.breakerEvents)),
      cell('limitBreaches', () => String(m?.limitBreaches), m && m.limitBreaches > 0 && !na('limitBreaches') ? 'bad' : ''),
      na('timeInAsset') !== undefined ? `<td class="tia-cell na" title="${esc(na('timeInAsset') as string)}">not measurable</td>` : `<td class="tia-cell">${m ? timeInAsset(m.timeInAsset, view) : '<span class="na">—</span>'}</td>`,
    ];
    return `<tr${s === primary ? ' class="primary"' : ''}>${cells.join('')}</tr>`;
  });
  const reasons = model.series.flatMap((s) => {
    const by = new Map<string, string[]>();
    for (const [k, why] of Object.entries(s.unmeasured ?? {})) if (why !== undefined && s.metrics) by.set(why, [...(by.get(why) ?? []), METRIC_NAMES[k as keyof BacktestMetrics] ?? k]);
    return [...by].map(([why, names]) => `${s.name}: ${names.join(', ')} not measurable: ${why}.`);
  });
  const notes = reasons.length ? `<p class="sub" id="results-na">${reasons.map(esc).join('<br>')}</p>` : '';
  return `<div class="table-wrap"><table id="results-table"><thead><tr>${head.map((h) => `<th${numeric.has(h) ? ' class="num"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>${notes}`;
}

const METRIC_NAMES: Partial<Record<keyof BacktestMetrics, string>> = { netApy: 'net APY', grossApy: 'gross APY', costDrag: 'cost drag', totalCost: 'total cost', turnover: 'turnover', timeInAsset: 'time in asset', expectedLoss: 'expected loss', breakerEvents: 'breaker events', limitBreaches: 'limit breaches' };

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

export function chartCard(id: string, title: string, sub: string, cardCls: string, boxCls: string, after = '', heightPx?: number): string {
  const style = heightPx === undefined ? '' : ` style="height:${Math.round(heightPx)}px"`;
  return `<section class="card${cardCls ? ` ${cardCls}` : ''}" aria-labelledby="${id}-h">
    <h2 id="${id}-h">${esc(title)}</h2>
    <p class="sub">${esc(sub)}</p>
    <div class="chart-box${boxCls ? ` ${boxCls}` : ''}"${style}><canvas id="${id}" role="img" aria-label="${esc(title)}"></canvas></div>${after}
  </section>`;
}

/** Room for one bar per asset plus the legend and axis. */
export function riskChartHeight(view: ReportView): number {
  return Math.min(520, Math.max(180, 90 + 26 * view.riskAssets.length));
}

export function allocationSub(model: ReportModel, view: ReportView): string {
  const keys = new Set<string>();
  for (const r of model.primary.allocation) for (const a of Object.keys(r.weights)) keys.add(a);
  const never = keys.size - view.allocationAssets.length;
  return `Share of NAV in each asset at each decision, stacked to 100%.${never > 0 ? ` ${never} asset${never === 1 ? '' : 's'} never held ${never === 1 ? 'is' : 'are'} left out.` : ''}`;
}

export function eventsBlock(model: ReportModel): string {
  const ev = model.primary.events;
  if (ev.length === 0) return '<p class="empty">No breaker events or large actions in the period.</p>';
  const breakers = ev.filter((e) => e.kind === 'breaker').length;
  const rows = ev
    .map((e) => `<tr><td class="num">${esc(fmtTime(e.t))}</td><td class="${e.kind === 'breaker' ? 'ev-breaker' : ''}">${e.kind === 'breaker' ? 'breaker' : 'action'}</td><td>${esc(e.label)}</td><td class="detail">${esc(e.detail)}</td></tr>`)
    .join('');
  return `<details${ev.length <= 12 ? ' open' : ''}><summary>All ${ev.length} events (${breakers} breaker, ${ev.length - breakers} action)</summary><div class="table-wrap"><table id="events-table"><thead><tr><th class="num">Time</th><th>Kind</th><th>What</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table></div></details>`;
}

export function riskTable(model: ReportModel, view: ReportView): string {
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

export function lookaheadLine(model: ReportModel): string {
  const l = model.lookahead;
  if (!l) return '<p class="status warn" id="lookahead">Lookahead check: not run for this report.</p>';
  return `<p class="status" id="lookahead">Lookahead check passed: ${esc(l.checkpoints)} checkpoint${l.checkpoints === 1 ? '' : 's'}, ${esc(l.decisionsCompared)} decisions compared with history after each checkpoint removed; none changed.</p>`;
}
