import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair, PublicKey, StakeProgram, type AccountInfo } from '@solana/web3.js';
import { Clock } from 'solana-bankrun';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChainExecutor } from '../src/chains/chain-executor.js';
import { parseJitoVaultConfig, ticketAddress, ticketMatured } from '../src/chains/solana/builders/jito-vault.js';
import { TICKET_DISCRIMINATOR } from '../src/chains/solana/builders/marinade.js';
import { ata, pdaAta } from '../src/chains/solana/builders/plumbing.js';
import { lamportsForWithdrawal, withdrawAuthority } from '../src/chains/solana/builders/spl-stake-pool.js';
import { parseValidatorList, validatorStakeAddress } from '../src/chains/solana/builders/validator-list.js';
import { stakeWithdrawable, U64_MAX } from '../src/chains/solana/builders/stake-account.js';
import { MARINADE_EXTRA_WAIT_MS, marinadeRedemption, stakeRedemption, vrtPayout, vrtRedemption, type EpochClock } from '../src/chains/solana/pending-decode.js';
import type { SolTxPayload } from '../src/chains/solana/solana-adapter.js';
import type { Universe } from '../src/config/universe.js';
import type { PlannedAction } from '../src/domain/action.js';
import type { PendingRedemption, Portfolio } from '../src/domain/portfolio.js';
import type { Journal } from '../src/journal/journal.js';
import { openJournal } from '../src/journal/open-journal.js';
import { adoptChainPending, syncChainPending } from '../src/keeper/pending-sync.js';
import type { Snapshot } from '../src/market/asset-view.js';
import { LayoutError } from '../src/sources/solana/bytes.js';
import { parseJitoVault } from '../src/sources/solana/jito-vault.js';
import { parseStakePool } from '../src/sources/solana/spl-stake-pool.js';
import { jitoVaultDouble, VRT_TICKET_SIZE } from './support/jito-vault-double.js';
import { splStakePoolDouble } from './support/stake-pool-withdraw-double.js';
import { loadDump } from './support/sol-accounts.js';
import { makeSolExecutor, systemAccount } from './support/sol-exec.js';
import { startSvmRpc } from './support/svm-rpc.js';
import type { DoubleAccount } from './support/stake-pool-double.js';

const SOL = 1_000_000_000n;
const T = Date.parse('2026-01-01T00:00:00Z');
const clock = (o: Partial<EpochClock> = {}): EpochClock => ({ now: T, slot: 793n * 432_000n + 1000n, epoch: 793n, slotIndex: 1000n, slotsInEpoch: 432_000n, slotMs: 400, ...o });

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

function marinadeTicketBytes(state: PublicKey, beneficiary: PublicKey, lamports: bigint, created: bigint): Buffer {
  const d = Buffer.alloc(88);
  TICKET_DISCRIMINATOR.copy(d, 0);
  state.toBuffer().copy(d, 8);
  beneficiary.toBuffer().copy(d, 40);
  d.writeBigUInt64LE(lamports, 72);
  d.writeBigUInt64LE(created, 80);
  return d;
}

function vrtTicketBytes(vault: PublicKey, staker: PublicKey, base: PublicKey, vrt: bigint, slot: bigint): Buffer {
  const d = Buffer.alloc(VRT_TICKET_SIZE);
  d[0] = 7;
  vault.toBuffer().copy(d, 8);
  staker.toBuffer().copy(d, 40);
  base.toBuffer().copy(d, 72);
  d.writeBigUInt64LE(vrt, 104);
  d.writeBigUInt64LE(slot, 112);
  return d;
}

describe('pending-redemption decoders on real and reference-layout bytes', () => {
  it('the real JitoSOL reserve stake account: Initialized, withdrawer the pool\'s withdraw authority at offset 44, every lamport due at once', () => {
    const d = loadDump('jitoSOL_stake_pool_reserve_stake.json');
    const authority = PublicKey.findProgramAddressSync([new PublicKey('Jito4APyf642JPZPx3hGc6WWJ8zPKtRbRs4P815Awbb').toBuffer(), Buffer.from('withdraw')], new PublicKey('SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy'))[0];
    const r = stakeRedemption(d.pubkey, d.account, 'JitoSOL', authority, clock());
    expect(r).toMatchObject({ id: d.pubkey.toBase58(), asset: 'JitoSOL', expectedBase: 5_378_086_089_669n, claimableAt: T, kind: 'stake-account', amountInKnown: false });
    expect(stakeRedemption(d.pubkey, d.account, 'JitoSOL', Keypair.generate().publicKey, clock())).toBeNull();
  });

  it('a delegated stake deactivating in epoch E is claimable at the first slot of E+1, as the builder\'s withdrawable rule says; an active one is no redemption', () => {
    const vault = Keypair.generate().publicKey;
    const d = Buffer.from(loadDump('jitoSOL_stake_pool_reserve_stake.json').account.data);
    d.writeUInt32LE(2, 0);
    vault.toBuffer().copy(d, 44);
    d.writeBigUInt64LE(7n * SOL, 156); // delegation.stake
    d.writeBigUInt64LE(700n, 164); // activation_epoch
    d.writeBigUInt64LE(793n, 172); // deactivation_epoch
    const key = Keypair.generate().publicKey;
    const r = stakeRedemption(key, { lamports: 7n * SOL + 2_282_880n, data: d }, 'JitoSOL', vault, clock());
    // 1000 slots into epoch 793: epoch 794 starts 431 000 slots (172.4 s × 1000) later.
    expect(r?.claimableAt).toBe(T + 431_000 * 400);
    expect(r?.requestedAt).toBe(T - 1000 * 400);
    expect(r?.expectedBase).toBe(7n * SOL + 2_282_880n);
    const parsed = { tag: 2, withdrawer: vault, staker: vault, delegatedStake: 7n * SOL, activationEpoch: 700n, deactivationEpoch: 793n };
    expect(stakeWithdrawable(parsed, 793n)).toBe(false);
    expect(stakeWithdrawable(parsed, 794n)).toBe(true);
    d.writeBigUInt64LE(U64_MAX, 172);
    expect(stakeRedemption(key, { lamports: 7n * SOL, data: d }, 'JitoSOL', vault, clock())).toBeNull();
    d.writeUInt32LE(0, 0);
    expect(() => stakeRedemption(key, { lamports: 1n, data: d }, 'JitoSOL', vault, clock())).toThrow(LayoutError);
  });

  it('a Marinade ticket (TicketAccountData): lamports_amount plus its rent due 30 minutes into created_epoch + 1; another discriminator is refused', () => {
    const state = loadDump('mSOL_stake_pool.json').pubkey;
    const vault = Keypair.generate().publicKey;
    const key = Keypair.generate().publicKey;
    const data = marinadeTicketBytes(state, vault, 12n * SOL, 793n);
    const r = marinadeRedemption(key, { lamports: 1_503_360n, data }, 'mSOL', vault, state, clock());
    expect(r).toMatchObject({ expectedBase: 12n * SOL + 1_503_360n, claimableAt: T + 431_000 * 400 + MARINADE_EXTRA_WAIT_MS, requestedAt: T - 1000 * 400, kind: 'marinade-ticket' });
    expect(marinadeRedemption(key, { lamports: 1n, data }, 'mSOL', Keypair.generate().publicKey, state, clock())).toBeNull();
    expect(marinadeRedemption(key, { lamports: 1n, data }, 'mSOL', vault, Keypair.generate().publicKey, clock())).toBeNull();
    data[0] = (data[0] as number) ^ 1;
    expect(() => marinadeRedemption(key, { lamports: 1n, data }, 'mSOL', vault, state, clock())).toThrow(/discriminator/);
  });

  it('a VRT withdrawal ticket matures at slot (epoch_unstaked + 2) × the real config\'s epoch_length, where the builder\'s rule turns true; valued at the vault rate, net of fees, in SOL as the real JitoSOL pool\'s WithdrawSol pays it', () => {
    const cfg = parseJitoVaultConfig(loadDump('jito_vault_config.json').account.data);
    expect(cfg.epochLength).toBe(432_000n);
    const pool = parseStakePool(loadDump('jitoSOL_stake_pool.json').account.data);
    const vault = Keypair.generate().publicKey;
    const jitoVault = Keypair.generate().publicKey;
    const key = Keypair.generate().publicKey;
    const unstaked = 793n * 432_000n + 5n;
    const data = vrtTicketBytes(jitoVault, vault, Keypair.generate().publicKey, 9n * SOL, unstaked);
    const state = { vrtSupply: 900n * SOL, tokensDeposited: 1000n * SOL, withdrawalFeeBps: 10, programFeeBps: 10 } as Parameters<typeof vrtRedemption>[3]['state'];
    const value = (n: bigint) => lamportsForWithdrawal(pool, n, pool.solWithdrawalFee);
    const r = vrtRedemption(key, { lamports: 3_563_520n, data }, 'kySOL', { vault, jitoVault, state, epochLength: cfg.epochLength, value }, clock());
    const supported = ((9n * SOL - 18_000_000n) * 1000n) / 900n;
    expect(vrtPayout(state, 9n * SOL)).toBe(supported);
    expect(r).toMatchObject({ amountIn: 9n * SOL, amountInKnown: true, expectedBase: lamportsForWithdrawal(pool, supported, pool.solWithdrawalFee) + 3_563_520n, kind: 'vrt-ticket' });
    expect(r?.claimableAt).toBe(T + Number(795n * 432_000n - clock().slot) * 400);
    const ticket = { vault: jitoVault, staker: vault, base: vault, vrtAmount: 9n * SOL, slotUnstaked: unstaked };
    expect(ticketMatured(ticket, 795n * 432_000n - 1n, cfg.epochLength)).toBe(false);
    expect(ticketMatured(ticket, 795n * 432_000n, cfg.epochLength)).toBe(true);
    expect(vrtRedemption(key, { lamports: 1n, data }, 'kySOL', { vault: Keypair.generate().publicKey, jitoVault, state, epochLength: cfg.epochLength, value }, clock())).toBeNull();
  });
});

describe('reconciling the journal\'s pending list with the chain\'s', () => {
  const p = (id: string, over: Partial<PendingRedemption> = {}): PendingRedemption => ({ id, asset: 'mSOL', amountIn: 10n, expectedBase: 100n, requestedAt: 1, claimableAt: 2, ...over });

  it('the chain wins: appeared, vanished and changed entries are named; what only the journal knows is kept; an unreadable account keeps its journal entry', () => {
    const journal = [p('a'), p('b'), p('c', { amountIn: 7n }), p('d')];
    const s = adoptChainPending(journal, {
      redemptions: [{ ...p('c', { expectedBase: 120n, amountIn: 0n, claimableAt: 9, asset: 'JitoSOL' }), amountInKnown: false }, { ...p('a'), amountInKnown: false }, { ...p('e', { expectedBase: 50n }), amountInKnown: true }],
      problems: ['d: bad'],
      unreadable: ['d'],
    });
    expect(s.pending.map((x) => x.id)).toEqual(['a', 'c', 'd', 'e']);
    expect(s.vanished.map((x) => x.id)).toEqual(['b']);
    expect(s.appeared.map((x) => x.id)).toEqual(['e']);
    expect(s.changed).toHaveLength(1);
    expect(s.pending[1]).toEqual({ id: 'c', asset: 'mSOL', amountIn: 7n, expectedBase: 120n, requestedAt: 1, claimableAt: 9 });
    expect(Object.keys(s.pending[3] as object).sort()).toEqual(['amountIn', 'asset', 'claimableAt', 'expectedBase', 'id', 'requestedAt']);
  });
});

describe('the keeper\'s pending sync around the executor port', () => {
  const portfolio: Portfolio = { holdings: new Map(), pending: [{ id: 'x', asset: 'mSOL', amountIn: 1n, expectedBase: 2n, requestedAt: 0, claimableAt: 0 }], indexSeen: new Map() };
  const sink = () => {
    const events: Array<{ kind: string; severity: string; message: string }> = [];
    return { events, journal: { recordEvent: (e: { kind: string; severity: string; message: string }) => void events.push(e) } };
  };
  it('a failed read is a critical holdings-read-failed with the reason, the journal\'s list untouched; an executor that cannot read keeps it silently', async () => {
    const s = sink();
    const failing = { mode: 'live', execute: async () => { throw new Error('unused'); }, readPending: async () => { throw new Error('getProgramAccounts: 429 Too Many Requests'); } };
    const r = await syncChainPending({ executor: failing, universe: {} as Universe, portfolio, journal: s.journal, cycleId: 1, at: 5, now: 5 });
    expect(r.error).toMatch(/429/);
    expect(r.portfolio).toBe(portfolio);
    expect(s.events).toMatchObject([{ kind: 'holdings-read-failed', severity: 'critical' }]);
    const s2 = sink();
    const blind = { mode: 'live', execute: async () => { throw new Error('unused'); }, readPending: async () => undefined };
    expect((await syncChainPending({ executor: blind, universe: {} as Universe, portfolio, journal: s2.journal, cycleId: 1, at: 5, now: 5 })).portfolio).toBe(portfolio);
    expect(s2.events).toEqual([]);
  });

  it('an account the chain holds for the vault but that could not be decoded is a warning, and the journal\'s entry for it stands', async () => {
    const s = sink();
    const ex = { mode: 'live', execute: async () => { throw new Error('unused'); }, readPending: async () => ({ redemptions: [], problems: ['Marinade ticket x: not a Marinade TicketAccountData (discriminator)'], unreadable: ['x'] }) };
    const r = await syncChainPending({ executor: ex, universe: {} as Universe, portfolio, journal: s.journal, cycleId: 1, at: 5, now: 5 });
    expect(r.portfolio.pending).toEqual(portfolio.pending);
    expect(s.events.map((e) => [e.kind, e.severity])).toEqual([['pending-unreadable', 'warn']]);
  });
});

describe('the new doubles decode as the programs do', () => {
  const store = (accounts: Array<[PublicKey, DoubleAccount]>) => {
    const m = new Map(accounts.map(([k, v]) => [k.toBase58(), v]));
    return { get: (k: PublicKey) => m.get(k.toBase58()), set: (k: PublicKey, v: DoubleAccount) => void m.set(k.toBase58(), v) };
  };
  const metas = (keys: PublicKey[]) => keys.map((key) => ({ key, signer: true, writable: true }));
  it('Jito vault: an unknown tag, too few accounts and a swapped config/vault fail; WithdrawStake: a swapped validator list / authority and a wrong tag fail', () => {
    const program = new PublicKey('Vau1t6sLNxnzB7ZDsef8TLbPLfyZMYXH8WTNqUdm9g8');
    const config = loadDump('jito_vault_config.json');
    const jv = Keypair.generate().publicKey;
    const st = store([[config.pubkey, { lamports: 1n, data: Buffer.from(config.account.data), owner: program }]]);
    const keys = [config.pubkey, jv, ...Array.from({ length: 7 }, () => Keypair.generate().publicKey)];
    const dbl = jitoVaultDouble(() => 0n);
    expect(() => dbl({ program, accounts: metas(keys), data: Buffer.from([13, 0, 0, 0, 0, 0, 0, 0, 0]) }, st)).toThrow(/instruction 13 not implemented/);
    expect(() => dbl({ program, accounts: metas(keys.slice(0, 8)), data: Buffer.alloc(9, 12) }, st)).toThrow(/NotEnoughAccountKeys/);
    expect(() => dbl({ program, accounts: metas([jv, config.pubkey, ...keys.slice(2)]), data: Buffer.concat([Buffer.from([12]), Buffer.alloc(8)]) }, st)).toThrow(/InvalidAccountData: config/);
    const pool = loadDump('jitoSOL_stake_pool.json');
    const pst = store([[pool.pubkey, { lamports: 1n, data: Buffer.from(pool.account.data), owner: SPL }]]);
    const p = parseStakePool(pool.account.data);
    const pk = [pool.pubkey, p.validatorList, withdrawAuthority(SPL, pool.pubkey), ...Array.from({ length: 10 }, () => Keypair.generate().publicKey)];
    const withdraw = splStakePoolDouble(() => 793n);
    const data = Buffer.concat([Buffer.from([10]), Buffer.alloc(8)]);
    expect(() => withdraw({ program: SPL, accounts: metas([pk[0]!, pk[2]!, pk[1]!, ...pk.slice(3)]), data }, pst)).toThrow(/InvalidValidatorStakeList/);
    expect(() => withdraw({ program: SPL, accounts: metas(pk.slice(0, 12)), data }, pst)).toThrow(/NotEnoughAccountKeys/);
    expect(() => withdraw({ program: SPL, accounts: metas(pk), data: Buffer.concat([Buffer.from([11]), Buffer.alloc(8)]) }, pst)).toThrow(/instruction 11 not implemented/);
    expect(() => splStakePoolDouble(() => 794n)({ program: SPL, accounts: metas(pk), data }, pst)).toThrow(/StakeListAndPoolOutOfDate/);
  });
});

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
    const v = Buffer.alloc(1111);
    v[0] = 2;
    vrtMint.toBuffer().copy(v, 40);
    JITOSOL.toBuffer().copy(v, 72);
    v.writeBigUInt64LE(900n * SOL, 104);
    v.writeBigUInt64LE(1000n * SOL, 112);
    feeWallet.toBuffer().copy(v, 696);
    v.writeBigUInt64LE(10_000n, 832); // updated in every epoch the test reaches
    const mintData = Buffer.alloc(82);
    mintData.writeBigUInt64LE(900n * SOL, 36);
    mintData[44] = 9;
    let slot = 250n;
    const rpc = await startSvmRpc(
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
      { doubles: new Map([[VAULT_PROGRAM.toBase58(), jitoVaultDouble(() => slot)], [SPL.toBase58(), splStakePoolDouble(() => 0n)]]) },
    );
    const setSlot = (s: bigint) => {
      slot = s;
      rpc.context.setClock(new Clock(s, 0n, s / 432_000n, s / 432_000n + 1n, 1_700_000_000n));
    };
    setSlot(250n); // vault epoch 2
    const dir = mkdtempSync(join(tmpdir(), 'sol-pending-'));
    const journal = openJournal(join(dir, 'j.sqlite'));
    cleanup.push(async () => {
      journal.close();
      await rpc.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const venue = { kind: 'jito-vault' as const, program: VAULT_PROGRAM.toBase58(), vault: vrtVault.toBase58(), config: config.pubkey.toBase58() };
    const exec = makeSolExecutor({ rpcUrl: rpc.url, vault, journal, assets: { kySOL: { mint: vrtMint.toBase58(), venue } }, policyMints: [vrtMint.toBase58()] });
    const bank = rpc.context.banksClient;
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
    setSlot(399n);
    const sends = rpc.sends.length;
    const early = await run(journal, exec, claim, s1.portfolio, T);
    expect(early.r.status).toBe('failed');
    expect(String(early.r.detail.reason)).toMatch(/not mature/);
    expect(rpc.sends.length).toBe(sends);
    // Mature: burned once; the result drops it, and a second attempt finds no ticket to burn.
    setSlot(400n);
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
    expect(rpc.processed.filter((sig) => sig === journal.transactionsOfAction(late.id)[0]?.txHash)).toHaveLength(1);
    expect(rpc.processed).toHaveLength(3); // mint, enqueue, one burn

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
    const rpc = await startSvmRpc(
      [
        { address: vault.publicKey, info: systemAccount(100n * SOL) },
        ...[pool, list, ...dumps].map((d) => ({ address: d.pubkey, info: { lamports: Number(d.account.lamports), data: d.account.data, owner: d.account.owner, executable: false } })),
        { address: validatorStake, info: { lamports: Number(biggest.activeStakeLamports + 2_282_880n), data: vs, owner: StakeProgram.programId, executable: false } },
        { address: ata(vault.publicKey, JITOSOL), info: tokenAcc(JITOSOL, vault.publicKey, tokens) },
      ],
      { doubles: new Map([[SPL.toBase58(), splStakePoolDouble(() => 793n)]]) },
    );
    const toEpoch = (e: bigint) => rpc.context.setClock(new Clock(e * 432_000n, 1_700_000_000n, e, e + 1n, 1_700_000_000n));
    toEpoch(793n); // the pool's last_update_epoch
    const dir = mkdtempSync(join(tmpdir(), 'sol-pending-'));
    const journal = openJournal(join(dir, 'j.sqlite'));
    cleanup.push(async () => {
      journal.close();
      await rpc.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const exec = makeSolExecutor({ rpcUrl: rpc.url, vault, journal });
    const bank = rpc.context.banksClient;
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
    const sends = rpc.sends.length;
    const early = await run(journal, exec, claim, s1.portfolio, T);
    expect(early.r.status).toBe('failed');
    expect(String(early.r.detail.reason)).toMatch(/not inactive yet \(deactivation epoch 793, now 793\)/);
    expect(rpc.sends.length).toBe(sends);
    toEpoch(794n);
    const before = await bank.getBalance(vault.publicKey);
    const late = await run(journal, exec, claim, s1.portfolio, T);
    expect(late.r.status, JSON.stringify(late.r.detail)).toBe('confirmed');
    expect((await bank.getBalance(vault.publicKey)) - before).toBe(due - BigInt(late.r.detail.gasFee as string));
    expect(await bank.getAccount(new PublicKey(split))).toBeNull();
    expect(late.r.portfolio.pending).toEqual([]);
    const again = await run(journal, exec, claim, s1.portfolio, T);
    expect(again.r.status).toBe('failed');
    expect(rpc.processed).toHaveLength(2); // the request and one withdrawal
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
    const rpc = await startSvmRpc([
      { address: vault.publicKey, info: systemAccount(10n * SOL) },
      { address: mine, info: stake(vault.publicKey, 20n) },
      { address: Keypair.generate().publicKey, info: stake(Keypair.generate().publicKey, 20n) },
      { address: Keypair.generate().publicKey, info: stake(vault.publicKey, U64_MAX) },
    ]);
    rpc.context.setClock(new Clock(20n * 432_000n, 0n, 20n, 21n, 1_700_000_000n));
    const dir = mkdtempSync(join(tmpdir(), 'sol-pending-'));
    const journal = openJournal(join(dir, 'j.sqlite'));
    cleanup.push(async () => {
      journal.close();
      await rpc.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const exec = makeSolExecutor({ rpcUrl: rpc.url, vault, journal });
    const read = await exec.readPending({} as Universe, T);
    expect(read?.problems).toEqual([]);
    expect(read?.redemptions).toEqual([{ id: mine.toBase58(), asset: 'JitoSOL', amountIn: 0n, amountInKnown: false, expectedBase: 5n * SOL + 2_282_880n, requestedAt: T, claimableAt: T + 432_000 * 400, kind: 'stake-account' }]);
  });
});
