import type { PlannedAction } from '../domain/action.js';
import { KeeperError } from '../errors.js';

/**
 * Chain-agnostic pieces every chain's builders share: the error that names the action a builder could
 * not turn into transactions, and the one rule for a minimum out from a fresh quote and the slippage
 * bound (EVM DEX legs, Solana stake-pool deposits and Jupiter swaps all use it).
 */

/** A builder could not turn the action into transactions (unsupported route, missing address or chain fact). */
export class BuildError extends KeeperError {
  constructor(message: string, readonly action: PlannedAction) {
    super(`${describeAction(action)}: ${message}`, { seq: action.seq, kind: action.kind, from: action.from, to: action.to, venue: action.venue });
  }
}

export function describeAction(a: PlannedAction): string {
  return `action #${a.seq} ${a.kind} ${a.from}→${a.to} via "${a.venue}"`;
}

const PPM = 1_000_000n;

/**
 * quote × (1 − slippage), rounded so float error can only tighten the bound (1 ppm at most). A slippage
 * outside [0, 1) is refused: it is a fraction, never a percent.
 */
export function slippageFloor(quote: bigint, slippage: number, action: PlannedAction): bigint {
  if (!(slippage >= 0 && slippage < 1)) throw new BuildError(`slippage bound ${slippage} is not a fraction in [0, 1)`, action);
  return (quote * (PPM - BigInt(Math.floor(slippage * 1e6)))) / PPM;
}
