import type { EventRecord } from '../journal/queries.js';
import { inFlight, lastDecision, navSeries, recentEvents, type InFlight, type LastDecision } from './journal-reads.js';
import { baseUnitsToNumber } from './metrics.js';
import type { VaultRunner } from './vault-runner.js';
import { readinessOf } from './vault-status.js';

/** One vault as /api/vaults and the status page show it. Amounts in base units are strings (exact). */
export interface VaultView {
  readonly name: string;
  readonly chain: string;
  readonly baseAsset: string;
  readonly feed: string;
  readonly executor: string;
  readonly mode: string | null;
  readonly schedule: string;
  readonly state: string;
  readonly ready: boolean;
  readonly notReady: readonly string[];
  readonly error: { at: string; message: string } | null;
  readonly leaseHeld: boolean;
  readonly startedAt: string;
  readonly cycles: number;
  readonly errors: number;
  readonly skippedTicks: number;
  readonly lastCycle: { at: string; decisionTime: string; outcome: string; durationMs: number; cycleId: number | null; note: string | null } | null;
  readonly nav: { base: string; baseUnits: string; value: number } | null;
  /** Weights after the last cycle (fractions of NAV). */
  readonly allocation: Record<string, number> | null;
  readonly lastDecision: (Omit<LastDecision, 'decisionTime'> & { decisionTime: string }) | null;
  /** Why the last cycle planned nothing: a halt (breaker, rejected decision) or a fail-closed cycle. */
  readonly halted: { outcome: string; reason: string } | null;
  readonly breakers: Array<{ breaker: string; asset: string | null; action: string; held: boolean; message: string }>;
  readonly inFlight: InFlight | null;
  readonly recentEvents: Array<Omit<EventRecord, 'at'> & { at: string }>;
  /** NAV over time: decision-time ISO string, NAV in whole base-asset units. */
  readonly navSeries: Array<{ at: string; nav: number }>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function vaultView(r: VaultRunner, now = Date.now()): VaultView {
  const s = r.status;
  const rd = readinessOf(s, now);
  const j = r.journal;
  let journalPart: Pick<VaultView, 'lastDecision' | 'inFlight' | 'recentEvents' | 'navSeries' | 'nav'> = { lastDecision: null, inFlight: null, recentEvents: [], navSeries: [], nav: null };
  let readError: string | undefined;
  if (j) {
    try {
      const d = lastDecision(j, s.name);
      const latest = j.latestPortfolio(s.name);
      const navBase = s.lastReport?.navBase ?? latest?.navBase;
      journalPart = {
        lastDecision: d ? { ...d, decisionTime: iso(d.decisionTime) } : null,
        inFlight: inFlight(j, s.name),
        recentEvents: recentEvents(j, s.name).map((e) => ({ ...e, at: iso(e.at) })),
        navSeries: navSeries(j, s.name).map((p) => ({ at: iso(p.at), nav: baseUnitsToNumber(p.navBase, s.baseDecimals) })),
        nav: navBase === undefined ? null : { base: s.baseAsset, baseUnits: navBase.toString(), value: baseUnitsToNumber(navBase, s.baseDecimals) },
      };
    } catch (e) {
      readError = `journal read failed: ${(e as Error).message}`;
    }
  }
  const c = s.lastCycle;
  return {
    name: s.name,
    chain: s.chain,
    baseAsset: s.baseAsset,
    feed: s.feed,
    executor: s.executor,
    mode: s.mode ?? null,
    schedule: s.schedule,
    state: s.state,
    ready: rd.ready && readError === undefined,
    notReady: readError ? [...rd.reasons, readError] : rd.reasons,
    error: s.error ? { at: iso(s.error.at), message: s.error.message } : null,
    leaseHeld: s.leaseHeld,
    startedAt: iso(s.startedAt),
    cycles: s.cycles,
    errors: s.errors,
    skippedTicks: s.skippedTicks,
    lastCycle: c ? { at: iso(c.at), decisionTime: iso(c.decisionTime), outcome: c.outcome, durationMs: Math.round(c.durationMs * 10) / 10, cycleId: c.cycleId ?? null, note: c.note ?? null } : null,
    allocation: s.lastReport ? { ...s.lastReport.current } : null,
    halted: c && (c.outcome === 'halted' || c.outcome === 'failed') ? { outcome: c.outcome, reason: c.note ?? journalPart.lastDecision?.rationale[0] ?? 'unknown' } : null,
    breakers: (s.lastReport?.firings ?? []).map((f) => ({ breaker: f.breaker, asset: f.asset ?? null, action: f.action, held: f.held, message: f.message })),
    ...journalPart,
  };
}
