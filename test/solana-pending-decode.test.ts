import { Keypair, PublicKey, StakeProgram, type Connection } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import { parseJitoVaultConfig, ticketMatured } from '../src/chains/solana/builders/jito-vault.js';
import { TICKET_DISCRIMINATOR } from '../src/chains/solana/builders/marinade.js';
import { lamportsForWithdrawal, withdrawAuthority } from '../src/chains/solana/builders/spl-stake-pool.js';
import { stakeWithdrawable, U64_MAX } from '../src/chains/solana/builders/stake-account.js';
import { MARINADE_EXTRA_WAIT_MS, marinadeRedemption, stakeRedemption, vrtPayout, vrtRedemption, type EpochClock } from '../src/chains/solana/pending-decode.js';
import type { Universe } from '../src/config/universe.js';
import type { PendingRedemption, Portfolio } from '../src/domain/portfolio.js';
import { adoptChainPending, syncChainPending } from '../src/keeper/pending-sync.js';
import { checkBalances } from '../src/chains/balance-check.js';
import { solanaPendingReader } from '../src/chains/solana/pending-redemptions.js';
import { LayoutError } from '../src/sources/solana/bytes.js';
import { parseStakePool } from '../src/sources/solana/spl-stake-pool.js';
import { jitoVaultDouble, VRT_TICKET_SIZE } from './support/jito-vault-double.js';
import { splStakePoolDouble } from './support/stake-pool-withdraw-double.js';
import { loadDump } from './support/sol-accounts.js';
import type { DoubleAccount } from './support/stake-pool-double.js';

const SOL = 1_000_000_000n;
const SPL = new PublicKey('SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy');
const T = Date.parse('2026-01-01T00:00:00Z');
const clock = (o: Partial<EpochClock> = {}): EpochClock => ({ now: T, slot: 793n * 432_000n + 1000n, epoch: 793n, slotIndex: 1000n, slotsInEpoch: 432_000n, slotMs: 400, ...o });

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

describe('the pending reader over a Connection', () => {
  it('a VRT ticket whose vault pays a token it cannot value, and a stake account with no pool asset to claim it through, are named and kept (unreadable), not dropped', async () => {
    const vault = Keypair.generate().publicKey;
    const program = new PublicKey('Vau1t6sLNxnzB7ZDsef8TLbPLfyZMYXH8WTNqUdm9g8');
    const jv = Keypair.generate().publicKey;
    const config = loadDump('jito_vault_config.json');
    const v = Buffer.alloc(1111);
    v[0] = 2;
    Keypair.generate().publicKey.toBuffer().copy(v, 72); // a supported mint no asset has
    const ticketKey = Keypair.generate().publicKey;
    const stakeKey = Keypair.generate().publicKey;
    const stake = Buffer.from(loadDump('jitoSOL_stake_pool_reserve_stake.json').account.data);
    vault.toBuffer().copy(stake, 44);
    const calls: string[] = [];
    const connection = {
      getEpochInfo: async () => ({ absoluteSlot: 1000, epoch: 0, slotIndex: 1000, slotsInEpoch: 432_000, blockHeight: 1 }),
      getProgramAccounts: async (p: PublicKey, cfg: { filters: Array<{ memcmp?: { offset: number; bytes: string } }> }) => {
        calls.push(`${p.toBase58()}@${cfg.filters.map((f) => f.memcmp?.offset).filter((x) => x !== undefined).join(',')}`);
        if (p.equals(program)) return [{ pubkey: ticketKey, account: { lamports: 3_563_520, data: vrtTicketBytes(jv, vault, vault, SOL, 5n) } }];
        if (p.equals(StakeProgram.programId)) return [{ pubkey: stakeKey, account: { lamports: 5, data: stake } }];
        return [];
      },
      getMultipleAccountsInfo: async (keys: PublicKey[]) => keys.map((k) => (k.equals(jv) ? { data: v } : k.equals(config.pubkey) ? { data: Buffer.from(config.account.data) } : null)),
      getAccountInfo: async () => null,
    } as unknown as Connection;
    const read = solanaPendingReader({ connection, vault, nativeAsset: 'SOL', mints: { kySOL: Keypair.generate().publicKey.toBase58() }, venues: { kySOL: { kind: 'jito-vault', program: program.toBase58(), vault: jv.toBase58(), config: config.pubkey.toBase58() } }, commitment: 'confirmed' });
    const r = await read(T);
    expect(calls).toEqual(['Stake11111111111111111111111111111111111111@44', `${program.toBase58()}@40`]);
    expect(r.redemptions).toEqual([]);
    expect(r.unreadable).toEqual([stakeKey.toBase58(), ticketKey.toBase58()]);
    expect(r.problems[0]).toMatch(/no spl-stake-pool asset is configured/);
    expect(r.problems[1]).toMatch(/cannot be valued: the vault's supported mint .* has no stake-pool or Marinade venue/);
  });
});

describe('the balance check of a redemption request', () => {
  it('expects nothing in the base balance where the executor reads the queue back, and still flags it where it cannot', () => {
    const action = { kind: 'redeem-request' as const, from: 'mSOL', to: 'SOL', amountIn: 10n * SOL, expectedOut: 11n * SOL };
    const before = { SOL: 100n * SOL, mSOL: 10n * SOL };
    const after = { SOL: 100n * SOL - 5_000n - 1_503_360n, mSOL: 0n }; // fee and the ticket's rent
    const queued = checkBalances({ action, native: 'SOL', before, after, gas: 5_000n, tolerance: 0.001, queued: true });
    expect(queued.problems).toEqual([]);
    expect(queued.amountIn).toBe(10n * SOL);
    const blind = checkBalances({ action, native: 'SOL', before, after, gas: 5_000n, tolerance: 0.001 });
    expect(blind.problems).toEqual([`SOL: received -1503360, the plan expected ${11n * SOL}`]);
    const short = checkBalances({ action, native: 'SOL', before, after: { ...after, mSOL: 5n * SOL }, gas: 5_000n, tolerance: 0.001, queued: true });
    expect(short.problems).toEqual([`mSOL: spent ${5n * SOL}, the plan expected ${10n * SOL}`]);
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

