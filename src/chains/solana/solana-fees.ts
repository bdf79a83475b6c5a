import type { Connection, PublicKey } from '@solana/web3.js';

/**
 * Priority fee from the cluster's recent prioritization fees (per slot, for the accounts the transaction
 * writes) at a configured percentile, and the compute-unit limit from simulation plus a margin.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i] as number;
}

export async function recentPriorityFee(connection: Connection, writable: readonly PublicKey[], p: number): Promise<bigint> {
  const fees = await connection.getRecentPrioritizationFees({ lockedWritableAccounts: writable.slice(0, 128) as PublicKey[] });
  return BigInt(Math.ceil(percentile(fees.map((f) => f.prioritizationFee), p)));
}

/** Simulated units plus a fractional margin and a fixed floor for the two compute-budget instructions themselves. */
export function computeUnitLimit(simulated: bigint, margin: number, max: number): number {
  const withMargin = Math.ceil(Number(simulated) * (1 + margin)) + 300;
  return Math.min(max, Math.max(1_000, withMargin));
}
