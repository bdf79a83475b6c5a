import type { RateReaderConfig } from './evm-sources-config.js';
import { kelpOracleRateReader } from './rate-kelp.js';
import { rateProviderReader } from './rate-provider.js';
import { weethRateReader } from './rate-weeth.js';
import { wstethRateReader } from './rate-wsteth.js';
import type { RateReader } from './reader-types.js';

export function rateReaderFor(cfg: RateReaderConfig): RateReader {
  switch (cfg.kind) {
    case 'wsteth':
      return wstethRateReader(cfg.token);
    case 'weeth':
      return weethRateReader(cfg.token);
    case 'rate-provider':
      return rateProviderReader(cfg.provider);
    case 'kelp-oracle':
      return kelpOracleRateReader(cfg.oracle);
  }
}
