import { esc, measuredPct } from './html-util.js';
import type { OperatorView } from './operator-view.js';

/**
 * The operator sections of the report, the same from a backtest and from a journal: which run, P&L and
 * costs in parts, monthly returns, rolling APY against the benchmark, queued capital, the benchmark's
 * drawdown, the limits that bound. Charts are canvases the page script fills; a chart with nothing to
 * show is replaced by "not measurable" and the reason.
 */

type Amount = number | 'not measurable' | 'not split';
const NA = (why = 'not measurable') => `<span class="na">${esc(why)}</span>`;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);

function amt(x: Amount, base: string, places = 6): string {
  return typeof x === 'number' ? `${x.toFixed(places)} ${esc(base)}` : NA(x);
}

function table(id: string, head: readonly string[], rows: readonly string[][], empty = 'none'): string {
  if (rows.length === 0) return `<p class="empty">${esc(empty)}</p>`;
  return `<div class="table-wrap"><table id="${id}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
}

function chart(id: string, label: string, has: boolean, why: string | undefined): string {
  if (!has) return `<p class="empty" id="${id}-na">not measurable: ${esc(why ?? 'no data in this period')}</p>`;
  return `<div class="chart-box short"><canvas id="${id}" role="img" aria-label="${esc(label)}"></canvas></div>`;
}

function section(id: string, title: string, body: string): string {
  return `<section class="card section" id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h">${esc(title)}</h2>${body}</section>`;
}

export function operatorSections(v: OperatorView): string {
  const id = v.identity;
  const b = v.baseAsset;
  const c = v.costs;
  const why = (k: string) => (v.why[k] ? `<p class="sub why">${esc(v.why[k] as string)}</p>` : '');
  const bench = v.benchmark;
  const netCosts = typeof c.gas === 'number' && typeof c.feeAndSlippage === 'number' && typeof c.depeg === 'number' ? c.gas + c.feeAndSlippage + c.depeg : 'not measurable';
  return [
    section(
      'identity',
      'Which run this is',
      `<p class="sub">Mode <b>${esc(id.mode)}</b> · ${id.runs} run${id.runs === 1 ? '' : 's'}${v.period ? ` · ${day(v.period.from)} → ${day(v.period.to)}, ${v.period.cycles} cycles with a NAV${v.period.unknownNavCycles ? `, ${v.period.unknownNavCycles} failed closed (NAV unknown)` : ''}` : ' · no cycle with a NAV yet'}</p>` +
        table('identity-table', ['strategy', 'parameters', 'limits', 'config hash', 'code version'], [[esc(id.strategy), `<code>${esc(JSON.stringify(id.params))}</code>`, `<code>${esc(JSON.stringify(id.limits))}</code>`, `<code>${esc(id.configHash.slice(0, 16))}</code>`, esc(id.codeVersion)]]),
    ),
    section(
      'pnl',
      `P&L and costs (in ${b})`,
      table('pnl-table', ['start NAV', 'end NAV', 'P&L', 'net APY'], [[amt(v.pnl.startNav, b, 4), amt(v.pnl.endNav, b, 4), amt(v.pnl.pnlBase, b, 4), measuredPct(v.pnl.netApy)]]) +
        `<p class="sub">Every fill's cost against fair value, in parts: gas; the venue's stated fee (protocol fee, pool fee tier); slippage (price impact: the rest of the gap to the quote); depeg discount (the route's price against fair: a sale below fair gives it up, a buy below fair gains it, shown negative); and the queue's opportunity cost (value waiting in redemption queues × the benchmark's APY over the wait).</p>` +
        table('cost-split', ['gas', 'fees', 'slippage', 'depeg discount', 'queue opportunity cost', 'net of fills'], [[amt(c.gas, b), amt(c.fee, b), amt(c.slippage, b), amt(c.depeg, b), amt(c.queueOpportunityBase, b), amt(netCosts, b)]]) +
        (c.fee === 'not split' && typeof c.feeAndSlippage === 'number' ? `<p class="sub">Fees and slippage together: ${amt(c.feeAndSlippage, b)} (not split).</p>` : '') +
        why('costs') +
        why('queue') +
        table('cost-kinds', ['action', 'fills', `net cost (${b})`], c.byKind.map((k) => [esc(k.kind), String(k.fills), k.costBase.toFixed(6)]), 'no fills'),
    ),
    section(
      'monthly',
      'Monthly returns',
      chart('monthly-chart', 'monthly returns against the benchmark', v.monthly.length > 0, 'no whole month after the first cycle') +
        table('monthly-table', ['month', 'vault', `benchmark${bench ? ` (${bench.asset})` : ''}`], v.monthly.map((m) => [esc(m.month), measuredPct(m.return), measuredPct(m.benchmark)])),
    ),
    section(
      'rolling',
      'Rolling 30-day APY against the benchmark',
      chart('rolling-chart', 'rolling 30-day APY', v.charts.rollingApy.some(([, a, x]) => a !== null || x !== null), v.why.rolling) +
        why('rolling') +
        table('rolling-table', ['month end', 'vault APY (30 d)', 'benchmark APY (30 d)'], v.rolling.map((r) => [day(r.t), measuredPct(r.apy), measuredPct(r.benchmarkApy)])),
    ),
    section(
      'queued',
      'Capital locked in redemption queues',
      `<p class="sub">Largest share of NAV queued: ${measuredPct(v.queued.maxFraction)}; average ${measuredPct(v.queued.meanFraction)}.</p>` +
        chart('queued-chart', 'queued capital over time', v.charts.queued.length > 0, 'no cycle with a NAV') +
        table('queued-table', ['month', `largest queued (${b})`, 'largest share of NAV'], v.queued.byMonth.filter((m) => m.maxBase > 0).map((m) => [esc(m.month), m.maxBase.toFixed(4), measuredPct(m.maxFraction)]), 'nothing was queued'),
    ),
    section(
      'benchmark',
      `Benchmark${bench ? `: hold ${bench.asset}` : ''}`,
      (bench
        ? table('benchmark-table', ['asset', 'APY over the period', `max drawdown (held at ${bench.heldAt})`, 'market drawdown', 'largest depeg'], [[esc(bench.asset), measuredPct(bench.apy), measuredPct(bench.maxDrawdown), measuredPct(bench.marketDrawdown), measuredPct(bench.depegMax)]])
        : '') +
        why('benchmark') +
        chart('benchmark-dd-chart', "the benchmark's drawdown", v.charts.benchmarkDrawdown.length > 1, v.why.benchmark) +
        '<p class="sub">"not measurable": the data cannot say (no market prices recorded, or too short a window); it is not 0 %.</p>',
    ),
    section(
      'limits',
      'Limits that bound, over time',
      chart('limits-chart', 'limits that bound over time', v.charts.binding.length > 0, v.why.limits ?? 'no limit bound a decision in this period') +
        table('limits-table', ['limit', 'cycles it bound', 'first', 'last'], v.bindingLimits.map((l) => [esc(l.limit), String(l.cycles), day(l.first), day(l.last)]), v.why.limits ? `not measurable: ${v.why.limits}` : 'no limit bound a decision'),
    ),
  ].join('\n');
}
