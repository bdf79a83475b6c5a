import { formatUnits } from 'viem';
import type { PlannedAction } from '../../../domain/action.js';
import type { AssetId } from '../../../domain/asset.js';

/**
 * What a proposal tells its signers: the cycle's rationale, each action, the balance changes the Safe
 * should see, the simulation's result and, for a replacement, what it replaces and why. The full text is
 * journaled and written into the Transaction Builder file; the service's `origin` field gets a summary of
 * the same within its length bound.
 */

export interface ProposalDescription {
  readonly keeper: 'restake-keeper';
  readonly vault: string;
  readonly cycleId: number;
  readonly decisionTime: string;
  readonly rationale: readonly string[];
  readonly actions: ReadonlyArray<Record<string, unknown>>;
  /** Net change per asset, base units as signed decimal text. */
  readonly expectedChanges: Readonly<Record<AssetId, string>>;
  readonly simulation: { readonly ok: true; readonly gas: string; readonly via: string };
  /** Marks (base asset per token) the plan was valued at: the drift check compares against these. */
  readonly marks: Readonly<Record<AssetId, number>>;
  readonly replaces?: { readonly safeTxHash: string; readonly reason: string } | undefined;
}

export function actionSummary(a: PlannedAction, note?: string): Record<string, unknown> {
  return { seq: a.seq, kind: a.kind, from: a.from, to: a.to, amountIn: a.amountIn.toString(), expectedOut: a.expectedOut.toString(), minOut: a.minOut.toString(), venue: a.venue, reason: a.reason, ...(note ? { note } : {}) };
}

function signed(x: bigint, decimals: number): string {
  const s = formatUnits(x < 0n ? -x : x, decimals);
  const short = s.includes('.') ? s.replace(/(\.\d{0,4})\d*$/, '$1').replace(/\.$/, '') : s;
  return `${x < 0n ? '-' : '+'}${short}`;
}

/** One line for the service's origin field, at most `max` characters (the rationale is shortened first). */
export function originText(d: ProposalDescription, decimals: (a: AssetId) => number, max: number): string {
  const changes = Object.entries(d.expectedChanges)
    .filter(([, v]) => v !== '0')
    .map(([a, v]) => `${a} ${signed(BigInt(v), decimals(a))}`)
    .join(', ');
  const head = `restake-keeper ${d.vault} cycle ${d.cycleId}`;
  const tail = ` | changes: ${changes} | simulated as the Safe: ok, gas ${d.simulation.gas}${d.replaces ? ` | replaces ${d.replaces.safeTxHash.slice(0, 10)}: ${d.replaces.reason}` : ''}`;
  const why = d.rationale.join('; ');
  const room = max - head.length - tail.length - 3;
  if (room <= 0) return `${head}${tail}`.slice(0, max);
  return `${head} | ${why.length > room ? `${why.slice(0, Math.max(0, room - 1))}…` : why}${tail}`;
}

/** The description as readable text (Transaction Builder's description field, logs). */
export function descriptionText(d: ProposalDescription, decimals: (a: AssetId) => number): string {
  const lines = [
    `restake-keeper proposal for vault ${d.vault}, cycle ${d.cycleId} (decided at ${d.decisionTime})`,
    ...(d.replaces ? [`Replaces ${d.replaces.safeTxHash}: ${d.replaces.reason}`] : []),
    'Why:',
    ...d.rationale.map((r) => `  - ${r}`),
    'Actions:',
    ...d.actions.map((a) => `  ${String(a.seq)}. ${String(a.kind)} ${String(a.from)}→${String(a.to)} via ${String(a.venue)}: in ${String(a.amountIn)}, expected out ${String(a.expectedOut)}, min out ${String(a.minOut)}${a.note ? ` (${String(a.note)})` : ''}`),
    `Expected balance changes of the Safe: ${Object.entries(d.expectedChanges).map(([a, v]) => `${a} ${signed(BigInt(v), decimals(a))}`).join(', ')}`,
    `Simulation (${d.simulation.via}): ok, gas ${d.simulation.gas}`,
  ];
  return lines.join('\n');
}
