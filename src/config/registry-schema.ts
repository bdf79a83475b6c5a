import { z } from 'zod';
import { ASSET_KINDS, CHAINS } from '../domain/asset.js';

/**
 * The asset registry: every asset the keeper may hold, the risk layers beneath it, and the routes in
 * and out. Numbers live here as data with a note of where each came from, never as constants in code.
 */

const note = z.string().min(3, 'a note saying where this number came from');
const fraction = z.number().min(0).max(1);
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)) && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z)?$/.test(s), 'an ISO-8601 UTC time such as "2023-05-15T00:00:00Z"');
/**
 * When a route existed: `from` (inclusive) and `until` (exclusive). A replay of a time outside them does
 * not see the route, e.g. Lido's withdrawal queue before it opened in May 2023.
 */
const era = { from: isoTime.optional(), until: isoTime.optional() };
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'an id of letters, digits, ".", "_" or "-"');

export const FailureModeSchema = z.strictObject({
  name: z.string().min(1),
  /** Chance per year that this failure happens at all. */
  annualProbability: fraction,
  /** Fraction of the position lost if it happens. */
  severity: fraction,
  note,
});

export const LAYER_KINDS = [
  'base-chain',
  'lst-protocol',
  'restaking-protocol',
  'services',
  'operators',
  'receipt-token',
  'money-market',
] as const;

export const LayerSchema = z.strictObject({
  kind: z.enum(LAYER_KINDS),
  name: z.string().min(1),
  /**
   * For a 'services' layer each entry is one AVS / NCN with its own slashing condition; for other
   * layers, the ways that layer fails (contract exploit, validator-set fault, oracle failure…).
   */
  failureModes: z.array(FailureModeSchema),
  note,
});

export const DexVenueSchema = z.strictObject({
  venue: z.string().min(1),
  /** Pool fee as a fraction of the amount traded. */
  feeFraction: fraction,
  /** Price impact (fraction) of trading refSizeBase whole base-asset units; impact is taken as linear in size. */
  impactAtRef: fraction,
  refSizeBase: z.number().positive(),
  gasUnits: z.number().int().nonnegative(),
  ...era,
  note,
});

export const MintRouteSchema = z.strictObject({
  feeFraction: fraction,
  gasUnits: z.number().int().nonnegative(),
  ...era,
  note,
});

export const RedeemRouteSchema = z.strictObject({
  feeFraction: fraction,
  /** Time from request to claimable, in seconds, under normal conditions. */
  delaySeconds: z.number().int().nonnegative(),
  /** Whether funds keep earning the asset's yield while in the queue (Lido: no). */
  earnsWhileQueued: z.boolean(),
  gasUnits: z.number().int().nonnegative(),
  ...era,
  note,
});

/**
 * What this asset can physically do, where it differs from its kind's defaults
 * (src/market/plausibility-bounds.ts). Every field is optional; the note says where the numbers came from.
 */
export const PlausibilitySchema = z.strictObject({
  /** Highest annual growth of the fair rate (rewards), e.g. 0.5. */
  maxRateApy: z.number().min(0).max(10).optional(),
  /** Largest fall of the fair rate taken without confirmation (fraction). */
  maxRateDip: fraction.optional(),
  /** Highest annual growth of the supply index: the reserve's borrow-rate ceiling. */
  maxIndexApy: z.number().min(0).max(100).optional(),
  /** Largest change of the market/fair deviation in one reading before it is a spike. */
  maxMarketMove: fraction.optional(),
  /** A market price further than this from fair is a broken quote until long confirmed. */
  maxMarketDeviation: fraction.optional(),
  apyAbsTolerance: fraction.optional(),
  apyRelTolerance: z.number().min(0).max(100).optional(),
  /** Largest factor TVL or exit liquidity may change by between two readings. */
  maxLiquidityFactor: z.number().min(1).optional(),
  note,
});

export const GroupsSchema = z.strictObject({
  /** The LST / LRT / lending protocol (e.g. lido, etherfi, aave-v3-ethereum). */
  protocol: id,
  /** The restaking protocol, if any (eigenlayer, jito-restaking, symbiotic, solayer). */
  restaking: id.optional(),
  /** The node-operator set delegated to. */
  operators: id.optional(),
  /** What the asset is ultimately a claim on (ETH, SOL). */
  underlying: id,
});

export const AssetSchema = z
  .strictObject({
    symbol: z.string().min(1),
    chain: z.enum(CHAINS),
    kind: z.enum(ASSET_KINDS),
    decimals: z.number().int().min(0).max(36),
    /** The base asset its rates are quoted in. */
    valuedIn: id,
    groups: GroupsSchema,
    /** Risk layers beneath this asset, by layer id, bottom (base chain) first. */
    layers: z.array(id),
    /** For a lending position: the asset supplied (its fair rate values the position). */
    lendingOf: id.optional(),
    /** For a lending position: its balance grows with the recorded supply index (aTokens rebase). */
    rebasing: z.boolean().default(false),
    entry: z.strictObject({ mint: MintRouteSchema.optional(), dex: DexVenueSchema.optional() }),
    exit: z.strictObject({ redeem: RedeemRouteSchema.optional(), dex: DexVenueSchema.optional() }),
    addresses: z.record(z.string(), z.string()).default({}),
    plausibility: PlausibilitySchema.optional(),
    note,
  })
  .superRefine((a, ctx) => {
    if (a.kind === 'lending' && !a.lendingOf) ctx.addIssue({ code: 'custom', path: ['lendingOf'], message: 'a lending asset must say which asset it supplies' });
    if (a.kind !== 'native' && !a.entry.mint && !a.entry.dex) ctx.addIssue({ code: 'custom', path: ['entry'], message: 'a non-native asset needs a mint or dex entry route' });
    if (a.kind !== 'native' && !a.exit.redeem && !a.exit.dex) ctx.addIssue({ code: 'custom', path: ['exit'], message: 'a non-native asset needs a redeem or dex exit route' });
    for (const [side, routes] of [['entry', a.entry], ['exit', a.exit]] as const) {
      for (const [name, r] of Object.entries(routes)) {
        if (r?.from && r.until && Date.parse(r.from) >= Date.parse(r.until)) ctx.addIssue({ code: 'custom', path: [side, name, 'until'], message: `must be after from (${r.from})` });
      }
    }
  });

export const ChainCostsSchema = z.strictObject({
  baseAsset: id,
  /** Base units paid per gas unit (Ethereum: wei per gas; Solana: lamports per unit, where a route's gasUnits are lamports). */
  gasPriceBaseUnits: z.string().regex(/^\d+$/, 'an integer number of base units'),
  note,
});

export const RegistrySchema = z
  .strictObject({
    version: z.literal(1),
    chains: z.partialRecord(z.enum(CHAINS), ChainCostsSchema),
    layers: z.record(id, LayerSchema),
    assets: z.record(id, AssetSchema),
  })
  .superRefine((r, ctx) => {
    for (const [assetId, a] of Object.entries(r.assets)) {
      a.layers.forEach((l, i) => {
        if (!(l in r.layers)) ctx.addIssue({ code: 'custom', path: ['assets', assetId, 'layers', i], message: `unknown layer "${l}" (known: ${Object.keys(r.layers).join(', ')})` });
      });
      if (!(a.valuedIn in r.assets)) ctx.addIssue({ code: 'custom', path: ['assets', assetId, 'valuedIn'], message: `unknown asset "${a.valuedIn}"` });
      if (a.lendingOf && !(a.lendingOf in r.assets)) ctx.addIssue({ code: 'custom', path: ['assets', assetId, 'lendingOf'], message: `unknown asset "${a.lendingOf}"` });
      if (!(a.chain in r.chains)) ctx.addIssue({ code: 'custom', path: ['assets', assetId, 'chain'], message: `no chain costs given for "${a.chain}"` });
    }
  });

export type Registry = z.infer<typeof RegistrySchema>;
export type AssetSpec = z.infer<typeof AssetSchema>;
export type LayerSpec = z.infer<typeof LayerSchema>;
export type FailureMode = z.infer<typeof FailureModeSchema>;
export type DexVenue = z.infer<typeof DexVenueSchema>;
export type MintRoute = z.infer<typeof MintRouteSchema>;
export type RedeemRoute = z.infer<typeof RedeemRouteSchema>;
export type LayerKind = (typeof LAYER_KINDS)[number];
