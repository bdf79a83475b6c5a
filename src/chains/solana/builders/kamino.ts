import { PublicKey, SYSVAR_INSTRUCTIONS_PUBKEY, TransactionInstruction } from '@solana/web3.js';
import type { PlannedAction } from '../../../domain/action.js';
import { parseKaminoReserve, totalSupplySf, type KaminoReserveState } from '../../../sources/solana/kamino-reserve.js';
import { anchorDiscriminator, BuildError, parsed, pk, r, receiptAsset, requirePositive, sol, u64le, venueOf, w } from './common.js';
import { vaultAta, ensureAta, NATIVE_MINT, TOKEN_PROGRAM_ID, unwrapSol, wrapSol } from './plumbing.js';
import type { SolBuildContext, SolProtocolBuilder, SolTxIntent } from './types.js';
import { refuseForeignWrappedSol, wrappedSolAta } from './wrapped-sol-guard.js';

/**
 * Kamino Lend (klend) supply without an obligation: deposit_reserve_liquidity (liquidity → the reserve's
 * collateral token) and redeem_reserve_collateral (back). Anchor discriminators and account orders from
 * klend v1.16 (reference § klend; note the two handlers order reserve and lending_market differently).
 * v1.16 refreshes the reserve inside both handlers, so refresh_reserve is prepended only where the venue
 * says the deployed version needs it (`refreshReserve`), with the oracle accounts configured for it
 * (an absent optional account is the program id, Anchor's convention). A SOL reserve's liquidity is
 * wrapped SOL: wrapped before the deposit and unwrapped after the redeem, in the same transaction; prepare
 * refuses while the vault's wrapped-SOL account holds SOL the keeper did not wrap (the close would sweep it).
 */
export const KLEND_IX = {
  depositReserveLiquidity: anchorDiscriminator('deposit_reserve_liquidity'),
  redeemReserveCollateral: anchorDiscriminator('redeem_reserve_collateral'),
  refreshReserve: anchorDiscriminator('refresh_reserve'),
};

const FRACTION_BITS = 60n;

export function lendingMarketAuthority(program: PublicKey, market: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync([Buffer.from('lma'), market.toBuffer()], program)[0];
}

/** Liquidity (whole base units) behind the reserve's collateral supply. */
function totalLiquidity(res: KaminoReserveState): bigint {
  return totalSupplySf(res) >> FRACTION_BITS;
}

export function collateralForLiquidity(res: KaminoReserveState, liquidity: bigint): bigint {
  const total = totalLiquidity(res);
  return total === 0n || res.collateralMintTotalSupply === 0n ? liquidity : (liquidity * res.collateralMintTotalSupply) / total;
}

export function liquidityForCollateral(res: KaminoReserveState, collateral: bigint): bigint {
  return res.collateralMintTotalSupply === 0n ? collateral : (collateral * totalLiquidity(res)) / res.collateralMintTotalSupply;
}

function load(action: PlannedAction, ctx: SolBuildContext) {
  const { asset, venue } = venueOf(action, ctx, 'klend');
  const program = pk(venue.program, 'klend program', action);
  const reserveKey = pk(venue.reserve, `${asset} reserve`, action);
  const market = pk(venue.market, `${asset} lending market`, action);
  const res = parsed(ctx, reserveKey, `${asset} reserve`, program, parseKaminoReserve, action);
  if (!res.lendingMarket.equals(market)) throw new BuildError(`reserve ${reserveKey.toBase58()} belongs to market ${res.lendingMarket.toBase58()}, not ${market.toBase58()}`, action);
  if (res.status !== 0) throw new BuildError(`reserve ${reserveKey.toBase58()} is not active (status ${res.status})`, action);
  const mintAcc = ctx.chain?.accounts.get(res.liquidityMint.toBase58());
  const liquidityTokenProgram = mintAcc ? mintAcc.owner : TOKEN_PROGRAM_ID;
  const refresh = venue.refreshReserve
    ? [
        new TransactionInstruction({
          programId: program,
          keys: [w(reserveKey), r(market), ...[venue.oracles?.pyth, venue.oracles?.switchboardPrice, venue.oracles?.switchboardTwap, venue.oracles?.scopePrices].map((o) => r(o ? pk(o, 'oracle', action) : program))],
          data: Buffer.from(KLEND_IX.refreshReserve),
        }),
      ]
    : [];
  return { asset, program, reserveKey, market, res, lma: lendingMarketAuthority(program, market), liquidityTokenProgram, refresh, isSol: res.liquidityMint.equals(NATIVE_MINT) };
}

function deposit(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[] {
  requirePositive(action, action.amountIn);
  const k = load(action, ctx);
  const source = vaultAta(ctx, k.res.liquidityMint, k.liquidityTokenProgram);
  const dest = vaultAta(ctx, k.res.collateralMint);
  const expected = collateralForLiquidity(k.res, action.amountIn);
  const keys = [
    r(ctx.vault, true), w(k.reserveKey), r(k.market), r(k.lma), r(k.res.liquidityMint), w(k.res.liquiditySupplyVault), w(k.res.collateralMint), w(source), w(dest), r(TOKEN_PROGRAM_ID), r(k.liquidityTokenProgram), r(SYSVAR_INSTRUCTIONS_PUBKEY),
  ];
  const ix = new TransactionInstruction({ programId: k.program, keys, data: Buffer.concat([KLEND_IX.depositReserveLiquidity, u64le(action.amountIn)]) });
  return [
    {
      instructions: [...(k.isSol ? wrapSol(ctx.vault, action.amountIn, ctx.vaultOffCurve) : []), ensureAta(ctx.vault, ctx.vault, k.res.collateralMint), ...k.refresh, ix, ...(k.isSol ? [unwrapSol(ctx.vault, ctx.vaultOffCurve)] : [])],
      description: `supply ${sol(action.amountIn, k.res.mintDecimals)} to Kamino reserve ${k.reserveKey.toBase58()} for ≈ ${sol(expected, k.res.mintDecimals)} collateral`,
      valueAtRiskLamports: k.isSol ? action.amountIn : 0n,
      slippage: { minOut: (expected * 999n) / 1000n, quotedOut: expected, destination: dest.toBase58(), enforcedOnChain: false },
    },
  ];
}

function redeem(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[] {
  requirePositive(action, action.amountIn);
  const k = load(action, ctx);
  const source = vaultAta(ctx, k.res.collateralMint);
  let collateral = collateralForLiquidity(k.res, action.amountIn);
  // A plan for at least what the whole position is worth (a full exit) redeems every cToken, no more:
  // converting the valued amount back rounds down and would leave a cToken of dust. (A plan for far more
  // than the position is then caught by the balance check, as spending less than planned.)
  const held = ctx.chain?.accounts.get(source.toBase58());
  const heldC = held && held.data.length >= 72 ? Buffer.from(held.data).readBigUInt64LE(64) : 0n;
  if (heldC > 0n && liquidityForCollateral(k.res, heldC) <= action.amountIn) collateral = heldC;
  if (collateral <= 0n) throw new BuildError('the amount is worth no collateral', action);
  const expected = liquidityForCollateral(k.res, collateral);
  const dest = vaultAta(ctx, k.res.liquidityMint, k.liquidityTokenProgram);
  const keys = [
    r(ctx.vault, true), r(k.market), w(k.reserveKey), r(k.lma), r(k.res.liquidityMint), w(k.res.collateralMint), w(k.res.liquiditySupplyVault), w(source), w(dest), r(TOKEN_PROGRAM_ID), r(k.liquidityTokenProgram), r(SYSVAR_INSTRUCTIONS_PUBKEY),
  ];
  const ix = new TransactionInstruction({ programId: k.program, keys, data: Buffer.concat([KLEND_IX.redeemReserveCollateral, u64le(collateral)]) });
  if (k.res.availableAmount < expected) throw new BuildError(`reserve ${k.reserveKey.toBase58()} has ${sol(k.res.availableAmount, k.res.mintDecimals)} available, less than ${sol(expected, k.res.mintDecimals)}`, action);
  return [
    {
      instructions: [ensureAta(ctx.vault, ctx.vault, k.res.liquidityMint, k.liquidityTokenProgram), ...k.refresh, ix, ...(k.isSol ? [unwrapSol(ctx.vault, ctx.vaultOffCurve)] : [])],
      description: `redeem ${sol(collateral, k.res.mintDecimals)} Kamino collateral for ≈ ${sol(expected, k.res.mintDecimals)} from reserve ${k.reserveKey.toBase58()}`,
      valueAtRiskLamports: 0n,
      slippage: { minOut: (expected * 999n) / 1000n, quotedOut: expected, destination: k.isSol ? ctx.vault.toBase58() : dest.toBase58(), enforcedOnChain: false },
    },
  ];
}

export const kaminoBuilder: SolProtocolBuilder = {
  protocol: 'klend',
  supports: (a, ctx) => ctx.venues[receiptAsset(a)]?.kind === 'klend' && (a.kind === 'supply' || a.kind === 'withdraw'),
  async prepare(action, ctx, chain) {
    const { asset, venue } = venueOf(action, ctx, 'klend');
    const reserveKey = pk(venue.reserve, `${asset} reserve`, action);
    const first = await chain.readAccounts([reserveKey]);
    const res = parsed({ ...ctx, chain: first }, reserveKey, `${asset} reserve`, null, parseKaminoReserve, action);
    // Reserve, liquidity mint (its owner is the token program to pass), for a redeem the vault's
    // collateral account and, for the SOL reserve, the wrapped-SOL account the transaction closes, in one slot.
    const isSol = res.liquidityMint.equals(NATIVE_MINT);
    const keys = [reserveKey, res.liquidityMint, ...(action.kind === 'withdraw' ? [vaultAta(ctx, res.collateralMint)] : []), ...(isSol ? [wrappedSolAta(ctx)] : [])];
    const snap = await chain.readAccounts(keys);
    if (isSol) refuseForeignWrappedSol(snap.accounts.get(wrappedSolAta(ctx).toBase58()), ctx, action);
    return { ...ctx, chain: snap };
  },
  build: (action, ctx) => (action.kind === 'supply' ? deposit(action, ctx) : redeem(action, ctx)),
};
