import { z } from 'zod';
import type { AssetId } from '../../domain/asset.js';
import type { Observation } from '../../domain/observation.js';
import type { EpochMs } from '../../domain/time.js';
import type { SourceFailure, SourceRead, YieldSource } from '../yield-source.js';
import { formatIssuePath, type HttpClient } from './http-client.js';
import type { ApyReferenceBook } from './apy-reference.js';
import { admit, failure, reasonOf, trimSlash } from './readings.js';
import { percentToFraction } from './units.js';

/**
 * DefiLlama yields (no key). `GET /pools` lists every pool it tracks (~20k); we pick ours by pool uuid.
 * APYs there are PERCENT (2.5 = 2.5 %) and are converted to fractions here.
 *
 * tvlUsd is deliberately NOT mapped: Observation.tvlBase is in whole base-asset units (ETH, SOL), and
 * turning USD into ETH needs a price this endpoint does not give. Writing USD into tvlBase would
 * overstate TVL ~3000× and silently pass every min-TVL check.
 */

export interface DefiLlamaConfig {
  readonly baseUrl: string;
  /** Asset id → DefiLlama pool uuid. */
  readonly pools: Readonly<Record<AssetId, string>>;
}

export const DEFILLAMA_SOURCE = 'defillama';

/**
 * The list is checked only for what lets us find our pools (each entry has a string `pool`); each pool
 * we use is then validated in full. One odd pool among thousands we never read must not blind us.
 */
const PoolListSchema = z.object({ data: z.array(z.object({ pool: z.string() }).loose()) });

/** Fields we read from a pool. Extra fields are ignored; apyBase must be present (null allowed). */
const PoolSchema = z.object({
  pool: z.string(),
  apyBase: z.number().nullable(),
  apyReward: z.number().nullable().optional(),
});

const isoTimestamp = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'an ISO timestamp');

/** `/chart/{pool}`: daily points. Only timestamp/apyBase/apyReward are read; the rest are partly UNVERIFIED upstream. */
const ChartSchema = z.object({
  data: z.array(
    z.object({
      timestamp: isoTimestamp,
      apyBase: z.number().nullable().optional(),
      apyReward: z.number().nullable().optional(),
    }),
  ),
});

export class DefiLlamaSource implements YieldSource {
  readonly name = DEFILLAMA_SOURCE;
  private readonly baseUrl: string;

  constructor(
    private readonly http: HttpClient,
    private readonly config: DefiLlamaConfig,
    private readonly reference?: ApyReferenceBook,
  ) {
    this.baseUrl = trimSlash(config.baseUrl);
  }

  async read(now: EpochMs): Promise<SourceRead> {
    const assets = Object.keys(this.config.pools);
    if (assets.length === 0) return { observations: [], failures: [] };
    const url = `${this.baseUrl}/pools`;
    const endpoint = `GET ${url}`;
    const observations: Observation[] = [];
    const failures: SourceFailure[] = [];
    let list: z.infer<typeof PoolListSchema>;
    try {
      list = await this.http.getJson(url, PoolListSchema);
    } catch (e) {
      return { observations, failures: [failure(this.name, assets, reasonOf(e))] };
    }
    const index = new Map<string, number>();
    list.data.forEach((p, i) => {
      if (!index.has(p.pool)) index.set(p.pool, i);
    });
    for (const [asset, poolId] of Object.entries(this.config.pools)) {
      const i = index.get(poolId);
      if (i === undefined) {
        failures.push(failure(this.name, [asset], `${endpoint}: pool ${poolId} (${asset}) is not in the response`));
        continue;
      }
      const parsed = PoolSchema.safeParse(list.data[i]);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = formatIssuePath(['data', i, ...(issue?.path ?? [])]);
        failures.push(failure(this.name, [asset], `${endpoint}: unexpected response shape at ${where}: ${issue?.message ?? 'invalid'}`));
        continue;
      }
      const p = parsed.data;
      if (p.apyBase === null) {
        failures.push(failure(this.name, [asset], `${endpoint}: pool ${poolId} (${asset}) has apyBase null (no base yield reported)`));
        continue;
      }
      admit(
        {
          time: now,
          asset,
          source: this.name,
          apyBase: percentToFraction(p.apyBase),
          apyIncentives: p.apyReward == null ? undefined : percentToFraction(p.apyReward),
        },
        endpoint,
        observations,
        failures,
        this.reference,
      );
    }
    return { observations, failures };
  }

  /**
   * History for one pool (for a recorder / backfill): one observation per daily point, in time order.
   * `asset` defaults to the asset configured for that pool. Points without apyBase, or that fail the
   * range checks, are skipped and summarised in one failure.
   */
  async chart(poolId: string, asset?: AssetId): Promise<SourceRead> {
    const id = asset ?? Object.entries(this.config.pools).find(([, p]) => p === poolId)?.[0];
    const url = `${this.baseUrl}/chart/${encodeURIComponent(poolId)}`;
    const endpoint = `GET ${url}`;
    if (id === undefined) {
      return { observations: [], failures: [failure(this.name, [], `${endpoint}: pool ${poolId} is not configured and no asset id was given`)] };
    }
    let chart: z.infer<typeof ChartSchema>;
    try {
      chart = await this.http.getJson(url, ChartSchema);
    } catch (e) {
      return { observations: [], failures: [failure(this.name, [id], reasonOf(e))] };
    }
    const observations: Observation[] = [];
    const rejected: SourceFailure[] = [];
    let noBase = 0;
    for (const point of chart.data) {
      if (point.apyBase == null) {
        noBase++;
        continue;
      }
      const time = Date.parse(point.timestamp);
      admit(
        {
          time,
          asset: id,
          source: this.name,
          apyBase: percentToFraction(point.apyBase),
          apyIncentives: point.apyReward == null ? undefined : percentToFraction(point.apyReward),
        },
        endpoint,
        observations,
        rejected,
        this.reference,
      );
    }
    observations.sort((a, b) => a.time - b.time);
    const failures: SourceFailure[] = [];
    const skipped = noBase + rejected.length;
    if (skipped > 0) {
      const first = rejected[0] ? `; first rejected: ${rejected[0].message}` : '';
      failures.push(failure(this.name, [id], `${endpoint}: skipped ${skipped} of ${chart.data.length} points (${noBase} without apyBase, ${rejected.length} out of range)${first}`));
    }
    return { observations, failures };
  }
}
