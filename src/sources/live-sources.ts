import { CompositeSource } from './composite-source.js';
import { createEvmSources } from './evm/evm-sources-config.js';
import { createHttpClient } from './http/http-client.js';
import { createHttpSources, HttpClientConfigSchema } from './http/http-sources-config.js';
import { createJupiterQuoteSource } from './jupiter/jupiter-quote-source.js';
import { createSolanaSources } from './solana/solana-sources-config.js';
import type { YieldSource } from './yield-source.js';
import type { ApyReferenceBook } from './http/apy-reference.js';

// The schema lives apart from the readers so that reading a config does not load them (live-sources-schema.ts).
export { LiveSourcesSchema, type LiveSourcesConfig } from './live-sources-schema.js';
import type { LiveSourcesConfig } from './live-sources-schema.js';

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
