import { depositSol as sdkDepositSol, StakePoolInstruction, ValidatorListLayout } from '@solana/spl-stake-pool';
import { Keypair, PublicKey, StakeProgram, type TransactionInstruction } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { BuildError } from '../src/chains/build-error.js';
import { ata } from '../src/chains/solana/builders/plumbing.js';
import { buildSolAction, prepareSolAction, solanaBuilders } from '../src/chains/solana/builders/registry.js';
import { lamportsForWithdrawal, poolTokensForDeposit, splitStakeSeed, TAG, withdrawAuthority } from '../src/chains/solana/builders/spl-stake-pool.js';
import type { SolBuildContext } from '../src/chains/solana/builders/types.js';
import { parseValidatorList, validatorStakeAddress } from '../src/chains/solana/builders/validator-list.js';
import type { PlannedAction } from '../src/domain/action.js';
import { parseStakePool } from '../src/sources/solana/spl-stake-pool.js';
import { fixedReader, loadDump, snapshot } from './support/sol-accounts.js';
import { thrown } from './support/thrown.js';

const VAULT = new PublicKey('9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM');
const SPL = 'SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy';
const SANCTUM = 'SPMBzsVUuoHA4Jm6KunbsotaahvVikZs1JyTW6iJvbn';

const jito = loadDump('jitoSOL_stake_pool.json');
const jitoList = loadDump('jitoSOL_stake_pool_validator_list.json');
const jitoReserve = loadDump('jitoSOL_stake_pool_reserve_stake.json');
const bsol = loadDump('bSOL_stake_pool.json');
const jupsol = loadDump('jupSOL_stake_pool.json');
const EPOCH = 793n;

function ctx(over: Partial<SolBuildContext> = {}, slippageInstructions = true): SolBuildContext {
  return {
    vault: VAULT,
    baseAsset: 'SOL',
    mints: { JitoSOL: 'J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn', bSOL: 'bSo13r4TkiE4KumL71LsHTPpL2euBYLFx6h9HP3piy1', jupSOL: 'jupSoLaHXQiZZTSfEWMTRRgpnyFm8f6sZdosWBjx93v' },
    venues: {
      JitoSOL: { kind: 'spl-stake-pool', program: SPL, pool: jito.pubkey.toBase58(), slippageInstructions },
      bSOL: { kind: 'spl-stake-pool', program: SPL, pool: bsol.pubkey.toBase58(), slippageInstructions },
      jupSOL: { kind: 'spl-stake-pool', program: SANCTUM, pool: jupsol.pubkey.toBase58(), slippageInstructions: false },
    },
    maxSlippage: 0.005,
    actionKey: 'run-1/cycle-7/action-2',
    ...over,
  };
}

function act(kind: PlannedAction['kind'], from: string, to: string, amountIn: bigint, over: Partial<PlannedAction> = {}): PlannedAction {
  return { seq: 0, kind, from, to, amountIn, expectedOut: 0n, minOut: 0n, venue: 'test', estCostBase: 0n, delaySeconds: 0, reason: 'test', ...over };
}

const builders = solanaBuilders();

async function build(action: PlannedAction, c: SolBuildContext, accounts: Parameters<typeof fixedReader>[2], epoch = EPOCH, slot = 793n * 432_000n + 5n) {
  const reader = fixedReader(slot, epoch, accounts);
  const prepared = await prepareSolAction(action, c, reader, builders);
  return { txs: buildSolAction(action, prepared, builders), reader, prepared };
}

/** Instructions compared the way the program sees them: program, each account's key/signer/writable, data. */
/** The SDK's own high-level depositSol over a connection that serves the real pool account: its withdraw authority is the SDK's. */
async function sdkWithdrawAuthority(pool: PublicKey, account: { data: Uint8Array; owner: PublicKey; lamports: bigint }): Promise<PublicKey> {
  const connection = {
    getAccountInfo: async () => ({ data: Buffer.from(account.data), owner: account.owner, lamports: Number(account.lamports), executable: false }),
    getBalance: async () => 1e15,
  };
  const { instructions } = await sdkDepositSol(connection as never, pool, VAULT, 1_000_000_000, ata(VAULT, parseStakePool(account.data).poolMint));
  return instructions.at(-1)!.keys[1]!.pubkey;
}

/** ["vote", "pool", suffix LE u32 when non-zero] — the program's find_stake_program_address, derived independently here. */
function stakePda(program: PublicKey, vote: PublicKey, pool: PublicKey, suffix: number): PublicKey {
  const seeds = [vote.toBuffer(), pool.toBuffer()];
  if (suffix) seeds.push(Buffer.from(new Uint32Array([suffix]).buffer));
  return PublicKey.findProgramAddressSync(seeds, program)[0];
}

function shape(ix: TransactionInstruction) {
  return { program: ix.programId.toBase58(), keys: ix.keys.map((k) => `${k.pubkey.toBase58()}:${k.isSigner ? 's' : '-'}${k.isWritable ? 'w' : '-'}`), data: ix.data.toString('hex') };
}

describe('SPL stake pool builder against @solana/spl-stake-pool and the real pool accounts (epoch 793)', () => {
  const pool = parseStakePool(jito.account.data);

  it('derives the withdraw authority and validator stake addresses as the SDK does', async () => {
    expect(withdrawAuthority(new PublicKey(SPL), jito.pubkey).toBase58()).toBe((await sdkWithdrawAuthority(jito.pubkey, jito.account)).toBase58());
    const ours = parseValidatorList(jitoList.account.data);
    const sdk = ValidatorListLayout.decode(Buffer.from(jitoList.account.data)) as { validators: Array<{ voteAccountAddress: PublicKey; activeStakeLamports: { toString(): string }; validatorSeedSuffix: number; status: number }> };
    expect(ours.length).toBe(sdk.validators.length);
    expect(ours.length).toBeGreaterThan(1000);
    for (const i of [0, 1, 500, ours.length - 1]) {
      const a = ours[i]!;
      const b = sdk.validators[i]!;
      expect(a.voteAccount.toBase58()).toBe(b.voteAccountAddress.toBase58());
      expect(a.activeStakeLamports.toString()).toBe(b.activeStakeLamports.toString());
      expect(a.status).toBe(b.status);
      expect(validatorStakeAddress(new PublicKey(SPL), jito.pubkey, a).toBase58()).toBe(stakePda(new PublicKey(SPL), b.voteAccountAddress, jito.pubkey, b.validatorSeedSuffix).toBase58());
    }
  });

  it('DepositSol (tag 14) equals the SDK byte for byte, after an idempotent ATA creation', async () => {
    const lamports = 12_345_678_901n;
    const { txs } = await build(act('mint', 'SOL', 'JitoSOL', lamports), ctx({}, false), [[jito.pubkey, jito.account]]);
    expect(txs).toHaveLength(1);
    const [createAta, deposit] = txs[0]!.instructions;
    const dest = ata(VAULT, pool.poolMint);
    expect(createAta!.programId.toBase58()).toBe('ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL');
    const sdk = StakePoolInstruction.depositSol({
      stakePool: jito.pubkey, withdrawAuthority: await sdkWithdrawAuthority(jito.pubkey, jito.account), reserveStake: pool.reserveStake, fundingAccount: VAULT,
      destinationPoolAccount: dest, managerFeeAccount: pool.managerFeeAccount, referralPoolAccount: dest, poolMint: pool.poolMint, lamports: Number(lamports),
    });
    expect(shape(deposit!)).toEqual(shape(sdk));
    expect(deposit!.data[0]).toBe(TAG.depositSol);
    // Without the slippage variant the minimum is still computed and marked as checked off-chain.
    expect(txs[0]!.slippage).toMatchObject({ enforcedOnChain: false, destination: dest.toBase58() });
  });

  it('DepositSolWithSlippage (tag 25) has the same accounts as DepositSol and {lamports, min out} from the pool rate and the bound', async () => {
    const lamports = 10_000_000_000n;
    const { txs } = await build(act('mint', 'SOL', 'JitoSOL', lamports), ctx(), [[jito.pubkey, jito.account]]);
    const deposit = txs[0]!.instructions[1]!;
    const { txs: plain } = await build(act('mint', 'SOL', 'JitoSOL', lamports), ctx({}, false), [[jito.pubkey, jito.account]]);
    expect(shape(deposit).keys).toEqual(shape(plain[0]!.instructions[1]!).keys);
    expect(deposit.data.length).toBe(17);
    expect(deposit.data[0]).toBe(TAG.depositSolWithSlippage);
    expect(deposit.data.readBigUInt64LE(1)).toBe(lamports);
    const expected = poolTokensForDeposit(pool, lamports);
    // JitoSOL is worth more than a SOL: fewer tokens than lamports, by the pool's own rate.
    const minted = (lamports * pool.poolTokenSupply) / pool.totalLamports;
    const fee = pool.solDepositFee.denominator === 0n ? 0n : (minted * pool.solDepositFee.numerator) / pool.solDepositFee.denominator;
    expect(expected).toBe(minted - fee + (fee * BigInt(pool.solReferralFee)) / 100n);
    expect(expected).toBeLessThan(lamports);
    const minOut = deposit.data.readBigUInt64LE(9);
    expect(minOut).toBe((expected * (1_000_000n - 5_000n)) / 1_000_000n);
    expect(txs[0]!.slippage).toMatchObject({ minOut, quotedOut: expected, enforcedOnChain: true });
  });

  it('refuses when the fresh pool rate is below the planned minimum', async () => {
    const a = act('mint', 'SOL', 'JitoSOL', 10_000_000_000n, { minOut: 10_000_000_000n });
    const reader = fixedReader(0n, EPOCH, [[jito.pubkey, jito.account]]);
    const c = await prepareSolAction(a, ctx(), reader, builders);
    expect(thrown(BuildError, () => buildSolAction(a, c, builders)).message).toMatch(/below the planned minimum/);
  });

  it('refuses every pool instruction while the pool needs its epoch update (last_update_epoch 793 < 794)', async () => {
    for (const a of [act('mint', 'SOL', 'JitoSOL', 1_000_000_000n), act('redeem-request', 'JitoSOL', 'SOL', 1_000_000_000n)]) {
      const reader = fixedReader(0n, 794n, [[jito.pubkey, jito.account], [jitoReserve.pubkey, jitoReserve.account], [jitoList.pubkey, jitoList.account]]);
      const c = await prepareSolAction(a, ctx(), reader, builders);
      expect(thrown(BuildError, () => buildSolAction(a, c, builders)).message).toMatch(/needs its epoch update \(last_update_epoch 793 < epoch 794\)/);
    }
  });

  it('WithdrawSol (tag 16) equals the SDK when the reserve covers it; tag 26 carries the minimum lamports', async () => {
    const rich = { ...jitoReserve.account, lamports: 50_000_000_000_000n };
    const tokens = 3_000_000_000n;
    const accts = [[jito.pubkey, jito.account], [jitoReserve.pubkey, rich], [jitoList.pubkey, jitoList.account]] as const;
    const { txs } = await build(act('redeem-request', 'JitoSOL', 'SOL', tokens), ctx({}, false), [...accts]);
    const sdk = StakePoolInstruction.withdrawSol({
      stakePool: jito.pubkey, sourcePoolAccount: ata(VAULT, pool.poolMint), withdrawAuthority: await sdkWithdrawAuthority(jito.pubkey, jito.account), reserveStake: pool.reserveStake,
      destinationSystemAccount: VAULT, sourceTransferAuthority: VAULT, managerFeeAccount: pool.managerFeeAccount, poolMint: pool.poolMint, poolTokens: Number(tokens),
    });
    expect(txs[0]!.instructions).toHaveLength(1);
    expect(shape(txs[0]!.instructions[0]!)).toEqual(shape(sdk));
    expect(txs[0]!.pending).toBeUndefined();
    const { txs: slip } = await build(act('redeem-request', 'JitoSOL', 'SOL', tokens), ctx(), [...accts]);
    const ix = slip[0]!.instructions[0]!;
    expect(ix.data[0]).toBe(TAG.withdrawSolWithSlippage);
    const lamports = lamportsForWithdrawal(pool, tokens, pool.solWithdrawalFee);
    expect(lamports).toBeGreaterThan(tokens); // a JitoSOL buys more than a SOL
    expect(ix.data.readBigUInt64LE(9)).toBe((lamports * 995_000n) / 1_000_000n);
  });

  it('WithdrawStake (tag 10) from the largest validator equals the SDK when the real reserve cannot cover it, and leaves a pending stake account', async () => {
    const tokens = 6_000_000_000_000n; // 6 000 JitoSOL: more than the real reserve's 5 378 SOL
    expect(jitoReserve.account.lamports).toBeLessThan(lamportsForWithdrawal(pool, tokens, pool.solWithdrawalFee));
    const accts = [[jito.pubkey, jito.account], [jitoReserve.pubkey, jitoReserve.account], [jitoList.pubkey, jitoList.account]] as const;
    const { txs, reader } = await build(act('redeem-request', 'JitoSOL', 'SOL', tokens), ctx({}, false), [...accts]);
    expect(reader.reads.at(-1)).toEqual([jito.pubkey.toBase58(), pool.reserveStake.toBase58(), pool.validatorList.toBase58()]); // one slot
    const [create, withdraw, deactivate] = txs[0]!.instructions;
    const split = await PublicKey.createWithSeed(VAULT, splitStakeSeed('run-1/cycle-7/action-2'), StakeProgram.programId);
    expect(create!.programId.toBase58()).toBe('11111111111111111111111111111111');
    expect(create!.keys.map((k) => k.pubkey.toBase58())).toContain(split.toBase58());
    const list = parseValidatorList(jitoList.account.data).filter((v) => v.status === 0);
    const biggest = list.reduce((a, b) => (b.activeStakeLamports > a.activeStakeLamports ? b : a));
    const sdk = StakePoolInstruction.withdrawStake({
      stakePool: jito.pubkey, validatorList: pool.validatorList, withdrawAuthority: await sdkWithdrawAuthority(jito.pubkey, jito.account),
      validatorStake: stakePda(new PublicKey(SPL), biggest.voteAccount, jito.pubkey, biggest.validatorSeedSuffix),
      destinationStake: split, destinationStakeAuthority: VAULT, sourceTransferAuthority: VAULT, sourcePoolAccount: ata(VAULT, pool.poolMint), managerFeeAccount: pool.managerFeeAccount, poolMint: pool.poolMint, poolTokens: Number(tokens),
    });
    expect(shape(withdraw!)).toEqual(shape(sdk));
    expect(deactivate!.programId.equals(StakeProgram.programId)).toBe(true);
    expect(txs[0]!.pending).toEqual({ kind: 'stake-account', account: split.toBase58(), expected: lamportsForWithdrawal(pool, tokens, pool.stakeWithdrawalFee) + 2_282_880n });
    // The slippage variant (24): same accounts, {pool tokens, min lamports}.
    const { txs: slip } = await build(act('redeem-request', 'JitoSOL', 'SOL', tokens), ctx(), [...accts]);
    const ix = slip[0]!.instructions[1]!;
    expect(shape(ix).keys).toEqual(shape(sdk).keys);
    expect(ix.data[0]).toBe(TAG.withdrawStakeWithSlippage);
    expect(ix.data.readBigUInt64LE(1)).toBe(tokens);
  });

  it('the same action key names the same split stake account; another key another', async () => {
    const accts = [[jito.pubkey, jito.account], [jitoReserve.pubkey, jitoReserve.account], [jitoList.pubkey, jitoList.account]] as const;
    const a = act('redeem-request', 'JitoSOL', 'SOL', 6_000_000_000_000n);
    const one = (await build(a, ctx(), [...accts])).txs[0]!.pending!.account;
    const again = (await build(a, ctx(), [...accts])).txs[0]!.pending!.account;
    const other = (await build(a, ctx({ actionKey: 'run-1/cycle-8/action-2' }), [...accts])).txs[0]!.pending!.account;
    expect(again).toBe(one);
    expect(other).not.toBe(one);
  });

  it('bSOL (SPL program) and jupSOL (Sanctum program, no slippage variant) build against their real pools', async () => {
    const b = parseStakePool(bsol.account.data);
    const { txs } = await build(act('mint', 'SOL', 'bSOL', 5_000_000_000n), ctx(), [[bsol.pubkey, bsol.account]]);
    expect(txs[0]!.instructions[1]!.keys[0]!.pubkey.equals(bsol.pubkey)).toBe(true);
    expect(txs[0]!.instructions[1]!.keys[7]!.pubkey.equals(b.poolMint)).toBe(true);
    const j = parseStakePool(jupsol.account.data);
    const { txs: jt } = await build(act('mint', 'SOL', 'jupSOL', 5_000_000_000n), ctx(), [[jupsol.pubkey, jupsol.account]]);
    const ix = jt[0]!.instructions[1]!;
    expect(ix.programId.toBase58()).toBe(SANCTUM);
    expect(ix.data[0]).toBe(TAG.depositSol);
    expect(jt[0]!.slippage?.enforcedOnChain).toBe(false);
    const sdk = StakePoolInstruction.depositSol({
      stakePool: jupsol.pubkey, withdrawAuthority: withdrawAuthority(new PublicKey(SANCTUM), jupsol.pubkey), reserveStake: j.reserveStake, fundingAccount: VAULT,
      destinationPoolAccount: ata(VAULT, j.poolMint), managerFeeAccount: j.managerFeeAccount, referralPoolAccount: ata(VAULT, j.poolMint), poolMint: j.poolMint, lamports: 5_000_000_000,
    });
    expect({ ...shape(ix), program: '' }).toEqual({ ...shape(sdk), program: '' });
  });

  it('refuses a pool whose mint is not the asset\'s, and a pool owned by another program', async () => {
    const wrongMint = ctx({ mints: { ...ctx().mints, JitoSOL: 'bSo13r4TkiE4KumL71LsHTPpL2euBYLFx6h9HP3piy1' } });
    const a = act('mint', 'SOL', 'JitoSOL', 1_000_000_000n);
    let c = await prepareSolAction(a, wrongMint, fixedReader(0n, EPOCH, [[jito.pubkey, jito.account]]), builders);
    expect(thrown(BuildError, () => buildSolAction(a, c, builders)).message).toMatch(/mints J1toso1/);
    c = await prepareSolAction(a, ctx(), fixedReader(0n, EPOCH, [[jito.pubkey, { ...jito.account, owner: Keypair.generate().publicKey }]]), builders);
    expect(thrown(BuildError, () => buildSolAction(a, c, builders)).message).toMatch(/is owned by/);
  });
});
