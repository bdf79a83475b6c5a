import { ACTION_STATUSES, type ActionStatus, type Fill, type PlannedAction } from '../domain/action.js';
import { JournalError } from '../errors.js';
import { guard, optionalJsonText, uintToText } from './codec.js';
import { id, type prepareStatements } from './journal-statements.js';
import { allowedNext, canFill, canTransition, isTerminal } from './transitions.js';

/**
 * An action's life in the journal: its plan row, each status (only along the transitions in
 * transitions.ts, and never terminal while a transaction of it is in flight) and its fills.
 */
export class ActionStore {
  constructor(
    private readonly s: ReturnType<typeof prepareStatements>,
    private readonly tx: <T>(fn: () => T) => T,
  ) {}

  recordActions(cycleId: number, actions: readonly PlannedAction[], at?: number): number[] {
    return guard('recordActions', { cycleId }, () =>
      this.tx(() => {
        const plannedAt = at ?? this.s.cycleLatestTime.get(cycleId, cycleId)?.at;
        if (plannedAt === null || plannedAt === undefined) {
          throw new JournalError(`recordActions: no cycle ${cycleId}`, { cycleId });
        }
        return actions.map((a) => {
          const actionId = id(
            this.s.insertAction.run({
              cycleId,
              seq: a.seq,
              kind: a.kind,
              from: a.from,
              to: a.to,
              amountIn: uintToText(`action ${a.seq} amountIn`, a.amountIn),
              expectedOut: uintToText(`action ${a.seq} expectedOut`, a.expectedOut),
              minOut: uintToText(`action ${a.seq} minOut`, a.minOut),
              venue: a.venue,
              estCostBase: uintToText(`action ${a.seq} estCostBase`, a.estCostBase),
              delaySeconds: a.delaySeconds,
              redemptionId: a.redemptionId ?? null,
              reason: a.reason,
            }).lastInsertRowid,
          );
          this.s.insertStatus.run(actionId, 'planned', plannedAt, null);
          return actionId;
        });
      }),
    );
  }

  latestStatus(actionId: number): ActionStatus | undefined {
    if (!this.s.actionExists.get(actionId)) throw new JournalError(`no action ${actionId}`, { actionId });
    return this.s.latestStatus.get(actionId)?.status;
  }

  recordActionStatus(actionId: number, status: ActionStatus, at: number, detail?: Record<string, unknown>): void {
    guard('recordActionStatus', { actionId, status }, () =>
      this.tx(() => {
        if (!ACTION_STATUSES.includes(status)) {
          throw new JournalError(`unknown action status "${String(status)}"`, { actionId, status });
        }
        const from = this.latestStatus(actionId);
        if (!canTransition(from, status)) {
          const next = allowedNext(from);
          throw new JournalError(
            `illegal status transition for action ${actionId}: ${from ?? '(none)'} → ${status}` +
              ` (allowed from ${from ?? '(none)'}: ${next.length ? next.join(', ') : 'nothing, it is terminal'})`,
            { actionId, from, to: status },
          );
        }
        if (isTerminal(status)) {
          const open = this.s.openTxCount.get(actionId)?.n ?? 0;
          if (open > 0) {
            throw new JournalError(
              `action ${actionId} cannot become ${status} while ${open} of its transactions are in flight; reconcile them first`,
              { actionId, status, openTransactions: open },
            );
          }
        }
        this.s.insertStatus.run(actionId, status, at, optionalJsonText('action status detail', detail));
      }),
    );
  }

  recordFill(actionId: number, fill: Fill): void {
    guard('recordFill', { actionId }, () =>
      this.tx(() => {
        const status = this.latestStatus(actionId);
        if (status === undefined || !canFill(status)) {
          throw new JournalError(`cannot record a fill for action ${actionId} in status ${status ?? '(none)'}`, {
            actionId,
            status,
          });
        }
        this.s.insertFill.run({
          actionId,
          amountIn: uintToText('fill amountIn', fill.amountIn),
          amountOut: uintToText('fill amountOut', fill.amountOut),
          costBase: uintToText('fill costBase', fill.costBase),
          at: fill.at,
          detail: optionalJsonText('fill detail', fill.detail),
        });
      }),
    );
  }
}
