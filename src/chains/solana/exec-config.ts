import { z } from 'zod';
import { parseDuration } from '../../domain/time.js';
import { pubkey } from '../../sources/solana/pubkey.js';
import { KeySpecSchema } from '../evm/exec-config.js';

/**
 * The vault config section `execution.solana`: where and how the keeper sends Solana transactions.
 *
 *   execution:
 *     policy: ../policies/sol-staking.policy.yaml
 *     solana:
 *       mode: dry-run                     # or live (needs the --live flag as well, and a key)
 *       rpcUrl: https://…
 *       vault: "…"                        # the wallet that pays fees and holds everything
 *       key: { env: RESTAKE_KEEPER_SOL_KEY }   # the variable's NAME (solana-keygen JSON array), or { file }
 *       commitment: confirmed
 *       fees: { percentile: 75, maxMicroLamportsPerCu: 200000 }
 *       assets: { JitoSOL: { mint: …, venue: { kind: spl-stake-pool, program: …, pool: … } }, … }
 */
const duration = z
  .string()
  .refine((s) => { try { parseDuration(s); return true; } catch { return false; } }, 'a duration such as "1s", "3m" or "1h"')
  .transform((s) => parseDuration(s));

const VenueSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('spl-stake-pool'), program: pubkey, pool: pubkey, slippageInstructions: z.boolean().default(false) }),
  z.strictObject({ kind: z.literal('marinade'), program: pubkey, state: pubkey }),
  z.strictObject({ kind: z.literal('jito-vault'), program: pubkey, vault: pubkey, config: pubkey }),
  z.strictObject({
    kind: z.literal('klend'),
    program: pubkey,
    reserve: pubkey,
    market: pubkey,
    refreshReserve: z.boolean().default(false),
    oracles: z.strictObject({ pyth: pubkey.optional(), switchboardPrice: pubkey.optional(), switchboardTwap: pubkey.optional(), scopePrices: pubkey.optional() }).optional(),
  }),
]);

export const SolanaExecutionSchema = z
  .strictObject({
    mode: z.enum(['dry-run', 'live']).default('dry-run'),
    rpcUrl: z.url(),
    /** Journal key of the cluster ("solana:<cluster>"). */
    cluster: z.string().regex(/^[a-z0-9-]+$/).default('mainnet-beta'),
    vault: pubkey,
    key: KeySpecSchema.optional(),
    commitment: z.enum(['confirmed', 'finalized']).default('confirmed'),
    fees: z
      .strictObject({
        /** Percentile of the recent prioritization fees (for the accounts the transaction writes). */
        percentile: z.number().min(0).max(100).default(75),
        maxMicroLamportsPerCu: z.number().int().min(0),
        minMicroLamportsPerCu: z.number().int().min(0).default(0),
      })
      .refine((f) => f.minMicroLamportsPerCu <= f.maxMicroLamportsPerCu, 'minMicroLamportsPerCu must not exceed maxMicroLamportsPerCu'),
    computeUnitMargin: z.number().min(0).max(2).default(0.2),
    maxComputeUnits: z.number().int().min(10_000).max(1_400_000).default(1_400_000),
    /** Re-signings after a blockhash expired unseen, per step. */
    maxResigns: z.number().int().min(0).max(20).default(3),
    maxWait: duration.default(parseDuration('5m')),
    pollInterval: duration.default(parseDuration('2s')),
    /** Each traded asset's mint and the protocol account that issues it. */
    assets: z.record(z.string(), z.strictObject({ mint: pubkey, venue: VenueSchema.optional() })).default({}),
    jupiter: z.strictObject({ baseUrl: z.url(), apiKey: z.string().optional() }).optional(),
    reconcile: z.strictObject({ tolerance: z.number().min(0).max(0.5).default(0.005) }).prefault({}),
  })
  .refine((c) => c.mode !== 'live' || c.key !== undefined, { message: 'live mode needs a key ({ file } or { env })', path: ['key'] });

export type SolanaExecutionConfig = z.output<typeof SolanaExecutionSchema>;
