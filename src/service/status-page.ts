import { createHash } from 'node:crypto';
import type { VaultView } from './vault-view.js';

/**
 * The status page: one HTML document rendered on the server from the same views as /api/vaults. It has
 * no script at all and no external asset (charts are inline SVG), so its Content-Security-Policy can
 * forbid everything but its own style block (allowed by hash); it refreshes itself with a meta tag.
 */

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1c1e21}
header{background:#1c2733;color:#fff;padding:10px 20px}header h1{font-size:18px;margin:0}
main{padding:12px 20px;display:grid;gap:16px}
section.vault{background:#fff;border-radius:6px;padding:12px 16px;box-shadow:0 1px 2px #0002}
h2{font-size:16px;margin:0 0 6px}h3{font-size:13px;margin:12px 0 4px;color:#555;text-transform:uppercase}
.badge{display:inline-block;padding:1px 8px;border-radius:9px;font-size:12px;margin-left:6px}
.ok{background:#d7f5dd;color:#14532d}.bad{background:#fde2e1;color:#7f1d1d}.warn{background:#fff3c4;color:#713f12}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px}
table{border-collapse:collapse;width:100%;font-size:12px}td,th{text-align:left;padding:2px 6px;border-bottom:1px solid #eee;vertical-align:top}
.muted{color:#777}ul{margin:0;padding-left:18px}svg text{font-size:10px;fill:#555}
.sev-critical{color:#b91c1c;font-weight:600}.sev-warn{color:#a16207}
`;

export const STATUS_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

const esc = (v: unknown) =>
  String(v).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const pct = (w: number) => `${(w * 100).toFixed(1)} %`;

function navChart(v: VaultView): string {
  const pts = v.navSeries;
  if (pts.length < 2) return '<p class="muted">not enough cycles for a chart yet</p>';
  const W = 560;
  const H = 140;
  const pad = 34;
  const vals = pts.map((p) => p.nav);
  const lo = Math.min(...vals);
  const hi = Math.max(...vals);
  const span = hi - lo || Math.abs(hi) * 0.001 || 1;
  const xy = pts.map((p, i) => `${(pad + (i / (pts.length - 1)) * (W - pad - 4)).toFixed(1)},${(4 + (1 - (p.nav - lo) / span) * (H - 22)).toFixed(1)}`);
  return `<svg role="img" aria-label="NAV over time" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
<polyline fill="none" stroke="#2563eb" stroke-width="1.5" points="${xy.join(' ')}"/>
<text x="0" y="12">${esc(hi.toFixed(3))}</text><text x="0" y="${H - 18}">${esc(lo.toFixed(3))}</text>
<text x="${pad}" y="${H - 4}">${esc(pts[0]?.at.slice(0, 10))}</text><text x="${W - 70}" y="${H - 4}">${esc(pts[pts.length - 1]?.at.slice(0, 10))}</text></svg>`;
}

function allocation(v: VaultView): string {
  const w = Object.entries(v.allocation ?? {}).filter(([, x]) => x >= 0.0005).sort((a, b) => b[1] - a[1]);
  if (!w.length) return '<p class="muted">no cycle yet</p>';
  const rows = w
    .map(([a, x], i) => `<text x="0" y="${i * 18 + 12}">${esc(a)}</text><rect x="110" y="${i * 18 + 2}" width="${(x * 300).toFixed(1)}" height="12" fill="#16a34a"/><text x="${115 + x * 300}" y="${i * 18 + 12}">${esc(pct(x))}</text>`)
    .join('');
  return `<svg role="img" aria-label="allocation now" width="480" height="${w.length * 18 + 4}">${rows}</svg>`;
}

function decision(v: VaultView): string {
  const d = v.lastDecision;
  if (!d) return '<p class="muted">no decision yet</p>';
  const target = Object.entries(d.weights).filter(([, x]) => x >= 0.0005).map(([a, x]) => `${esc(a)} ${esc(pct(x))}`).join(', ');
  return `<p>cycle ${esc(d.cycleId)} at ${esc(d.decisionTime)} · ${esc(d.strategy)}${d.halted ? ' <span class="badge bad">halted</span>' : ''} · target ${target || '-'}</p>
<ul>${d.rationale.slice(0, 12).map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`;
}

function breakers(v: VaultView): string {
  if (!v.breakers.length) return '<p class="muted">none fired in the last cycle</p>';
  return `<table><tr><th>breaker</th><th>asset</th><th>action</th><th>why</th></tr>${v.breakers
    .map((b) => `<tr><td>${esc(b.breaker)}</td><td>${esc(b.asset ?? 'vault')}${b.held ? ' (held)' : ''}</td><td>${esc(b.action)}</td><td>${esc(b.message)}</td></tr>`)
    .join('')}</table>`;
}

function flight(v: VaultView): string {
  const f = v.inFlight;
  if (!f || f.actions.length + f.transactions.length + f.proposals.length === 0) return '<p class="muted">nothing in flight or awaiting signatures</p>';
  const rows = [
    ...f.actions.map((a) => `<tr><td>action ${esc(a.actionId)}</td><td>${esc(`${a.kind} ${a.from}→${a.to}`)}</td><td>${esc(a.status)}</td></tr>`),
    ...f.transactions.map((t) => `<tr><td>tx ${esc(t.chain)} nonce ${esc(t.nonce ?? '-')}</td><td>${esc(t.description)} ${esc(t.txHash.slice(0, 12))}…</td><td>${esc(t.status)}</td></tr>`),
    ...f.proposals.map((p) => `<tr><td>${esc(p.multisig ?? 'multisig')} proposal nonce ${esc(p.nonce ?? '-')}</td><td>${esc(String(p.hash ?? '').slice(0, 14))}… on ${esc(p.chain ?? '')}</td><td>${esc(p.status ?? 'pending')} (awaiting signatures)</td></tr>`),
  ];
  return `<table><tr><th>what</th><th>detail</th><th>status</th></tr>${rows.join('')}</table>`;
}

function events(v: VaultView): string {
  if (!v.recentEvents.length) return '<p class="muted">no events</p>';
  return `<table><tr><th>at</th><th>kind</th><th>message</th></tr>${v.recentEvents
    .slice(0, 15)
    .map((e) => `<tr><td>${esc(e.at.slice(0, 19))}</td><td class="sev-${esc(e.severity)}">${esc(e.kind)}</td><td>${esc(e.message)}</td></tr>`)
    .join('')}</table>`;
}

function vaultSection(v: VaultView): string {
  const state = `${v.ready ? '<span class="badge ok">ready</span>' : '<span class="badge bad">not ready</span>'}${v.halted ? `<span class="badge bad">${esc(v.halted.outcome)}</span>` : ''}`;
  const c = v.lastCycle;
  return `<section class="vault" id="vault-${esc(v.name)}"><h2>${esc(v.name)} ${state}<span class="badge warn">${esc(v.state)}</span></h2>
<p class="muted">${esc(v.chain)} · ${esc(v.feed)} feed · ${esc(v.mode ?? v.executor)} · ${esc(v.schedule)} · ${esc(v.cycles)} cycles this process${v.errors ? ` · ${esc(v.errors)} errors` : ''}</p>
${v.halted ? `<p class="sev-critical">last cycle ${esc(v.halted.outcome)}: ${esc(v.halted.reason)}</p>` : ''}
${v.notReady.length ? `<ul class="sev-critical">${v.notReady.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}
<p>NAV <b>${v.nav ? esc(v.nav.value.toFixed(4)) : '-'} ${esc(v.baseAsset)}</b>${c ? ` · last cycle ${esc(c.at.slice(0, 19))} (decision ${esc(c.decisionTime.slice(0, 10))}) ${esc(c.outcome)} in ${esc(c.durationMs)} ms${c.note ? ` — ${esc(c.note)}` : ''}` : ''}</p>
<div class="grid"><div><h3>NAV over time</h3>${navChart(v)}</div><div><h3>Allocation now</h3>${allocation(v)}</div></div>
<h3>Last decision and why</h3>${decision(v)}
<div class="grid"><div><h3>Breakers</h3>${breakers(v)}</div><div><h3>In flight / awaiting signatures</h3>${flight(v)}</div></div>
<h3>Recent events</h3>${events(v)}</section>`;
}

export function renderStatusPage(views: readonly VaultView[], now = new Date()): string {
  const ready = views.filter((v) => v.ready).length;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="15">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>restake-keeper fleet</title><style>${STYLE}</style></head>
<body><header><h1>restake-keeper fleet · ${ready}/${views.length} ready · ${esc(now.toISOString().slice(0, 19))}Z</h1></header>
<main>${views.map(vaultSection).join('\n')}</main></body></html>`;
}
