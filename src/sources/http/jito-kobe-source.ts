import { z } from 'zod';
import type { AssetId } from '../../domain/asset.js';
import type { Observation } from '../../domain/observation.js';
import { DAY, formatTime, type EpochMs } from '../../domain/time.js';
import type { SourceFailure, SourceRead, YieldSource } from '../yield-source.js';
import type { HttpClient } from './http-client.js';
import type { ApyReferenceBook } from './apy-reference.js';
import { admit, failure, reasonOf, trimSlash } from './readings.js';
import { lamportsToSol } from './units.js';

/**
 * JitoSOL pool stats from Jito's Kobe API: `POST {baseUrl}/api/v1/stake_pool_stats` with a daily
 * bucket over the last week. The POST is a read-only query, so the client may retry it like a GET.
 * Units (Jito's docs and the kobe-client crate agree): `apy[].data` is a FRACTION (0.0718 = 7.18 %),
 * `tvl[].data` is LAMPORTS. Each series item is `{ data, date }`. Only apy and tvl are read; the other
 * series (mev_rewards, num_validators, supply) are ignored.
 */

export interface JitoKobeConfig {
  readonly baseUrl: string;
  /** Usually just JitoSOL. */
  readonly assets: readonly AssetId[];
}

export const JITO_SOURCE = 'jito-kobe';
/** Matches the API's own default window; a week of daily points always holds a recent one. */
export const JITO_LOOKBACK_MS = 7 * DAY;

const isoTimestamp = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'an ISO timestamp');

export const JitoStatsSchema = z.object({
  apy: z.array(z.object({ data: z.number(), date: isoTimestamp })),
  tvl: z.array(z.object({ data: z.number().nonnegative(), date: isoTimestamp })),
});

/** Kobe parses RFC 3339; whole seconds keep the request in the documented form ("2025-08-15T00:00:00Z"). */
function isoSeconds(ms: EpochMs): string {
  return formatTime(Math.floor(ms / 1000) * 1000);
}

function latest<T extends { date: string }>(points: readonly T[]): T | undefined {
  // By date, not position: the requested sort order is not trusted.
  let best: T | undefined;
  for (const p of points) if (!best || Date.parse(p.date) > Date.parse(best.date)) best = p;
  return best;
}

export class JitoKobeSource implements YieldSource {
  readonly name = JITO_SOURCE;
  private readonly url: string;

  constructor(
    private readonly http: HttpClient,
    private readonly config: JitoKobeConfig,
    private readonly reference?: ApyReferenceBook,
  ) {
    this.url = `${trimSlash(config.baseUrl)}/api/v1/stake_pool_stats`;
  }

  requestBody(now: EpochMs) {
    return {
      bucket_type: 'Daily',
      range_filter: { start: isoSeconds(now - JITO_LOOKBACK_MS), end: isoSeconds(now) },
      sort_by: { field: 'BlockTime', order: 'Asc' },
    };
  }

  async read(now: EpochMs): Promise<SourceRead> {
    const endpoint = `POST ${this.url}`;
    const assets = this.config.assets;
    let stats: z.infer<typeof JitoStatsSchema>;
    try {
      stats = await this.http.postJson(this.url, this.requestBody(now), JitoStatsSchema);
    } catch (e) {
      return { observations: [], failures: [failure(this.name, assets, reasonOf(e))] };
    }
    const apy = latest(stats.apy);
    if (!apy) return { observations: [], failures: [failure(this.name, assets, `${endpoint}: no apy points in the last 7 days`)] };
    const tvl = latest(stats.tvl);
    const observations: Observation[] = [];
    const failures: SourceFailure[] = [];
    for (const asset of assets) {
      admit(
        {
          time: now,
          asset,
          source: this.name,
          ref: formatTime(Date.parse(apy.date)),
          apyBase: apy.data,
          tvlBase: tvl === undefined ? undefined : lamportsToSol(tvl.data),
        },
        endpoint,
        observations,
        failures,
        this.reference,
      );
    }
    return { observations, failures };
  }
}
