import { z } from 'zod';
import { EvmSourcesSchema } from './evm/evm-sources-schema.js';
import { HttpSourcesSchema } from './http/http-sources-config.js';
import { JupiterSourceSchema } from './jupiter/jupiter-source-config.js';
import { SolanaSourcesSchema } from './solana/solana-sources-schema.js';

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
