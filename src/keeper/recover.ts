import { JournalError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import type { JournalPort } from '../journal/journal-port.js';

/** What startup reconciliation of in-flight chain transactions decided for open actions. */
export interface InFlightOutcome {
  /** Action id → its final status, from its transactions on chain. */
  readonly resolutions: ReadonlyMap<number, { readonly status: 'confirmed' | 'failed'; readonly detail: Record<string, unknown> }>;
  readonly lines: readonly string[];
}

/** A chain executor that must reconcile the journal's in-flight transactions before any new work. */
export interface ReconcilingExecutor extends Executor {
  reconcileInFlight(at: number): Promise<InFlightOutcome>;
}

export function isReconciling(e: Executor): e is ReconcilingExecutor {
  return typeof (e as Partial<ReconcilingExecutor>).reconcileInFlight === 'function' && e.mode === 'live';
}

/** The halt an executor is under (reconciliation mismatch, external nonce use), if it has such a notion. */
export function haltReasonOf(e: Executor): string | undefined {
  const f = (e as { haltReason?: () => string | undefined }).haltReason;
  return typeof f === 'function' ? f.call(e) : undefined;
}

/**
 * Before any new work, close out cycles a previous process left unfinished.
 *
 * - An action with chain transactions is resolved from what they did on chain (`inflight`, produced by a
 *   live executor's reconcileInFlight, which has already settled every in-flight transaction): all
 *   confirmed → the action is confirmed, not abandoned (it happened); otherwise failed.
 * - An action with no transaction journaled sent nothing (a transaction is journaled before it is
 *   broadcast): it is abandoned. (A paper action that filled is not open: its fill, status and holdings
 *   after it are one write.) The redo of the cycle (Keeper.redoInterrupted) plans what was abandoned again.
 * - An action with transactions but no resolution (a paper or dry-run keeper opened a live journal)
 *   is refused: only a live executor can find out what those transactions did.
 *
 * The cycle is then marked interrupted. Returns one line per cycle saying what was found.
 */
export function recoverUnfinished(j: JournalPort, executorMode: string, at: number, inflight?: InFlightOutcome): string[] {
  const lines: string[] = [];
  for (const c of j.unfinishedCycles()) {
    let abandoned = 0;
    let confirmed = 0;
    let failed = 0;
    for (const a of c.openActions) {
      const r = inflight?.resolutions.get(a.actionId);
      if (r) {
        j.recordActionStatus(a.actionId, r.status, at, { ...r.detail, recovered: true });
        if (r.status === 'confirmed') confirmed++;
        else failed++;
        continue;
      }
      const txs = j.transactionsOfAction?.(a.actionId) ?? [];
      if (txs.length > 0) {
        throw new JournalError(
          `action ${a.actionId} of cycle ${c.cycleId} has ${txs.length} journaled chain transaction(s) (${txs.map((t) => `${t.txHash}: ${t.status}`).join(', ')}); ` +
            `${executorMode} mode cannot reconcile them against the chain: start the keeper in live mode first`,
          { actionId: a.actionId, cycleId: c.cycleId },
        );
      }
      j.recordActionStatus(a.actionId, 'abandoned', at, {
        reason: `process stopped with the action ${a.status}, before it executed; ${j.redo ? 'the redo of this cycle plans it again' : `${executorMode} mode does not resume it`}`,
        nothingSent: true,
      });
      abandoned++;
    }
    const chain = confirmed + failed > 0 ? `; from their transactions on chain, ${confirmed} confirmed and ${failed} failed` : '';
    const msg = `cycle ${c.cycleId} (decision ${new Date(c.decisionTime).toISOString()}) was interrupted after stage "${c.lastStage ?? 'begin'}"; ${abandoned} open action(s) abandoned${chain}`;
    j.recordEvent({ cycleId: c.cycleId, at, kind: 'cycle-interrupted', severity: 'warn', message: msg, data: { lastStage: c.lastStage, openActions: c.openActions.length, abandoned, confirmed, failed } });
    j.endCycle(c.cycleId, at, 'interrupted', { lastStage: c.lastStage, abandoned: c.openActions.filter((a) => !inflight?.resolutions.has(a.actionId)).map((a) => a.actionId), recovered: confirmed + failed });
    lines.push(msg);
  }
  return lines;
}
