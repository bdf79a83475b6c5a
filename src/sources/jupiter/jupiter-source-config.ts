import { z } from 'zod';
import { decimals, pubkey } from '../solana/pubkey.js';

/**
 * `sources.jupiter`: DEX quotes through Jupiter's Swap API (`@jup-ag/api`). For each asset the source
 * quotes selling the token into `quoteMint` (SOL) at every size in `sizesBase`.
 */
export const JUPITER_LITE_BASE_URL = 'https://lite-api.jup.ag/swap/v1';
/** What createJupiterApiClient switches to when given an apiKey (protocols.md B7). */
export const JUPITER_KEYED_BASE_URL = 'https://api.jup.ag/swap/v1';
export const SOL_MINT = 'So11111111111111111111111111111111111111112';


/** An asset is its mint (9 decimals assumed, true of every LST in config/assets/solana.yaml) or { mint, decimals }. */
const assetEntry = z
  .union([pubkey, z.strictObject({ mint: pubkey, decimals: decimals.default(9) })])
  .transform((v) => (typeof v === 'string' ? { mint: v, decimals: 9 } : v));

export const JupiterSourceSchema = z
  .strictObject({
    /**
     * Swap API base URL. Default: the keyless lite endpoint, or api.jup.ag when an apiKey is set — the same
     * choice createJupiterApiClient makes, except that a baseUrl given here is honoured (the factory
     * overwrites it).
     */
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** Sent as header x-api-key. */
    apiKey: z.string().min(1).optional(),
    quoteMint: pubkey.default(SOL_MINT),
    quoteDecimals: decimals.default(9),
    assets: z.record(z.string().min(1), assetEntry),
    /** Sizes in whole base units (SOL) to quote an exit at, e.g. [1, 1000]. */
    sizesBase: z.array(z.number().positive().finite()).min(1).default([1, 1000]),
    slippageBps: z.number().int().min(0).max(10_000).default(50),
    /** Per request. */
    timeoutMs: z.number().int().positive().default(10_000),
    /** Size of the first quote, in whole tokens, that gives the token's SOL rate for sizing the rest. */
    probeTokens: z.number().positive().finite().default(1),
  })
  .superRefine((c, ctx) => {
    if (Object.keys(c.assets).length === 0) ctx.addIssue({ code: 'custom', path: ['assets'], message: 'at least one asset' });
    for (const [id, a] of Object.entries(c.assets)) {
      if (a.mint === c.quoteMint) ctx.addIssue({ code: 'custom', path: ['assets', id], message: 'an asset cannot be quoted against its own mint' });
    }
  })
  .transform((c) => ({
    ...c,
    baseUrl: (c.baseUrl ?? (c.apiKey ? JUPITER_KEYED_BASE_URL : JUPITER_LITE_BASE_URL)).replace(/\/+$/, ''),
    sizesBase: [...new Set(c.sizesBase)].sort((a, b) => a - b),
  }));

export type JupiterSourceConfig = z.output<typeof JupiterSourceSchema>;
export type JupiterSourceInput = z.input<typeof JupiterSourceSchema>;
