import type { AssetId } from '../domain/asset.js';
import { parseDuration } from '../domain/time.js';
import type { TrustConfig } from '../config/vault-schema.js';
import type { Universe } from '../config/universe.js';
import type { Snapshot } from '../market/asset-view.js';

export const TRUST_FLAG_KINDS = ['apy-disagreement', 'market-far-from-fair', 'implausible-apy', 'rate-stuck'] as const;
export type TrustFlagKind = (typeof TRUST_FLAG_KINDS)[number];

export interface TrustFlag {
  readonly asset: AssetId;
  readonly kind: TrustFlagKind;
  readonly message: string;
  readonly data: Record<string, unknown>;
}

export interface TrustAssessment {
  readonly flags: readonly TrustFlag[];
  /** Closed to new money: readings that cannot be relied on. */
  readonly unreliable: ReadonlyMap<AssetId, string>;
  /** Score with the lower of the reported and the on-chain yield. */
  readonly conservative: ReadonlySet<AssetId>;
}

const pct = (x: number) => `${(x * 100).toFixed(3)} %`;

/**
 * Readings that passed validation can still disagree with each other or with common sense. This pure
 * check looks at the merged view of every source and flags: a reported APY that disagrees with the
 * APY implied by the fair rate's own growth; a market price implausibly far from the fair rate; an
 * implausible APY; a fair rate that has not moved for longer than an accruing token's rate should
 * (a stored value nobody updates). What each flag does is the vault's choice: score conservatively,
 * or keep new money out.
 */
export function assessTrust(u: Universe, snap: Snapshot, c: TrustConfig): TrustAssessment {
  const flags: TrustFlag[] = [];
  const unreliable = new Map<AssetId, string>();
  const conservative = new Set<AssetId>();
  const stillFor = parseDuration(c.maxRateStillness);
  for (const a of u.assets) {
    if (a.kind === 'native') continue;
    const v = snap.assets.get(a.id);
    if (!v) continue;
    const f = v.fields;
    const reported = f.apyBase || f.apyMev || f.apyRestaking ? (f.apyBase?.value ?? 0) + (f.apyMev?.value ?? 0) + (f.apyRestaking?.value ?? 0) : null;
    const onchain = v.rateGrowthApy;
    if (reported !== null && onchain !== null && Math.abs(reported - onchain) > c.apyTolerance) {
      const message = `${a.id}: reported APY ${pct(reported)} (${f.apyBase?.source ?? 'api'}) disagrees with ${pct(onchain)} implied by the fair rate's growth (tolerance ${pct(c.apyTolerance)})`;
      flags.push({ asset: a.id, kind: 'apy-disagreement', message, data: { reported, onchain } });
      if (c.onDisagreement === 'unreliable') unreliable.set(a.id, message);
      else conservative.add(a.id);
    }
    for (const [name, x] of [['rate-implied', onchain], ['reported', reported], ['lending', f.apyLending?.value ?? null], ['incentives', f.apyIncentives?.value ?? null]] as const) {
      if (x !== null && x !== undefined && x > c.maxApy) {
        const message = `${a.id}: ${name} APY ${pct(x)} is above the plausible ${pct(c.maxApy)}`;
        flags.push({ asset: a.id, kind: 'implausible-apy', message, data: { which: name, apy: x } });
        unreliable.set(a.id, message);
      }
    }
    const fair = f.fairRate?.value;
    const market = f.marketRate?.value;
    if (fair !== undefined && market !== undefined && Math.abs(market / fair - 1) > c.maxMarketDeviation) {
      const message = `${a.id}: market price ${market} is ${pct(Math.abs(market / fair - 1))} from the fair rate ${fair} (plausible within ${pct(c.maxMarketDeviation)}); the quote is not trusted`;
      flags.push({ asset: a.id, kind: 'market-far-from-fair', message, data: { market, fair } });
      unreliable.set(a.id, message);
    }
    const accrues = a.kind === 'lst' || a.kind === 'lrt' || a.kind === 'vrt';
    if (accrues && fair !== undefined && v.fairRateSince !== null && snap.time - v.fairRateSince > stillFor && (f.fairRate?.time ?? 0) > v.fairRateSince) {
      const hours = (snap.time - v.fairRateSince) / 3_600_000;
      const message = `${a.id}: fair rate ${fair} has not moved for ${hours.toFixed(1)} h although it is read (a stored value nobody updates?); limit ${c.maxRateStillness}`;
      flags.push({ asset: a.id, kind: 'rate-stuck', message, data: { since: new Date(v.fairRateSince).toISOString(), hours } });
      if (c.onDisagreement === 'unreliable') unreliable.set(a.id, message);
      else conservative.add(a.id);
    }
  }
  return { flags, unreliable, conservative };
}
