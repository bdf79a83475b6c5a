import type { CycleReport } from '../keeper/cycle-report.js';
import type { ReadOutcome } from './watched-source.js';

export type VaultState = 'starting' | 'running' | 'finished' | 'error' | 'stopping' | 'stopped';
export type CycleOutcome = CycleReport['status'] | 'error';

/** What the service knows about one vault of the fleet, in wall-clock time; the journal holds the rest. */
export interface VaultStatus {
  readonly name: string;
  readonly chain: string;
  readonly baseAsset: string;
  readonly baseDecimals: number;
  readonly feed: 'recorded' | 'live';
  readonly executor: string;
  readonly schedule: string;
  readonly periodMs: number;
  readonly journal: string;
  readonly universe: readonly string[];
  state: VaultState;
  mode: string | undefined;
  /** The last thing that went wrong (start, cycle or shutdown), kept until a cycle succeeds. */
  error: { at: number; message: string } | undefined;
  leaseHeld: boolean;
  startedAt: number;
  lastCycle: { at: number; decisionTime: number; outcome: CycleOutcome; durationMs: number; cycleId: number | undefined; note: string | undefined } | undefined;
  lastReport: CycleReport | undefined;
  lastRead: (ReadOutcome & { at: number }) | undefined;
  cycles: number;
  errors: number;
  skippedTicks: number;
  /** Recorded feed: the next decision time in recorded time, and where the window ends. */
  nextDecisionTime: number | undefined;
  windowEnd: number | undefined;
}

export interface Readiness {
  readonly ready: boolean;
  readonly reasons: readonly string[];
}

/**
 * Ready: the vault's last cycle (or its start, before the first) is within twice its schedule's period,
 * its journal lease is held, and its sources answered the last read. A recorded feed that reached the end
 * of its window is finished, not failing. Pure, so the rule is tested on its own.
 */
export function readinessOf(s: VaultStatus, now: number): Readiness {
  const reasons: string[] = [];
  if (s.state === 'finished') return { ready: true, reasons };
  if (s.state === 'stopping' || s.state === 'stopped') reasons.push(`vault is ${s.state}`);
  if (s.state === 'error' && s.error) reasons.push(`error: ${s.error.message}`);
  if (!s.leaseHeld) reasons.push('journal lease not held');
  const since = s.lastCycle?.at ?? s.startedAt;
  if (now - since > 2 * s.periodMs) {
    reasons.push(`${s.lastCycle ? 'last cycle' : 'started'} ${Math.round((now - since) / 1000)} s ago, more than twice its schedule (${Math.round(s.periodMs / 1000)} s)`);
  }
  const failing = s.lastRead?.failures.map((f) => f.source) ?? [];
  if (failing.length) reasons.push(`sources did not answer: ${[...new Set(failing)].join(', ')}`);
  if (s.lastCycle?.outcome === 'error' && s.state !== 'error') reasons.push(`last cycle threw: ${s.error?.message ?? 'unknown'}`);
  return { ready: reasons.length === 0, reasons };
}
