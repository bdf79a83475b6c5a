import type { ActionKind, PlannedAction } from '../domain/action.js';
import { textToUint } from './codec.js';

/** The `actions` table's columns as SQLite returns them (money as canonical decimal text). */
export interface ActionColumns {
  seq: number;
  kind: ActionKind;
  from_asset: string;
  to_asset: string;
  amount_in: string;
  expected_out: string;
  min_out: string;
  venue: string;
  est_cost_base: string;
  delay_s: number;
  redemption_id: string | null;
  reason: string;
}

/** One journaled action back as the planner's value (every money column checked on the way out). */
export function actionFromRow(r: ActionColumns): PlannedAction {
  return {
    seq: r.seq,
    kind: r.kind,
    from: r.from_asset,
    to: r.to_asset,
    amountIn: textToUint('actions.amount_in', r.amount_in),
    expectedOut: textToUint('actions.expected_out', r.expected_out),
    minOut: textToUint('actions.min_out', r.min_out),
    venue: r.venue,
    estCostBase: textToUint('actions.est_cost_base', r.est_cost_base),
    delaySeconds: r.delay_s,
    ...(r.redemption_id !== null ? { redemptionId: r.redemption_id } : {}),
    reason: r.reason,
  };
}
