/**
 * The static parts of the backtest report page: its stylesheet and the small browser script that builds
 * the charts from the embedded JSON. Both are plain strings inlined by render-report.ts; the page loads
 * nothing from anywhere.
 *
 * The script is ES5-style browser JavaScript kept as text (not compiled TypeScript) so what ships is exactly
 * what is written here, whatever transpiler runs the TypeScript. It reads two JSON blocks:
 *  - #report-data: the ReportModel, unchanged (fractions stay fractions; percent formatting happens only in
 *    tick and tooltip callbacks);
 *  - #report-view: presentation hints computed in TypeScript (colours, line styles, which assets to draw).
 * It exposes window.__reportCharts (chart id → Chart instance) and sets window.__reportReady when done.
 */

export const REPORT_CSS = String.raw`
:root {
  --bg: #f4f5f7; --card: #ffffff; --ink: #1d232b; --muted: #5f6b7a; --line: #e1e5ea; --zebra: #f8f9fb;
  --accent: #1f4e8c; --bad: #b42318; --bad-bg: #fdecea; --good: #1a7f37; --good-bg: #e9f6ec; --warn: #9a6700;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif;
}
main { max-width: 1280px; margin: 0 auto; padding: 18px 20px 28px; }
header.page { margin-bottom: 12px; }
h1 { font-size: 21px; margin: 0 0 4px; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 14px; margin: 0 0 2px; font-weight: 650; }
.meta { color: var(--muted); display: flex; flex-wrap: wrap; gap: 4px 16px; }
.meta b { color: var(--ink); font-weight: 600; }
.sub { color: var(--muted); font-size: 12px; margin: 0 0 8px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(138px, 1fr)); gap: 8px; margin-bottom: 12px; }
.kpi { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
.kpi .k { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: 0.03em; }
.kpi .v { font-size: 19px; font-weight: 650; font-variant-numeric: tabular-nums; margin-top: 1px; }
.kpi .d { color: var(--muted); font-size: 11px; }
.kpi.bad { border-color: #f1b5ae; background: var(--bad-bg); }
.kpi.bad .v { color: var(--bad); }
.kpi.good .v { color: var(--good); }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; min-width: 0; }
.card.wide { grid-column: 1 / -1; }
.chart-box { position: relative; height: 260px; }
.chart-box.tall { height: 330px; }
.chart-box.short { height: 170px; }
.chart-box.err::after { content: attr(data-error); position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; color: var(--bad); }
.empty { color: var(--muted); font-style: italic; margin: 4px 0 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 7px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { text-align: left; font-weight: 600; color: var(--muted); background: #fafbfc; white-space: nowrap; font-size: 11px; }
td.num, th.num { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) td { background: var(--zebra); }
tr.primary td:first-child { font-weight: 650; }
td.name { white-space: nowrap; }
td.bad { color: var(--bad); font-weight: 650; }
td.na { color: #a0a8b3; }
.swatch { display: inline-block; width: 22px; height: 0; border-top-width: 3px; border-top-style: solid; vertical-align: middle; margin-right: 6px; }
.dot { display: inline-block; width: 8px; height: 8px; border-radius: 2px; margin-right: 3px; vertical-align: baseline; }
.kind { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; background: #eef1f5; color: var(--muted); }
.kind.strategy { background: #e3ecf8; color: var(--accent); }
.kind.benchmark { background: #fdf0e1; color: #9a5200; }
.kind.ceiling { background: #ececec; color: #444; }
td.tia-cell { min-width: 230px; }
.tia { display: flex; flex-wrap: wrap; gap: 0 10px; white-space: nowrap; font-size: 11px; }
.bar { display: flex; height: 5px; width: 140px; border-radius: 2px; overflow: hidden; background: #eef0f3; margin: 3px 0 2px; }
.bar span { display: block; height: 100%; }
details summary { cursor: pointer; color: var(--muted); margin-top: 6px; }
details table { margin-top: 4px; }
td.detail { color: var(--muted); }
td.detail span { white-space: nowrap; }
.ev-breaker { color: var(--bad); font-weight: 600; }
ul.notes { margin: 4px 0 0; padding-left: 20px; }
ul.notes li { margin: 2px 0; }
.status { margin: 6px 0 0; }
.status.warn { color: var(--warn); }
footer { color: var(--muted); font-size: 11px; margin-top: 12px; }
.section { margin-top: 12px; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
@media print {
  body { background: #fff; }
  .card, .kpi { break-inside: avoid; }
  main { max-width: none; padding: 0; }
}
`;

export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var charts = {};
  window.__reportCharts = charts;
  window.__reportReady = false;

  function readJson(id) {
    var el = document.getElementById(id);
    if (!el) throw new Error('missing data block #' + id);
    return JSON.parse(el.textContent || 'null');
  }
  var model = readJson('report-data');
  var view = readJson('report-view');
  if (typeof Chart === 'undefined') throw new Error('Chart.js did not load');

  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif';
  Chart.defaults.font.size = 11;
  Chart.defaults.color = '#4a5563';
  Chart.defaults.borderColor = '#e6e9ee';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.responsive = true;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.plugins.legend.labels.boxHeight = 12;
  Chart.defaults.plugins.tooltip.backgroundColor = 'rgba(29,35,43,0.92)';
  Chart.defaults.plugins.tooltip.padding = 8;

  // ---- formatting (the only place fractions become percents) ----
  var DAY = 864e5;
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function fmtDate(t) {
    var d = new Date(t);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate());
  }
  function fmtDateTime(t) {
    var d = new Date(t);
    return fmtDate(t) + ' ' + pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ' UTC';
  }
  function pct(x, digits) {
    if (x === null || x === undefined || !isFinite(x)) return '\u2014';
    return (x * 100).toFixed(digits === undefined ? 2 : digits) + '%';
  }
  function alpha(hex, a) {
    var h = hex.replace('#', '');
    if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    var n = parseInt(h, 16);
    return 'rgba(' + ((n >> 16) & 255) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }
  function wrap(text, width) {
    var words = String(text).split(/\s+/), lines = [], line = '';
    for (var i = 0; i < words.length; i++) {
      if (line && (line + ' ' + words[i]).length > width) { lines.push(line); line = words[i]; }
      else line = line ? line + ' ' + words[i] : words[i];
    }
    if (line) lines.push(line);
    return lines;
  }

  // ---- a date axis on a linear scale of epoch ms (no date adapter needed) ----
  var STEPS = [
    { ms: 36e5 }, { ms: 3 * 36e5 }, { ms: 6 * 36e5 }, { ms: 12 * 36e5 }, { ms: DAY }, { ms: 2 * DAY },
    { ms: 7 * DAY }, { ms: 14 * DAY }, { months: 1 }, { months: 2 }, { months: 3 }, { months: 6 },
    { months: 12 }, { months: 24 }, { months: 60 }
  ];
  function pickStep(span) {
    for (var i = 0; i < STEPS.length; i++) {
      var s = STEPS[i], approx = s.ms || s.months * 30.44 * DAY;
      if (span / approx <= 8) return s;
    }
    return STEPS[STEPS.length - 1];
  }
  function timeTicks(min, max) {
    var s = pickStep(max - min), out = [], v;
    if (!(max > min)) return [{ value: min }];
    if (s.ms) {
      for (v = Math.ceil(min / s.ms) * s.ms; v <= max && out.length < 200; v += s.ms) out.push({ value: v });
    } else {
      var d = new Date(min), y = d.getUTCFullYear(), m = d.getUTCMonth();
      if (Date.UTC(y, m, 1) < min) m += 1;
      m = Math.ceil(m / s.months) * s.months;
      for (v = Date.UTC(y, m, 1); v <= max && out.length < 200; m += s.months, v = Date.UTC(y, m, 1)) out.push({ value: v });
    }
    return out;
  }
  function tickLabel(v, span) {
    var s = pickStep(span), d = new Date(v);
    if (s.ms && s.ms < DAY) return pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' + pad(d.getUTCHours()) + ':00';
    if (s.ms) return fmtDate(v);
    return MONTHS[d.getUTCMonth()] + ' ' + d.getUTCFullYear();
  }
  var X_MIN = view.xMin, X_MAX = view.xMax;
  function timeAxis(showTitle) {
    return {
      type: 'linear', min: X_MIN, max: X_MAX, bounds: 'data',
      title: { display: !!showTitle, text: 'Date (UTC)' },
      afterBuildTicks: function (scale) { scale.ticks = timeTicks(scale.min, scale.max); },
      ticks: { maxRotation: 0, autoSkipPadding: 12, callback: function (v) { return tickLabel(v, this.max - this.min); } },
      grid: { color: '#eef0f3' }
    };
  }
  function pctAxis(title, digits, extra) {
    var axis = {
      title: { display: true, text: title },
      ticks: { callback: function (v) { return pct(v, digits); } },
      grid: { color: '#eef0f3' }
    };
    for (var k in extra) if (Object.prototype.hasOwnProperty.call(extra, k)) axis[k] = extra[k];
    return axis;
  }
  function timeTitle(items) { return items.length ? fmtDateTime(items[0].parsed.x) : ''; }

  function build(id, make) {
    var canvas = document.getElementById(id);
    try {
      if (!canvas) throw new Error('no canvas #' + id);
      charts[id] = new Chart(canvas, make());
    } catch (e) {
      var box = canvas && canvas.parentNode;
      if (box && box.setAttribute) { box.setAttribute('data-error', 'Chart failed: ' + e.message); box.className += ' err'; }
      console.error('chart ' + id + ' failed: ' + (e && e.stack || e));
    }
  }
  var lineDefaults = { pointRadius: 0, pointHoverRadius: 3, pointHitRadius: 4, tension: 0, fill: false };
  function line(ds) {
    for (var k in lineDefaults) if (!(k in ds)) ds[k] = lineDefaults[k];
    return ds;
  }

  // A legend swatch that shows each line's width and dash (Chart.js's own legend markers are solid).
  function lineSwatch(color, width, dash) {
    var c = document.createElement('canvas');
    c.width = 28; c.height = 10;
    var g = c.getContext('2d');
    g.strokeStyle = color; g.lineWidth = width; g.setLineDash(dash || []);
    g.beginPath(); g.moveTo(1, 5); g.lineTo(27, 5); g.stroke();
    return c;
  }

  // ---- NAV of every series, normalized to 1 ----
  build('nav-chart', function () {
    return {
      type: 'line',
      data: {
        datasets: model.series.map(function (s, i) {
          var st = view.series[i];
          return line({
            label: s.kind === 'strategy' ? s.name : s.name + ' (' + s.kind + ')',
            data: s.nav.map(function (p) { return { x: p[0], y: p[1] }; }),
            borderColor: st.color, backgroundColor: st.color, borderWidth: st.width, borderDash: st.dash,
            order: st.order
          });
        })
      },
      options: {
        normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: timeAxis(false),
          y: { title: { display: true, text: 'NAV (start = 1.00)' }, ticks: { callback: function (v) { return Number(v).toFixed(3); } }, grid: { color: '#eef0f3' } }
        },
        plugins: {
          legend: {
            position: 'top', align: 'start',
            labels: {
              usePointStyle: true, pointStyleWidth: 28,
              generateLabels: function (chart) {
                var items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
                items.forEach(function (item) {
                  var st = view.series[item.datasetIndex];
                  if (st) item.pointStyle = lineSwatch(st.color, st.width, st.dash);
                });
                return items;
              }
            }
          },
          tooltip: {
            callbacks: {
              title: timeTitle,
              label: function (c) { return c.dataset.label + ': ' + c.parsed.y.toFixed(4) + '  (' + (c.parsed.y >= 1 ? '+' : '') + pct(c.parsed.y - 1, 2) + ')'; }
            }
          }
        }
      }
    };
  });

  // ---- drawdown of the primary strategy ----
  build('drawdown-chart', function () {
    return {
      type: 'line',
      data: {
        datasets: [line({
          label: model.primary.name + ' drawdown',
          data: model.primary.drawdown.map(function (p) { return { x: p[0], y: p[1] }; }),
          borderColor: '#b42318', backgroundColor: 'rgba(180,35,24,0.18)', borderWidth: 1.5, fill: 'origin'
        })]
      },
      options: {
        normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: { x: timeAxis(true), y: pctAxis('Drawdown from peak', 2, { max: 0, suggestedMin: -0.002 }) },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { title: timeTitle, label: function (c) { return 'Drawdown: ' + pct(c.parsed.y, 3); } } }
        }
      }
    };
  });

  // ---- allocation over time (stacked area) ----
  build('allocation-chart', function () {
    return {
      type: 'line',
      data: {
        datasets: view.allocationAssets.map(function (a) {
          var c = view.assetColors[a] || '#888888';
          return line({
            label: a,
            data: model.primary.allocation.map(function (r) { var w = r.weights[a]; return { x: r.t, y: typeof w === 'number' ? w : 0 }; }),
            borderColor: c, backgroundColor: alpha(c, 0.72), borderWidth: 1, fill: 'stack'
          });
        })
      },
      options: {
        normalized: true,
        interaction: { mode: 'index', intersect: false },
        scales: { x: timeAxis(false), y: pctAxis('Weight of NAV', 0, { stacked: true, min: 0, max: 1 }) },
        plugins: {
          legend: { position: 'top', align: 'start' },
          tooltip: {
            itemSort: function (a, b) { return b.parsed.y - a.parsed.y; },
            filter: function (c) { return c.parsed.y > 0.0005; },
            callbacks: { title: timeTitle, label: function (c) { return c.dataset.label + ': ' + pct(c.raw.y, 1); } }
          }
        }
      }
    };
  });

  // ---- each asset's yield estimate ----
  build('yields-chart', function () {
    return {
      type: 'line',
      data: {
        datasets: view.yieldAssets.map(function (a) {
          var c = view.assetColors[a] || '#888888';
          return line({
            label: a,
            data: model.primary.yields.map(function (r) { var y = r.yields[a]; return { x: r.t, y: typeof y === 'number' ? y : null }; }),
            borderColor: c, backgroundColor: c, borderWidth: 1.5
          });
        })
      },
      options: {
        normalized: true,
        interaction: { mode: 'index', intersect: false },
        scales: { x: timeAxis(false), y: pctAxis('Yield estimate (APY)', 1, {}) },
        plugins: {
          legend: { position: 'top', align: 'start' },
          tooltip: {
            itemSort: function (a, b) { return b.parsed.y - a.parsed.y; },
            callbacks: { title: timeTitle, label: function (c) { return c.dataset.label + ': ' + pct(c.parsed.y, 2); } }
          }
        }
      }
    };
  });

  // ---- breaker firings and large actions ----
  build('timeline-chart', function () {
    function points(kind, y) {
      return model.primary.events.filter(function (e) { return e.kind === kind; }).map(function (e) {
        return { x: e.t, y: y, label: e.label, detail: e.detail };
      });
    }
    return {
      type: 'scatter',
      data: {
        datasets: [
          { label: 'Breaker events', data: points('breaker', 1), pointStyle: 'triangle', pointRadius: 7, pointHoverRadius: 9,
            borderColor: '#b42318', backgroundColor: 'rgba(180,35,24,0.75)', clip: false },
          { label: 'Large actions', data: points('action', 0), pointStyle: 'circle', pointRadius: 5, pointHoverRadius: 7,
            borderColor: '#1f4e8c', backgroundColor: 'rgba(31,78,140,0.6)', clip: false }
        ]
      },
      options: {
        interaction: { mode: 'point', intersect: true },
        layout: { padding: { left: 4, right: 10 } },
        scales: {
          x: timeAxis(true),
          y: {
            min: -0.6, max: 1.6, afterBuildTicks: function (scale) { scale.ticks = [{ value: 0 }, { value: 1 }]; },
            ticks: { callback: function (v) { return v === 1 ? 'Breaker' : v === 0 ? 'Action' : ''; } },
            grid: { color: '#eef0f3' }
          }
        },
        plugins: {
          legend: { position: 'top', align: 'start', labels: { usePointStyle: true } },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? fmtDateTime(items[0].raw.x) : ''; },
              label: function (c) { return (c.datasetIndex === 0 ? 'Breaker: ' : 'Action: ') + c.raw.label; },
              afterLabel: function (c) { return c.raw.detail ? wrap(c.raw.detail, 72) : ''; }
            }
          }
        }
      }
    };
  });

  // ---- risk: expected loss per asset, split by layer kind ----
  build('risk-chart', function () {
    return {
      type: 'bar',
      data: {
        labels: view.riskAssets,
        datasets: view.riskKinds.map(function (k) {
          return {
            label: k.kind, data: k.values, layerNames: k.layers,
            backgroundColor: alpha(k.color, 0.85), borderColor: '#ffffff', borderWidth: { right: 1 }, borderSkipped: false,
            barPercentage: 0.8, categoryPercentage: 0.85
          };
        })
      },
      options: {
        indexAxis: 'y',
        interaction: { mode: 'index', axis: 'y', intersect: false },
        scales: {
          x: pctAxis('Annual expected loss (% of position)', 2, { stacked: true, min: 0 }),
          y: { stacked: true, grid: { display: false } }
        },
        plugins: {
          legend: { position: 'top', align: 'start' },
          tooltip: {
            filter: function (c) { return c.parsed.x > 0; },
            callbacks: {
              label: function (c) {
                var names = c.dataset.layerNames[c.dataIndex];
                return c.dataset.label + ': ' + pct(c.parsed.x, 3) + (names ? '  (' + names + ')' : '');
              },
              footer: function (items) {
                var sum = 0;
                for (var i = 0; i < items.length; i++) sum += items[i].parsed.x;
                return items.length ? 'Total: ' + pct(sum, 3) + ' / yr' : '';
              }
            }
          }
        }
      }
    };
  });

  window.__reportReady = true;
  document.documentElement.setAttribute('data-report-ready', '1');
})();
`;
