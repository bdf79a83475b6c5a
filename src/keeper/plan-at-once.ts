import type { PlannedAction } from '../domain/action.js';
import type { Portfolio } from '../domain/portfolio.js';
import type { PlanContext, PlanExecutor } from '../executor/executor.js';
import type { JournalPort } from '../journal/journal-port.js';
import { haltReasonOf } from './recover.js';

/**
 * The execute step for an executor that takes the whole plan at once (a multisig proposer): every
 * action's intent is journaled first, then the executor gets the plan, then each result is journaled as
 * the per-action loop would. A halted executor gets nothing and every action is skipped.
 */
export async function executePlanAtOnce(p: {
  journal: JournalPort;
  executor: PlanExecutor;
  actions: readonly PlannedAction[];
  ids: readonly number[];
  portfolio: Portfolio;
  ctx: PlanContext;
  at: () => number;
}): Promise<{ portfolio: Portfolio; filled: number; failed: number; cost: bigint }> {
  const { journal: j, executor, actions, ids, ctx } = p;
  const halted = haltReasonOf(executor);
  if (halted !== undefined) {
    for (const id of ids) j.recordActionStatus(id, 'skipped', p.at(), { reason: `vault halted: ${halted}` });
    return { portfolio: p.portfolio, filled: 0, failed: 0, cost: 0n };
  }
  for (const id of ids) j.recordActionStatus(id, 'intent', p.at());
  const entries = actions.map((action, k) => {
    const id = ids[k] as number;
    return { action, actionId: id, onStatus: (status: Parameters<typeof j.recordActionStatus>[1], detail?: Record<string, unknown>) => j.recordActionStatus(id, status, p.at(), detail) };
  });
  const results = await executor.executePlan(entries, p.portfolio, ctx);
  let portfolio = p.portfolio;
  let filled = 0;
  let failed = 0;
  let cost = 0n;
  for (const [k, r] of results.entries()) {
    const id = ids[k] as number;
    const action = actions[k] as PlannedAction;
    if (r.fill) j.recordFill(id, r.fill);
    j.recordActionStatus(id, r.status, p.at(), r.detail);
    if (r.status === 'confirmed') {
      filled++;
      cost += r.fill?.costBase ?? 0n;
      portfolio = r.portfolio;
    } else if (r.status === 'failed') {
      failed++;
      j.recordEvent({ cycleId: ctx.cycleId, at: p.at(), kind: 'action-failed', severity: 'warn', asset: action.from, message: `${action.kind} ${action.from}→${action.to} failed: ${String(r.detail.reason ?? 'unknown')}`, data: r.detail });
    }
  }
  return { portfolio, filled, failed, cost };
}

/**
 * A halted cycle makes no plan, but a plan-at-once executor may have a proposal pending that the halt
 * makes wrong: it is shown the halt (an empty plan, the breakers that fired) so it can withdraw it. A
 * failure here is journaled and never stops the halt from being recorded.
 */
export async function showHaltToPlanExecutor(p: { journal: JournalPort; executor: PlanExecutor; portfolio: Portfolio; ctx: PlanContext; at: () => number }): Promise<void> {
  try {
    await p.executor.executePlan([], p.portfolio, p.ctx);
  } catch (e) {
    p.journal.recordEvent({ cycleId: p.ctx.cycleId, at: p.at(), kind: 'executor-error', severity: 'critical', message: `the executor could not follow its pending proposal during the halt: ${(e as Error).message}` });
  }
}
