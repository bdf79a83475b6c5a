import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Keypair, PublicKey, Transaction, TransactionMessage, VersionedMessage, type AccountInfo, type Connection, type GetProgramAccountsFilter } from '@solana/web3.js';
import { TICKET_DISCRIMINATOR } from '../src/chains/solana/builders/marinade.js';
import * as multisig from '@sqds/multisig';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { executorFor, executorKind } from '../src/chains/executor-factory.js';
import { squadsExecutorFor } from '../src/chains/multisig/squads/squads-setup.js';
import { decodeSquadsMessage, squadsInstructions } from '../src/chains/multisig/squads/squads-message.js';
import { decodeVaultTransactionCreate, fitMemo, PROPOSAL_CREATE, VAULT_TRANSACTION_CREATE } from '../src/chains/multisig/squads/squads-proposal.js';
import { pdaAta, vaultAta } from '../src/chains/solana/builders/plumbing.js';
import { checkSolTransaction } from '../src/chains/solana/policy/sol-policy-guard.js';
import { loadSolPolicy } from '../src/chains/solana/policy/sol-policy-schema.js';
import { loadVault } from '../src/config/load-vault.js';
import type { Journal } from '../src/journal/journal.js';
import { openJournal } from '../src/journal/open-journal.js';
import { ProposalJournal } from '../src/journal/proposal-journal.js';
import { Keeper } from '../src/keeper/keeper.js';
import { ReplaySource } from '../src/sources/recorded/replay-source.js';
import { loadSolver } from '../src/strategy/load-solver.js';
import { loadStrategy, parseStrategyParams } from '../src/strategy/load-strategy.js';
import { loadDump, recordedRatePoolAccounts } from './support/sol-accounts.js';

/**
 * One keeper cycle with --executor squads: the bundled sol-staking vault, its recorded history, real
 * strategy and solver, the shipped policy with the Squads vault PDA as its vault, and the Solana builders
 * targeting that PDA and its ATAs. The Squads program cannot run here (no binary; see squads.test.ts), so
 * the chain is a recording RPC double serving the real pool/Marinade accounts and a Multisig/Proposal
 * account serialized by the SDK's own layouts: nothing is executed on chain, the proposal transaction is
 * decoded from the bytes sent.
 */
const ROOT = resolve(import.meta.dirname, '..');
const AT = Date.parse('2023-03-01T00:00:00Z');
const SOL = 1_000_000_000n;
const createKey = new PublicKey('6cNrbqNiYtr5kSdMgRRFGhPZCPDJcxzH9ZAWMDqMYfDo');
const [MULTISIG] = multisig.getMultisigPda({ createKey });
const [VAULT] = multisig.getVaultPda({ multisigPda: MULTISIG, index: 0 });
const member = Keypair.fromSeed(new Uint8Array(32).fill(7));
const voters = [Keypair.fromSeed(new Uint8Array(32).fill(8)).publicKey, Keypair.fromSeed(new Uint8Array(32).fill(9)).publicKey];
const dir = mkdtempSync(join(tmpdir(), 'squads-cycle-'));
let journal: Journal | undefined;
afterAll(() => {
  journal?.close();
  rmSync(dir, { recursive: true, force: true });
});

function multisigAccount(transactionIndex: bigint): AccountInfo<Buffer> {
  const [data] = multisig.accounts.Multisig.fromArgs({
    createKey, configAuthority: PublicKey.default, threshold: 2, timeLock: 0, transactionIndex: Number(transactionIndex), staleTransactionIndex: 0, rentCollector: null, bump: 255,
    members: [{ key: member.publicKey, permissions: { mask: 1 } }, ...voters.map((key) => ({ key, permissions: { mask: 7 } }))],
  }).serialize();
  return { data, owner: multisig.PROGRAM_ID, lamports: 1_000_000, executable: false };
}
function proposalAccount(index: bigint, status: Parameters<typeof multisig.accounts.Proposal.fromArgs>[0]['status'], approved: PublicKey[]): AccountInfo<Buffer> {
  const [data] = multisig.accounts.Proposal.fromArgs({ multisig: MULTISIG, transactionIndex: Number(index), status, bump: 254, approved, rejected: [], cancelled: [] }).serialize();
  return { data, owner: multisig.PROGRAM_ID, lamports: 1_000_000, executable: false };
}

/** A recording RPC double: accounts the test sets (absent ones are null), every raw transaction sent. */
function cluster() {
  const accounts = new Map<string, AccountInfo<Buffer>>();
  const sent: Buffer[] = [];
  const get = (k: PublicKey) => accounts.get(k.toBase58()) ?? null;
  const connection = {
    getAccountInfo: async (k: PublicKey) => get(k),
    getMultipleAccountsInfoAndContext: async (keys: PublicKey[]) => ({ context: { slot: 100 }, value: keys.map(get) }),
    getMultipleAccountsInfo: async (keys: PublicKey[]) => keys.map(get),
    getEpochInfo: async () => ({ epoch: 430, slotIndex: 0, slotsInEpoch: 432_000, absoluteSlot: 100 }),
    // As a node filters: the program's accounts, then dataSize and memcmp (the reader's are all 32-byte keys).
    getProgramAccounts: async (program: PublicKey, o?: { filters?: GetProgramAccountsFilter[] }) =>
      [...accounts.entries()]
        .filter(([, a]) => a.owner.equals(program))
        .filter(([, a]) => (o?.filters ?? []).every((f) => ('dataSize' in f ? a.data.length === f.dataSize : a.data.subarray(f.memcmp.offset, f.memcmp.offset + 32).equals(new PublicKey(f.memcmp.bytes).toBuffer()))))
        .map(([k, account]) => ({ pubkey: new PublicKey(k), account })),
    getLatestBlockhash: async () => ({ blockhash: '4uQeVj5tqViQh7yWWGStvkEG1Zmhx6uasJtWCJziofM', lastValidBlockHeight: 1000 }),
    getAddressLookupTable: async () => ({ context: { slot: 100 }, value: null }),
    sendRawTransaction: async (raw: Buffer | Uint8Array) => {
      sent.push(Buffer.from(raw));
      return `sig${sent.length}`;
    },
  } as unknown as Connection;
  return { accounts, sent, connection };
}


interface Setup {
  readonly perTransactionSol?: string;
  readonly solVault?: string;
  readonly mode?: 'live' | 'dry-run';
}

/** The shipped sol-staking vault and policy on the Squads vault PDA, over the RPC double, with a fresh journal. */
async function setup(o: Setup = {}) {
  const c = cluster();
  // The recorded rates of 2023-03-01 set into the real pool and Marinade accounts (as solana-cycle.test.ts).
  for (const a of recordedRatePoolAccounts()) c.accounts.set(a.address.toBase58(), { ...a.info, data: Buffer.from(a.info.data) });
  c.accounts.set(VAULT.toBase58(), { lamports: Number(10_000n * SOL), data: Buffer.alloc(0), owner: PublicKey.default, executable: false });
  c.accounts.set(MULTISIG.toBase58(), multisigAccount(4n));

  const policyText = readFileSync(join(ROOT, 'config/policies/sol-staking.policy.yaml'), 'utf8').replace('11111111111111111111111111111112', o.solVault ?? VAULT.toBase58());
  writeFileSync(join(dir, 'policy.yaml'), o.perTransactionSol ? policyText.replace('perTransactionSol: "5000"', `perTransactionSol: "${o.perTransactionSol}"`) : policyText);
  const vaultText = `${readFileSync(join(ROOT, 'config/vaults/sol-staking.yaml'), 'utf8')
    .replace('../assets/solana.yaml', join(ROOT, 'config/assets/solana.yaml'))
    .replace('../../history/solana.csv', join(ROOT, 'history/solana.csv'))
    .replace('../../var/sol-staking.sqlite', join(dir, 'unused.sqlite'))
    .replace('../policies/sol-staking.policy.yaml', join(dir, 'policy.yaml'))
    .replace('"11111111111111111111111111111112"', `"${o.solVault ?? VAULT.toBase58()}"`)}
  squads:
    mode: ${o.mode ?? 'live'}
    multisig: "${MULTISIG.toBase58()}"
    vaultIndex: 0
    member: { env: KEEPER_SQUADS_MEMBER }
    maxMemoBytes: 96
`;
  writeFileSync(join(dir, 'vault.yaml'), vaultText);
  const loaded = loadVault(join(dir, 'vault.yaml'));
  journal?.close();
  journal = openJournal(':memory:');
  const log = pino({ level: 'silent' });
  const executor = squadsExecutorFor(loaded, journal, { live: (o.mode ?? 'live') === 'live', log, env: { KEEPER_SQUADS_MEMBER: JSON.stringify([...member.secretKey]) }, connection: c.connection, clock: () => AT });

  const strategy = await loadStrategy(loaded.config.strategy.name);
  const params = parseStrategyParams(strategy, loaded.config.strategy.params, loaded.file);
  const solver = await loadSolver(loaded.config.optimizer.solver);
  const source = ReplaySource.fromFile(loaded.paths.history as string);
  const keeper = await Keeper.startReconciled({ vault: loaded, strategy, params, solver, source, executor, journal, mode: `squads-${executor.mode}`, log, clock: () => AT }, AT);
  return { c, loaded, journal, executor, keeper, log };
}

const actionsOf = (j: Journal) =>
  j.db
    .prepare(`SELECT a.id, a.kind, a.from_asset AS "from", a.to_asset AS "to", (SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS status, (SELECT s.detail_json FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS detail FROM actions a ORDER BY a.id`)
    .all() as { id: number; kind: string; from: string; to: string; status: string; detail: string }[];

describe('a keeper cycle with --executor squads (RPC double; the Squads program is not run)', () => {
  it('one vault transaction + proposal with the rationale memo, every inner instruction guarded, intent → proposed, none while pending, status from the proposal account', async () => {
    const { c, loaded, journal, executor, keeper, log } = await setup();
    expect(executorKind({ executor: 'squads', live: true })).toBe('squads');
    expect(executor.mode).toBe('propose');
    // The factory wires the same kind (its own connection is never used here).
    vi.stubEnv('KEEPER_SQUADS_MEMBER', JSON.stringify([...member.secretKey]));
    expect((await executorFor('squads', loaded, journal, { live: true, log }, 'paper')).mode).toBe('squads-propose');
    vi.unstubAllEnvs();
    await keeper.runCycle(AT);

    const db = journal.db;
    const actions = db
      .prepare(`SELECT a.id, a.kind, a.from_asset AS "from", a.to_asset AS "to", (SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS status, (SELECT s.detail_json FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS detail FROM actions a ORDER BY a.seq`)
      .all() as { id: number; kind: string; from: string; to: string; status: string; detail: string }[];
    expect(actions.map((a) => `${a.kind} ${a.from}→${a.to}`)).toEqual(['mint SOL→JitoSOL', 'mint SOL→mSOL']);
    for (const a of actions) expect(a.status, a.detail).toBe('skipped');
    expect(JSON.parse(actions[0]!.detail).reason).toMatch(/proposed to the Squads multisig .* as transaction 5/);

    // One proposal, journaled intent → proposed, at transaction index 5.
    const proposals = new ProposalJournal(db);
    const mine = proposals.ofAccount('solana:mainnet-beta', MULTISIG.toBase58());
    expect(mine).toHaveLength(1);
    const p = mine[0]!;
    expect(p).toMatchObject({ multisig: 'squads', nonce: 5n, status: 'proposed', hash: multisig.getTransactionPda({ multisigPda: MULTISIG, index: 5n })[0].toBase58() });
    expect(proposals.history(p.id).map((h) => h.status)).toEqual(['intent', 'proposed']);
    // The value at risk journaled (counted against the day's cap) is the SOL the two deposits move.
    const amounts = db.prepare('SELECT amount_in AS a FROM actions ORDER BY seq').all() as { a: string }[];
    expect(p.valueAtRisk).toBe(amounts.reduce((t, r) => t + BigInt(r.a), 0n));

    // One transaction sent, signed by the member: vault_transaction_create + proposal_create, memo = the rationale.
    expect(c.sent).toHaveLength(1);
    const tx = Transaction.from(c.sent[0]!);
    expect(tx.verifySignatures()).toBe(true);
    expect(tx.instructions.map((i) => [...i.data.subarray(0, 8)])).toEqual([[...VAULT_TRANSACTION_CREATE], [...PROPOSAL_CREATE]]);
    const created = decodeVaultTransactionCreate(tx.instructions[0]!.data);
    const rationale = (p.description as { rationale: string[] }).rationale;
    expect(rationale.length).toBeGreaterThan(0);
    expect(created.memo).toBe(fitMemo(`restake-keeper ${loaded.config.name} cycle ${p.cycleId}: ${rationale.join('; ')}`, 96));

    // Every inner instruction, as wrapped, targets the vault PDA and passes the real policy guard: the
    // wrapped message cut into the two builder transactions (ATA + deposit each) is allowed, part by part.
    const inner = squadsInstructions(decodeSquadsMessage(created.message));
    const policy = loadSolPolicy(join(dir, 'policy.yaml'));
    expect(inner.length).toBeGreaterThanOrEqual(2);
    const jitoAta = pdaAta(VAULT, new PublicKey('J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn'));
    const msolAta = pdaAta(VAULT, new PublicKey('mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So'));
    const keys = inner.flatMap((i) => i.keys.map((k) => k.pubkey.toBase58()));
    expect(keys).toContain(jitoAta.toBase58());
    expect(keys).toContain(msolAta.toBase58());
    expect(inner.flatMap((i) => i.keys.filter((k) => k.isSigner).map((k) => k.pubkey.toBase58())).every((k) => k === VAULT.toBase58())).toBe(true);
    const rules = (p.description as { rules: string[] }).rules;
    expect(rules).toEqual(expect.arrayContaining([expect.stringContaining('spl-deposit-sol-slippage'), expect.stringContaining('marinade-deposit')]));
    // The whole message with a declared value at risk below what it moves is refused by the same guard: it checks.
    const whole = new TransactionMessage({ payerKey: VAULT, recentBlockhash: PublicKey.default.toBase58(), instructions: inner }).compileToV0Message().serialize();
    expect(checkSolTransaction({ message: whole, tables: [], declared: { valueAtRiskLamports: 0n }, spentToday: 0n }, policy).allowed).toBe(false);
    expect(VersionedMessage.deserialize(whole).staticAccountKeys[0]!.equals(VAULT)).toBe(true);

    // Pending (one approval): the next cycle proposes nothing; the status comes from the proposal account.
    c.accounts.set(p.hash, { data: Buffer.alloc(1), owner: multisig.PROGRAM_ID, lamports: 1, executable: false });
    c.accounts.set(MULTISIG.toBase58(), multisigAccount(5n));
    const proposalPda = multisig.getProposalPda({ multisigPda: MULTISIG, transactionIndex: 5n })[0].toBase58();
    c.accounts.set(proposalPda, proposalAccount(5n, { __kind: 'Active', timestamp: 1 }, [voters[0]!]));
    const next = AT + 86_400_000;
    await keeper.runCycle(next);
    expect(c.sent).toHaveLength(1);
    expect(proposals.ofAccount('solana:mainnet-beta', MULTISIG.toBase58())).toHaveLength(1);
    expect(proposals.proposal(p.id)).toMatchObject({ status: 'confirmations', statusDetail: { count: 1, threshold: 2 } });
    const later = db.prepare(`SELECT (SELECT s.detail_json FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS detail FROM actions a WHERE a.id > ? ORDER BY a.seq`).all(actions.at(-1)!.id) as { detail: string }[];
    expect(later.length).toBeGreaterThan(0);
    for (const a of later) expect(JSON.parse(a.detail).reason).toMatch(/is pending \(confirmations\); no new proposal while it is/);

    // Executed by the members: followed before the balances are read.
    c.accounts.set(proposalPda, proposalAccount(5n, { __kind: 'Executed', timestamp: 9 }, voters));
    const held = await executor.readHoldings({ assets: [{ id: 'SOL' }, { id: 'JitoSOL' }] } as never);
    expect(proposals.proposal(p.id)!.status).toBe('executed');
    // The balances read are the vault PDA's (its lamports; its JitoSOL ATA, absent here, reads 0).
    expect(held.get('SOL')).toBe(10_000n * SOL);
    expect(held.get('JitoSOL')).toBe(0n);
  }, 120_000);

  it('the policy guard refuses a builder transaction: the cycle fails its actions, nothing is journaled as a proposal or sent', async () => {
    const { c, journal, keeper } = await setup({ perTransactionSol: '1' });
    await keeper.runCycle(AT);
    const actions = actionsOf(journal);
    expect(actions.length).toBeGreaterThan(0);
    for (const a of actions) {
      expect(a.status).toBe('failed');
      expect(JSON.parse(a.detail)).toMatchObject({ stage: 'guard', reason: expect.stringMatching(/^refused: the policy guard refuses the vault transaction: builder transaction 1 /) });
    }
    expect(new ProposalJournal(journal.db).ofAccount('solana:mainnet-beta', MULTISIG.toBase58())).toEqual([]);
    expect(c.sent).toEqual([]);
  }, 60_000);

  it('dry-run builds and guards as the vault PDA and proposes nothing', async () => {
    const { c, journal, keeper, executor } = await setup({ mode: 'dry-run' });
    expect(executor.mode).toBe('dry-run');
    await keeper.runCycle(AT);
    const actions = actionsOf(journal);
    expect(actions.map((a) => a.status)).toEqual(['skipped', 'skipped']);
    expect(JSON.parse(actions[0]!.detail)).toMatchObject({ dryRun: true, rules: expect.arrayContaining([expect.stringContaining('spl-deposit-sol-slippage')]) });
    expect(c.sent).toEqual([]);
  }, 60_000);

  it("the vault PDA's pending redemptions are read from the chain: its Marinade ticket, not another beneficiary's", async () => {
    const { c, executor, loaded } = await setup();
    const state = loadDump('mSOL_stake_pool.json');
    const ticket = (beneficiary: PublicKey, lamports: bigint): AccountInfo<Buffer> => {
      const d = Buffer.alloc(88);
      TICKET_DISCRIMINATOR.copy(d, 0);
      state.pubkey.toBuffer().copy(d, 8);
      beneficiary.toBuffer().copy(d, 40);
      d.writeBigUInt64LE(lamports, 72);
      d.writeBigUInt64LE(430n, 80);
      return { lamports: 1_503_360, data: d, owner: state.account.owner, executable: false };
    };
    const mine = Keypair.generate().publicKey;
    c.accounts.set(mine.toBase58(), ticket(VAULT, 7n * SOL));
    c.accounts.set(Keypair.generate().publicKey.toBase58(), ticket(Keypair.generate().publicKey, 9n * SOL));
    const read = await executor.readPending(loaded.universe, AT);
    expect(read?.problems).toEqual([]);
    expect(read?.redemptions.map((r) => ({ id: r.id, asset: r.asset, expectedBase: r.expectedBase }))).toEqual([{ id: mine.toBase58(), asset: 'mSOL', expectedBase: 7n * SOL + 1_503_360n }]);
  });

  it('config errors: execution.solana.vault must be the multisig vault PDA; live needs the flag', async () => {
    await expect(setup({ solVault: member.publicKey.toBase58() })).rejects.toThrow(/execution\.solana\.vault: got .*expected the vault PDA/);
    const { loaded, journal, log } = await setup({ mode: 'live' });
    expect(() => squadsExecutorFor(loaded, journal, { live: false, log })).toThrow(/execution\.squads\.mode is live but the live flag was not given/);
  }, 60_000);
});

describe('builders on a vault PDA', () => {
  it("a wallet vault's ATA refuses an off-curve owner; a context marked off-curve targets the PDA's ATA", async () => {
    const mint = new PublicKey('J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn');
    expect(() => vaultAta({ vault: VAULT }, mint)).toThrow();
    expect(vaultAta({ vault: VAULT, vaultOffCurve: true }, mint).equals(pdaAta(VAULT, mint))).toBe(true);
    expect(vaultAta({ vault: member.publicKey }, mint).equals(pdaAta(member.publicKey, mint))).toBe(true);
  });
});
