import type { PlanContext } from '../../../executor/executor.js';
import type { ProposalRecord } from '../../../journal/proposal-journal.js';
import { markOf } from '../../../market/valuation.js';

/**
 * Whether a pending proposal has to give way to a new one at the same Safe nonce, and why:
 * - stale: unsigned (not executed) longer than `staleAfterMs`;
 * - drift: a mark the plan was valued at has moved by more than `maxDrift` (relative) since;
 * - breaker: a breaker halted the vault, fired this cycle on an asset the pending plan touches, or forces
 *   an exit of a held asset (the pending plan no longer says what the vault must do).
 * Undefined when the pending proposal still stands.
 */
export function replacementReason(
  pending: Pick<ProposalRecord, 'createdAt' | 'description' | 'hash'>,
  ctx: Pick<PlanContext, 'universe' | 'snapshot' | 'firings'>,
  o: { now: number; staleAfterMs: number; maxDrift: number; onBreaker: boolean },
): { kind: 'stale' | 'drift' | 'breaker'; reason: string } | undefined {
  const marks = ((pending.description as { marks?: Record<string, number> }).marks ?? {}) as Record<string, number>;
  if (o.onBreaker) {
    const assets = new Set(Object.keys(marks));
    const f = ctx.firings.find((x) => x.action === 'halt' || (x.asset !== undefined && assets.has(x.asset)) || (x.held && x.action === 'derisk'));
    if (f) return { kind: 'breaker', reason: `breaker ${f.breaker} fired on ${f.asset ?? 'the vault'} (${f.action}): ${f.message}` };
  }
  let worst: { asset: string; then: number; now: number; rel: number } | undefined;
  for (const [asset, then] of Object.entries(marks)) {
    const now = markOf(ctx.universe, ctx.snapshot, asset);
    if (now === undefined || !(then > 0)) continue;
    const rel = Math.abs(now / then - 1);
    if (!worst || rel > worst.rel) worst = { asset, then, now, rel };
  }
  if (worst && worst.rel > o.maxDrift) {
    return { kind: 'drift', reason: `${worst.asset} moved ${(worst.rel * 100).toFixed(2)} % since the proposal (${worst.then} → ${worst.now}), beyond the ${(o.maxDrift * 100).toFixed(2)} % bound` };
  }
  const age = o.now - pending.createdAt;
  if (age >= o.staleAfterMs) return { kind: 'stale', reason: `left unexecuted for ${Math.round(age / 60_000)} min, past the ${Math.round(o.staleAfterMs / 60_000)} min staleness bound` };
  return undefined;
}
