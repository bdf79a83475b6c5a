/** Solana facts the config schema needs, kept free of @solana/web3.js so that reading a config does not load it. */

/** The SPL stake pool program (the default `program` of an spl-stake-pool source). */
export const SPL_STAKE_POOL_PROGRAM = 'SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy';

/** Recent slot duration for klend's slot adjustment factor (the klend-sdk default). */
export const DEFAULT_RECENT_SLOT_DURATION_MS = 450;
