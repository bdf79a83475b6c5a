import { z } from 'zod';
import type { AssetId } from '../../domain/asset.js';
import type { Observation } from '../../domain/observation.js';
import type { EpochMs } from '../../domain/time.js';
import type { SourceFailure, SourceRead, YieldSource } from '../yield-source.js';
import type { HttpClient } from './http-client.js';
import type { ApyReferenceBook } from './apy-reference.js';
import { admit, failure, reasonOf, trimSlash } from './readings.js';

/**
 * Sanctum's LST APYs: `GET {baseUrl}/v1/apy/latest?lst=<key>&lst=<key>` → `{ apys: { <key>: fraction },
 * errs: { <key>: … } }`. Keys are what we asked with (mint or symbol). Values are FRACTIONS already.
 *
 * A 0 is read as MISSING, not as zero yield: integrators report `apy/latest` returning 0.0 silently
 * (e.g. around an epoch boundary), and no live LST earns exactly nothing. Passing it on would make the
 * keeper dump a healthy asset.
 */

export interface SanctumApyConfig {
  readonly baseUrl: string;
  /** Asset id → the key Sanctum knows it by (mint address or symbol). */
  readonly lsts: Readonly<Record<AssetId, string>>;
}

export const SANCTUM_SOURCE = 'sanctum-api';

export const SanctumApySchema = z.object({
  apys: z.record(z.string(), z.number()),
  // The shape of an error entry is undocumented; it is only quoted back, never interpreted.
  errs: z.record(z.string(), z.unknown()).optional(),
});

export class SanctumApySource implements YieldSource {
  readonly name = SANCTUM_SOURCE;
  private readonly url: string;

  constructor(
    private readonly http: HttpClient,
    private readonly config: SanctumApyConfig,
    private readonly reference?: ApyReferenceBook,
  ) {
    const qs = new URLSearchParams(Object.values(config.lsts).map((k): [string, string] => ['lst', k]));
    this.url = `${trimSlash(config.baseUrl)}/v1/apy/latest?${qs.toString()}`;
  }

  async read(now: EpochMs): Promise<SourceRead> {
    const endpoint = `GET ${this.url}`;
    const entries = Object.entries(this.config.lsts);
    let body: z.infer<typeof SanctumApySchema>;
    try {
      body = await this.http.getJson(this.url, SanctumApySchema);
    } catch (e) {
      return { observations: [], failures: [failure(this.name, entries.map(([a]) => a), reasonOf(e))] };
    }
    const observations: Observation[] = [];
    const failures: SourceFailure[] = [];
    for (const [asset, key] of entries) {
      const err = lookup(body.errs ?? {}, key);
      const apy = lookup(body.apys, key);
      if (apy === undefined || apy === 0) {
        const why =
          err !== undefined
            ? `Sanctum reported an error for ${key}: ${JSON.stringify(err)}`
            : apy === 0
              ? `apys.${key} is 0, treated as MISSING (Sanctum returns 0.0 when it has no value, e.g. at an epoch boundary), not as zero yield`
              : `apys has no entry for ${key}`;
        failures.push(failure(this.name, [asset], `${endpoint}: ${asset}: ${why}`));
        continue;
      }
      admit({ time: now, asset, source: this.name, apyBase: apy }, endpoint, observations, failures, this.reference);
    }
    return { observations, failures };
  }
}

/** Exact key first; then case-insensitively, in case the API normalises a symbol's case (UNVERIFIED either way). */
function lookup<T>(rec: Readonly<Record<string, T>>, key: string): T | undefined {
  if (Object.hasOwn(rec, key)) return rec[key];
  const k = Object.keys(rec).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : rec[k];
}
