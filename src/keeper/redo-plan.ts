import type { PlannedAction } from '../domain/action.js';
import type { Portfolio } from '../domain/portfolio.js';
import type { ExecutedAction } from '../journal/redo-port.js';

/**
 * How a redo continues an interrupted decision. The decision is made again (decideCycle, same readings,
 * same holdings at the same decision time), so its plan is the interrupted one: the actions already
 * executed are found in it and kept, and only the rest are executed. If the plan made again does not
 * hold an executed action exactly (other code, config or readings), the redo cannot continue that plan:
 * it plans afresh against the holdings as they are now.
 */
export type RedoContinuation =
  | { readonly kind: 'continue'; readonly remaining: readonly PlannedAction[]; readonly executed: readonly ExecutedAction[] }
  | { readonly kind: 'diverged'; readonly reason: string };

/** The fields that make an action the same action (what it spends, where, for at least what). */
function sameAction(a: PlannedAction, b: PlannedAction): boolean {
  return (
    a.seq === b.seq &&
    a.kind === b.kind &&
    a.from === b.from &&
    a.to === b.to &&
    a.amountIn === b.amountIn &&
    a.minOut === b.minOut &&
    a.venue === b.venue &&
    (a.redemptionId ?? null) === (b.redemptionId ?? null)
  );
}

function describe(a: PlannedAction): string {
  return `#${a.seq} ${a.kind} ${a.from}→${a.to} ${a.amountIn} via ${a.venue}`;
}

export function continueInterrupted(plan: readonly PlannedAction[], executed: readonly ExecutedAction[]): RedoContinuation {
  const bySeq = new Map(plan.map((a) => [a.seq, a]));
  const done = new Set<number>();
  for (const e of executed) {
    const mine = bySeq.get(e.action.seq);
    if (done.has(e.action.seq)) return { kind: 'diverged', reason: `plan step ${e.action.seq} was executed twice before (action ${e.actionId})` };
    if (!mine) return { kind: 'diverged', reason: `executed action ${e.actionId} (${describe(e.action)}) is not in the plan made again` };
    if (!sameAction(mine, e.action)) {
      return { kind: 'diverged', reason: `executed action ${e.actionId} (${describe(e.action)}) differs from the plan made again (${describe(mine)})` };
    }
    done.add(e.action.seq);
  }
  return { kind: 'continue', remaining: plan.filter((a) => !done.has(a.seq)), executed };
}

/**
 * The holdings after the last executed action that recorded them (every paper fill does), else
 * `fallback`: a chain action resolved from its transactions after a crash has none, and a chain
 * executor reads the vault's real balances before deciding anyway.
 */
export function holdingsAfterExecuted(executed: readonly ExecutedAction[], fallback: Portfolio): Portfolio {
  for (let k = executed.length - 1; k >= 0; k--) {
    const e = executed[k] as ExecutedAction;
    if (e.status !== 'confirmed') continue;
    return e.holdingsAfter ?? fallback;
  }
  return fallback;
}
