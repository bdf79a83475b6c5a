import { formatUnits } from '../domain/amount.js';
import { DAY, formatTime, YEAR } from '../domain/time.js';
import type { CycleReport } from './cycle-report.js';

export interface RunSummary {
  readonly cycles: number;
  readonly from: number;
  readonly to: number;
  readonly startNav: bigint;
  readonly endNav: bigint;
  /** Annualized, compounded net return over the period, a fraction; NaN (not measurable) over less than a day or from nothing. */
  readonly netApy: number;
  readonly actions: number;
  readonly failedActions: number;
  readonly costBase: bigint;
  /** Breaker firings on held assets or that halted (exclusions of assets not held are not counted). */
  readonly breakerEvents: number;
  readonly breakerKinds: Readonly<Record<string, number>>;
  readonly halted: number;
  readonly failedCycles: number;
}

export function summarize(reports: readonly CycleReport[], startNav: bigint): RunSummary | undefined {
  const first = reports[0];
  // A cycle that failed closed has no NAV; the period's end value is the last one that was known.
  const last = reports.findLast((r) => r.navKnown !== false) ?? reports[reports.length - 1];
  if (!first || !last) return undefined;
  const kinds: Record<string, number> = {};
  let breakerEvents = 0;
  for (const r of reports) {
    for (const f of r.firings) {
      if (!f.held && f.action !== 'halt') continue;
      breakerEvents++;
      kinds[f.breaker] = (kinds[f.breaker] ?? 0) + 1;
    }
  }
  const dt = last.time - first.time;
  const growth = startNav > 0n ? Number(last.navBase) / Number(startNav) : 1;
  return {
    cycles: reports.length,
    from: first.time,
    to: last.time,
    startNav,
    endNav: last.navBase,
    netApy: dt >= DAY && startNav > 0n ? Math.pow(growth, YEAR / dt) - 1 : Number.NaN,
    actions: reports.reduce((s, r) => s + r.filled, 0),
    failedActions: reports.reduce((s, r) => s + r.failed, 0),
    costBase: reports.reduce((s, r) => s + r.costBase, 0n),
    breakerEvents,
    breakerKinds: kinds,
    halted: reports.filter((r) => r.status === 'halted').length,
    failedCycles: reports.filter((r) => r.status === 'failed').length,
  };
}

export function formatSummary(s: RunSummary, baseSymbol: string, baseDecimals: number, journalPath: string): string {
  const fmt = (x: bigint) => Number(formatUnits(x, baseDecimals)).toFixed(6);
  const kinds = Object.entries(s.breakerKinds).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  return [
    '── summary ──',
    `period        ${formatTime(s.from)} → ${formatTime(s.to)} (${s.cycles} cycles)`,
    `NAV           ${fmt(s.startNav)} → ${fmt(s.endNav)} ${baseSymbol}`,
    Number.isFinite(s.netApy) ? `net APY       ${(s.netApy * 100).toFixed(3)} % (in ${baseSymbol}, after costs)` : `net APY       not measurable (${s.startNav > 0n ? 'the run covers less than a day' : 'no start NAV'}; not 0 %)`,
    `actions       ${s.actions} filled, ${s.failedActions} failed; costs ${fmt(s.costBase)} ${baseSymbol}`,
    `breakers      ${s.breakerEvents} events on held assets (${kinds}); ${s.halted} halted cycles, ${s.failedCycles} failed cycles`,
    `journal       ${journalPath}`,
  ].join('\n');
}
