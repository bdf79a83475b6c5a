import { Keypair, PublicKey, SystemProgram } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { marinadePdas } from '../src/chains/solana/builders/marinade.js';
import { ata } from '../src/chains/solana/builders/plumbing.js';
import { buildSolAction, prepareSolAction, solanaBuilders } from '../src/chains/solana/builders/registry.js';
import type { SolBuildContext } from '../src/chains/solana/builders/types.js';
import type { PlannedAction } from '../src/domain/action.js';
import { LayoutError } from '../src/sources/solana/bytes.js';
import { parseMarinadeLiqPoolFees } from '../src/sources/solana/marinade-liq-pool.js';
import { parseMarinadeState, totalVirtualStakedLamports } from '../src/sources/solana/marinade-state.js';
import { marinadeDouble } from './support/marinade-double.js';
import { fixedReader, loadDump } from './support/sol-accounts.js';
import type { DoubleIx } from './support/stake-pool-double.js';
import { mapStore, mintBytes, tokenAccountBytes } from './support/token-bytes.js';

const SOL = 1_000_000_000n;
const MARINADE = new PublicKey('MarBmsSgKXdrN1egZf5sqe1TMai9K1rChYNDJgjq7aD');
const stateDump = loadDump('mSOL_stake_pool.json');
const S = parseMarinadeState(stateDump.account.data);
const PDAS = marinadePdas(MARINADE, stateDump.pubkey);
const VAULT = Keypair.generate().publicKey;
const RENT = 2_039_280n;
const TVS = totalVirtualStakedLamports(S);
const toSol = (msol: bigint) => (msol * TVS) / S.msolSupply;

function world(solLegLamports: bigint, msol: bigint) {
  return mapStore([
    [stateDump.pubkey, { lamports: 1n, data: Buffer.from(stateDump.account.data), owner: MARINADE }],
    [S.msolMint, mintBytes(PDAS.msolMintAuthority, S.msolSupply, 9)],
    [PDAS.liqPoolSolLeg, { lamports: solLegLamports, data: Buffer.alloc(0), owner: SystemProgram.programId }],
    [S.liqPoolMsolLeg, tokenAccountBytes(S.msolMint, PDAS.liqPoolMsolLegAuthority, 0n)],
    [S.treasuryMsolAccount, tokenAccountBytes(S.msolMint, Keypair.generate().publicKey, 0n)],
    [ata(VAULT, S.msolMint), tokenAccountBytes(S.msolMint, VAULT, msol)],
    [VAULT, { lamports: SOL, data: Buffer.alloc(0), owner: SystemProgram.programId }],
  ]);
}

const ctx: SolBuildContext = { vault: VAULT, baseAsset: 'SOL', mints: { mSOL: S.msolMint.toBase58() }, venues: { mSOL: { kind: 'marinade', program: MARINADE.toBase58(), state: stateDump.pubkey.toBase58() } }, maxSlippage: 0.005 };
const builders = solanaBuilders();

/** The keeper's own liquid_unstake instruction for `msol`, as the double receives it. */
const sell = (msol: bigint, minOut = 0n): PlannedAction => ({ seq: 0, kind: 'sell', from: 'mSOL', to: 'SOL', amountIn: msol, expectedOut: 0n, minOut, venue: 'marinade-liquid-unstake', estCostBase: 0n, delaySeconds: 0, reason: 'test' });

/** The builder's intent for `msol` with the pool's SOL leg holding `leg` lamports when it reads the chain. */
async function intent(msol: bigint, leg = 100_000n * SOL, minOut = 0n) {
  const action = sell(msol, minOut);
  const reader = fixedReader(1n, 794n, [[stateDump.pubkey, stateDump.account], [PDAS.liqPoolSolLeg, { data: new Uint8Array(0), owner: SystemProgram.programId, lamports: leg }]]);
  return buildSolAction(action, await prepareSolAction(action, ctx, reader, builders), builders)[0]!;
}

/** The keeper's own liquid_unstake instruction for `msol`, as the double receives it (built while the leg held 100 000 SOL). */
async function unstakeIx(msol: bigint): Promise<DoubleIx> {
  const ix = (await intent(msol)).instructions.find((i) => i.programId.equals(MARINADE))!;
  return { program: MARINADE, accounts: ix.keys.map((k) => ({ key: k.pubkey, signer: k.isSigner, writable: k.isWritable })), data: Buffer.from(ix.data) };
}

const dbl = marinadeDouble(() => ({ epoch: 794n, unixTimestamp: 0n, epochStartTimestamp: 0n }));
const tokens = (s: ReturnType<typeof world>, k: PublicKey) => s.get(k)!.data.readBigUInt64LE(64);

describe('Marinade liquid_unstake fee fields, read from the real State', () => {
  it('are mainnet\'s: target 21 000 SOL, max fee 9 %, min fee 0.01 %, treasury cut 50 %, 2 039 280 lamports kept for rent', () => {
    expect(parseMarinadeLiqPoolFees(stateDump.account.data)).toEqual({ rentExemptForTokenAcc: RENT, lpLiquidityTarget: 21_000n * SOL, lpMaxFeeBps: 900, lpMinFeeBps: 1, treasuryCutBps: 5000, minWithdraw: 1n });
  });

  it('a fee above 100 % or a min above the max is refused as a layout error', () => {
    const d = Buffer.from(stateDump.account.data);
    d.writeUInt32LE(10_001, 460);
    expect(() => parseMarinadeLiqPoolFees(d)).toThrow(LayoutError);
    d.writeUInt32LE(900, 460);
    d.writeUInt32LE(901, 464);
    expect(() => parseMarinadeLiqPoolFees(d)).toThrow(/lp_min_fee 901 bps is above lp_max_fee 900/);
  });
});

describe('Marinade double: liquid_unstake', () => {
  it('with the SOL leg above its target: 0.01 % fee in mSOL, half of it to the treasury, the rest of the mSOL to the pool\'s leg, SOL at the virtual rate', async () => {
    const msol = 10n * SOL;
    const s = world(100_000n * SOL, msol);
    dbl(await unstakeIx(msol), s);
    const fee = (msol * 1n) / 10_000n;
    expect(s.get(VAULT)!.lamports - SOL).toBe(toSol(msol - fee));
    expect(s.get(PDAS.liqPoolSolLeg)!.lamports).toBe(100_000n * SOL - toSol(msol - fee));
    expect(tokens(s, S.treasuryMsolAccount)).toBe(fee / 2n);
    expect(tokens(s, S.liqPoolMsolLeg)).toBe(msol - fee / 2n);
    expect(tokens(s, ata(VAULT, S.msolMint))).toBe(0n);
    expect(s.get(S.msolMint)!.data.readBigUInt64LE(36)).toBe(S.msolSupply); // moved, not burned
  });

  it('with the leg left at half its target after the unstake: the linear fee 900 − ⌊899 / 2⌋ = 451 bps', async () => {
    const msol = 100n * SOL;
    const s = world(RENT + toSol(msol) + 10_500n * SOL, msol);
    dbl(await unstakeIx(msol), s);
    const fee = (msol * 451n) / 10_000n;
    expect(s.get(VAULT)!.lamports - SOL).toBe(toSol(msol - fee));
    expect(tokens(s, S.treasuryMsolAccount)).toBe(fee / 2n);
    // the builder, reading the same leg, quotes exactly that and puts its floor under it
    const t = await intent(msol, RENT + toSol(msol) + 10_500n * SOL);
    expect(t.slippage!.quotedOut).toBe(toSol(msol - fee));
    expect(t.slippage!.minOut).toBe((toSol(msol - fee) * 995_000n) / 1_000_000n);
    expect(t.description).toMatch(/pool fee 451 bps/);
  });

  it('the builder refuses a pool that cannot pay and a payout below the planned minimum', async () => {
    const msol = 100n * SOL;
    await expect(intent(msol, RENT + toSol(msol) / 2n)).rejects.toThrow(/not enough to pay/);
    await expect(intent(msol, 0n)).rejects.toThrow(/not enough to pay/);
    const net = toSol(msol - (msol * 1n) / 10_000n);
    await expect(intent(msol, 100_000n * SOL, net + 1n)).rejects.toThrow(/below the planned minimum/);
    expect((await intent(msol, 100_000n * SOL, net)).slippage!.minOut).toBe(net);
  });

  it('taking the whole leg costs the max fee (9 %); a leg that cannot pay even that fails InsufficientLiquidity and moves nothing', async () => {
    const msol = 100n * SOL;
    const paid = toSol(msol - (msol * 900n) / 10_000n);
    const s = world(RENT + paid, msol);
    dbl(await unstakeIx(msol), s);
    expect(s.get(VAULT)!.lamports - SOL).toBe(paid);
    expect(s.get(PDAS.liqPoolSolLeg)!.lamports).toBe(RENT);
    const poor = world(RENT + paid - 1n, msol);
    const ix = await unstakeIx(msol);
    expect(() => dbl(ix, poor)).toThrow(/InsufficientLiquidity/);
    expect(tokens(poor, ata(VAULT, S.msolMint))).toBe(msol);
  });

  it('a treasury account that is not an mSOL token account gets no cut: all the mSOL goes to the pool\'s leg', async () => {
    const msol = 10n * SOL;
    const s = world(100_000n * SOL, msol);
    s.set(S.treasuryMsolAccount, { lamports: 0n, data: Buffer.alloc(0), owner: SystemProgram.programId });
    dbl(await unstakeIx(msol), s);
    expect(tokens(s, S.liqPoolMsolLeg)).toBe(msol);
  });

  it('refuses a wrong discriminator, a swapped SOL/mSOL leg, a missing authority signature, too few accounts and a short payload', async () => {
    const ix = await unstakeIx(SOL);
    const s = world(100_000n * SOL, SOL);
    expect(() => dbl({ ...ix, data: Buffer.concat([Buffer.alloc(8, 7), ix.data.subarray(8)]) }, s)).toThrow(/InstructionFallbackNotFound/);
    const a = ix.accounts;
    expect(() => dbl({ ...ix, accounts: [a[0]!, a[1]!, a[3]!, a[2]!, ...a.slice(4)] }, s)).toThrow(/ConstraintSeeds: liq_pool_sol_leg_pda/);
    expect(() => dbl({ ...ix, accounts: a.map((m, i) => (i === 6 ? { ...m, signer: false } : m)) }, s)).toThrow(/AccountNotSigner: get_msol_from_authority/);
    expect(() => dbl({ ...ix, accounts: a.slice(0, 9) }, s)).toThrow(/NotEnoughAccountKeys/);
    expect(() => dbl({ ...ix, data: ix.data.subarray(0, 12) }, s)).toThrow(/InstructionDidNotDeserialize/);
    const other = Keypair.generate().publicKey;
    expect(() => dbl({ ...ix, accounts: a.map((m, i) => (i === 6 ? { ...m, key: other } : m)) }, s)).toThrow(/OwnerMismatch/);
    expect(tokens(s, ata(VAULT, S.msolMint))).toBe(SOL);
  });
});
