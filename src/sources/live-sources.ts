import { z } from 'zod';
import { CompositeSource } from './composite-source.js';
import { createEvmSources } from './evm/evm-sources-config.js';
import { EvmSourcesSchema } from './evm/evm-sources-config.js';
import { createHttpClient } from './http/http-client.js';
import { createHttpSources, HttpClientConfigSchema, HttpSourcesSchema } from './http/http-sources-config.js';
import { createJupiterQuoteSource } from './jupiter/jupiter-quote-source.js';
import { JupiterSourceSchema } from './jupiter/jupiter-source-config.js';
import { createSolanaSources, SolanaSourcesSchema } from './solana/solana-sources-config.js';
import type { YieldSource } from './yield-source.js';
import type { ApyReferenceBook } from './http/apy-reference.js';

/** The `sources` section of a vault config: which live readers feed the keeper. */
export const LiveSourcesSchema = z.strictObject({
  /** A source that has not answered within this is counted failed for the cycle (fail closed). */
  timeoutMs: z.number().int().positive().default(15_000),
  http: HttpSourcesSchema.optional(),
  evm: EvmSourcesSchema.optional(),
  solana: SolanaSourcesSchema.optional(),
  jupiter: JupiterSourceSchema.optional(),
});
export type LiveSourcesConfig = z.output<typeof LiveSourcesSchema>;

export interface LiveSourceDeps {
  readonly fetch?: typeof fetch;
  /** The keeper's rate-implied APYs, for the yield APIs to cross-check theirs against. */
  readonly apyReference?: ApyReferenceBook | undefined;
}

/** Asset ids a configured section would report, so a source that fails is charged to exactly those. */
function coverageOf(c: LiveSourcesConfig): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const add = (name: string, ids: Iterable<string>) => m.set(name, [...new Set([...(m.get(name) ?? []), ...ids])]);
  if (c.http?.defillama) add('defillama', Object.keys(c.http.defillama.pools));
  if (c.http?.lido) add('lido-api', c.http.lido.assets);
  if (c.http?.jito) add('jito-kobe', c.http.jito.assets);
  if (c.http?.sanctum) add('sanctum-api', Object.keys(c.http.sanctum.lsts));
  return m;
}

/**
 * Every configured live reader behind one composite source, read concurrently. The HTTP client (with
 * its per-host limits and 429 handling) is shared with the Jupiter quotes.
 */
export function createLiveSource(c: LiveSourcesConfig, deps: LiveSourceDeps = {}): CompositeSource {
  const sources: YieldSource[] = [];
  if (c.http) sources.push(...createHttpSources(c.http, { fetch: deps.fetch, apyReference: deps.apyReference }));
  if (c.evm) sources.push(...createEvmSources(c.evm));
  if (c.solana) sources.push(...createSolanaSources(c.solana));
  if (c.jupiter) {
    const client = createHttpClient({ ...HttpClientConfigSchema.parse(c.http?.client ?? {}), fetch: deps.fetch });
    sources.push(createJupiterQuoteSource(c.jupiter, { fetchApi: client.fetch }));
  }
  const coverage = coverageOf(c);
  for (const s of sources) {
    if (coverage.has(s.name)) continue;
    if (s.name.startsWith('evm') && c.evm) coverage.set(s.name, Object.keys(c.evm.assets));
    else if (s.name.startsWith('solana') && c.solana) coverage.set(s.name, Object.keys(c.solana.assets));
    else if (s.name.startsWith('jupiter') && c.jupiter) coverage.set(s.name, Object.keys(c.jupiter.assets));
  }
  return new CompositeSource(sources, { timeoutMs: c.timeoutMs, coverage });
}
