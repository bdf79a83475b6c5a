import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair, PublicKey, SYSVAR_CLOCK_PUBKEY, SystemProgram, type AccountInfo } from '@solana/web3.js';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { MARINADE_IX, marinadePdas, TICKET_DISCRIMINATOR } from '../src/chains/solana/builders/marinade.js';
import { ata } from '../src/chains/solana/builders/plumbing.js';
import { solanaExecutorFor } from '../src/chains/solana/solana-executor-setup.js';
import type { Universe } from '../src/config/universe.js';
import { loadVault } from '../src/config/load-vault.js';
import type { PlannedAction } from '../src/domain/action.js';
import type { Journal } from '../src/journal/journal.js';
import { openJournal } from '../src/journal/open-journal.js';
import { Keeper } from '../src/keeper/keeper.js';
import type { Snapshot } from '../src/market/asset-view.js';
import { ReplaySource } from '../src/sources/recorded/replay-source.js';
import { loadSolver } from '../src/strategy/load-solver.js';
import { loadStrategy, parseStrategyParams } from '../src/strategy/load-strategy.js';
import { marinadeDouble, marinadeRegistration, type MarinadeClock } from './support/marinade-double.js';
import { loadDump, recordedRatePoolAccounts } from './support/sol-accounts.js';
import { writeSolStakingConfig } from './support/sol-staking-config.js';
import { systemAccount } from './support/sol-exec.js';
import type { DoubleAccount, DoubleIx } from './support/stake-pool-double.js';
import { startSvmRpc, type SvmRpc } from './support/svm-rpc.js';

/**
 * Marinade tickets end to end with the real keeper: the bundled sol-staking vault, its recorded history,
 * strategy and solver, a live Solana executor over the loopback endpoint with the Marinade and stake-pool
 * doubles. A previous keeper orders a delayed unstake (order_unstake through the double) and its journal is
 * lost; a fresh keeper, its journal's pending list empty, reads that ticket and two older ones back from
 * the chain, claims only the due one, sees one claimed outside it disappear, and claims the last exactly
 * once when its epoch comes.
 */
const AT = Date.parse('2023-03-01T00:00:00Z');
const DAY = 86_400_000;
const SOL = 1_000_000_000n;
const SPL = new PublicKey('SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy');
const MARINADE = new PublicKey('MarBmsSgKXdrN1egZf5sqe1TMai9K1rChYNDJgjq7aD');
const E = 500n;

let rpc: SvmRpc | undefined;
const journals: Journal[] = [];
const dir = mkdtempSync(join(tmpdir(), 'sol-pending-keeper-'));
afterAll(async () => {
  for (const j of journals) j.close();
  await rpc?.close();
  rmSync(dir, { recursive: true, force: true });
});

function ticket(state: PublicKey, beneficiary: PublicKey, lamports: bigint, created: bigint): AccountInfo<Uint8Array> {
  const d = Buffer.alloc(88);
  TICKET_DISCRIMINATOR.copy(d, 0);
  state.toBuffer().copy(d, 8);
  beneficiary.toBuffer().copy(d, 40);
  d.writeBigUInt64LE(lamports, 72);
  d.writeBigUInt64LE(created, 80);
  return { lamports: 1_503_360, data: d, owner: MARINADE, executable: false };
}

describe('Marinade tickets read back from the chain by a keeper that never journaled them', () => {
  it('the due ticket is claimed once, the not-yet-due ones wait, one claimed outside vanishes with an event, the last is claimed once in its epoch', async () => {
    const vault = Keypair.generate();
    const state = loadDump('mSOL_stake_pool.json');
    const pools = recordedRatePoolAccounts();
    const stateData = Buffer.from(pools.find((p) => p.address.equals(state.pubkey))!.info.data);
    const msolMint = new PublicKey('mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So');
    const msolAta = ata(vault.publicKey, msolMint);
    const ataData = Buffer.alloc(165);
    msolMint.toBuffer().copy(ataData, 0);
    vault.publicKey.toBuffer().copy(ataData, 32);
    ataData.writeBigUInt64LE(50n * SOL, 64);
    ataData[108] = 1;
    const [a, c] = [Keypair.generate().publicKey, Keypair.generate().publicKey];
    const reserve = marinadePdas(MARINADE, state.pubkey).reserve;
    let mclock: MarinadeClock = { epoch: E, unixTimestamp: 1_700_000_000n, epochStartTimestamp: 1_700_000_000n };
    rpc = await startSvmRpc(
      [
        { address: vault.publicKey, info: systemAccount(10_000n * SOL) },
        // The recorded rates of 2023-03-01 on the real pool and State accounts (as solana-cycle.test.ts), so chain and plan agree.
        ...pools,
        { address: msolAta, info: { lamports: 2_039_280, data: ataData, owner: new PublicKey('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA'), executable: false } },
        { address: reserve, info: systemAccount(100_000n * SOL) },
        { address: a, info: ticket(state.pubkey, vault.publicKey, 3n * SOL, E - 2n) }, // due: epoch ≥ created + 1, past the 30 minutes
        { address: c, info: ticket(state.pubkey, vault.publicKey, 4n * SOL, E - 1n) }, // due 30 minutes into epoch E
      ],
      { doubles: [SPL.toBase58(), marinadeRegistration.program] }, // over the chain's clock (toEpoch)
    );
    const bank = rpc; // reads the server child's accounts
    const toEpoch = async (e: bigint) => {
      mclock = { epoch: e, unixTimestamp: 1_700_000_000n + (e - E) * 172_800n, epochStartTimestamp: 1_700_000_000n + (e - E) * 172_800n };
      await rpc!.setClock({ slot: e * 432_000n, epochStartTimestamp: mclock.epochStartTimestamp, epoch: e, leaderScheduleEpoch: e + 1n, unixTimestamp: mclock.unixTimestamp });
    };
    await toEpoch(E);

    const loaded = loadVault(writeSolStakingConfig(dir, { vault: vault.publicKey, rpcUrl: rpc.url, journal: join(dir, 'unused.sqlite'), live: true }));
    const log = pino({ level: 'silent' });
    const env = { RESTAKE_KEEPER_SOL_KEY: JSON.stringify([...vault.secretKey]) };

    // A previous keeper orders a delayed unstake of 10 mSOL (order_unstake through the double); its journal is then lost.
    const old = openJournal(join(dir, 'old.sqlite'));
    journals.push(old);
    const oldExec = solanaExecutorFor(loaded, old, { live: true, log, env });
    const runOld = async (action: PlannedAction, now: number) => {
      const runId = old.startRun({ at: now, mode: 'solana-live', vault: loaded.config.name, configHash: 't', configJson: '{}' });
      const cycleId = old.beginCycle({ runId, decisionTime: now, at: now });
      const [id] = old.recordActions(cycleId, [action], now) as [number];
      old.recordActionStatus(id, 'intent', now);
      const ctx = { universe: loaded.universe, snapshot: { assets: new Map() } as unknown as Snapshot, now, onStatus: (s: never, d?: Record<string, unknown>) => old.recordActionStatus(id, s, now, d), actionId: id, cycleId };
      return oldExec.execute(action, { holdings: new Map(), pending: [], indexSeen: new Map() }, ctx as unknown as Parameters<typeof oldExec.execute>[2]);
    };
    const order = await runOld({ seq: 1, kind: 'redeem-request', from: 'mSOL', to: 'SOL', amountIn: 10n * SOL, expectedOut: 10n * SOL, minOut: 0n, venue: 'marinade:redeem', estCostBase: 0n, delaySeconds: 0, reason: 'rebalance' }, AT - DAY);
    expect(order.status, JSON.stringify(order.detail)).toBe('confirmed');
    // The result carries what the chain now holds for mSOL: the new ticket (and the two older ones this journal never had).
    expect(order.portfolio.pending.map((p) => p.id).sort()).toEqual([a.toBase58(), c.toBase58(), order.portfolio.pending.find((p) => p.id !== a.toBase58() && p.id !== c.toBase58())!.id].sort());
    const d = order.portfolio.pending.find((p) => p.id !== a.toBase58() && p.id !== c.toBase58())!;
    const price = stateData.readBigUInt64LE(512);
    const dueLamports = (10n * SOL * price) >> 32n;
    expect(d.expectedBase).toBe(dueLamports + 1_503_360n);
    expect(Buffer.from((await bank.getAccount(msolAta))!.data).readBigUInt64LE(64)).toBe(40n * SOL);

    // The fresh keeper: an empty journal, so an empty pending list.
    const journal = openJournal(join(dir, 'journal.sqlite'));
    journals.push(journal);
    const executor = solanaExecutorFor(loaded, journal, { live: true, log, env });
    const strategy = await loadStrategy(loaded.config.strategy.name);
    const params = parseStrategyParams(strategy, loaded.config.strategy.params, loaded.file);
    const solver = await loadSolver(loaded.config.optimizer.solver);
    const source = ReplaySource.fromFile(loaded.paths.history as string);
    let now = AT;
    const keeper = await Keeper.startReconciled({ vault: loaded, strategy, params, solver, source, executor, journal, mode: 'live', log, clock: () => now }, AT);
    const db = journal.db;
    const claimsOf = (cycle: number) =>
      db.prepare(`SELECT a.redemption_id AS id, (SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS status FROM actions a WHERE a.cycle_id = ? AND a.kind = 'redeem-claim'`).all(cycle) as { id: string; status: string }[];
    const eventsOf = (cycle: number) => db.prepare(`SELECT kind, data_json AS data FROM events WHERE cycle_id = ? AND kind LIKE 'pending-%' ORDER BY id`).all(cycle) as { kind: string; data: string }[];
    const lastCycle = () => (db.prepare('SELECT max(id) AS id FROM cycles').get() as { id: number }).id;

    // Cycle 1 (epoch E): all three adopted with events and numbers; only A is due, and it is claimed.
    const solBefore = await bank.getBalance(vault.publicKey);
    await keeper.runCycle(now);
    const c1 = lastCycle();
    const ev1 = eventsOf(c1);
    expect(ev1.map((e) => e.kind)).toEqual(['pending-appeared', 'pending-appeared', 'pending-appeared']);
    const byId = new Map(ev1.map((e) => [JSON.parse(e.data).id as string, JSON.parse(e.data) as Record<string, string>]));
    expect(byId.get(a.toBase58())?.expectedBase).toBe((3n * SOL + 1_503_360n).toString());
    expect(byId.get(c.toBase58())?.expectedBase).toBe((4n * SOL + 1_503_360n).toString());
    expect(byId.get(d.id)?.expectedBase).toBe((dueLamports + 1_503_360n).toString());
    expect(byId.get(c.toBase58())?.claimableAt).toBe(new Date(now + 30 * 60_000).toISOString()); // 30 minutes into epoch E
    expect(byId.get(d.id)?.claimableAt).toBe(new Date(now + 432_000 * 400 + 30 * 60_000).toISOString()); // epoch E + 1
    expect(claimsOf(c1)).toEqual([{ id: a.toBase58(), status: 'confirmed' }]);
    expect(await bank.getAccount(a)).toBeNull();
    expect(solBefore).toBeGreaterThan(0n);

    // Ticket C is claimed outside this keeper (by the old one) in epoch E + 1.
    await toEpoch(E + 1n);
    const outside = await runOld({ seq: 1, kind: 'redeem-claim', from: 'mSOL', to: 'SOL', amountIn: 4n * SOL, expectedOut: 4n * SOL + 1_503_360n, minOut: 0n, venue: 'marinade:claim', estCostBase: 0n, delaySeconds: 0, redemptionId: c.toBase58(), reason: 'outside' }, AT);
    expect(outside.status, JSON.stringify(outside.detail)).toBe('confirmed');

    // Cycle 2 (epoch E + 1, its first slot): C vanished with an event; D is due only 30 minutes into the epoch, so nothing is claimed.
    now = AT + DAY;
    await keeper.runCycle(now);
    const c2 = lastCycle();
    expect(eventsOf(c2).map((e) => [e.kind, JSON.parse(e.data).id])).toEqual([['pending-vanished', c.toBase58()]]);
    expect(claimsOf(c2)).toEqual([]);

    // Cycle 3 (epoch E + 2): D is claimed, once.
    await toEpoch(E + 2n);
    now = AT + 2 * DAY;
    await keeper.runCycle(now);
    const c3 = lastCycle();
    expect(claimsOf(c3)).toEqual([{ id: d.id, status: 'confirmed' }]);
    expect(eventsOf(c3)).toEqual([]);
    expect(await bank.getAccount(new PublicKey(d.id))).toBeNull();

    // Cycle 4: nothing left to claim, nothing appears or vanishes (the keeper's own claims are not "outside").
    now = AT + 3 * DAY;
    await keeper.runCycle(now);
    const c4 = lastCycle();
    expect(claimsOf(c4)).toEqual([]);
    expect(eventsOf(c4)).toEqual([]);
    const allClaims = db.prepare(`SELECT a.redemption_id AS id FROM actions a WHERE a.kind = 'redeem-claim'`).all() as { id: string }[];
    expect(allClaims.map((x) => x.id).sort()).toEqual([a.toBase58(), d.id].sort());
    // What each claim paid the vault, as its fill records from the chain's balances: lamports_amount and the ticket's rent.
    const paid = db.prepare(`SELECT a.redemption_id AS id, f.amount_out AS out FROM fills f JOIN actions a ON a.id = f.action_id WHERE a.kind = 'redeem-claim'`).all() as { id: string; out: string }[];
    expect(new Map(paid.map((p) => [p.id, BigInt(p.out)]))).toEqual(new Map([[a.toBase58(), 3n * SOL + 1_503_360n], [d.id, dueLamports + 1_503_360n]]));
  }, 120_000);
});

describe('the Marinade double decodes as the program does', () => {
  const state = loadDump('mSOL_stake_pool.json');
  const store = (accounts: Array<[PublicKey, DoubleAccount]>) => {
    const m = new Map(accounts.map(([k, v]) => [k.toBase58(), v]));
    return { get: (k: PublicKey) => m.get(k.toBase58()), set: (k: PublicKey, v: DoubleAccount) => void m.set(k.toBase58(), v) };
  };
  it('claim: a wrong discriminator, a swapped account order, a ticket not due and one in its first 30 minutes all fail like the program', () => {
    const vault = Keypair.generate().publicKey;
    const t = Keypair.generate().publicKey;
    const reserve = marinadePdas(MARINADE, state.pubkey).reserve;
    const tk = ticket(state.pubkey, vault, 2n * SOL, 10n);
    const mk = () =>
      store([
        [state.pubkey, { lamports: 1n, data: Buffer.from(state.account.data), owner: MARINADE }],
        [reserve, { lamports: 10n * SOL, data: Buffer.alloc(0), owner: SystemProgram.programId }],
        [t, { lamports: 1_503_360n, data: Buffer.from(tk.data), owner: MARINADE }],
        [vault, { lamports: 0n, data: Buffer.alloc(0), owner: SystemProgram.programId }],
      ]);
    const keys = [state.pubkey, reserve, t, vault, SYSVAR_CLOCK_PUBKEY, SystemProgram.programId].map((key) => ({ key, signer: false, writable: true }));
    const ix = (over: Partial<DoubleIx> = {}): DoubleIx => ({ program: MARINADE, accounts: keys, data: Buffer.from(MARINADE_IX.claim), ...over });
    const at = (epoch: bigint, into: bigint) => marinadeDouble(() => ({ epoch, unixTimestamp: 1000n + into, epochStartTimestamp: 1000n }));
    expect(() => at(12n, 0n)(ix({ data: Buffer.from(MARINADE_IX.liquidUnstake) }), mk())).toThrow(/InstructionFallbackNotFound/);
    expect(() => at(12n, 0n)(ix({ accounts: [keys[0]!, keys[2]!, keys[1]!, ...keys.slice(3)] }), mk())).toThrow(/ConstraintSeeds: reserve_pda/);
    expect(() => at(10n, 9999n)(ix(), mk())).toThrow(/TicketNotDue/);
    expect(() => at(11n, 1799n)(ix(), mk())).toThrow(/TicketNotReady/);
    const s = mk();
    at(11n, 1800n)(ix(), s);
    expect(s.get(vault)?.lamports).toBe(2n * SOL + 1_503_360n);
    expect(s.get(t)?.data.length).toBe(0);
  });
});
