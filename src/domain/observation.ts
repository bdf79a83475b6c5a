import type { AssetId } from './asset.js';
import type { EpochMs } from './time.js';

/**
 * One reading of one asset at one time from one source. Every field but time/asset/source is optional:
 * a source records what it sees and nothing more. Units:
 * - rates are base-asset per 1 whole token (ETH per wstETH, SOL per JitoSOL);
 * - apy* are annual fractions (0.035 = 3.5 %), never percent;
 * - supplyIndex is a dimensionless cumulative index (a lending balance grows by its ratio);
 * - tvlBase and exitLiquidityBase are whole base-asset units (ETH, SOL);
 * - redemptionDelaySeconds is the protocol's queue delay observed now;
 * - exitImpact is the price impact (fraction) of selling exitSizeBase whole base units of the token
 *   into the base asset now (a live DEX quote at size).
 */
export interface Observation {
  readonly time: EpochMs;
  readonly asset: AssetId;
  readonly source: string;
  /** Block number or slot the reading was taken at, when the source knows it. */
  readonly ref?: string | undefined;
  readonly fairRate?: number | undefined;
  readonly marketRate?: number | undefined;
  readonly apyBase?: number | undefined;
  readonly apyMev?: number | undefined;
  readonly apyRestaking?: number | undefined;
  readonly apyIncentives?: number | undefined;
  readonly apyLending?: number | undefined;
  readonly supplyIndex?: number | undefined;
  readonly tvlBase?: number | undefined;
  readonly exitLiquidityBase?: number | undefined;
  readonly redemptionDelaySeconds?: number | undefined;
  readonly exitImpact?: number | undefined;
  readonly exitSizeBase?: number | undefined;
}

/** The observation fields that carry a value, in the order the recorded-history format lists them. */
export const OBSERVATION_FIELDS = [
  'fairRate',
  'marketRate',
  'apyBase',
  'apyMev',
  'apyRestaking',
  'apyIncentives',
  'apyLending',
  'supplyIndex',
  'tvlBase',
  'exitLiquidityBase',
  'redemptionDelaySeconds',
  'exitImpact',
  'exitSizeBase',
] as const;
export type ObservationField = (typeof OBSERVATION_FIELDS)[number];

export const APY_FIELDS = ['apyBase', 'apyMev', 'apyRestaking', 'apyIncentives', 'apyLending'] as const;
