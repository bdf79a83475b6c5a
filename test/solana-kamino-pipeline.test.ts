import { Connection, Keypair, PublicKey, type AccountInfo } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { lendingMarketAuthority } from '../src/chains/solana/builders/kamino.js';
import { buildSolAction, prepareSolAction, solanaBuilders } from '../src/chains/solana/builders/registry.js';
import type { SolBuildContext } from '../src/chains/solana/builders/types.js';
import { marinadePdas } from '../src/chains/solana/builders/marinade.js';
import { ata, NATIVE_MINT } from '../src/chains/solana/builders/plumbing.js';
import type { Universe } from '../src/config/universe.js';
import type { PlannedAction } from '../src/domain/action.js';
import type { Journal } from '../src/journal/journal.js';
import { parseKaminoReserve } from '../src/sources/solana/kamino-reserve.js';
import { parseMarinadeLiqPoolFees } from '../src/sources/solana/marinade-liq-pool.js';
import { parseMarinadeState, totalVirtualStakedLamports } from '../src/sources/solana/marinade-state.js';
import { KLEND_PROGRAM as KLEND } from './support/kamino-double.js';
import { fixedReader, loadDump } from './support/sol-accounts.js';
import { makeSolExecutor, systemAccount } from './support/sol-exec.js';
import { runSolAction as run, startSolTestChain } from './support/sol-chain-harness.js';
import type { DoubleAccount } from './support/stake-pool-double.js';
import { mintBytes, tokenAccountBytes } from './support/token-bytes.js';

const SOL = 1_000_000_000n;
const MARINADE = new PublicKey('MarBmsSgKXdrN1egZf5sqe1TMai9K1rChYNDJgjq7aD');
const reserveDump = loadDump('klend_d4A2prbA2whesmvHaL88BH6Ewn5N4bTSU2Ze8P6Bc4Q.json');
const marketDump = loadDump('klend_7u3HeHxYDLhnCoErrtycNokbQYbWGzLs6JSDqGAv5PfF.json');
const stateDump = loadDump('mSOL_stake_pool.json');
const RES = parseKaminoReserve(reserveDump.account.data);
const LMA = lendingMarketAuthority(KLEND, marketDump.pubkey);
const MS = parseMarinadeState(stateDump.account.data);
const PDAS = marinadePdas(MARINADE, stateDump.pubkey);

const info = (a: DoubleAccount, lamports = a.lamports): AccountInfo<Uint8Array> => ({ lamports: Number(lamports > 0n ? lamports : 1_000_000n), data: a.data, owner: a.owner, executable: false });

async function setup(solLeg = 30_000n * SOL, extra: ReadonlyArray<{ address: PublicKey; info: AccountInfo<Uint8Array> }> = [], vault = Keypair.generate()) {
  const seed = (address: PublicKey, a: DoubleAccount) => ({ address, info: info(a) });
  // every double registered in svm-doubles.ts: klend and Marinade, the Token program inside doubled transactions
  const { rpc, journal } = await startSolTestChain(
    [
      { address: vault.publicKey, info: systemAccount(100n * SOL) },
      seed(reserveDump.pubkey, { lamports: 60_000_000n, data: Buffer.from(reserveDump.account.data), owner: KLEND }),
      seed(marketDump.pubkey, { lamports: 30_000_000n, data: Buffer.from(marketDump.account.data), owner: KLEND }),
      seed(RES.collateralMint, mintBytes(LMA, RES.collateralMintTotalSupply, 9)),
      seed(RES.liquiditySupplyVault, tokenAccountBytes(NATIVE_MINT, LMA, RES.availableAmount)),
      seed(stateDump.pubkey, { lamports: 10_000_000n, data: Buffer.from(stateDump.account.data), owner: MARINADE }),
      ...[loadDump('mSOL_mint.json')].map((d) => ({ address: d.pubkey, info: { lamports: 1_461_600, data: d.account.data, owner: d.account.owner, executable: false } })),
      { address: PDAS.liqPoolSolLeg, info: systemAccount(solLeg) },
      seed(MS.liqPoolMsolLeg, tokenAccountBytes(MS.msolMint, PDAS.liqPoolMsolLegAuthority, 0n)),
      seed(MS.treasuryMsolAccount, tokenAccountBytes(MS.msolMint, Keypair.generate().publicKey, 0n)),
      seed(ata(vault.publicKey, MS.msolMint), tokenAccountBytes(MS.msolMint, vault.publicKey, 40n * SOL)),
      ...extra,
    ],
  );
  const exec = makeSolExecutor({
    rpcUrl: rpc.url,
    vault,
    journal,
    assets: {
      'kamino-SOL': { mint: RES.collateralMint.toBase58(), venue: { kind: 'klend', program: KLEND.toBase58(), reserve: reserveDump.pubkey.toBase58(), market: marketDump.pubkey.toBase58(), refreshReserve: false } },
      mSOL: { mint: MS.msolMint.toBase58(), venue: { kind: 'marinade', program: MARINADE.toBase58(), state: stateDump.pubkey.toBase58() } },
    },
  });
  const conn = new Connection(rpc.url, 'confirmed');
  const lamports = async (k: PublicKey) => BigInt((await conn.getAccountInfo(k))?.lamports ?? 0);
  const tokens = async (k: PublicKey) => {
    const a = await conn.getAccountInfo(k);
    return a && a.data.length >= 72 ? a.data.readBigUInt64LE(64) : 0n;
  };
  return { vault: vault.publicKey, rpc, journal, exec, lamports, tokens, conn };
}

const act = (kind: PlannedAction['kind'], from: string, to: string, amountIn: bigint, expectedOut: bigint, venue: string): PlannedAction => ({ seq: 1, kind, from, to, amountIn, expectedOut, minOut: (expectedOut * 995n) / 1000n, venue, estCostBase: 0n, delaySeconds: 0, reason: 't' });
/** The builder's own expected out (its intent's quotedOut) for an action over the given venue account. */
async function builderQuote(a: PlannedAction, key: PublicKey, data: Uint8Array, solLeg = 0n): Promise<bigint> {
  const owner = key.equals(stateDump.pubkey) ? MARINADE : KLEND;
  const accounts = [[key, { data, owner, lamports: 1n }], [NATIVE_MINT, { data: new Uint8Array(82), owner: new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'), lamports: 1n }], [PDAS.liqPoolSolLeg, { data: new Uint8Array(0), owner: new PublicKey('11111111111111111111111111111111'), lamports: solLeg }]] as const;
  const ctx: SolBuildContext = {
    vault: Keypair.generate().publicKey,
    baseAsset: 'SOL',
    mints: { 'kamino-SOL': RES.collateralMint.toBase58(), mSOL: MS.msolMint.toBase58() },
    venues: { 'kamino-SOL': { kind: 'klend', program: KLEND.toBase58(), reserve: reserveDump.pubkey.toBase58(), market: marketDump.pubkey.toBase58(), refreshReserve: false }, mSOL: { kind: 'marinade', program: MARINADE.toBase58(), state: stateDump.pubkey.toBase58() } },
    maxSlippage: 0.005,
  };
  const [tx] = buildSolAction(a, await prepareSolAction(a, ctx, fixedReader(1n, 1n, [...accounts]), builders), builders);
  return tx!.slippage!.quotedOut;
}
const builders = solanaBuilders();
const within = (actual: bigint, expected: bigint, bps = 1n) => expect(Number((actual > expected ? actual - expected : expected - actual) * 10_000n) / Number(expected)).toBeLessThanOrEqual(Number(bps));

function journalComplete(j: Journal, id: number) {
  const txs = j.transactionsOfAction(id);
  expect(txs).toHaveLength(1);
  expect(txs[0]!.status).toBe('confirmed');
  expect(j.transactionHistory(txs[0]!.id).map((h) => h.status)).toEqual(['built', 'simulated', 'signed', 'sent', 'confirmed']);
  expect(j.actionStatusHistory(id).map((h) => h.status)).toEqual(['planned', 'intent', 'built', 'simulated', 'signed', 'sent', 'confirmed']);
}

describe('the keeper moves money through the klend and Marinade doubles (loopback RPC over bankrun)', () => {
  it('kamino-SOL: supply 3 SOL (wrapped, deposited, unwrapped) then redeem it all; each confirmed, journaled, balances within 0.01 % of the builder\'s expected out', async () => {
    const { vault, journal, exec, lamports, tokens, conn } = await setup();
    const cAta = ata(vault, RES.collateralMint);
    const amount = 3n * SOL;
    const quotedC = await builderQuote(act('supply', 'SOL', 'kamino-SOL', amount, amount, 'kamino:supply'), reserveDump.pubkey, reserveDump.account.data);
    const sol0 = await lamports(vault);
    // the plan's units: kamino-SOL is a rebasing balance in SOL, so a supply of 3 SOL is expected to hold ≈ 3 SOL
    const d = await run(journal, exec, act('supply', 'SOL', 'kamino-SOL', amount, amount, 'kamino:supply'));
    expect(d.r.status, JSON.stringify(d.r.detail)).toBe('confirmed');
    expect((d.r.detail.reconciliation as { problems: string[] }).problems).toEqual([]);
    journalComplete(journal, d.id);
    within(await tokens(cAta), quotedC);
    expect(await tokens(RES.liquiditySupplyVault)).toBe(RES.availableAmount + amount);
    const gas1 = BigInt(d.r.detail.gasFee as string);
    expect(sol0 - (await lamports(vault))).toBe(amount + gas1);
    expect(gas1 - 2_039_280n).toBeLessThan(100_000n); // the collateral ATA's rent and the fee; the wSOL ATA closed back
    expect(await lamports(ata(vault, NATIVE_MINT))).toBe(0n);
    const read = await exec.readHoldings({ assets: [{ id: 'kamino-SOL' }, { id: 'SOL' }] } as unknown as Universe);
    const held = read.get('kamino-SOL') as bigint; // the position valued in SOL from the reserve
    within(held, amount);
    expect(held).toBeLessThanOrEqual(amount);

    // redeem the whole position: the builder reads the reserve as the deposit left it
    const res1 = (await conn.getAccountInfo(reserveDump.pubkey))!.data;
    const withdraw = act('withdraw', 'kamino-SOL', 'SOL', held, held, 'kamino:withdraw');
    const quotedSol = await builderQuote(withdraw, reserveDump.pubkey, res1);
    const sol1 = await lamports(vault);
    const w = await run(journal, exec, withdraw);
    expect(w.r.status, JSON.stringify(w.r.detail)).toBe('confirmed');
    expect((w.r.detail.reconciliation as { problems: string[] }).problems).toEqual([]);
    journalComplete(journal, w.id);
    const gas2 = BigInt(w.r.detail.gasFee as string);
    within((await lamports(vault)) - sol1 + gas2, quotedSol);
    expect(await tokens(cAta)).toBe(0n); // a full exit redeems every cToken, no rounding dust
    expect(await lamports(ata(vault, NATIVE_MINT))).toBe(0n); // the redeemed wSOL unwrapped into the vault
    expect(amount - ((await lamports(vault)) - sol1 + gas2)).toBeLessThanOrEqual(3n); // the round trip loses only rounding
  });

  it('kamino-SOL: a supply while the vault already holds 1 SOL of wrapped SOL it did not wrap is refused, names the account, sends nothing, leaves the wrapped SOL alone', async () => {
    const vault = Keypair.generate();
    const wsol = ata(vault.publicKey, NATIVE_MINT);
    const pre = tokenAccountBytes(NATIVE_MINT, vault.publicKey, SOL);
    const { journal, exec, lamports, tokens, conn } = await setup(undefined, [{ address: wsol, info: { lamports: Number(pre.lamports), data: pre.data, owner: pre.owner, executable: false } }], vault);
    const sol0 = await lamports(vault.publicKey);
    const d = await run(journal, exec, act('supply', 'SOL', 'kamino-SOL', 3n * SOL, 3n * SOL, 'kamino:supply'));
    expect(d.r.status).toBe('failed');
    expect(String(d.r.detail.reason)).toMatch(new RegExp(`wrapped-SOL account ${wsol.toBase58()} already holds 1 wrapped SOL .*Unwrap it`));
    expect(journal.transactionsOfAction(d.id)).toEqual([]); // nothing built, signed or sent
    expect(await lamports(vault.publicKey)).toBe(sol0); // not even a fee
    expect(await tokens(wsol)).toBe(SOL);
    expect(await lamports(wsol)).toBe(pre.lamports);
    expect(await tokens(ata(vault.publicKey, RES.collateralMint))).toBe(0n);
    expect((await conn.getAccountInfo(RES.liquiditySupplyVault))!.data.readBigUInt64LE(64)).toBe(RES.availableAmount);
  });

  const toSol = (m: bigint) => (m * totalVirtualStakedLamports(MS)) / MS.msolSupply;
  const RENT = 2_039_280n;
  // above the target: lp_min_fee; left at half the target after the unstake: 900 − ⌊899 / 2⌋ = 451 bps
  it.each([
    { what: 'the SOL leg above its target', leg: 30_000n * SOL, bps: 1n },
    { what: 'the SOL leg left at half its target', leg: RENT + toSol(10n * SOL) + 10_500n * SOL, bps: 451n },
  ])('mSOL: liquid-unstake 10 mSOL with $what ($bps bps fee); confirmed, journaled, SOL within 0.01 pct of the State\'s fee curve and of the builder\'s quote', async ({ leg, bps }) => {
    const { vault, journal, exec, lamports, tokens } = await setup(leg);
    const msol = 10n * SOL;
    const fees = parseMarinadeLiqPoolFees(stateDump.account.data);
    const fee = (msol * bps) / 10_000n;
    const expected = toSol(msol - fee);
    const sol0 = await lamports(vault);
    const u = await run(journal, exec, act('sell', 'mSOL', 'SOL', msol, expected, 'marinade-liquid-unstake'));
    expect(u.r.status, JSON.stringify(u.r.detail)).toBe('confirmed');
    expect((u.r.detail.reconciliation as { problems: string[] }).problems).toEqual([]);
    journalComplete(journal, u.id);
    const gas = BigInt(u.r.detail.gasFee as string);
    within((await lamports(vault)) - sol0 + gas, expected);
    // the builder's quote, from the State and the pool's SOL leg as the chain held them
    const quoted = await builderQuote(act('sell', 'mSOL', 'SOL', msol, expected, 'marinade-liquid-unstake'), stateDump.pubkey, stateDump.account.data, leg);
    within((await lamports(vault)) - sol0 + gas, quoted);
    expect(await tokens(ata(vault, MS.msolMint))).toBe(30n * SOL);
    expect(await tokens(MS.treasuryMsolAccount)).toBe((fee * BigInt(fees.treasuryCutBps)) / 10_000n);
    expect(await tokens(MS.liqPoolMsolLeg)).toBe(msol - (fee * BigInt(fees.treasuryCutBps)) / 10_000n);
  });
});
