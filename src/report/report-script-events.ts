/** The page script's event timeline and risk breakdown charts. */
export const SCRIPT_EVENTS_RISK = String.raw`  // ---- breaker firings and large actions ----
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

`;
