/**
 * Unit conversions at the HTTP edge. Each API states its own unit; everything past this file speaks the
 * Observation's units (annual fractions, whole base-asset units). Named so a test can pin each one.
 */

/**
 * Percent (3.49 means 3.49 %) → annual fraction (0.0349). Rounded to 15 significant digits so the
 * division's binary noise goes away (2.9 / 100 is 0.028999999999999998 in floating point); no API sends
 * more digits than that, so nothing real is lost.
 */
export function percentToFraction(percent: number): number {
  return Number((percent / 100).toPrecision(15));
}

export const LAMPORTS_PER_SOL = 1e9;

/**
 * Lamports → whole SOL. Pool TVLs (~1.5e16 lamports) exceed 2^53, so JSON.parse already rounded them to
 * the nearest representable double (an error below one lamport per 10^15): irrelevant for a TVL.
 */
export function lamportsToSol(lamports: number): number {
  return lamports / LAMPORTS_PER_SOL;
}

/**
 * "A fraction sent where percent was expected" for Lido's stETH APR. The rule is deliberately narrow:
 * the 7-day SMA of stETH's APR has stayed between roughly 2.5 % and 6 % since the Beacon chain launch
 * (the consensus-layer issuance floor alone is well above 1 % at today's stake), so a value below 0.5
 * (percent) is not a quiet week, it is 0.03-style fraction data (→ 0.0003 after conversion) or a broken
 * feed. Either way it must not be read as a yield. Applied only where the asset is known to be stETH:
 * a generic pool (DefiLlama) can legitimately report < 0.5 %, so no such rule is applied there.
 */
export const LIDO_MIN_PLAUSIBLE_APR_PERCENT = 0.5;

export function lidoAprUnitProblem(aprPercent: number): string | undefined {
  if (aprPercent >= LIDO_MIN_PLAUSIBLE_APR_PERCENT) return undefined;
  const hint = aprPercent > 0 && aprPercent < 1 ? ` (looks like a fraction where percent was expected: ${aprPercent} would mean ${Number((aprPercent * 100).toPrecision(12))} %)` : '';
  return `stETH APR ${aprPercent} % is below the plausible floor of ${LIDO_MIN_PLAUSIBLE_APR_PERCENT} %${hint}`;
}
