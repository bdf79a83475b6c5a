import type { Universe } from '../config/universe.js';
import type { PendingRedemption, Portfolio } from '../domain/portfolio.js';
import type { ChainPendingRead, Executor } from '../executor/executor.js';
import type { JournalPort } from '../journal/journal-port.js';

export interface PendingSync {
  readonly pending: readonly PendingRedemption[];
  /** On the chain, not in the journal (e.g. a request whose confirmation was lost in a crash). */
  readonly appeared: readonly PendingRedemption[];
  /** In the journal, not on the chain (claimed outside the keeper, or the request never landed). */
  readonly vanished: readonly PendingRedemption[];
  /** In both, with a different amount: the chain's wins. */
  readonly changed: ReadonlyArray<{ readonly journal: PendingRedemption; readonly chain: PendingRedemption }>;
}

/**
 * The journal's pending redemptions replaced by the chain's view. For an id in both, the chain gives the
 * amount due and the claimable time; the journal keeps what only it knows (the asset, the amount handed
 * in where the account does not record it, the request time). An entry the chain holds but could not
 * validate keeps the journal's version. Order: the journal's, then new ones in the chain's order.
 */
export function adoptChainPending(journal: readonly PendingRedemption[], chain: ChainPendingRead): PendingSync {
  const fromChain = new Map(chain.redemptions.map((c) => [c.id, c]));
  const unreadable = new Set(chain.unreadable);
  const pending: PendingRedemption[] = [];
  const vanished: PendingRedemption[] = [];
  const changed: Array<{ journal: PendingRedemption; chain: PendingRedemption }> = [];
  for (const j of journal) {
    const c = fromChain.get(j.id);
    if (!c) {
      if (unreadable.has(j.id)) pending.push(j);
      else vanished.push(j);
      continue;
    }
    const r: PendingRedemption = { id: j.id, asset: j.asset, amountIn: c.amountInKnown === false ? j.amountIn : c.amountIn, expectedBase: c.expectedBase, requestedAt: j.requestedAt, claimableAt: c.claimableAt };
    if (r.expectedBase !== j.expectedBase || r.amountIn !== j.amountIn) changed.push({ journal: j, chain: r });
    pending.push(r);
  }
  const known = new Set(journal.map((j) => j.id));
  const appeared: PendingRedemption[] = [];
  for (const c of chain.redemptions) {
    if (known.has(c.id)) continue;
    const r: PendingRedemption = { id: c.id, asset: c.asset, amountIn: c.amountIn, expectedBase: c.expectedBase, requestedAt: c.requestedAt, claimableAt: c.claimableAt };
    appeared.push(r);
    pending.push(r);
  }
  return { pending, appeared, vanished, changed };
}

const show = (p: PendingRedemption) => ({ id: p.id, asset: p.asset, amountIn: p.amountIn.toString(), expectedBase: p.expectedBase.toString(), claimableAt: new Date(p.claimableAt).toISOString() });

/**
 * Reads the executor's pending redemptions from the chain and adopts them, journaling each difference:
 * 'pending-appeared' and 'pending-vanished' (warn) and 'pending-changed' (info), each with its numbers,
 * and 'pending-unreadable' (warn) for what could not be decoded or valued. Returns the error message
 * when the read fails (the keeper then fails the cycle closed, as for balances).
 */
export async function syncChainPending(o: { executor: Executor; universe: Universe; portfolio: Portfolio; journal: Pick<JournalPort, 'recordEvent'>; cycleId: number; at: number; now: number }): Promise<{ portfolio: Portfolio; error?: string | undefined }> {
  if (!o.executor.readPending) return { portfolio: o.portfolio };
  let chain: ChainPendingRead | undefined;
  try {
    chain = await o.executor.readPending(o.universe, o.now);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    o.journal.recordEvent({ cycleId: o.cycleId, at: o.at, kind: 'holdings-read-failed', severity: 'critical', message: `could not read the vault's pending redemptions: ${message}` });
    return { portfolio: o.portfolio, error: message };
  }
  if (!chain) return { portfolio: o.portfolio };
  const s = adoptChainPending(o.portfolio.pending, chain);
  const ev = (kind: string, severity: 'info' | 'warn', message: string, data: Record<string, unknown>) => o.journal.recordEvent({ cycleId: o.cycleId, at: o.at, kind, severity, message, data });
  if (chain.problems.length) ev('pending-unreadable', 'warn', `pending redemptions the chain holds for the vault that could not be read: ${chain.problems.join('; ')}`, { problems: chain.problems, kept: chain.unreadable });
  for (const p of s.appeared) ev('pending-appeared', 'warn', `pending redemption ${p.id} (${p.asset}, ${p.expectedBase} base units due, claimable ${new Date(p.claimableAt).toISOString()}) is on the chain but not in the journal; adopted`, show(p));
  for (const p of s.vanished) ev('pending-vanished', 'warn', `pending redemption ${p.id} (${p.asset}, ${p.expectedBase} base units due) is in the journal but no longer on the chain (claimed outside the keeper, or never landed); dropped`, show(p));
  for (const c of s.changed) ev('pending-changed', 'info', `pending redemption ${c.chain.id}: journal ${c.journal.expectedBase} → chain ${c.chain.expectedBase} base units due`, { journal: show(c.journal), chain: show(c.chain) });
  return { portfolio: { ...o.portfolio, pending: s.pending } };
}
