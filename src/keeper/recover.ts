import type { JournalPort } from '../journal/journal-port.js';

/**
 * Before any new work, close out cycles a previous process left unfinished. A paper action that never
 * reached a recorded post-trade snapshot has no effect on the resumed portfolio, so it is abandoned and
 * the cycle marked interrupted; chain executors will reconcile against the chain here instead.
 * Returns one line per cycle saying what was found.
 */
export function recoverUnfinished(j: JournalPort, executorMode: string, at: number): string[] {
  const lines: string[] = [];
  for (const c of j.unfinishedCycles()) {
    for (const a of c.openActions) {
      j.recordActionStatus(a.actionId, 'abandoned', at, { reason: `process stopped with the action ${a.status}; ${executorMode} mode does not resume it` });
    }
    const msg = `cycle ${c.cycleId} (decision ${new Date(c.decisionTime).toISOString()}) was interrupted after stage "${c.lastStage ?? 'begin'}"; ${c.openActions.length} open action(s) abandoned`;
    j.recordEvent({ cycleId: c.cycleId, at, kind: 'cycle-interrupted', severity: 'warn', message: msg, data: { lastStage: c.lastStage, openActions: c.openActions.length } });
    j.endCycle(c.cycleId, at, 'interrupted', { lastStage: c.lastStage, abandoned: c.openActions.map((a) => a.actionId) });
    lines.push(msg);
  }
  return lines;
}
