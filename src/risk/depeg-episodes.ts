import type { AssetId } from '../domain/asset.js';

/**
 * Hysteresis for depeg responses. An episode starts when the discount reaches the enter band or the
 * asset shows impairment, and ends only after the discount has stayed at or under the (lower) exit band
 * for the minimum dwell, and the episode itself has lasted that long. While an episode lasts, new money
 * stays out: a discount that merely wobbles under a single threshold never buys back what was sold.
 */
export type EpisodeKind = 'liquidity' | 'impairment';

export interface DepegEpisode {
  readonly kind: EpisodeKind;
  /** When the episode started. */
  readonly since: number;
  /** When the discount last came back inside the exit band (null while it is outside). */
  readonly calmSince: number | null;
  /** Largest discount seen in the episode. */
  readonly worstDiscount: number;
}

/** Episodes in progress by asset. Carried from cycle to cycle; empty at the first cycle. */
export type DepegMemory = ReadonlyMap<AssetId, DepegEpisode>;

export const NO_EPISODES: DepegMemory = new Map();

export interface Bands {
  readonly enter: number;
  readonly exit: number;
  readonly minDwellMs: number;
}

/** The next state of one asset's episode given this cycle's discount and impairment signal. */
export function nextEpisode(prev: DepegEpisode | undefined, discount: number, impaired: boolean, now: number, b: Bands): DepegEpisode | undefined {
  const d = Math.max(0, discount);
  if (!prev) {
    if (impaired) return { kind: 'impairment', since: now, calmSince: null, worstDiscount: d };
    if (d >= b.enter) return { kind: 'liquidity', since: now, calmSince: null, worstDiscount: d };
    return undefined;
  }
  // Impairment is sticky for the episode: a rate that fell once is not trusted again on one calm reading.
  const kind: EpisodeKind = impaired || prev.kind === 'impairment' ? 'impairment' : 'liquidity';
  const calm = !impaired && d <= b.exit;
  const calmSince = calm ? (prev.calmSince ?? now) : null;
  if (calmSince !== null && now - calmSince >= b.minDwellMs && now - prev.since >= b.minDwellMs) return undefined;
  return { kind, since: prev.since, calmSince, worstDiscount: Math.max(prev.worstDiscount, d) };
}

/** JSON for the journal (episodes are small plain records). */
export function memoryToJson(m: DepegMemory): Record<string, DepegEpisode> {
  return Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
}
