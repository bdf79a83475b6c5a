import type { Transport } from 'viem';
import { EvmSource } from './evm-source.js';
import type { EvmSourcesConfig } from './evm-sources-schema.js';

// The schema lives apart from the reader so that reading a config does not load it (evm-sources-schema.ts).
export * from './evm-sources-schema.js';

export interface EvmSourcesDeps {
  /** A viem transport to use instead of http(rpcUrl, { batch: true, timeout: timeoutMs, retryCount: 1 }) (tests, custom fetch, fallback transports); timeoutMs is then the transport's business. */
  readonly transport?: Transport;
}

/**
 * One source for the whole section, deliberately: a read pins one block and all values come from it
 * (rates, markets and Aave reserves are mutually consistent and carry the same ref), every value goes
 * through the same one or two multicalls, and rsETH's stored-rate tracking lives with the reads that
 * feed it. Splitting per concern would mean one block and one round trip per concern. Typed EvmSource[]
 * (a YieldSource[]) so the trust layer can reach lastMoved()/storedRate().
 */
export function createEvmSources(config: EvmSourcesConfig, deps: EvmSourcesDeps = {}): EvmSource[] {
  return [new EvmSource(config, deps)];
}
