import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatTime } from '../domain/time.js';
import type { ReportModel } from '../report/report-model.js';

function csvCell(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** NAV of every series side by side, one row per decision time (normalized to 1 at the start). */
export function seriesCsv(m: ReportModel): string {
  const times = [...new Set(m.series.flatMap((s) => s.nav.map(([t]) => t)))].sort((a, b) => a - b);
  const lookup = m.series.map((s) => new Map(s.nav.map(([t, v]) => [t, v])));
  const lines = [['time', ...m.series.map((s) => s.name)].map(csvCell).join(',')];
  for (const t of times) lines.push([formatTime(t), ...lookup.map((l) => l.get(t) ?? '')].map(csvCell).join(','));
  return `${lines.join('\n')}\n`;
}

/** The primary strategy's allocation per decision time. */
export function allocationCsv(m: ReportModel): string {
  const assets = [...new Set(m.primary.allocation.flatMap((a) => Object.keys(a.weights)))].sort();
  const lines = [['time', ...assets].join(',')];
  for (const a of m.primary.allocation) lines.push([formatTime(a.t), ...assets.map((id) => a.weights[id] ?? 0)].map(csvCell).join(','));
  return `${lines.join('\n')}\n`;
}

/** The results table: one row per series, fractions as fractions. */
export function resultsCsv(m: ReportModel): string {
  const cols = ['name', 'kind', 'netApy', 'grossApy', 'costDrag', 'maxDrawdown', 'captureRatio', 'turnover', 'actions', 'expectedLoss', 'breakerEvents', 'limitBreaches'] as const;
  const lines = [cols.join(',')];
  for (const s of m.series) {
    const mm = s.metrics;
    lines.push([s.name, s.kind, s.netApy, mm?.grossApy, mm?.costDrag, s.maxDrawdown, s.captureRatio, mm?.turnover, mm?.actions, mm?.expectedLoss, mm?.breakerEvents, mm?.limitBreaches].map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

export function writeText(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
