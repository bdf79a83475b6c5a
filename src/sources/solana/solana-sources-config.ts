import { Connection } from '@solana/web3.js';
import { parseSection } from '../../config/parse-section.js';
import type { YieldSource } from '../yield-source.js';
import { connectionReader, type AccountReader } from './account-reader.js';
import { SolanaAccountsSource } from './solana-source.js';
import { SolanaSourcesSchema, type SolanaSourcesInput } from './solana-sources-schema.js';

// The schema lives apart from the readers so that reading a config does not load @solana/web3.js.
export * from './solana-sources-schema.js';

export interface SolanaSourcesDeps {
  /** Replaces the live RPC reader (tests: liteSvmReader). */
  readonly reader?: AccountReader;
}

/** Validates `sources.solana` and builds its source(s). Throws ConfigError on a bad block; never at read time. */
export function createSolanaSources(config: SolanaSourcesInput, deps: SolanaSourcesDeps = {}): YieldSource[] {
  const cfg = parseSection(SolanaSourcesSchema, config, ['sources', 'solana']);
  const reader =
    deps.reader ??
    connectionReader(new Connection(cfg.rpcUrl, { commitment: cfg.commitment, disableRetryOnRateLimit: true }), { commitment: cfg.commitment });
  return [new SolanaAccountsSource(cfg, reader)];
}
