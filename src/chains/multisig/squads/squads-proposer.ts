import { PublicKey, Transaction, TransactionInstruction, type AccountInfo, type AddressLookupTableAccount, type Connection, type Keypair } from '@solana/web3.js';
import * as multisig from '@sqds/multisig';
import type { KeeperEvent } from '../../../domain/event.js';
import type { ProposalJournal, ProposalRecord } from '../../../journal/proposal-journal.js';
import { buildSquadsProposal, fitMemo, type SquadsGuard } from './squads-proposal.js';
import { checkProposerMember, squadsOutcome } from './squads-status.js';

/**
 * Proposes a cycle's Solana instructions to a Squads v4 multisig and follows the proposal, with the same
 * journal records as the Safe proposer (multisig 'squads'; nonce = the transaction index; hash = the
 * vault transaction's PDA, which the index fixes). The keeper's member key only initiates.
 *
 * Crash safety: the intent is journaled before the transaction is sent. A restart finds the vault
 * transaction account (then it was sent: 'proposed'), or finds the index taken by someone else
 * ('replaced', nonce used), or sends the same two instructions again at the same index — the program
 * cannot create a second transaction at an index whose account exists, so there is never a second one.
 */

export type SquadsConnection = Pick<Connection, 'getAccountInfo' | 'getLatestBlockhash' | 'sendRawTransaction'>;

export interface SquadsProposerOptions {
  readonly connection: SquadsConnection;
  readonly multisigPda: PublicKey;
  readonly vaultIndex: number;
  readonly member: Keypair;
  readonly guard: SquadsGuard;
  readonly proposals: ProposalJournal;
  readonly recordEvent: (e: KeeperEvent & { cycleId?: number | null }) => void;
  readonly vaultName: string;
  /** Journal key of the cluster, e.g. "solana:mainnet-beta". */
  readonly chain: string;
  readonly programId?: PublicKey | undefined;
  /** The memo rides inside a ≤ 1232-byte transaction with the whole message: keep it short. */
  readonly maxMemoBytes?: number | undefined;
  readonly clock?: (() => number) | undefined;
}

export type SquadsProposeResult =
  | { readonly status: 'proposed'; readonly proposal: ProposalRecord; readonly signature: string }
  | { readonly status: 'pending'; readonly proposal: ProposalRecord }
  | { readonly status: 'refused'; readonly reason: string };

export class SquadsProposer {
  readonly #o: SquadsProposerOptions;
  readonly #clock: () => number;

  constructor(o: SquadsProposerOptions) {
    this.#o = o;
    this.#clock = o.clock ?? Date.now;
  }

  get #account(): string {
    return this.#o.multisigPda.toBase58();
  }

  async #multisig(): Promise<multisig.accounts.Multisig> {
    const info = await this.#o.connection.getAccountInfo(this.#o.multisigPda);
    if (!info) throw new Error(`no multisig account at ${this.#account}`);
    return multisig.accounts.Multisig.fromAccountInfo(info as AccountInfo<Buffer>)[0];
  }

  async #send(ixs: readonly TransactionInstruction[]): Promise<string> {
    const { blockhash, lastValidBlockHeight } = await this.#o.connection.getLatestBlockhash();
    const tx = new Transaction({ feePayer: this.#o.member.publicKey, blockhash, lastValidBlockHeight }).add(...ixs);
    tx.sign(this.#o.member);
    return this.#o.connection.sendRawTransaction(tx.serialize());
  }

  /** Follows every pending proposal to what the program's accounts say. */
  async follow(): Promise<void> {
    const { proposals: j } = this.#o;
    for (const p of j.ofAccount(this.#o.chain, this.#account).filter((x) => ['intent', 'proposed', 'confirmations'].includes(x.status))) {
      const m = await this.#multisig();
      const [transactionPda] = multisig.getTransactionPda({ multisigPda: this.#o.multisigPda, index: p.nonce, programId: this.#o.programId });
      const [proposalPda] = multisig.getProposalPda({ multisigPda: this.#o.multisigPda, transactionIndex: p.nonce, programId: this.#o.programId });
      if (p.status === 'intent') {
        if (await this.#o.connection.getAccountInfo(transactionPda)) {
          j.recordStatus(p.id, 'proposed', this.#clock(), { found: 'the vault transaction account exists' });
        } else if (BigInt(m.transactionIndex.toString()) >= p.nonce) {
          j.recordStatus(p.id, 'replaced', this.#clock(), { nonceUsed: true, external: true, reason: `transaction index ${p.nonce} was taken by another member's transaction` });
          this.#o.recordEvent({ cycleId: p.cycleId, at: this.#clock(), kind: 'squads-index-external', severity: 'warn', message: `Squads transaction index ${p.nonce} was used outside the keeper; its proposal was never created`, data: { index: p.nonce.toString() } });
          continue;
        } else {
          const payload = p.payload as { instructions: Array<{ programId: string; keys: Array<{ pubkey: string; isSigner: boolean; isWritable: boolean }>; data: string }> };
          const ixs = payload.instructions.map((i) => new TransactionInstruction({ programId: new PublicKey(i.programId), keys: i.keys.map((k) => ({ ...k, pubkey: new PublicKey(k.pubkey) })), data: Buffer.from(i.data, 'base64') }));
          const signature = await this.#send(ixs);
          j.recordStatus(p.id, 'proposed', this.#clock(), { signature, redelivered: true });
        }
      }
      const info = await this.#o.connection.getAccountInfo(proposalPda);
      const proposal = info ? multisig.accounts.Proposal.fromAccountInfo(info as AccountInfo<Buffer>)[0] : undefined;
      const out = squadsOutcome(proposal, m, p.nonce);
      const current = j.proposal(p.id) as ProposalRecord;
      if (out.status === 'not-created' || (out.status === current.status && JSON.stringify(out.detail) === JSON.stringify(current.statusDetail ?? {}))) continue;
      if (out.status === 'proposed' && current.status === 'proposed') continue;
      j.recordStatus(p.id, out.status, this.#clock(), out.detail);
      if (out.status === 'executed' || out.status === 'rejected' || out.status === 'stale') {
        this.#o.recordEvent({ cycleId: p.cycleId, at: this.#clock(), kind: `proposal-${out.status}`, severity: out.status === 'executed' ? 'info' : 'warn', message: `Squads proposal ${p.hash} (index ${p.nonce}) ${out.status}`, data: out.detail });
      }
    }
  }

  /** One proposal for a cycle's instructions, unless one is pending. */
  async propose(p: { cycleId: number | null; instructions: readonly TransactionInstruction[]; rationale: readonly string[]; valueAtRisk: bigint; tables?: readonly AddressLookupTableAccount[] }): Promise<SquadsProposeResult> {
    const o = this.#o;
    await this.follow();
    const pending = o.proposals.pending(o.chain, this.#account);
    if (pending) return { status: 'pending', proposal: pending };
    const m = await this.#multisig();
    const member = checkProposerMember(m, o.member.publicKey);
    if (!member.ok) return { status: 'refused', reason: member.reason };
    const index = BigInt(m.transactionIndex.toString()) + 1n;
    const memo = fitMemo(`restake-keeper ${o.vaultName}${p.cycleId === null ? '' : ` cycle ${p.cycleId}`}: ${p.rationale.join('; ')}`, o.maxMemoBytes ?? 256);
    let built;
    try {
      built = buildSquadsProposal({ multisigPda: o.multisigPda, vaultIndex: o.vaultIndex, creator: o.member.publicKey, transactionIndex: index, instructions: p.instructions, tables: p.tables, memo, programId: o.programId }, o.guard);
    } catch (e) {
      return { status: 'refused', reason: (e as Error).message };
    }
    // The whole inner message rides in one legacy transaction (≤ 1232 bytes); a larger one needs Squads'
    // transaction-buffer path, which this proposer does not implement: refuse before journaling anything.
    try {
      const probe = new Transaction({ feePayer: o.member.publicKey, blockhash: PublicKey.default.toBase58(), lastValidBlockHeight: 0 }).add(...built.instructions);
      probe.sign(o.member);
      probe.serialize();
    } catch (e) {
      return { status: 'refused', reason: `the proposal does not fit one transaction (${(e as Error).message}); split the plan or shorten the memo` };
    }
    const id = o.proposals.recordIntent({
      vault: o.vaultName,
      cycleId: p.cycleId,
      multisig: 'squads',
      chain: o.chain,
      account: this.#account,
      nonce: index,
      hash: built.transactionPda.toBase58(),
      proposer: o.member.publicKey.toBase58(),
      payload: {
        vault: built.vaultPda.toBase58(),
        proposalPda: built.proposalPda.toBase58(),
        message: Buffer.from(built.message).toString('base64'),
        instructions: built.instructions.map((i) => ({ programId: i.programId.toBase58(), keys: i.keys.map((k) => ({ pubkey: k.pubkey.toBase58(), isSigner: k.isSigner, isWritable: k.isWritable })), data: Buffer.from(i.data).toString('base64') })),
      },
      description: { rationale: p.rationale, memo, rules: built.rules ?? [] },
      valueAtRisk: p.valueAtRisk,
      createdAt: this.#clock(),
    });
    const signature = await this.#send(built.instructions);
    o.proposals.recordStatus(id, 'proposed', this.#clock(), { signature });
    return { status: 'proposed', proposal: o.proposals.proposal(id) as ProposalRecord, signature };
  }
}
