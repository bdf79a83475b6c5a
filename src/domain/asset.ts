/** Chains the keeper knows. A vault lives on exactly one chain and is valued in that chain's base asset. */
export const CHAINS = ['ethereum', 'solana'] as const;
export type Chain = (typeof CHAINS)[number];

/**
 * What kind of claim a token is. The kind decides how it earns:
 * native holds still; lst/lrt/vrt are non-rebasing receipt tokens whose fair rate grows;
 * lending is a rebasing supply position whose balance grows with a supply index.
 */
export const ASSET_KINDS = ['native', 'lst', 'lrt', 'vrt', 'lending'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

export type AssetId = string;
