/**
 * The page script's operator charts: monthly returns against the benchmark, rolling 30-day APY, queued
 * capital, the benchmark's drawdown and the limits that bound over time. A chart whose section printed
 * "not measurable" instead of a canvas is not built. Reads model.operator (operator-view.ts).
 */
export const SCRIPT_OPERATOR = String.raw`  // ---- operator sections ----
  var op = model.operator;
  function maybe(id, make) { if (op && document.getElementById(id)) build(id, make); }
  var VAULT = '#1f4e8c', BENCH = '#e8871e';
  function xy(rows, k) { return rows.map(function (r) { return { x: r[0], y: r[k] === undefined ? null : r[k] }; }); }

  maybe('monthly-chart', function () {
    return {
      type: 'bar',
      data: {
        labels: op.monthly.map(function (m) { return m.month; }),
        datasets: [
          { label: 'vault', data: op.monthly.map(function (m) { return m.return; }), backgroundColor: alpha(VAULT, 0.8) },
          { label: 'benchmark', data: op.monthly.map(function (m) { return typeof m.benchmark === 'number' ? m.benchmark : null; }), backgroundColor: alpha(BENCH, 0.8) }
        ]
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: { y: pctAxis('Return in the month', 2, {}) },
        plugins: {
          legend: { position: 'top', align: 'start' },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + (c.raw === null ? 'not measurable' : pct(c.raw, 3)); } } }
        }
      }
    };
  });

  maybe('rolling-chart', function () {
    return {
      type: 'line',
      data: {
        datasets: [
          line({ label: 'vault APY (30 d)', data: xy(op.charts.rollingApy, 1), borderColor: VAULT, backgroundColor: VAULT, borderWidth: 2, spanGaps: false }),
          line({ label: 'benchmark APY (30 d)', data: xy(op.charts.rollingApy, 2), borderColor: BENCH, backgroundColor: BENCH, borderWidth: 1.5, borderDash: [2, 3], spanGaps: false })
        ]
      },
      options: {
        normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: { x: timeAxis(false), y: pctAxis('APY over the trailing 30 days', 1, {}) },
        plugins: {
          legend: { position: 'top', align: 'start' },
          tooltip: { callbacks: { title: timeTitle, label: function (c) { return c.dataset.label + ': ' + (c.raw.y === null ? 'not measurable' : pct(c.raw.y, 2)); } } }
        }
      }
    };
  });

  maybe('queued-chart', function () {
    return {
      type: 'line',
      data: {
        datasets: [
          line({ label: 'queued (' + model.baseAsset + ')', data: xy(op.charts.queued, 1), borderColor: '#7b4fa0', backgroundColor: 'rgba(123,79,160,0.2)', borderWidth: 1.5, fill: 'origin', yAxisID: 'y' }),
          line({ label: 'share of NAV', data: xy(op.charts.queued, 2), borderColor: '#5f6b7a', backgroundColor: '#5f6b7a', borderWidth: 1, borderDash: [4, 3], yAxisID: 'y1' })
        ]
      },
      options: {
        normalized: true,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: timeAxis(false),
          y: { min: 0, title: { display: true, text: 'Queued (' + model.baseAsset + ')' }, grid: { color: '#eef0f3' } },
          y1: pctAxis('Share of NAV', 0, { position: 'right', min: 0, grid: { display: false } })
        },
        plugins: {
          legend: { position: 'top', align: 'start' },
          tooltip: { callbacks: { title: timeTitle, label: function (c) { return c.dataset.yAxisID === 'y1' ? c.dataset.label + ': ' + pct(c.raw.y, 1) : c.dataset.label + ': ' + c.raw.y.toFixed(4); } } }
        }
      }
    };
  });

  maybe('benchmark-dd-chart', function () {
    return {
      type: 'line',
      data: { datasets: [line({ label: 'hold ' + (op.benchmark ? op.benchmark.asset : '') + ' drawdown', data: xy(op.charts.benchmarkDrawdown, 1), borderColor: BENCH, backgroundColor: alpha(BENCH, 0.2), borderWidth: 1.5, fill: 'origin' })] },
      options: {
        normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: { x: timeAxis(false), y: pctAxis('Drawdown from peak', 2, { max: 0, suggestedMin: -0.002 }) },
        plugins: { legend: { display: false }, tooltip: { callbacks: { title: timeTitle, label: function (c) { return 'Drawdown: ' + pct(c.raw.y, 3); } } } }
      }
    };
  });

  maybe('limits-chart', function () {
    var names = [];
    op.charts.binding.forEach(function (b) { if (names.indexOf(b.limit) < 0) names.push(b.limit); });
    var box = document.getElementById('limits-chart').parentNode;
    box.style.height = Math.min(420, Math.max(140, 60 + 24 * names.length)) + 'px';
    return {
      type: 'scatter',
      data: {
        datasets: [{
          label: 'bound a decision',
          data: op.charts.binding.map(function (b) { return { x: b.t, y: names.indexOf(b.limit), limit: b.limit }; }),
          pointStyle: 'rect', pointRadius: 3, pointHoverRadius: 5, borderColor: '#b42318', backgroundColor: 'rgba(180,35,24,0.6)'
        }]
      },
      options: {
        interaction: { mode: 'point', intersect: true },
        scales: {
          x: timeAxis(true),
          y: {
            min: -0.5, max: names.length - 0.5, reverse: true,
            afterBuildTicks: function (scale) { scale.ticks = names.map(function (n, i) { return { value: i }; }); },
            ticks: { callback: function (v) { var n = names[v] || ''; return n.length > 42 ? n.slice(0, 41) + '\u2026' : n; } },
            grid: { color: '#eef0f3' }
          }
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { title: function (items) { return items.length ? fmtDateTime(items[0].raw.x) : ''; }, label: function (c) { return c.raw.limit; } } }
        }
      }
    };
  });

`;
