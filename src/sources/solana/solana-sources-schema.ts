import { z } from 'zod';
import { MAX_ACCOUNTS_PER_CALL } from './account-reader.js';
import { decimals, pubkey } from './pubkey.js';
import { DEFAULT_RECENT_SLOT_DURATION_MS, SPL_STAKE_POOL_PROGRAM } from './solana-constants.js';

/**
 * `sources.solana`: which accounts to read for which asset. Every asset is one account; all of them are
 * read in ONE getMultipleAccounts call, so every reading of a cycle is at the same slot.
 */

const assetId = z.string().min(1);

export const SplStakePoolAssetSchema = z.strictObject({
  kind: z.literal('spl-stake-pool'),
  /** The StakePool account (e.g. JitoSOL Jito4APyf642JPZPx3hGc6WWJ8zPKtRbRs4P815Awbb). */
  pool: pubkey,
  /** Owning program; the SPL program unless the pool runs on a fork (Sanctum SPMB…/SP12…). */
  program: pubkey.default(SPL_STAKE_POOL_PROGRAM),
  /** If given, the pool's pool_mint (offset 162) must equal it — a check on a mint you are unsure of. */
  poolMint: pubkey.optional(),
});

export const MarinadeAssetSchema = z.strictObject({
  kind: z.literal('marinade'),
  /** The Marinade State account (8szGkuLTAux9XMgZ2vtY39jVSowEcpBfFfD8hXSEqdGC). */
  state: pubkey,
  /** Largest relative gap accepted between msol_price/2^32 and total_virtual_staked/msol_supply. */
  crossCheckTolerance: z.number().positive().max(0.1).default(0.005),
});

export const JitoVaultAssetSchema = z.strictObject({
  kind: z.literal('jito-vault'),
  /** The Jito Restaking Vault account. */
  vault: pubkey,
  /** The asset id (an spl-stake-pool or marinade asset in this same block) whose token the vault holds. */
  supportedAsset: assetId,
  /** If given, the vault's vrt_mint (offset 40) must equal it. */
  vrtMint: pubkey.optional(),
  vrtDecimals: decimals.default(9),
  supportedDecimals: decimals.default(9),
});

export const KaminoReserveAssetSchema = z.strictObject({
  kind: z.literal('kamino-reserve'),
  /** The klend Reserve account. */
  reserve: pubkey,
  /**
   * The asset (in this block) whose SOL rate values the reserve's liquidity token, for tvlBase and
   * exitLiquidityBase (e.g. JitoSOL for the JitoSOL reserve). Omit for the SOL reserve (its liquidity mint
   * is wrapped SOL, valued 1:1); with neither, those two fields are left out.
   */
  priceAs: assetId.optional(),
  /** If given, the reserve's lending_market (offset 32) must equal it. */
  market: pubkey.optional(),
  /** Recent slot duration for the SDK's slot adjustment factor (klend-sdk default 450 ms). */
  slotDurationMs: z.number().positive().default(DEFAULT_RECENT_SLOT_DURATION_MS),
});

export const SolanaAssetSourceSchema = z.discriminatedUnion('kind', [
  SplStakePoolAssetSchema,
  MarinadeAssetSchema,
  JitoVaultAssetSchema,
  KaminoReserveAssetSchema,
]);

export const SolanaSourcesSchema = z
  .strictObject({
    rpcUrl: z.url({ protocol: /^https?$/ }),
    commitment: z.enum(['processed', 'confirmed', 'finalized']).default('confirmed'),
    timeoutMs: z.number().int().positive().default(10_000),
    assets: z.record(assetId, SolanaAssetSourceSchema),
  })
  .superRefine((cfg, ctx) => {
    const ids = Object.keys(cfg.assets);
    if (ids.length === 0) ctx.addIssue({ code: 'custom', path: ['assets'], message: 'at least one asset' });
    if (ids.length > MAX_ACCOUNTS_PER_CALL) {
      ctx.addIssue({ code: 'custom', path: ['assets'], message: `at most ${MAX_ACCOUNTS_PER_CALL} assets (one getMultipleAccounts call)` });
    }
    for (const [id, a] of Object.entries(cfg.assets)) {
      if (a.kind === 'jito-vault') {
        const s = cfg.assets[a.supportedAsset];
        if (!s || (s.kind !== 'spl-stake-pool' && s.kind !== 'marinade')) {
          ctx.addIssue({
            code: 'custom',
            path: ['assets', id, 'supportedAsset'],
            message: `"${a.supportedAsset}" must be an spl-stake-pool or marinade asset configured in this block (its SOL rate is read in the same call)`,
          });
        }
      }
      if (a.kind === 'kamino-reserve' && a.priceAs !== undefined) {
        const p = cfg.assets[a.priceAs];
        if (!p || p.kind === 'kamino-reserve') {
          ctx.addIssue({
            code: 'custom',
            path: ['assets', id, 'priceAs'],
            message: `"${a.priceAs}" must be an spl-stake-pool, marinade or jito-vault asset configured in this block`,
          });
        }
      }
    }
  });

export type SolanaSourcesConfig = z.output<typeof SolanaSourcesSchema>;
export type SolanaSourcesInput = z.input<typeof SolanaSourcesSchema>;
export type SolanaAssetSource = z.output<typeof SolanaAssetSourceSchema>;

