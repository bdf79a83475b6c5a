import type { EpochMs } from '../domain/time.js';

/**
 * The per-day cap's ledger, shared by every chain's policy guard. Amounts are the chain's native base
 * units (wei on EVM, lamports on Solana); the field keeps the EVM guard's name `wei`.
 */
/** "2026-11-01" for a UTC instant. */
export function utcDay(at: EpochMs): string {
  return new Date(at).toISOString().slice(0, 10);
}

/**
 * Value sent per UTC day, for the per-day cap. In-memory; the executor journals each sent transaction's
 * (time, value at risk) and rebuilds the ledger with `fromEntries` on start.
 */
export class DailySpend {
  private readonly byDay = new Map<string, bigint>();

  static fromEntries(entries: Iterable<{ readonly at: EpochMs; readonly wei: bigint }>): DailySpend {
    const d = new DailySpend();
    for (const e of entries) d.record(e.at, e.wei);
    return d;
  }

  record(at: EpochMs, wei: bigint): void {
    if (!Number.isFinite(at)) throw new RangeError(`spend time must be finite epoch ms, got ${at}`);
    if (wei < 0n) throw new RangeError(`spend must be non-negative, got ${wei}`);
    const day = utcDay(at);
    this.byDay.set(day, (this.byDay.get(day) ?? 0n) + wei);
  }

  /** Total recorded on the UTC day containing `at`. */
  spentOn(at: EpochMs): bigint {
    return this.byDay.get(utcDay(at)) ?? 0n;
  }

  /** Per-day totals, oldest first. */
  days(): { readonly day: string; readonly wei: bigint }[] {
    return [...this.byDay.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([day, wei]) => ({ day, wei }));
  }
}

