import type { AssetId } from '../../domain/asset.js';
import type { Observation } from '../../domain/observation.js';
import type { Snapshot } from '../../market/asset-view.js';
import { apyUnitSlip } from '../../market/plausibility.js';

/**
 * The APY each asset's own fair rate implies, as the keeper last saw it (trusted readings only), for
 * the API edge to cross-check reported APYs against. An API that changes its unit (percent where a
 * fraction was, or the reverse) is off by a factor near 100 from what the chain says the token earns;
 * such a reading is named a unit error and never leaves the source. Only tokens that earn through their
 * fair rate are referenced: a lending position's reported APY is its supply rate, which the rate of the
 * token it supplies says nothing about.
 */
export class ApyReferenceBook {
  private readonly implied = new Map<AssetId, number>();

  constructor(private readonly accruing: ReadonlySet<AssetId>) {}

  /** A book over the receipt tokens (lst, lrt, vrt) among `assets`. */
  static forAssets(assets: Iterable<{ readonly id: AssetId; readonly kind: string }>): ApyReferenceBook {
    return new ApyReferenceBook(new Set([...assets].filter((a) => a.kind === 'lst' || a.kind === 'lrt' || a.kind === 'vrt').map((a) => a.id)));
  }

  update(snap: Snapshot): void {
    for (const [id, v] of snap.assets) if (this.accruing.has(id) && v.rateGrowthApy !== null) this.implied.set(id, v.rateGrowthApy);
  }

  get(asset: AssetId): number | undefined {
    return this.implied.get(asset);
  }
}

const pct = (x: number) => `${(x * 100).toPrecision(3)} %`;

/** Why an API reading's APY is a unit error against the rate-implied APY, or undefined. */
export function apyUnitError(o: Observation, book: ApyReferenceBook | undefined): string | undefined {
  const implied = book?.get(o.asset);
  if (implied === undefined || o.apyBase === undefined) return undefined;
  const slip = apyUnitSlip(o.apyBase, implied);
  if (slip === undefined) return undefined;
  return `apyBase=${o.apyBase}: unit error: ${slip === 100 ? '≈100×' : '≈1/100 of'} the ${pct(implied)} ${o.asset}'s fair rate implies (${slip === 100 ? 'a percent taken for a fraction' : 'a fraction taken for a percent'}); not used`;
}
