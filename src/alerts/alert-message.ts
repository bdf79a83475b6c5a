import type { KeeperEvent, Severity } from '../domain/event.js';

/** What a webhook receives for one event. */
export interface AlertPayload {
  readonly vault: string;
  readonly kind: string;
  readonly severity: Severity;
  readonly message: string;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly cycleId: number | null;
  readonly asset: string | null;
  readonly data: Record<string, unknown> | null;
  /** Repeats of this event held back since the last one sent (present only when some were). */
  readonly suppressed?: number;
}

export type AlertableEvent = KeeperEvent & { readonly cycleId?: number | null | undefined };

/** A vault's day in one message. NAV figures in whole base-asset units (display only). */
export interface DailyDigest {
  readonly vault: string;
  /** The UTC day, YYYY-MM-DD (journal time: recorded time on a recorded feed). */
  readonly day: string;
  readonly baseAsset: string;
  readonly navStart: number | null;
  readonly navEnd: number | null;
  /** NAV change over the day as a fraction, and annualized (×365); null without two NAVs. */
  readonly dayReturn: number | null;
  readonly annualized: number | null;
  readonly cycles: number;
  readonly actions: { readonly planned: number; readonly confirmed: number; readonly failed: number };
  /** Breaker firings by kind. */
  readonly breakers: Readonly<Record<string, number>>;
}

export type AlertMessage = { readonly type: 'event'; readonly payload: AlertPayload } | { readonly type: 'digest'; readonly digest: DailyDigest };

export function toPayload(vault: string, e: AlertableEvent, suppressed = 0): AlertPayload {
  return {
    vault,
    kind: e.kind,
    severity: e.severity,
    message: e.message,
    at: new Date(e.at).toISOString(),
    cycleId: e.cycleId ?? null,
    asset: e.asset ?? null,
    data: e.data ?? null,
    ...(suppressed > 0 ? { suppressed } : {}),
  };
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(3)} %`);

/** The digest as plain lines (each chat format dresses them up its own way). */
export function digestLines(d: DailyDigest): { title: string; lines: string[] } {
  const br = Object.entries(d.breakers).map(([k, n]) => `${k} ×${n}`).join(', ') || 'none';
  return {
    title: `${d.vault} daily digest ${d.day}`,
    lines: [
      `NAV ${d.navEnd === null ? 'n/a' : `${d.navEnd.toFixed(4)} ${d.baseAsset}`}${d.navStart !== null ? ` (from ${d.navStart.toFixed(4)})` : ''}`,
      `yield ${pct(d.dayReturn)} over the day, ${pct(d.annualized)} annualized`,
      `${d.cycles} cycles; actions ${d.actions.planned} planned, ${d.actions.confirmed} confirmed${d.actions.failed ? `, ${d.actions.failed} failed` : ''}`,
      `breakers: ${br}`,
    ],
  };
}

/** A short title for an event: severity, vault, kind, asset. */
export function eventTitle(p: AlertPayload): string {
  return `${p.severity.toUpperCase()} ${p.vault}: ${p.kind}${p.asset ? ` (${p.asset})` : ''}`;
}

export function suppressedNote(p: AlertPayload): string | undefined {
  return p.suppressed ? `${p.suppressed} similar alert${p.suppressed === 1 ? '' : 's'} held back since the last one` : undefined;
}
