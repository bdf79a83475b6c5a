import { readFileSync } from 'node:fs';
import { AccountInfo, Keypair, PublicKey, SystemProgram, Transaction, TransactionInstruction, TransactionMessage } from '@solana/web3.js';
import * as multisig from '@sqds/multisig';
import { describe, expect, it } from 'vitest';
import { decodeSquadsMessage, encodeSquadsMessage, fromV0Message, squadsInstructions } from '../src/chains/multisig/squads/squads-message.js';
import { buildSquadsProposal, decodeVaultTransactionCreate, fitMemo, PROPOSAL_CREATE, VAULT_TRANSACTION_CREATE, type SquadsGuard } from '../src/chains/multisig/squads/squads-proposal.js';
import { SquadsProposer, type SquadsConnection } from '../src/chains/multisig/squads/squads-proposer.js';
import { checkProposerMember, squadsOutcome } from '../src/chains/multisig/squads/squads-status.js';
import { ata, pdaAta } from '../src/chains/solana/builders/plumbing.js';
import { buildSolAction, prepareSolAction, solanaBuilders } from '../src/chains/solana/builders/registry.js';
import type { SolBuildContext } from '../src/chains/solana/builders/types.js';
import { checkSolTransaction } from '../src/chains/solana/policy/sol-policy-guard.js';
import { parseSolPolicy } from '../src/chains/solana/policy/sol-policy-schema.js';
import type { PlannedAction } from '../src/domain/action.js';
import { openJournal } from '../src/journal/open-journal.js';
import { ProposalJournal } from '../src/journal/proposal-journal.js';
import { fixedReader, loadDump } from './support/sol-accounts.js';

/**
 * Squads v4 proposals. The Squads program cannot run here (no binary, see the reference), so nothing in
 * this file executes it: the wrapped message is checked against this project's own encoding of the
 * program's layout and against the SDK's, the instruction data and PDAs against the reference's facts
 * (Squads-Protocol/v4 @ c14a6d60), the inner message against the real Solana policy guard with the vault
 * PDA as the vault, and the lifecycle against Proposal/Multisig accounts serialized by the SDK's own
 * layouts. Sending is exercised against a recording double of the RPC.
 */

const createKey = new PublicKey('6cNrbqNiYtr5kSdMgRRFGhPZCPDJcxzH9ZAWMDqMYfDo');
const [MULTISIG] = multisig.getMultisigPda({ createKey });
const [VAULT] = multisig.getVaultPda({ multisigPda: MULTISIG, index: 0 });
const member = Keypair.fromSeed(new Uint8Array(32).fill(7));
const voters = [Keypair.fromSeed(new Uint8Array(32).fill(8)).publicKey, Keypair.fromSeed(new Uint8Array(32).fill(9)).publicKey];
const JITOSOL = new PublicKey('J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn');
const WALLET = Keypair.fromSeed(new Uint8Array(32).fill(3)).publicKey;
const POLICY_FILE = new URL('../config/policies/sol-staking.policy.yaml', import.meta.url).pathname;
const policy = parseSolPolicy(readFileSync(POLICY_FILE, 'utf8').replace('11111111111111111111111111111112', VAULT.toBase58()), POLICY_FILE);
type Declared = Parameters<typeof checkSolTransaction>[0]['declared'];
/** The real Solana policy guard, with the builder's declarations (value at risk, quote) as the executor passes them. */
let declared: Declared = { valueAtRiskLamports: 0n };
const guard: SquadsGuard = (message, vault, tables) => {
  expect(vault.equals(VAULT)).toBe(true);
  const r = checkSolTransaction({ message, tables, declared, spentToday: 0n }, policy);
  return r.allowed ? { allowed: true, rules: r.rules } : { allowed: false, reason: r.reason };
};

/**
 * A real JitoSOL DepositSol from the project's stake-pool builder (against the real pool account), built
 * for a wallet and then re-pointed at the vault PDA and its ATA: the builders take an on-curve wallet.
 */
async function jitoDeposit(lamports: bigint): Promise<TransactionInstruction[]> {
  const jito = loadDump('jitoSOL_stake_pool.json');
  const ctx: SolBuildContext = { vault: WALLET, baseAsset: 'SOL', mints: { JitoSOL: JITOSOL.toBase58() }, venues: { JitoSOL: { kind: 'spl-stake-pool', program: 'SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy', pool: jito.pubkey.toBase58(), slippageInstructions: true } }, maxSlippage: 0.005 };
  const a: PlannedAction = { seq: 0, kind: 'mint', from: 'SOL', to: 'JitoSOL', amountIn: lamports, expectedOut: 0n, minOut: 0n, venue: 't', estCostBase: 0n, delaySeconds: 0, reason: 't' };
  const b = solanaBuilders();
  const intent = buildSolAction(a, await prepareSolAction(a, ctx, fixedReader(0n, 793n, [[jito.pubkey, jito.account]]), b), b)[0]!;
  const swap = new Map([[WALLET.toBase58(), VAULT], [ata(WALLET, JITOSOL).toBase58(), pdaAta(VAULT, JITOSOL)]]);
  declared = { valueAtRiskLamports: intent.valueAtRiskLamports, ...(intent.slippage ? { slippage: { ...intent.slippage, destination: (swap.get(intent.slippage.destination) ?? new PublicKey(intent.slippage.destination)).toBase58() } } : {}) };
  return intent.instructions.map((ix) => new TransactionInstruction({ programId: ix.programId, data: ix.data, keys: ix.keys.map((k) => ({ ...k, pubkey: swap.get(k.pubkey.toBase58()) ?? k.pubkey })) }));
}

const u64le = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};

describe('Squads facts (reference: Squads-Protocol/v4 @ c14a6d60)', () => {
  it('program config, vault, transaction and proposal PDAs follow the documented seeds', () => {
    const [config] = multisig.getProgramConfigPda({});
    expect(config.toBase58().startsWith('BSTq9w3')).toBe(true);
    expect(config.equals(PublicKey.findProgramAddressSync([Buffer.from('multisig'), Buffer.from('program_config')], multisig.PROGRAM_ID)[0])).toBe(true);
    expect(VAULT.equals(PublicKey.findProgramAddressSync([Buffer.from('multisig'), MULTISIG.toBuffer(), Buffer.from('vault'), Buffer.from([0])], multisig.PROGRAM_ID)[0])).toBe(true);
    const tx = PublicKey.findProgramAddressSync([Buffer.from('multisig'), MULTISIG.toBuffer(), Buffer.from('transaction'), u64le(5n)], multisig.PROGRAM_ID)[0];
    expect(multisig.getTransactionPda({ multisigPda: MULTISIG, index: 5n })[0].equals(tx)).toBe(true);
    const prop = PublicKey.findProgramAddressSync([Buffer.from('multisig'), MULTISIG.toBuffer(), Buffer.from('transaction'), u64le(5n), Buffer.from('proposal')], multisig.PROGRAM_ID)[0];
    expect(multisig.getProposalPda({ multisigPda: MULTISIG, transactionIndex: 5n })[0].equals(prop)).toBe(true);
    expect(PublicKey.isOnCurve(VAULT.toBytes())).toBe(false);
  });
});

describe('the wrapped message', () => {
  it("this project's encoding of the compact message equals the SDK's, byte for byte, and decodes back to the same instructions", async () => {
    const sets: TransactionInstruction[][] = [
      [SystemProgram.transfer({ fromPubkey: VAULT, toPubkey: WALLET, lamports: 5n })],
      await jitoDeposit(2_000_000_000n),
      [...(await jitoDeposit(1_000_000_000n)), new TransactionInstruction({ programId: new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr'), keys: [{ pubkey: VAULT, isSigner: true, isWritable: false }], data: Buffer.from('why') })],
    ];
    for (const ixs of sets) {
      const message = new TransactionMessage({ payerKey: VAULT, recentBlockhash: PublicKey.default.toBase58(), instructions: ixs });
      const sdk = multisig.utils.transactionMessageToMultisigTransactionMessageBytes({ message, addressLookupTableAccounts: [], vaultPda: VAULT });
      const ours = encodeSquadsMessage(fromV0Message(message.compileToV0Message()));
      expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(sdk).toString('hex'));
      const back = squadsInstructions(decodeSquadsMessage(sdk));
      expect(back.map((i) => [i.programId.toBase58(), i.data.toString('hex'), i.keys.map((k) => k.pubkey.toBase58())])).toEqual(ixs.map((i) => [i.programId.toBase58(), i.data.toString('hex'), i.keys.map((k) => k.pubkey.toBase58())]));
      // the vault PDA is the one signer: the first key, writable (it pays)
      expect(back.flatMap((i) => i.keys.filter((k) => k.isSigner).map((k) => k.pubkey.toBase58()))).toEqual(expect.arrayContaining([VAULT.toBase58()]));
    }
  });

  it('vault_transaction_create and proposal_create as the program reads them; the guard allowed exactly what is wrapped', async () => {
    const p = buildSquadsProposal({ multisigPda: MULTISIG, vaultIndex: 0, creator: member.publicKey, transactionIndex: 5n, instructions: await jitoDeposit(2_000_000_000n), memo: 'restake-keeper cycle 4: JitoSOL 60 %' }, guard);
    const [create, proposal] = p.instructions;
    expect([...create.data.subarray(0, 8)]).toEqual([...VAULT_TRANSACTION_CREATE]);
    expect([...VAULT_TRANSACTION_CREATE]).toEqual([48, 250, 78, 168, 208, 226, 218, 211]);
    expect([...proposal.data.subarray(0, 8)]).toEqual([220, 60, 73, 224, 30, 108, 79, 159]);
    expect([...PROPOSAL_CREATE]).toEqual([...proposal.data.subarray(0, 8)]);
    expect(proposal.data.subarray(8, 16).readBigUInt64LE()).toBe(5n);
    expect(proposal.data[16]).toBe(0); // not a draft
    const d = decodeVaultTransactionCreate(create.data);
    expect(d).toMatchObject({ vaultIndex: 0, ephemeralSigners: 0, memo: 'restake-keeper cycle 4: JitoSOL 60 %' });
    expect(Buffer.from(d.message).equals(Buffer.from(p.message))).toBe(true);
    // accounts: multisig(w), transaction(w), creator(s), rent_payer(ws), system_program
    expect(create.keys.map((k) => [k.pubkey.toBase58(), k.isSigner, k.isWritable])).toEqual([
      [MULTISIG.toBase58(), false, true], [p.transactionPda.toBase58(), false, true], [member.publicKey.toBase58(), true, false], [member.publicKey.toBase58(), true, true], [SystemProgram.programId.toBase58(), false, false],
    ]);
    expect(proposal.keys.map((k) => [k.pubkey.toBase58(), k.isSigner, k.isWritable])).toEqual([
      [MULTISIG.toBase58(), false, false], [p.proposalPda.toBase58(), false, true], [member.publicKey.toBase58(), true, false], [member.publicKey.toBase58(), true, true], [SystemProgram.programId.toBase58(), false, false],
    ]);
    expect(p.rules?.length).toBeGreaterThan(0);
  });

  it('the guard refuses what the policy does not allow, before anything is built; a foreign signer is refused', () => {
    expect(() => buildSquadsProposal({ multisigPda: MULTISIG, vaultIndex: 0, creator: member.publicKey, transactionIndex: 1n, instructions: [SystemProgram.transfer({ fromPubkey: VAULT, toPubkey: WALLET, lamports: 10n ** 9n })], memo: 'm' }, guard)).toThrow(/the policy guard refuses the vault transaction/);
    expect(() => buildSquadsProposal({ multisigPda: MULTISIG, vaultIndex: 0, creator: member.publicKey, transactionIndex: 1n, instructions: [SystemProgram.transfer({ fromPubkey: WALLET, toPubkey: VAULT, lamports: 1n })], memo: 'm' }, guard)).toThrow(/needs a signature from .* which is not the vault/);
  });

  it('a memo is cut to its byte budget on a character boundary', () => {
    expect(fitMemo('short', 10)).toBe('short');
    const m = fitMemo('é'.repeat(50), 21);
    expect(new TextEncoder().encode(m).length).toBeLessThanOrEqual(21);
    expect(m.endsWith('…')).toBe(true);
  });
});

// ---- accounts serialized by the SDK's own layouts

function multisigAccount(o: { transactionIndex: bigint; stale?: bigint; mask?: number }): AccountInfo<Buffer> {
  const [data] = multisig.accounts.Multisig.fromArgs({
    createKey, configAuthority: PublicKey.default, threshold: 2, timeLock: 0, transactionIndex: Number(o.transactionIndex), staleTransactionIndex: Number(o.stale ?? 0n), rentCollector: null, bump: 255,
    members: [{ key: member.publicKey, permissions: { mask: o.mask ?? 1 } }, ...voters.map((key) => ({ key, permissions: { mask: 7 } }))],
  }).serialize();
  return { data, owner: multisig.PROGRAM_ID, lamports: 1_000_000, executable: false };
}

function proposalAccount(index: bigint, status: Parameters<typeof multisig.accounts.Proposal.fromArgs>[0]['status'], approved: PublicKey[] = [], rejected: PublicKey[] = []): AccountInfo<Buffer> {
  const [data] = multisig.accounts.Proposal.fromArgs({ multisig: MULTISIG, transactionIndex: Number(index), status, bump: 254, approved, rejected, cancelled: [] }).serialize();
  return { data, owner: multisig.PROGRAM_ID, lamports: 1_000_000, executable: false };
}

describe('lifecycle from the proposal account', () => {
  const m = multisig.accounts.Multisig.fromAccountInfo(multisigAccount({ transactionIndex: 5n }))[0];
  const read = (a: AccountInfo<Buffer>) => multisig.accounts.Proposal.fromAccountInfo(a)[0];
  it('maps every status', () => {
    expect(squadsOutcome(read(proposalAccount(5n, { __kind: 'Active', timestamp: 1 })), m, 5n).status).toBe('proposed');
    expect(squadsOutcome(read(proposalAccount(5n, { __kind: 'Active', timestamp: 1 }, [voters[0]!])), m, 5n)).toMatchObject({ status: 'confirmations', detail: { count: 1, threshold: 2 } });
    expect(squadsOutcome(read(proposalAccount(5n, { __kind: 'Approved', timestamp: 2 }, voters)), m, 5n)).toMatchObject({ status: 'confirmations', detail: { count: 2, ready: true } });
    expect(squadsOutcome(read(proposalAccount(5n, { __kind: 'Executed', timestamp: 3 }, voters)), m, 5n).status).toBe('executed');
    expect(squadsOutcome(read(proposalAccount(5n, { __kind: 'Rejected', timestamp: 3 }, [], voters)), m, 5n)).toMatchObject({ status: 'rejected', detail: { rejectedBy: voters.map((v) => v.toBase58()) } });
    expect(squadsOutcome(read(proposalAccount(5n, { __kind: 'Cancelled', timestamp: 3 }, voters)), m, 5n)).toMatchObject({ status: 'rejected', detail: { cancelled: true } });
    const staleM = multisig.accounts.Multisig.fromAccountInfo(multisigAccount({ transactionIndex: 6n, stale: 6n }))[0];
    expect(squadsOutcome(read(proposalAccount(5n, { __kind: 'Active', timestamp: 1 })), staleM, 5n).status).toBe('stale');
    expect(squadsOutcome(undefined, m, 6n).status).toBe('not-created');
  });
  it('the proposer member must initiate and do nothing more', () => {
    const only = (mask: number) => checkProposerMember(multisig.accounts.Multisig.fromAccountInfo(multisigAccount({ transactionIndex: 0n, mask }))[0], member.publicKey);
    expect(only(1)).toEqual({ ok: true });
    expect(only(3)).toMatchObject({ ok: false, reason: expect.stringMatching(/also holds Vote/) });
    expect(only(7)).toMatchObject({ ok: false, reason: expect.stringMatching(/also holds Vote and Execute/) });
    expect(only(2)).toMatchObject({ ok: false, reason: expect.stringMatching(/lacks the Initiate permission/) });
    expect(checkProposerMember(m, WALLET)).toMatchObject({ ok: false, reason: expect.stringMatching(/not a member/) });
  });
});

/** A recording double of the RPC: accounts the test sets, and every raw transaction sent. */
function cluster() {
  const accounts = new Map<string, AccountInfo<Buffer>>();
  const sent: Buffer[] = [];
  const connection = {
    getAccountInfo: async (k: PublicKey) => accounts.get(k.toBase58()) ?? null,
    getLatestBlockhash: async () => ({ blockhash: '4uQeVj5tqViQh7yWWGStvkEG1Zmhx6uasJtWCJziofM', lastValidBlockHeight: 1000 }),
    sendRawTransaction: async (raw: Buffer | Uint8Array) => {
      sent.push(Buffer.from(raw));
      return `sig${sent.length}`;
    },
  } as unknown as SquadsConnection;
  return { accounts, sent, connection };
}

describe('the Squads proposer with the journal (RPC double; the program itself is not run)', () => {
  it('journals the intent, sends vault transaction + proposal signed by the member, follows approvals to execution, and proposes nothing while pending', async () => {
    const j = openJournal(':memory:');
    const proposals = new ProposalJournal(j.db);
    const c = cluster();
    c.accounts.set(MULTISIG.toBase58(), multisigAccount({ transactionIndex: 4n }));
    const events: string[] = [];
    const proposer = new SquadsProposer({ connection: c.connection, multisigPda: MULTISIG, vaultIndex: 0, member, guard, proposals, recordEvent: (e) => events.push(e.kind), vaultName: 'sol-staking', chain: 'solana:test', clock: () => 1_000 });
    const ixs = await jitoDeposit(2_000_000_000n);
    const r = await proposer.propose({ cycleId: null, instructions: ixs, rationale: ['JitoSOL 60 %: best score'], valueAtRisk: 2_000_000_000n });
    expect(r.status).toBe('proposed');
    if (r.status !== 'proposed') return;
    expect(r.proposal.nonce).toBe(5n);
    expect(r.proposal.hash).toBe(multisig.getTransactionPda({ multisigPda: MULTISIG, index: 5n })[0].toBase58());
    expect(proposals.history(r.proposal.id).map((h) => h.status)).toEqual(['intent', 'proposed']);
    expect(c.sent).toHaveLength(1);
    const tx = Transaction.from(c.sent[0]!);
    expect(tx.verifySignatures()).toBe(true);
    expect(tx.feePayer?.equals(member.publicKey)).toBe(true);
    expect(tx.instructions.map((i) => [...i.data.subarray(0, 8)])).toEqual([[...VAULT_TRANSACTION_CREATE], [...PROPOSAL_CREATE]]);
    expect(decodeVaultTransactionCreate(tx.instructions[0]!.data).memo).toBe('restake-keeper sol-staking: JitoSOL 60 %: best score');

    // Too large for one transaction: refused before anything is journaled or sent.
    const j2 = openJournal(':memory:');
    const big = new SquadsProposer({ connection: c.connection, multisigPda: MULTISIG, vaultIndex: 0, member, guard, proposals: new ProposalJournal(j2.db), recordEvent: () => undefined, vaultName: 'v', chain: 'solana:test', maxMemoBytes: 2000 });
    const tooBig = await big.propose({ cycleId: null, instructions: ixs, rationale: ['x'.repeat(1500)], valueAtRisk: 1n });
    expect(tooBig).toMatchObject({ status: 'refused', reason: expect.stringMatching(/does not fit one transaction/) });
    expect(new ProposalJournal(j2.db).ofAccount('solana:test', MULTISIG.toBase58())).toEqual([]);
    expect(c.sent).toHaveLength(1);
    j2.close();

    // Pending: no second proposal.
    c.accounts.set(r.proposal.hash, { data: Buffer.alloc(1), owner: multisig.PROGRAM_ID, lamports: 1, executable: false });
    c.accounts.set(multisig.getProposalPda({ multisigPda: MULTISIG, transactionIndex: 5n })[0].toBase58(), proposalAccount(5n, { __kind: 'Active', timestamp: 1 }, [voters[0]!]));
    c.accounts.set(MULTISIG.toBase58(), multisigAccount({ transactionIndex: 5n }));
    expect((await proposer.propose({ cycleId: null, instructions: ixs, rationale: ['again'], valueAtRisk: 1n })).status).toBe('pending');
    expect(c.sent).toHaveLength(1);
    expect(proposals.proposal(r.proposal.id)).toMatchObject({ status: 'confirmations', statusDetail: { count: 1 } });

    // Executed by the members.
    c.accounts.set(multisig.getProposalPda({ multisigPda: MULTISIG, transactionIndex: 5n })[0].toBase58(), proposalAccount(5n, { __kind: 'Executed', timestamp: 9 }, voters));
    await proposer.follow();
    expect(proposals.proposal(r.proposal.id)!.status).toBe('executed');
    expect(events).toContain('proposal-executed');
    j.close();
  });

  it('after a crash between journaling and sending: resent at the same index, or found, or the index lost to someone else', async () => {
    for (const situation of ['not-sent', 'sent', 'index-taken'] as const) {
      const j = openJournal(':memory:');
      const proposals = new ProposalJournal(j.db);
      const c = cluster();
      c.accounts.set(MULTISIG.toBase58(), multisigAccount({ transactionIndex: 4n }));
      const proposer = new SquadsProposer({ connection: c.connection, multisigPda: MULTISIG, vaultIndex: 0, member, guard, proposals, recordEvent: () => undefined, vaultName: 'v', chain: 'solana:test' });
      // What a killed process left: the intent, exactly as propose() journals it.
      const built = buildSquadsProposal({ multisigPda: MULTISIG, vaultIndex: 0, creator: member.publicKey, transactionIndex: 5n, instructions: await jitoDeposit(2_000_000_000n), memo: 'm' }, guard);
      const id = proposals.recordIntent({ vault: 'v', cycleId: null, multisig: 'squads', chain: 'solana:test', account: MULTISIG.toBase58(), nonce: 5n, hash: built.transactionPda.toBase58(), proposer: member.publicKey.toBase58(), payload: { instructions: built.instructions.map((i) => ({ programId: i.programId.toBase58(), keys: i.keys.map((k) => ({ pubkey: k.pubkey.toBase58(), isSigner: k.isSigner, isWritable: k.isWritable })), data: Buffer.from(i.data).toString('base64') })) }, description: {}, valueAtRisk: 1n, createdAt: 1 });
      if (situation === 'sent') c.accounts.set(built.transactionPda.toBase58(), { data: Buffer.alloc(1), owner: multisig.PROGRAM_ID, lamports: 1, executable: false });
      if (situation === 'index-taken') c.accounts.set(MULTISIG.toBase58(), multisigAccount({ transactionIndex: 5n }));
      await proposer.follow();
      const p = proposals.proposal(id)!;
      if (situation === 'not-sent') {
        expect(c.sent).toHaveLength(1);
        expect(Transaction.from(c.sent[0]!).instructions.map((i) => i.data.toString('hex'))).toEqual(built.instructions.map((i) => i.data.toString('hex')));
        expect(p.status).toBe('proposed');
      } else if (situation === 'sent') {
        expect(c.sent).toHaveLength(0);
        expect(p.status).toBe('proposed');
      } else {
        expect(c.sent).toHaveLength(0);
        expect(p).toMatchObject({ status: 'replaced', statusDetail: { nonceUsed: true, external: true } });
      }
      j.close();
    }
  });
});
