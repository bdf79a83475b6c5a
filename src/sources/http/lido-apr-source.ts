import { z } from 'zod';
import type { AssetId } from '../../domain/asset.js';
import type { Observation } from '../../domain/observation.js';
import { formatTime, type EpochMs } from '../../domain/time.js';
import type { SourceFailure, SourceRead, YieldSource } from '../yield-source.js';
import type { HttpClient } from './http-client.js';
import type { ApyReferenceBook } from './apy-reference.js';
import { admit, failure, reasonOf, trimSlash } from './readings.js';
import { lidoAprUnitProblem, percentToFraction } from './units.js';

/**
 * Lido's own stETH APR: `GET {baseUrl}/v1/protocol/steth/apr/sma` (7-day simple moving average).
 *
 * UNVERIFIED shape: Lido's docs point at a Swagger page we have not captured. The schema below follows
 * the shape several independent clients parse — `{ data: { aprs: [{ timeUnix, apr }], smaApr },
 * meta: { symbol, address, chainId } }` with APR in PERCENT — and is strict only about those fields
 * (extra fields are ignored). If Lido changes it, reads fail loudly with the zod path rather than
 * yielding a wrong number.
 *
 * smaApr is an APR, mapped straight to apyBase without compounding: that is what DefiLlama reports for
 * the same pool, so the two sources agree (compounding daily would add ~0.05 pp at 3 %).
 * wstETH wraps stETH one-to-one in shares, so every configured asset gets the same value.
 */

export interface LidoAprConfig {
  readonly baseUrl: string;
  readonly assets: readonly AssetId[];
  /** The response's meta.chainId must match: a testnet URL must not feed a mainnet vault. */
  readonly chainId: number;
}

export const LIDO_SOURCE = 'lido-api';

export const LidoSmaSchema = z.object({
  data: z.object({
    aprs: z.array(
      z.object({
        // Seconds; a millisecond value (> 1e11) would be a format change, not a date in the year 5000.
        timeUnix: z.number().int().positive().max(1e11, 'unix seconds'),
        apr: z.number(),
      }),
    ),
    smaApr: z.number(),
  }),
  meta: z.object({ symbol: z.string(), address: z.string(), chainId: z.number().int() }),
});

export class LidoAprSource implements YieldSource {
  readonly name = LIDO_SOURCE;
  private readonly url: string;

  constructor(
    private readonly http: HttpClient,
    private readonly config: LidoAprConfig,
    private readonly reference?: ApyReferenceBook,
  ) {
    this.url = `${trimSlash(config.baseUrl)}/v1/protocol/steth/apr/sma`;
  }

  async read(now: EpochMs): Promise<SourceRead> {
    const endpoint = `GET ${this.url}`;
    const assets = this.config.assets;
    let body: z.infer<typeof LidoSmaSchema>;
    try {
      body = await this.http.getJson(this.url, LidoSmaSchema);
    } catch (e) {
      return { observations: [], failures: [failure(this.name, assets, reasonOf(e))] };
    }
    const { data, meta } = body;
    if (meta.chainId !== this.config.chainId || meta.symbol.toLowerCase() !== 'steth') {
      return {
        observations: [],
        failures: [failure(this.name, assets, `${endpoint}: response is for ${meta.symbol} on chain ${meta.chainId}, expected stETH on chain ${this.config.chainId}`)],
      };
    }
    const unitProblem = lidoAprUnitProblem(data.smaApr);
    if (unitProblem) return { observations: [], failures: [failure(this.name, assets, `${endpoint}: data.smaApr: ${unitProblem}`)] };

    const latest = data.aprs.reduce<number | undefined>((m, p) => (m === undefined || p.timeUnix > m ? p.timeUnix : m), undefined);
    const ref = latest === undefined ? undefined : formatTime(latest * 1000);
    const apyBase = percentToFraction(data.smaApr);
    const observations: Observation[] = [];
    const failures: SourceFailure[] = [];
    for (const asset of assets) admit({ time: now, asset, source: this.name, ref, apyBase }, endpoint, observations, failures, this.reference);
    return { observations, failures };
  }
}
