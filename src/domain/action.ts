import type { AssetId } from './asset.js';
import type { EpochMs } from './time.js';

/**
 * One step that turns `from` into `to`. Every kind is a conversion so one executor interface covers
 * all of them; a route from the base asset into a lending position is two actions (mint, then supply).
 */
export const ACTION_KINDS = ['mint', 'buy', 'sell', 'redeem-request', 'redeem-claim', 'supply', 'withdraw'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export interface PlannedAction {
  /** Position in the plan; exits come before entries. */
  readonly seq: number;
  readonly kind: ActionKind;
  readonly from: AssetId;
  readonly to: AssetId;
  /** Amount of `from` handed in, base units of `from`. For a claim, the redemption's expected base. */
  readonly amountIn: bigint;
  /** Estimated amount of `to` received, base units of `to` (0 for a redeem request: it pays out later). */
  readonly expectedOut: bigint;
  /** Refuse a fill below this (slippage bound). */
  readonly minOut: bigint;
  readonly venue: string;
  /** Estimated cost in base-asset units: fees + slippage + depeg given up + gas. */
  readonly estCostBase: bigint;
  /** Time until the output is usable (redemption queue), seconds. */
  readonly delaySeconds: number;
  /** For a claim: the pending redemption it claims. */
  readonly redemptionId?: string | undefined;
  /** Why this action: which target it moves toward. */
  readonly reason: string;
}

/**
 * Chain-agnostic life of an action. Paper mode goes planned → intent → confirmed; real chains pass
 * through built / simulated / signed / sent. Every transition is a new journal row.
 */
export const ACTION_STATUSES = ['planned', 'intent', 'built', 'simulated', 'signed', 'sent', 'confirmed', 'failed', 'skipped', 'abandoned'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export interface Fill {
  readonly amountIn: bigint;
  readonly amountOut: bigint;
  /** Realized cost in base-asset units (never negative: what was given up against fair, plus gas). */
  readonly costBase: bigint;
  /**
   * Value gained against fair (a buy below the fair rate gains the discount a sale below it gives up);
   * net cost = costBase − gainBase. Also written into the fill's detail for the journal.
   */
  readonly gainBase?: bigint | undefined;
  readonly at: EpochMs;
  readonly detail?: Record<string, unknown> | undefined;
}
