import { Keypair, PublicKey, type Connection, type TransactionInstruction } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { BuildError } from '../src/chains/build-error.js';
import { collateralForLiquidity, lendingMarketAuthority, liquidityForCollateral } from '../src/chains/solana/builders/kamino.js';
import { solanaBalances } from '../src/chains/solana/solana-balances.js';
import { ata, NATIVE_MINT } from '../src/chains/solana/builders/plumbing.js';
import { buildSolAction, prepareSolAction, solanaBuilders } from '../src/chains/solana/builders/registry.js';
import type { AccountSnapshot, SolBuildContext } from '../src/chains/solana/builders/types.js';
import type { Universe } from '../src/config/universe.js';
import type { PlannedAction } from '../src/domain/action.js';
import { kaminoSupplyYield, parseKaminoReserve } from '../src/sources/solana/kamino-reserve.js';
import { anchorDisc } from './support/double-kit.js';
import { collateralToLiquidity, kaminoDouble, KLEND_PROGRAM as KLEND, liquidityToCollateral } from './support/kamino-double.js';
import { loadDump, fixedReader } from './support/sol-accounts.js';
import type { DoubleAccount } from './support/stake-pool-double.js';
import { mapStore, mintBytes, tokenAccountBytes } from './support/token-bytes.js';

const SOL = 1_000_000_000n;
const VAULT = Keypair.generate().publicKey;
const reserveDump = loadDump('klend_d4A2prbA2whesmvHaL88BH6Ewn5N4bTSU2Ze8P6Bc4Q.json');
const marketDump = loadDump('klend_7u3HeHxYDLhnCoErrtycNokbQYbWGzLs6JSDqGAv5PfF.json');
const RES = parseKaminoReserve(reserveDump.account.data);
const MARKET = marketDump.pubkey;
const LMA = lendingMarketAuthority(KLEND, MARKET);
const SLOT = 300_000_000n;

const acct = (a: AccountSnapshot): DoubleAccount => ({ lamports: a.lamports, data: Buffer.from(a.data), owner: a.owner });

/** The real SOL reserve and market, with the token accounts and mints they name, and a vault holding `wsol` wrapped SOL. */
function world(wsol: bigint) {
  return mapStore([
    [reserveDump.pubkey, acct(reserveDump.account)],
    [MARKET, acct(marketDump.account)],
    [NATIVE_MINT, mintBytes(null, 0n, 9)],
    [RES.liquiditySupplyVault, tokenAccountBytes(NATIVE_MINT, LMA, RES.availableAmount)],
    [RES.collateralMint, mintBytes(LMA, RES.collateralMintTotalSupply, 9)],
    [ata(VAULT, NATIVE_MINT), tokenAccountBytes(NATIVE_MINT, VAULT, wsol)],
    [ata(VAULT, RES.collateralMint), tokenAccountBytes(RES.collateralMint, VAULT, 0n)],
  ]);
}

function ctx(refreshReserve = false): SolBuildContext {
  return {
    vault: VAULT,
    baseAsset: 'SOL',
    mints: { 'kamino-SOL': RES.collateralMint.toBase58() },
    venues: { 'kamino-SOL': { kind: 'klend', program: KLEND.toBase58(), reserve: reserveDump.pubkey.toBase58(), market: MARKET.toBase58(), refreshReserve } },
    maxSlippage: 0.005,
  };
}

const act = (kind: PlannedAction['kind'], from: string, to: string, amountIn: bigint): PlannedAction => ({ seq: 0, kind, from, to, amountIn, expectedOut: 0n, minOut: 0n, venue: 'test', estCostBase: 0n, delaySeconds: 0, reason: 'test' });
const builders = solanaBuilders();

/** The builder's transaction for an action, over the given reserve bytes (as the keeper would read them). */
async function built(action: PlannedAction, reserve: Uint8Array, refreshReserve = false, extra: ReadonlyArray<readonly [PublicKey, AccountSnapshot]> = []) {
  const accounts = [[reserveDump.pubkey, { ...reserveDump.account, data: reserve }], [NATIVE_MINT, { data: new Uint8Array(82), owner: new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'), lamports: 1n }], ...extra] as const;
  const c = ctx(refreshReserve);
  const [tx] = buildSolAction(action, await prepareSolAction(action, c, fixedReader(SLOT, 700n, [...accounts]), builders), builders);
  return tx!;
}
const klendIxs = (ixs: readonly TransactionInstruction[]) => ixs.filter((i) => i.programId.equals(KLEND)).map((i) => ({ program: KLEND, accounts: i.keys.map((k) => ({ key: k.pubkey, signer: k.isSigner, writable: k.isWritable })), data: Buffer.from(i.data) }));
const amountOf = (s: ReturnType<typeof world>, k: PublicKey) => s.get(k)!.data.readBigUInt64LE(64);

describe('klend double: decodes as the program does', () => {
  it('a wrong discriminator, the redeem account order on a deposit, a missing owner signature, too few accounts and a zero amount all fail', async () => {
    const dbl = kaminoDouble(() => SLOT);
    const s = world(5n * SOL);
    const [dep] = klendIxs((await built(act('supply', 'SOL', 'kamino-SOL', 2n * SOL), reserveDump.account.data)).instructions);
    const d = dep!;
    expect(() => dbl({ ...d, data: Buffer.concat([anchorDisc('deposit_obligation_collateral'), d.data.subarray(8)]) }, s)).toThrow(/InstructionFallbackNotFound/);
    // redeem's order (market before reserve) under the deposit discriminator
    const swapped = [d.accounts[0]!, d.accounts[2]!, d.accounts[1]!, ...d.accounts.slice(3)];
    expect(() => dbl({ ...d, accounts: swapped }, s)).toThrow(/reserve/);
    expect(() => dbl({ ...d, accounts: [{ ...d.accounts[0]!, signer: false }, ...d.accounts.slice(1)] }, s)).toThrow(/AccountNotSigner: owner/);
    expect(() => dbl({ ...d, accounts: d.accounts.slice(0, 11) }, s)).toThrow(/NotEnoughAccountKeys/);
    expect(() => dbl({ ...d, data: Buffer.concat([d.data.subarray(0, 8), Buffer.alloc(8)]) }, s)).toThrow(/InvalidAmount/);
    const liq = [...d.accounts];
    liq[5] = { ...liq[5]!, key: Keypair.generate().publicKey };
    expect(() => dbl({ ...d, accounts: liq }, s)).toThrow(/reserve_liquidity_supply/);
    // nothing moved by the refusals
    expect(amountOf(s, ata(VAULT, NATIVE_MINT))).toBe(5n * SOL);
    const [red] = klendIxs((await built(act('withdraw', 'kamino-SOL', 'SOL', SOL), reserveDump.account.data)).instructions);
    const r = red!;
    expect(() => dbl({ ...r, accounts: [r.accounts[0]!, r.accounts[2]!, r.accounts[1]!, ...r.accounts.slice(3)] }, s)).toThrow(/reserve|lending_market/);
    expect(() => dbl({ ...r, accounts: [{ ...r.accounts[0]!, signer: false }, ...r.accounts.slice(1)] }, s)).toThrow(/AccountNotSigner: owner/);
  });

  it('the exchange rate is the real reserve\'s: collateral per SOL equals 1 / the decoder\'s supply index', () => {
    const index = kaminoSupplyYield(RES).supplyIndex!;
    expect(index).toBeGreaterThan(1); // a reserve that has earned interest since launch
    const c = liquidityToCollateral(RES, 1_000_000n * SOL);
    expect(Math.abs(Number(c) / 1e15 - 1 / index)).toBeLessThan(1e-12);
  });
});

describe('klend double: moves liquidity and collateral as the program does', () => {
  it('the builder\'s deposit then redeem round-trips within the exchange rate\'s rounding; the reserve\'s totals follow', async () => {
    const dbl = kaminoDouble(() => SLOT);
    const s = world(5n * SOL);
    const wsol = ata(VAULT, NATIVE_MINT);
    const cTok = ata(VAULT, RES.collateralMint);
    const amount = 3n * SOL;
    const [dep] = klendIxs((await built(act('supply', 'SOL', 'kamino-SOL', amount), reserveDump.account.data)).instructions);
    dbl(dep!, s);
    const minted = amountOf(s, cTok);
    expect(minted).toBe(liquidityToCollateral(RES, amount));
    // the builder's expected out (whole-unit total liquidity) agrees with the program's fixed point to a part in 1e9
    const quoted = collateralForLiquidity(RES, amount);
    expect(Number(minted - quoted) / Number(minted)).toBeLessThan(1e-9);
    expect(amountOf(s, wsol)).toBe(2n * SOL);
    expect(s.get(wsol)!.lamports).toBe(2n * SOL + 2_039_280n); // a native account's lamports move with its amount
    expect(amountOf(s, RES.liquiditySupplyVault)).toBe(RES.availableAmount + amount);
    const after = parseKaminoReserve(s.get(reserveDump.pubkey)!.data);
    expect(after.availableAmount).toBe(RES.availableAmount + amount);
    expect(after.collateralMintTotalSupply).toBe(RES.collateralMintTotalSupply + minted);
    expect(after.lastUpdateSlot).toBe(SLOT); // v1.16 refreshes inside the handler
    expect(s.get(RES.collateralMint)!.data.readBigUInt64LE(36)).toBe(RES.collateralMintTotalSupply + minted);

    // redeem: the builder turns a liquidity amount into collateral; redeem everything the vault holds
    const r = klendIxs((await built(act('withdraw', 'kamino-SOL', 'SOL', amount), s.get(reserveDump.pubkey)!.data)).instructions)[0]!;
    r.data.writeBigUInt64LE(minted, 8);
    dbl(r, s);
    const back = amountOf(s, wsol) - 2n * SOL;
    expect(back).toBe(collateralToLiquidity(after, minted));
    expect(back).toBeLessThanOrEqual(amount); // rounding never favours the user
    expect(amount - back).toBeLessThanOrEqual(2n);
    expect(amountOf(s, cTok)).toBe(0n);
    const end = parseKaminoReserve(s.get(reserveDump.pubkey)!.data);
    expect(end.collateralMintTotalSupply).toBe(RES.collateralMintTotalSupply);
    expect(end.availableAmount).toBe(RES.availableAmount + amount - back);
  });

  it('a withdraw planned for the whole position\'s value redeems every cToken the vault holds; a smaller one only its share', async () => {
    const held = 1_000n * SOL + 7n;
    const value = liquidityForCollateral(RES, held);
    const cAcc = tokenAccountBytes(RES.collateralMint, VAULT, held);
    const extra = [[ata(VAULT, RES.collateralMint), { data: cAcc.data, owner: cAcc.owner, lamports: cAcc.lamports }]] as const;
    const amountOf = async (liquidity: bigint) => klendIxs((await built(act('withdraw', 'kamino-SOL', 'SOL', liquidity), reserveDump.account.data, false, extra)).instructions)[0]!.data.readBigUInt64LE(8);
    expect(collateralForLiquidity(RES, value)).toBeLessThan(held); // converting back alone would leave dust
    expect(await amountOf(value)).toBe(held);
    expect(await amountOf(value + SOL)).toBe(held);
    expect(await amountOf(value - SOL)).toBe(collateralForLiquidity(RES, value - SOL));
  });

  it('a redeem above the reserve\'s available liquidity fails InsufficientLiquidity; a source the owner does not own fails', async () => {
    const dbl = kaminoDouble(() => SLOT);
    const lowRes = Buffer.from(reserveDump.account.data);
    lowRes.writeBigUInt64LE(SOL, 224); // available 1 SOL; the rest lent out
    lowRes.writeBigUInt64LE(lowRes.readBigUInt64LE(240) + ((RES.availableAmount - SOL) >> 4n) , 240); // borrowed_sf grows (high half): total stays ~the same
    const s = world(0n);
    s.set(reserveDump.pubkey, { ...acct(reserveDump.account), data: lowRes });
    s.set(ata(VAULT, RES.collateralMint), tokenAccountBytes(RES.collateralMint, VAULT, 100n * SOL));
    const r = klendIxs((await built(act('withdraw', 'kamino-SOL', 'SOL', SOL / 2n), reserveDump.account.data)).instructions)[0]!;
    r.data.writeBigUInt64LE(100n * SOL, 8);
    expect(() => dbl(r, s)).toThrow(/InsufficientLiquidity/);
    s.set(ata(VAULT, RES.collateralMint), tokenAccountBytes(RES.collateralMint, Keypair.generate().publicKey, 100n * SOL));
    r.data.writeBigUInt64LE(1000n, 8);
    expect(() => dbl(r, s)).toThrow(/user_source_collateral/);
  });

  it('a program version without the handler\'s own refresh: deposit fails ReserveStale until refresh_reserve runs in the slot, and each deposit marks it stale again', async () => {
    let slot = SLOT;
    const dbl = kaminoDouble(() => slot, { internalRefresh: false });
    const s = world(5n * SOL);
    const tx = await built(act('supply', 'SOL', 'kamino-SOL', SOL), reserveDump.account.data, true);
    const [refresh, dep] = klendIxs(tx.instructions);
    expect(() => dbl(dep!, s)).toThrow(/ReserveStale/);
    dbl(refresh!, s);
    dbl(dep!, s);
    expect(() => dbl(dep!, s)).toThrow(/ReserveStale/); // marked stale by the deposit
    dbl(refresh!, s);
    slot += 1n;
    expect(() => dbl(dep!, s)).toThrow(/ReserveStale/); // refreshed in an earlier slot
    dbl(refresh!, s);
    dbl(dep!, s);
    expect(amountOf(s, ata(VAULT, NATIVE_MINT))).toBe(3n * SOL);
    // refresh_reserve itself checks its market
    expect(() => dbl({ ...refresh!, accounts: [refresh!.accounts[0]!, { key: Keypair.generate().publicKey, signer: false, writable: false }, ...refresh!.accounts.slice(2)] }, s)).toThrow(/lending_market/);
  });
});

describe('a SOL-reserve action never sweeps wrapped SOL the keeper did not wrap', () => {
  const WSOL_ATA = ata(VAULT, NATIVE_MINT);
  const wsolAcc = (amount: bigint, extraLamports = 0n): readonly [PublicKey, AccountSnapshot] => {
    const a = tokenAccountBytes(NATIVE_MINT, VAULT, amount);
    return [WSOL_ATA, { data: a.data, owner: a.owner, lamports: a.lamports + extraLamports }];
  };
  const cAcc = tokenAccountBytes(RES.collateralMint, VAULT, 10n * SOL);
  const collateral = [ata(VAULT, RES.collateralMint), { data: cAcc.data, owner: cAcc.owner, lamports: cAcc.lamports }] as const;
  const supply = act('supply', 'SOL', 'kamino-SOL', 3n * SOL);
  const withdraw = act('withdraw', 'kamino-SOL', 'SOL', SOL);

  it.each([
    { what: 'a supply', a: supply },
    { what: 'a withdraw', a: withdraw },
  ])('$what with 1 SOL already wrapped in the vault\'s ATA is refused in prepare, naming the account and the amount', async ({ a }) => {
    const p = built(a, reserveDump.account.data, false, [wsolAcc(SOL), collateral]);
    await expect(p).rejects.toBeInstanceOf(BuildError);
    await expect(p).rejects.toThrow(new RegExp(`wrapped-SOL account ${WSOL_ATA.toBase58()} already holds 1 wrapped SOL .*Unwrap it`));
  });

  it('lamports sent to the ATA without a SyncNative are swept by the close too: refused, naming them', async () => {
    await expect(built(supply, reserveDump.account.data, false, [wsolAcc(0n, SOL / 2n)])).rejects.toThrow(new RegExp(`${WSOL_ATA.toBase58()} already holds 0.5 SOL not yet synced`));
    await expect(built(supply, reserveDump.account.data, false, [wsolAcc(SOL, SOL / 2n)])).rejects.toThrow(/holds 1 wrapped SOL and 0.5 SOL not yet synced/);
  });

  it('something other than a token account at the ATA address is refused, not closed blindly', async () => {
    await expect(built(supply, reserveDump.account.data, false, [[WSOL_ATA, { data: new Uint8Array(0), owner: PublicKey.default, lamports: SOL }]])).rejects.toThrow(/is not an SPL token account/);
  });

  it('an empty or absent ATA builds as before; prepare reads the ATA in the same call (one slot) as the reserve', async () => {
    for (const extra of [[wsolAcc(0n)], []]) {
      const tx = await built(supply, reserveDump.account.data, false, extra);
      expect(klendIxs(tx.instructions)).toHaveLength(1);
    }
    const reader = fixedReader(SLOT, 700n, [[reserveDump.pubkey, reserveDump.account], wsolAcc(SOL)]);
    await expect(prepareSolAction(supply, ctx(), reader, builders)).rejects.toThrow(BuildError);
    expect(reader.reads.at(-1)).toEqual(expect.arrayContaining([reserveDump.pubkey.toBase58(), WSOL_ATA.toBase58()]));
  });
});

describe('the balance reader values a Kamino position in its liquidity (the model\'s unit), from the reserve read in the same call', () => {
  const venues = ctx().venues;
  const mints = { 'kamino-SOL': RES.collateralMint.toBase58() };
  const reader = (reserve: Uint8Array | null, cTokens: bigint) => {
    const calls: string[][] = [];
    const connection = {
      async getMultipleAccountsInfoAndContext(keys: PublicKey[]) {
        calls.push(keys.map((k) => k.toBase58()));
        const value = keys.map((k) => (k.equals(reserveDump.pubkey) ? (reserve ? { data: Buffer.from(reserve), lamports: 1, owner: KLEND, executable: false } : null) : k.equals(VAULT) ? { data: Buffer.alloc(0), lamports: 5, owner: KLEND, executable: false } : { data: tokenAccountBytes(RES.collateralMint, VAULT, cTokens).data, lamports: 1, owner: KLEND, executable: false }));
        return { context: { slot: 1 }, value };
      },
    } as unknown as Connection;
    return { calls, b: solanaBalances(connection, VAULT, 'SOL', mints, 'confirmed', false, venues) };
  };

  it('cTokens × the reserve\'s rate, in one call with the ATA', async () => {
    const { calls, b } = reader(reserveDump.account.data, 1000n * SOL);
    const r = await b.read(['SOL', 'kamino-SOL']);
    expect(r).toEqual({ SOL: 5n, 'kamino-SOL': liquidityForCollateral(RES, 1000n * SOL) });
    expect((r as Record<string, bigint>)['kamino-SOL']).toBeGreaterThan(1000n * SOL);
    expect(calls).toEqual([[VAULT.toBase58(), ata(VAULT, RES.collateralMint).toBase58(), reserveDump.pubkey.toBase58()]]);
  });

  it('a missing or unreadable reserve is a read error naming it (nothing valued at a guess); no position needs no reserve', async () => {
    expect(await reader(null, 5n).b.read(['kamino-SOL'])).toMatch(new RegExp(`kamino-SOL: Kamino reserve ${reserveDump.pubkey.toBase58()} not found`));
    expect(await reader(new Uint8Array(100), 5n).b.read(['kamino-SOL'])).toMatch(/unreadable \(discriminator/);
    expect(await reader(null, 0n).b.read(['kamino-SOL'])).toEqual({ 'kamino-SOL': 0n });
    // the keeper's holdings sync sees a failed read (it journals holdings-read-failed and does not act), not an empty vault
    await expect(reader(null, 5n).b.holdings({ assets: [{ id: 'SOL' }, { id: 'kamino-SOL' }] } as unknown as Universe)).rejects.toThrow(/not found; its position cannot be valued/);
  });
});
