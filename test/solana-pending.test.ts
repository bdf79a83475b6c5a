import { Keypair, PublicKey, StakeProgram, type AccountInfo } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import type { ChainExecutor } from '../src/chains/chain-executor.js';
import { ata, pdaAta } from '../src/chains/solana/builders/plumbing.js';
import { lamportsForWithdrawal, withdrawAuthority } from '../src/chains/solana/builders/spl-stake-pool.js';
import { parseValidatorList, validatorStakeAddress } from '../src/chains/solana/builders/validator-list.js';
import { U64_MAX } from '../src/chains/solana/builders/stake-account.js';
import type { SolTxPayload } from '../src/chains/solana/solana-adapter.js';
import type { Universe } from '../src/config/universe.js';
import type { PlannedAction } from '../src/domain/action.js';
import type { PendingRedemption, Portfolio } from '../src/domain/portfolio.js';
import type { Journal } from '../src/journal/journal.js';
import { syncChainPending } from '../src/keeper/pending-sync.js';
import type { Snapshot } from '../src/market/asset-view.js';
import { parseJitoVault } from '../src/sources/solana/jito-vault.js';
import { parseStakePool } from '../src/sources/solana/spl-stake-pool.js';
import { jitoVaultRegistration } from './support/jito-vault-double.js';
import { loadDump } from './support/sol-accounts.js';
import { makeSolExecutor, systemAccount } from './support/sol-exec.js';
import { startSolTestChain } from './support/sol-chain-harness.js';
import { jitoVaultBytes } from './support/jito-vault-bytes.js';

const SOL = 1_000_000_000n;
const T = Date.parse('2026-01-01T00:00:00Z');

// ── through the doubles: a VRT ticket enqueued, read back by a keeper that lost it, burned once after maturity ──

const VAULT_PROGRAM = new PublicKey('Vau1t6sLNxnzB7ZDsef8TLbPLfyZMYXH8WTNqUdm9g8');
const JITOSOL = new PublicKey('J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn');
const TOKEN = new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
const SPL = new PublicKey('SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy');

function tokenAcc(mint: PublicKey, owner: PublicKey, amount: bigint): AccountInfo<Uint8Array> {
  const d = Buffer.alloc(165);
  mint.toBuffer().copy(d, 0);
  owner.toBuffer().copy(d, 32);
  d.writeBigUInt64LE(amount, 64);
  d[108] = 1;
  return { lamports: 2_039_280, data: d, owner: TOKEN, executable: false };
}

async function run(j: Journal, exec: ChainExecutor<SolTxPayload>, a: PlannedAction, portfolio: Portfolio, now: number) {
  const runId = j.startRun({ at: now, mode: 'solana-live', vault: 'sol-test', configHash: 't', configJson: '{}' });
  const cycleId = j.beginCycle({ runId, decisionTime: now, at: now });
  const [id] = j.recordActions(cycleId, [a], now) as [number];
  j.recordActionStatus(id, 'intent', now);
  const r = await exec.execute(a, portfolio, {
    universe: { registryAssets: new Map() } as unknown as Universe, snapshot: {} as Snapshot, now,
    onStatus: (s, d) => j.recordActionStatus(id, s, now, d), actionId: id, cycleId,
  } as Parameters<ChainExecutor['execute']>[2]);
  j.recordActionStatus(id, r.status, now, r.detail);
  return { id, cycleId, r };
}

describe('VRT withdrawal tickets through the Jito vault double, read back from the chain', () => {
  it('MintTo then EnqueueWithdrawal; a keeper with an empty pending list finds the ticket with its amounts; not burned before maturity, burned once after; a ticket burned outside the keeper vanishes with an event', async () => {
    const vault = Keypair.generate();
    const vrtVault = Keypair.generate().publicKey;
    const vrtMint = Keypair.generate().publicKey;
    const feeWallet = Keypair.generate().publicKey;
    const config = loadDump('jito_vault_config.json');
    const cfgData = Buffer.from(config.account.data);
    cfgData.writeBigUInt64LE(100n, 72); // 100-slot vault epochs, so maturity is reachable
    const programFeeWallet = new PublicKey(cfgData.subarray(96, 128));
    const pool = loadDump('jitoSOL_stake_pool.json');
    // Last full update at slot 10 000: updated in every epoch the test reaches.
    const v = jitoVaultBytes({ vrtMint, supportedMint: JITOSOL, vrtSupply: 900n * SOL, tokensDeposited: 1000n * SOL, feeWallet, lastFullStateUpdateSlot: 10_000n });
    const mintData = Buffer.alloc(82);
    mintData.writeBigUInt64LE(900n * SOL, 36);
    mintData[44] = 9;
    const { rpc, journal } = await startSolTestChain(
      [
        { address: vault.publicKey, info: systemAccount(100n * SOL) },
        { address: config.pubkey, info: { lamports: 1_000_000, data: cfgData, owner: VAULT_PROGRAM, executable: false } },
        { address: vrtVault, info: { lamports: 10_000_000, data: v, owner: VAULT_PROGRAM, executable: false } },
        { address: vrtMint, info: { lamports: 1_461_600, data: mintData, owner: TOKEN, executable: false } },
        ...[pool, ...['jitoSOL_stake_pool_reserve_stake.json', 'jitoSOL_stake_pool_manager_fee.json', 'jitoSOL_mint.json'].map(loadDump)].map((d) => ({ address: d.pubkey, info: { lamports: Number(d.account.lamports), data: d.account.data, owner: d.account.owner, executable: false } })),
        { address: pdaAta(vrtVault, JITOSOL), info: tokenAcc(JITOSOL, vrtVault, 1000n * SOL) },
        { address: pdaAta(vault.publicKey, JITOSOL), info: tokenAcc(JITOSOL, vault.publicKey, 40n * SOL) },
        { address: pdaAta(feeWallet, vrtMint), info: tokenAcc(vrtMint, feeWallet, 0n) },
        { address: pdaAta(programFeeWallet, vrtMint), info: tokenAcc(vrtMint, programFeeWallet, 0n) },
      ],
      { doubles: [jitoVaultRegistration.program, SPL.toBase58()] }, // over the chain's clock (setSlot)
    );
    const setSlot = (s: bigint) => rpc.setClock({ slot: s, epochStartTimestamp: 0n, epoch: s / 432_000n, leaderScheduleEpoch: s / 432_000n + 1n, unixTimestamp: 1_700_000_000n });
    await setSlot(250n); // vault epoch 2
    const venue = { kind: 'jito-vault' as const, program: VAULT_PROGRAM.toBase58(), vault: vrtVault.toBase58(), config: config.pubkey.toBase58() };
    const exec = makeSolExecutor({ rpcUrl: rpc.url, vault, journal, assets: { kySOL: { mint: vrtMint.toBase58(), venue } }, policyMints: [vrtMint.toBase58()] });
    const bank = rpc; // reads the server child's accounts
    const tokens = async (k: PublicKey) => {
      const a = await bank.getAccount(k);
      return a ? Buffer.from(a.data).readBigUInt64LE(64) : 0n;
    };
    const empty: Portfolio = { holdings: new Map([['SOL', 100n * SOL]]), pending: [], indexSeen: new Map() };

    // MintTo 20 JitoSOL at 0.9 VRT each.
    const mint: PlannedAction = { seq: 1, kind: 'mint', from: 'JitoSOL', to: 'kySOL', amountIn: 20n * SOL, expectedOut: 18n * SOL, minOut: 18n * SOL, venue: 'kyros:mint', estCostBase: 0n, delaySeconds: 0, reason: 't' };
    const m = await run(journal, exec, mint, empty, T);
    expect(m.r.status, JSON.stringify(m.r.detail)).toBe('confirmed');
    expect(await tokens(ata(vault.publicKey, vrtMint))).toBe(18n * SOL);

    // EnqueueWithdrawal of 9 VRT: the ticket the chain now holds is in the executor's result.
    const request: PlannedAction = { seq: 1, kind: 'redeem-request', from: 'kySOL', to: 'SOL', amountIn: 9n * SOL, expectedOut: 10n * SOL, minOut: 0n, venue: 'kyros:redeem', estCostBase: 0n, delaySeconds: 0, reason: 't' };
    const q = await run(journal, exec, request, empty, T);
    expect(q.r.status, JSON.stringify(q.r.detail)).toBe('confirmed');
    expect((q.r.detail.reconciliation as { problems: string[] }).problems).toEqual([]);
    expect(q.r.portfolio.pending).toHaveLength(1);
    const ticketId = (q.r.portfolio.pending[0] as PendingRedemption).id;
    expect(await tokens(ata(vault.publicKey, vrtMint))).toBe(9n * SOL);
    expect(await tokens(pdaAta(new PublicKey(ticketId), vrtMint))).toBe(9n * SOL);

    // A fresh keeper whose journal lost the ticket reads it back: 9 VRT → 10 JitoSOL, valued at the pool's rate; mature at slot 400 (vault epoch 4).
    const events: Array<{ kind: string; data?: Record<string, unknown> | undefined }> = [];
    const sink = { recordEvent: (e: { kind: string; data?: Record<string, unknown> | undefined }) => void events.push(e) };
    const s1 = await syncChainPending({ executor: exec, universe: {} as Universe, portfolio: empty, journal: sink, cycleId: 1, at: T, now: T });
    const p = parseStakePool(pool.account.data);
    const due = lamportsForWithdrawal(p, 10n * SOL, p.solWithdrawalFee) + 3_563_520n; // 10 JitoSOL as the pool's WithdrawSol pays them, and the ticket's rent
    expect(s1.portfolio.pending).toEqual([{ id: ticketId, asset: 'kySOL', amountIn: 9n * SOL, expectedBase: due, requestedAt: T, claimableAt: T + 150 * 400 }]);
    expect(events.map((e) => e.kind)).toEqual(['pending-appeared']);
    expect(events[0]?.data).toMatchObject({ id: ticketId, amountIn: (9n * SOL).toString() });
    const onChain = parseJitoVault(Buffer.from((await bank.getAccount(vrtVault))!.data));
    expect(onChain.tokensDeposited).toBe(1020n * SOL);

    // Not mature (vault epoch 3): the claim is refused before anything is sent.
    // Planned as the planner plans every claim: into SOL, for the amount due (the burn pays JitoSOL, redeemed in the same transaction).
    const claim: PlannedAction = { seq: 1, kind: 'redeem-claim', from: 'kySOL', to: 'SOL', amountIn: due, expectedOut: due, minOut: due, venue: 'kyros:claim', estCostBase: 0n, delaySeconds: 0, redemptionId: ticketId, reason: 'matured' };
    await setSlot(399n);
    const sends = (await rpc.sends()).length;
    const early = await run(journal, exec, claim, s1.portfolio, T);
    expect(early.r.status).toBe('failed');
    expect(String(early.r.detail.reason)).toMatch(/not mature/);
    expect((await rpc.sends()).length).toBe(sends);
    // Mature: burned once; the result drops it, and a second attempt finds no ticket to burn.
    await setSlot(400n);
    const solBefore = await bank.getBalance(vault.publicKey);
    const late = await run(journal, exec, claim, s1.portfolio, T);
    expect(late.r.status, JSON.stringify(late.r.detail)).toBe('confirmed');
    expect((late.r.detail.reconciliation as { problems: string[] }).problems).toEqual([]);
    expect(late.r.portfolio.pending).toEqual([]);
    expect((await bank.getBalance(vault.publicKey)) - solBefore).toBe(due - BigInt(late.r.detail.gasFee as string));
    expect(await tokens(ata(vault.publicKey, JITOSOL))).toBe(20n * SOL); // +10 from the burn, −10 redeemed
    const [burnTx] = journal.transactionsOfAction(late.id);
    expect(String(journal.transactionHistory(burnTx!.id)[0]!.detail?.allowedBy)).toMatch(/jito-vault-burn-ticket.*spl-withdraw-sol/);
    const again = await run(journal, exec, claim, s1.portfolio, T);
    expect(again.r.status).toBe('failed');
    expect((await rpc.processed()).filter((sig) => sig === journal.transactionsOfAction(late.id)[0]?.txHash)).toHaveLength(1);
    expect(await rpc.processed()).toHaveLength(3); // mint, enqueue, one burn

    // The journal still listing it (burned outside the keeper, as far as this journal knows): dropped with an event and its numbers.
    events.length = 0;
    const s2 = await syncChainPending({ executor: exec, universe: {} as Universe, portfolio: s1.portfolio, journal: sink, cycleId: 2, at: T, now: T });
    expect(s2.portfolio.pending).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(['pending-vanished']);
    expect(events[0]?.data).toMatchObject({ id: ticketId, expectedBase: (s1.portfolio.pending[0] as PendingRedemption).expectedBase.toString() });
  }, 60_000);

  it('WithdrawStake through the stake-pool double splits a deactivating stake account; a keeper that lost it reads it back, it is not claimed in its epoch, and is withdrawn once through the real Stake program in the next', async () => {
    const vault = Keypair.generate();
    const pool = loadDump('jitoSOL_stake_pool.json');
    const list = loadDump('jitoSOL_stake_pool_validator_list.json');
    const p = parseStakePool(pool.account.data);
    const biggest = parseValidatorList(list.account.data).filter((v) => v.status === 0).reduce((a, b) => (b.activeStakeLamports > a.activeStakeLamports ? b : a));
    const validatorStake = validatorStakeAddress(SPL, pool.pubkey, biggest);
    const vs = Buffer.alloc(200);
    vs.writeUInt32LE(2, 0);
    vs.writeBigUInt64LE(2_282_880n, 4);
    const wa = withdrawAuthority(SPL, pool.pubkey);
    wa.toBuffer().copy(vs, 12);
    wa.toBuffer().copy(vs, 44);
    biggest.voteAccount.toBuffer().copy(vs, 124);
    vs.writeBigUInt64LE(biggest.activeStakeLamports, 156);
    vs.writeBigUInt64LE(U64_MAX, 172);
    vs.writeDoubleLE(0.25, 180);
    const tokens = 6_000n * SOL; // more than the real reserve's 5 378 SOL: WithdrawStake, not WithdrawSol
    const dumps = ['jitoSOL_stake_pool_reserve_stake.json', 'jitoSOL_stake_pool_manager_fee.json', 'jitoSOL_mint.json'].map(loadDump);
    const { rpc, journal } = await startSolTestChain(
      [
        { address: vault.publicKey, info: systemAccount(100n * SOL) },
        ...[pool, list, ...dumps].map((d) => ({ address: d.pubkey, info: { lamports: Number(d.account.lamports), data: d.account.data, owner: d.account.owner, executable: false } })),
        { address: validatorStake, info: { lamports: Number(biggest.activeStakeLamports + 2_282_880n), data: vs, owner: StakeProgram.programId, executable: false } },
        { address: ata(vault.publicKey, JITOSOL), info: tokenAcc(JITOSOL, vault.publicKey, tokens) },
      ],
      { doubles: [SPL.toBase58()] },
    );
    const toEpoch = (e: bigint) => rpc.setClock({ slot: e * 432_000n, epochStartTimestamp: 1_700_000_000n, epoch: e, leaderScheduleEpoch: e + 1n, unixTimestamp: 1_700_000_000n });
    await toEpoch(793n); // the pool's last_update_epoch
    const exec = makeSolExecutor({ rpcUrl: rpc.url, vault, journal });
    const bank = rpc; // reads the server child's accounts
    const empty: Portfolio = { holdings: new Map(), pending: [], indexSeen: new Map() };
    const request: PlannedAction = { seq: 1, kind: 'redeem-request', from: 'JitoSOL', to: 'SOL', amountIn: tokens, expectedOut: lamportsForWithdrawal(p, tokens, p.stakeWithdrawalFee), minOut: 0n, venue: 'jito-stake-pool:redeem', estCostBase: 0n, delaySeconds: 0, reason: 't' };
    const q = await run(journal, exec, request, empty, T);
    expect(q.r.status, JSON.stringify(q.r.detail)).toBe('confirmed');
    expect((q.r.detail.reconciliation as { problems: string[] }).problems).toEqual([]);
    const split = (q.r.portfolio.pending[0] as PendingRedemption).id;
    const due = lamportsForWithdrawal(p, tokens, p.stakeWithdrawalFee) + 2_282_880n;
    const acc = await bank.getAccount(new PublicKey(split));
    expect(BigInt(acc!.lamports)).toBe(due);
    expect(Buffer.from(acc!.data).readBigUInt64LE(172)).toBe(793n); // deactivated in the same transaction

    // A keeper whose journal lost it: read back with the amount due and claimable at epoch 794's first slot.
    const events: Array<{ kind: string }> = [];
    const sink = { recordEvent: (e: { kind: string }) => void events.push(e) };
    const s1 = await syncChainPending({ executor: exec, universe: {} as Universe, portfolio: empty, journal: sink, cycleId: 1, at: T, now: T });
    expect(s1.portfolio.pending).toEqual([{ id: split, asset: 'JitoSOL', amountIn: 0n, expectedBase: due, requestedAt: T, claimableAt: T + 432_000 * 400 }]);
    expect(events.map((e) => e.kind)).toEqual(['pending-appeared']);

    const claim: PlannedAction = { seq: 1, kind: 'redeem-claim', from: 'JitoSOL', to: 'SOL', amountIn: due, expectedOut: due, minOut: due, venue: 'jito-stake-pool:claim', estCostBase: 0n, delaySeconds: 0, redemptionId: split, reason: 'matured' };
    const sends = (await rpc.sends()).length;
    const early = await run(journal, exec, claim, s1.portfolio, T);
    expect(early.r.status).toBe('failed');
    expect(String(early.r.detail.reason)).toMatch(/not inactive yet \(deactivation epoch 793, now 793\)/);
    expect((await rpc.sends()).length).toBe(sends);
    await toEpoch(794n);
    const before = await bank.getBalance(vault.publicKey);
    const late = await run(journal, exec, claim, s1.portfolio, T);
    expect(late.r.status, JSON.stringify(late.r.detail)).toBe('confirmed');
    expect((await bank.getBalance(vault.publicKey)) - before).toBe(due - BigInt(late.r.detail.gasFee as string));
    expect(await bank.getAccount(new PublicKey(split))).toBeNull();
    expect(late.r.portfolio.pending).toEqual([]);
    const again = await run(journal, exec, claim, s1.portfolio, T);
    expect(again.r.status).toBe('failed');
    expect(await rpc.processed()).toHaveLength(2); // the request and one withdrawal
  }, 60_000);

  it('a stake account deactivating, withdrawable by the vault, is read back as a redemption claimable the epoch after; one of another withdrawer and an active one are not', async () => {
    const vault = Keypair.generate();
    const stake = (withdrawer: PublicKey, deactivation: bigint): AccountInfo<Uint8Array> => {
      const d = Buffer.alloc(200);
      d.writeUInt32LE(2, 0);
      d.writeBigUInt64LE(2_282_880n, 4);
      withdrawer.toBuffer().copy(d, 12);
      withdrawer.toBuffer().copy(d, 44);
      Keypair.generate().publicKey.toBuffer().copy(d, 124);
      d.writeBigUInt64LE(5n * SOL, 156);
      d.writeBigUInt64LE(10n, 164);
      d.writeBigUInt64LE(deactivation, 172);
      return { lamports: Number(5n * SOL + 2_282_880n), data: d, owner: StakeProgram.programId, executable: false };
    };
    const mine = Keypair.generate().publicKey;
    const { rpc, journal } = await startSolTestChain([
      { address: vault.publicKey, info: systemAccount(10n * SOL) },
      { address: mine, info: stake(vault.publicKey, 20n) },
      { address: Keypair.generate().publicKey, info: stake(Keypair.generate().publicKey, 20n) },
      { address: Keypair.generate().publicKey, info: stake(vault.publicKey, U64_MAX) },
    ]);
    await rpc.setClock({ slot: 20n * 432_000n, epochStartTimestamp: 0n, epoch: 20n, leaderScheduleEpoch: 21n, unixTimestamp: 1_700_000_000n });
    const exec = makeSolExecutor({ rpcUrl: rpc.url, vault, journal });
    const read = await exec.readPending({} as Universe, T);
    expect(read?.problems).toEqual([]);
    expect(read?.redemptions).toEqual([{ id: mine.toBase58(), asset: 'JitoSOL', amountIn: 0n, amountInKnown: false, expectedBase: 5n * SOL + 2_282_880n, requestedAt: T, claimableAt: T + 432_000 * 400, kind: 'stake-account' }]);
  });
});
