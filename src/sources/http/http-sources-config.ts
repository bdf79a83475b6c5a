import { z } from 'zod';
import type { ApyReferenceBook } from './apy-reference.js';
import type { YieldSource } from '../yield-source.js';
import { DefiLlamaSource } from './defillama-source.js';
import { createHttpClient, type HttpClientOptions } from './http-client.js';
import { JitoKobeSource } from './jito-kobe-source.js';
import { LidoAprSource } from './lido-apr-source.js';
import { SanctumApySource } from './sanctum-apy-source.js';

/** The vault config section `sources.http`: which yield APIs to read, and how hard to try. */

const assetId = z.string().min(1);
const baseUrl = z.url({ protocol: /^https?$/ });
const positiveInt = z.number().int().positive();

export const HttpClientConfigSchema = z.strictObject({
  /** Per attempt, headers and body together. */
  timeoutMs: positiveInt.default(5000),
  /** Retries after the first attempt. */
  retries: z.number().int().min(0).max(10).default(3),
  baseDelayMs: positiveInt.default(200),
  maxDelayMs: positiveInt.default(5000),
  perHostConcurrency: positiveInt.default(4),
});

export const HttpSourcesSchema = z.strictObject({
  client: HttpClientConfigSchema.prefault({}),
  defillama: z
    .strictObject({
      baseUrl: baseUrl.default('https://yields.llama.fi'),
      /** Asset id → DefiLlama pool uuid (e.g. Lido stETH 747c1d2a-c668-4682-b9f9-296708a3dd90). */
      pools: z.record(assetId, z.guid('a DefiLlama pool uuid')),
    })
    .optional(),
  lido: z
    .strictObject({
      baseUrl: baseUrl.default('https://eth-api.lido.fi'),
      /** Assets that earn stETH's APR (stETH, wstETH). */
      assets: z.array(assetId).min(1),
      /** The chain the API must say it describes (1 = Ethereum mainnet). */
      chainId: positiveInt.default(1),
    })
    .optional(),
  jito: z
    .strictObject({
      /** Jito's docs give this base URL; not confirmed against a live call. */
      baseUrl: baseUrl.default('https://kobe.mainnet.jito.network'),
      assets: z.array(assetId).min(1),
    })
    .optional(),
  sanctum: z
    .strictObject({
      baseUrl: baseUrl.default('https://extra-api.sanctum.so'),
      /** Asset id → Sanctum key (mint address or symbol). */
      lsts: z.record(assetId, z.string().min(1)),
    })
    .optional(),
});

export type HttpSourcesConfig = z.output<typeof HttpSourcesSchema>;

export interface HttpSourcesDeps {
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
  /** Rate-implied APYs to cross-check reported ones against (unit errors are refused at the edge). */
  readonly apyReference?: ApyReferenceBook | undefined;
}

/** One client for all sources, so the per-host limit holds across them. Sources not configured are absent. */
export function createHttpSources(config: HttpSourcesConfig, deps: HttpSourcesDeps = {}): YieldSource[] {
  const { apyReference: ref, ...clientDeps } = deps;
  const opts: HttpClientOptions = { ...config.client, ...clientDeps };
  const http = createHttpClient(opts);
  const sources: YieldSource[] = [];
  if (config.defillama) sources.push(new DefiLlamaSource(http, config.defillama, ref));
  if (config.lido) sources.push(new LidoAprSource(http, config.lido, ref));
  if (config.jito) sources.push(new JitoKobeSource(http, config.jito, ref));
  if (config.sanctum) sources.push(new SanctumApySource(http, config.sanctum, ref));
  return sources;
}
