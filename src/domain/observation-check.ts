import { APY_FIELDS, OBSERVATION_FIELDS, type Observation } from './observation.js';

/**
 * Range checks every source's readings pass before anything reads them. Pure; returns problems rather
 * than throwing so a caller can name the file/row/field it came from.
 *
 * Bounds are deliberately wide: they catch unit mistakes (percent for fraction, wei for ETH), not
 * unusual markets. An APY above 1 (100 %) is read as a percent slipped in where a fraction belongs.
 */
export interface ObservationProblem {
  readonly field: string;
  readonly value: unknown;
  readonly expected: string;
}

export const APY_MAX_FRACTION = 1;
export const APY_MIN_FRACTION = -0.5;

export function checkObservation(o: Observation): ObservationProblem[] {
  const problems: ObservationProblem[] = [];
  if (!Number.isFinite(o.time)) problems.push({ field: 'time', value: o.time, expected: 'a valid time' });
  if (!o.asset) problems.push({ field: 'asset', value: o.asset, expected: 'an asset id' });
  if (!o.source) problems.push({ field: 'source', value: o.source, expected: 'a source name' });
  for (const f of OBSERVATION_FIELDS) {
    const v = o[f];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problems.push({ field: f, value: v, expected: 'a finite number' });
    }
  }
  for (const f of ['fairRate', 'marketRate'] as const) {
    const v = o[f];
    if (v !== undefined && Number.isFinite(v) && !(v > 0 && v < 1e6)) {
      problems.push({ field: f, value: v, expected: 'a positive rate in base asset per token (0 < rate < 1e6)' });
    }
  }
  for (const f of APY_FIELDS) {
    const v = o[f];
    if (v === undefined || !Number.isFinite(v)) continue;
    if (v > APY_MAX_FRACTION) {
      problems.push({ field: f, value: v, expected: `an annual fraction ≤ ${APY_MAX_FRACTION} (${v} looks like a percent: did you mean ${v / 100}?)` });
    } else if (v < APY_MIN_FRACTION) {
      problems.push({ field: f, value: v, expected: `an annual fraction ≥ ${APY_MIN_FRACTION}` });
    }
  }
  if (o.supplyIndex !== undefined && Number.isFinite(o.supplyIndex) && !(o.supplyIndex > 0)) {
    problems.push({ field: 'supplyIndex', value: o.supplyIndex, expected: 'a positive index' });
  }
  if (o.exitImpact !== undefined && Number.isFinite(o.exitImpact) && !(o.exitImpact >= 0 && o.exitImpact < 1)) {
    problems.push({ field: 'exitImpact', value: o.exitImpact, expected: `a price impact fraction in [0, 1)${o.exitImpact >= 1 ? ` (${o.exitImpact} looks like a percent)` : ''}` });
  }
  if ((o.exitImpact === undefined) !== (o.exitSizeBase === undefined)) {
    problems.push({ field: o.exitImpact === undefined ? 'exitImpact' : 'exitSizeBase', value: undefined, expected: 'exitImpact and exitSizeBase given together' });
  }
  if (o.exitSizeBase !== undefined && Number.isFinite(o.exitSizeBase) && !(o.exitSizeBase > 0)) {
    problems.push({ field: 'exitSizeBase', value: o.exitSizeBase, expected: 'a positive size in whole base units' });
  }
  for (const f of ['tvlBase', 'exitLiquidityBase', 'redemptionDelaySeconds'] as const) {
    const v = o[f];
    if (v !== undefined && Number.isFinite(v) && v < 0) problems.push({ field: f, value: v, expected: 'a non-negative number' });
  }
  return problems;
}
