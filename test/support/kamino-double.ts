import { PublicKey, SYSVAR_INSTRUCTIONS_PUBKEY } from '@solana/web3.js';
import { NATIVE_MINT } from '@solana/spl-token';
import { OFFSET, parseKaminoReserve, totalSupplySf, type KaminoReserveState } from '../../src/sources/solana/kamino-reserve.js';
import { addSupply, addTokens, accountsOf, anchorDisc, moveLamports, need, tokenAccount, TOKEN_PROGRAM, type DoubleRegistration, type Meta } from './double-kit.js';
import type { AccountStore, DoubleAccount, DoubleIx, ProgramDouble } from './stake-pool-double.js';

export const KLEND_PROGRAM = new PublicKey('KLend2g3cP87fffoy8q1mQqGKjrxjC8boSyAYavgmjD');
const IX = { deposit: anchorDisc('deposit_reserve_liquidity'), redeem: anchorDisc('redeem_reserve_collateral'), refresh: anchorDisc('refresh_reserve') };
const MARKET_DISC = anchorDisc('LendingMarket', 'account');
const STALE_AT = OFFSET.lastUpdateSlot + 8;

export interface KaminoDoubleOptions {
  /**
   * v1.16 (the reference's source) refreshes the reserve inside deposit/redeem, so they need no
   * refresh_reserve before them. false models a version that does not: the handler then requires the
   * reserve refreshed in this slot and not marked stale since (every deposit/redeem marks it stale).
   */
  readonly internalRefresh?: boolean;
}

/**
 * klend's CollateralExchangeRate as the program computes it in U68F60 fixed point: rate = collateral
 * supply / total liquidity (available + borrowed − fees, all "_sf"), 1 when either is 0. Deposit mints
 * floor(rate × liquidity); redeem pays floor(collateral / rate). Interest accrual since the reserve's last
 * update is not modelled (the stored totals are used as they are).
 */
export function collateralRateSf(res: KaminoReserveState): bigint {
  const total = totalSupplySf(res);
  return total === 0n || res.collateralMintTotalSupply === 0n ? 1n << 60n : (res.collateralMintTotalSupply << 120n) / total;
}
export const liquidityToCollateral = (res: KaminoReserveState, liquidity: bigint): bigint => (collateralRateSf(res) * liquidity) >> 60n;
export const collateralToLiquidity = (res: KaminoReserveState, collateral: bigint): bigint => ((collateral << 120n) / collateralRateSf(res)) >> 60n;

const lma = (program: PublicKey, market: PublicKey) => PublicKey.findProgramAddressSync([Buffer.from('lma'), market.toBuffer()], program)[0];

function reserveOf(ix: DoubleIx, store: AccountStore, m: Meta, slot: bigint, internalRefresh: boolean) {
  const acc = store.get(m.key);
  need(acc !== undefined && acc.owner.equals(ix.program), 'AccountOwnedByWrongProgram: reserve');
  need(m.writable, 'ConstraintMut: reserve');
  let res: KaminoReserveState;
  try {
    res = parseKaminoReserve(acc.data);
  } catch (e) {
    need(false, `AccountDiscriminatorMismatch: reserve (${(e as Error).message})`);
  }
  if (internalRefresh) {
    acc.data.writeBigUInt64LE(slot, OFFSET.lastUpdateSlot);
    acc.data[STALE_AT] = 0;
  } else {
    need(acc.data.readBigUInt64LE(OFFSET.lastUpdateSlot) === slot && acc.data[STALE_AT] === 0, 'ReserveStale: refresh_reserve must run in this slot before the deposit/redeem');
  }
  need(res.status === 0, 'ReserveObsolete');
  return { acc, res };
}

function marketOf(ix: DoubleIx, store: AccountStore, m: Meta, res: KaminoReserveState): void {
  need(m.key.equals(res.lendingMarket), 'ConstraintHasOne: lending_market');
  const a = store.get(m.key);
  need(a !== undefined && a.owner.equals(ix.program) && a.data.subarray(0, 8).equals(MARKET_DISC), 'AccountDiscriminatorMismatch: lending_market');
}

/** The mint authority of an SPL mint (COption<Pubkey> at 0). */
function mintAuthority(store: AccountStore, mint: PublicKey): PublicKey | null {
  const a = store.get(mint);
  need(a !== undefined && a.owner.equals(TOKEN_PROGRAM) && a.data.length >= 82, `mint ${mint.toBase58()} missing`);
  return a.data.readUInt32LE(0) === 1 ? new PublicKey(a.data.subarray(4, 36)) : null;
}

/** Token transfer as the Token program makes it; a native (wSOL) account's lamports move with its amount. */
function transfer(store: AccountStore, from: PublicKey, to: PublicKey, mint: PublicKey, amount: bigint, what: string): void {
  addTokens(store, from, mint, -amount, `${what} source`);
  addTokens(store, to, mint, amount, `${what} destination`);
  if (mint.equals(NATIVE_MINT)) moveLamports(store, from, to, amount);
}

/** The checks both handlers share (handler_deposit_reserve_liquidity.rs / handler_redeem_reserve_collateral.rs account structs). */
function common(ix: DoubleIx, store: AccountStore, res: KaminoReserveState, a: { owner: Meta; market: Meta; lma: Meta; liqMint: Meta; supply: Meta; collMint: Meta; collProgram: Meta; liqProgram: Meta; sysvar: Meta }): void {
  need(a.owner.signer, 'AccountNotSigner: owner');
  marketOf(ix, store, a.market, res);
  need(a.lma.key.equals(lma(ix.program, a.market.key)), 'ConstraintSeeds: lending_market_authority');
  need(a.liqMint.key.equals(res.liquidityMint), 'ConstraintAddress: reserve_liquidity_mint');
  need(a.supply.key.equals(res.liquiditySupplyVault) && a.supply.writable, 'ConstraintAddress: reserve_liquidity_supply');
  need(a.collMint.key.equals(res.collateralMint) && a.collMint.writable, 'ConstraintAddress: reserve_collateral_mint');
  need(a.collProgram.key.equals(TOKEN_PROGRAM), 'InvalidProgramId: collateral_token_program');
  const mintAcc = store.get(res.liquidityMint);
  need(mintAcc !== undefined && a.liqProgram.key.equals(mintAcc.owner), 'ConstraintMintTokenProgram: liquidity_token_program');
  need(a.sysvar.key.equals(SYSVAR_INSTRUCTIONS_PUBKEY), 'ConstraintAddress: instruction_sysvar_account');
  const authority = lma(ix.program, a.market.key);
  need(tokenAccount(store, res.liquiditySupplyVault, 'reserve_liquidity_supply').owner.equals(authority), 'reserve_liquidity_supply not owned by the market authority');
  need(mintAuthority(store, res.collateralMint)?.equals(authority) === true, 'reserve_collateral_mint authority is not the market authority');
}

function amountOf(ix: DoubleIx): bigint {
  need(ix.data.length === 16, 'InstructionDidNotDeserialize');
  const n = ix.data.readBigUInt64LE(8);
  need(n > 0n, 'InvalidAmount');
  return n;
}

function writeTotals(store: AccountStore, key: PublicKey, acc: DoubleAccount, available: bigint, collateralSupply: bigint, internalRefresh: boolean): void {
  acc.data.writeBigUInt64LE(available, OFFSET.availableAmount);
  acc.data.writeBigUInt64LE(collateralSupply, OFFSET.collateralMintTotalSupply);
  if (!internalRefresh) acc.data[STALE_AT] = 1; // last_update.mark_stale()
  store.set(key, acc);
}

/**
 * deposit_reserve_liquidity {liquidity_amount u64}: owner(s), reserve(w), lending_market, lending_market_authority,
 * reserve_liquidity_mint, reserve_liquidity_supply(w), reserve_collateral_mint(w), user_source_liquidity(w),
 * user_destination_collateral(w), collateral_token_program, liquidity_token_program, instruction_sysvar.
 */
function deposit(ix: DoubleIx, store: AccountStore, slot: bigint, internalRefresh: boolean): void {
  const amount = amountOf(ix);
  const [owner, reserve, market, lmaK, liqMint, supply, collMint, src, dest, collProgram, liqProgram, sysvar] = accountsOf(ix, 12) as Meta[] as [Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta];
  const { acc, res } = reserveOf(ix, store, reserve, slot, internalRefresh);
  common(ix, store, res, { owner, market, lma: lmaK, liqMint, supply, collMint, collProgram, liqProgram, sysvar });
  const s = tokenAccount(store, src.key, 'user_source_liquidity');
  need(src.writable && s.mint.equals(res.liquidityMint) && s.owner.equals(owner.key), 'ConstraintTokenMint/Owner: user_source_liquidity');
  need(dest.writable && tokenAccount(store, dest.key, 'user_destination_collateral').mint.equals(res.collateralMint), 'ConstraintTokenMint: user_destination_collateral');
  const collateral = liquidityToCollateral(res, amount);
  need(collateral > 0n, 'DepositAmountTooSmall');
  transfer(store, src.key, supply.key, res.liquidityMint, amount, 'deposit');
  addTokens(store, dest.key, res.collateralMint, collateral, 'user_destination_collateral');
  addSupply(store, res.collateralMint, collateral);
  writeTotals(store, reserve.key, acc, res.availableAmount + amount, res.collateralMintTotalSupply + collateral, internalRefresh);
}

/**
 * redeem_reserve_collateral {collateral_amount u64}. Note the order: owner(s), lending_market, reserve(w),
 * lending_market_authority, reserve_liquidity_mint, reserve_collateral_mint(w), reserve_liquidity_supply(w),
 * user_source_collateral(w), user_destination_liquidity(w, the owner's), collateral_token_program,
 * liquidity_token_program, instruction_sysvar.
 */
function redeem(ix: DoubleIx, store: AccountStore, slot: bigint, internalRefresh: boolean): void {
  const amount = amountOf(ix);
  const [owner, market, reserve, lmaK, liqMint, collMint, supply, src, dest, collProgram, liqProgram, sysvar] = accountsOf(ix, 12) as Meta[] as [Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta, Meta];
  const { acc, res } = reserveOf(ix, store, reserve, slot, internalRefresh);
  common(ix, store, res, { owner, market, lma: lmaK, liqMint, supply, collMint, collProgram, liqProgram, sysvar });
  const s = tokenAccount(store, src.key, 'user_source_collateral');
  need(src.writable && s.mint.equals(res.collateralMint) && s.owner.equals(owner.key), 'ConstraintTokenMint/Owner: user_source_collateral');
  const d = tokenAccount(store, dest.key, 'user_destination_liquidity');
  need(dest.writable && d.mint.equals(res.liquidityMint) && d.owner.equals(owner.key), 'ConstraintTokenMint/Owner: user_destination_liquidity');
  const liquidity = collateralToLiquidity(res, amount);
  need(liquidity > 0n, 'RedeemAmountTooSmall');
  need(liquidity <= res.availableAmount, 'InsufficientLiquidity');
  addTokens(store, src.key, res.collateralMint, -amount, 'user_source_collateral');
  addSupply(store, res.collateralMint, -amount);
  transfer(store, supply.key, dest.key, res.liquidityMint, liquidity, 'redeem');
  writeTotals(store, reserve.key, acc, res.availableAmount - liquidity, res.collateralMintTotalSupply - amount, internalRefresh);
}

/**
 * refresh_reserve: reserve(w), lending_market, then pyth, switchboard price, switchboard twap, scope prices
 * (an absent one is the program id). Sets last_update to this slot, not stale. The oracle accounts are
 * not read (no prices are modelled); nor is interest accrued.
 */
function refresh(ix: DoubleIx, store: AccountStore, slot: bigint): void {
  need(ix.data.length === 8, 'InstructionDidNotDeserialize');
  const [reserve, market] = accountsOf(ix, 6) as Meta[] as [Meta, Meta];
  const { acc, res } = reserveOf(ix, store, reserve, slot, true);
  marketOf(ix, store, market, res);
  store.set(reserve.key, acc);
}

/** The klend double: deposit_reserve_liquidity, redeem_reserve_collateral and refresh_reserve over the chain's slot; any other discriminator fails as Anchor does. */
export function kaminoDouble(slot: () => bigint, opts: KaminoDoubleOptions = {}): ProgramDouble {
  const internal = opts.internalRefresh ?? true;
  return (ix, store) => {
    need(ix.data.length >= 8, 'InstructionFallbackNotFound');
    const d = ix.data.subarray(0, 8);
    if (d.equals(IX.deposit)) return deposit(ix, store, slot(), internal);
    if (d.equals(IX.redeem)) return redeem(ix, store, slot(), internal);
    if (d.equals(IX.refresh)) return refresh(ix, store, slot());
    need(false, 'InstructionFallbackNotFound');
  };
}

/** Registration for an endpoint's doubles map: klend's program id, the double over the chain's slot. */
export const kaminoRegistration: DoubleRegistration = { program: KLEND_PROGRAM.toBase58(), make: (clock) => kaminoDouble(() => clock().slot) };
