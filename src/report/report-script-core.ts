/**
 * The page script's opening: ES5-style browser JavaScript kept as text (not compiled TypeScript), so what
 * ships is exactly what is written here. It reads #report-data (the ReportModel; fractions stay fractions,
 * percent formatting happens only in tick and tooltip callbacks) and #report-view (presentation hints),
 * sets Chart.js defaults and defines the shared helpers (formats, a date axis on epoch ms, build, line)
 * that the chart parts use. The parts are concatenated into one IIFE by report-page.ts.
 */
export const SCRIPT_CORE = String.raw`
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

`;
