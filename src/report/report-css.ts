/** The report page's stylesheet, inlined by render-report.ts. */

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
p.why { color: var(--warn); }
code { white-space: pre-wrap; word-break: break-all; font-size: 11px; }
.na { color: #8a6d3b; font-style: italic; }
footer { color: var(--muted); font-size: 11px; margin-top: 12px; }
.section { margin-top: 12px; }
@media (max-width: 900px) { .grid { grid-template-columns: 1fr; } }
@media print {
  body { background: #fff; }
  .card, .kpi { break-inside: avoid; }
  main { max-width: none; padding: 0; }
}
`;
