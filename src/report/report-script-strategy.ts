/** The page script's strategy line charts: NAV of every series, drawdown, allocation, yields. */
export const SCRIPT_STRATEGY = String.raw`  // ---- NAV of every series, normalized to 1 ----
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

`;
