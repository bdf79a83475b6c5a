import type { Logger } from 'pino';
import { getAddress, recoverTypedDataAddress, type Address, type Hex, type LocalAccount, type PublicClient } from 'viem';
import type { AssetId } from '../../../domain/asset.js';
import type { KeeperEvent } from '../../../domain/event.js';
import type { PlanContext } from '../../../executor/executor.js';
import type { ProposalJournal, ProposalRecord } from '../../../journal/proposal-journal.js';
import { proposalFailpoint } from '../../failpoints.js';
import { checkSafeTx } from './safe-guard.js';
import type { FollowReport } from './safe-lifecycle.js';
import { descriptionText, originText, type ProposalDescription } from './proposal-text.js';
import { proposalBody, type ProposalBody, type SafeTxServiceClient } from './safe-service.js';
import { getTransactionHashArgs, OPERATION, rejectionSafeTx, safeAbi, safeTxHash, safeTxTypedData, type InnerCall, type SafeTx } from './safe-tx.js';
import { builderFile, writeBuilderFile } from './tx-builder-file.js';

/**
 * The last steps of a Safe proposal, shared by a plan's proposal and a withdrawal: sign the SafeTx hash,
 * journal the intent (before anything leaves the process), deliver to the service and/or the builder
 * file, record 'proposed'.
 */

export interface SubmitDeps {
  readonly chainId: number;
  readonly chain: string;
  readonly safe: Address;
  readonly proposer?: LocalAccount | undefined;
  readonly proposals: ProposalJournal;
  readonly journal: { recordEvent(e: KeeperEvent & { cycleId?: number | null }): void };
  readonly vaultName: string;
  readonly service?: SafeTxServiceClient | undefined;
  readonly builderDir?: string | undefined;
  readonly originMaxLength: number;
  readonly clock: () => number;
  readonly log?: Logger | undefined;
}

export class SafeSubmitter {
  readonly #d: SubmitDeps;

  constructor(d: SubmitDeps) {
    this.#d = d;
  }

  /**
   * Sign, journal the intent (replacing `replaces` in the same commit), deliver, record 'proposed'. A
   * failed delivery leaves the intent for the next cycle to deliver again.
   */
  async submit(p: {
    tx: SafeTx;
    hash: Hex;
    description: ProposalDescription;
    decimals: (a: AssetId) => number;
    calls: readonly InnerCall[];
    extra: Record<string, unknown>;
    valueAtRisk: bigint;
    seen: FollowReport;
    ctx: Pick<PlanContext, 'cycleId'>;
    replaces: { record: ProposalRecord; kind: 'stale' | 'drift' | 'breaker'; reason: string } | undefined;
    onSigned?: (id: number) => void;
  }): Promise<{ ok: true; detail: Record<string, unknown> } | { ok: false; reason: string }> {
    const o = this.#d;
    const { tx, hash, description, seen, ctx, replaces } = p;
    const signer = o.proposer as LocalAccount;
    const typed = safeTxTypedData(o.chainId, this.#d.safe, tx);
    const signature = await signer.signTypedData!(typed);
    const recovered = await recoverTypedDataAddress({ ...typed, signature });
    if (getAddress(recovered) !== getAddress(signer.address)) return { ok: false, reason: `the proposer's signature recovers to ${recovered}, not ${signer.address}` };
    const body = proposalBody(tx, { safeTxHash: hash, sender: signer.address, signature, origin: originText(description, p.decimals, o.originMaxLength) });
    const id = o.proposals.recordIntent(
      {
        vault: o.vaultName,
        cycleId: ctx.cycleId,
        multisig: 'safe',
        chain: this.#d.chain,
        account: this.#d.safe,
        nonce: seen.safeNonce,
        hash,
        proposer: getAddress(signer.address),
        payload: { body, calls: p.calls.map((c) => ({ to: c.to, value: c.value.toString(), data: c.data })), expectedChanges: description.expectedChanges, ...p.extra, text: descriptionText(description, p.decimals) },
        description: description as unknown as Record<string, unknown>,
        valueAtRisk: p.valueAtRisk,
        observedBlock: seen.block,
        createdAt: this.#d.clock(),
      },
      replaces ? { id: replaces.record.id, status: replaces.kind === 'stale' ? 'stale' : 'replaced', detail: { reason: replaces.reason, kind: replaces.kind, replacedBy: hash } } : undefined,
    );
    p.onSigned?.(id);
    if (replaces) o.journal.recordEvent({ cycleId: ctx.cycleId, at: this.#d.clock(), kind: 'proposal-replaced', severity: 'warn', message: `proposal ${replaces.record.hash} at Safe nonce ${seen.safeNonce} replaced by ${hash}: ${replaces.reason}`, data: { replaced: replaces.record.hash, by: hash, kind: replaces.kind } });
    proposalFailpoint('after-proposal-intent');
    let delivered: Record<string, unknown>;
    try {
      delivered = await this.deliver(o.proposals.proposal(id) as ProposalRecord);
    } catch (e) {
      o.journal.recordEvent({ cycleId: ctx.cycleId, at: this.#d.clock(), kind: 'proposal-delivery-failed', severity: 'warn', message: `proposal ${hash} is journaled but its delivery failed (retried next cycle): ${(e as Error).message}`, data: { safeTxHash: hash } });
      return { ok: true, detail: { reason: `proposal ${hash} journaled at Safe nonce ${seen.safeNonce}; delivery failed and is retried next cycle: ${(e as Error).message}`, proposal: { id, safeTxHash: hash, nonce: seen.safeNonce.toString() } } };
    }
    proposalFailpoint('after-proposal-delivered');
    o.proposals.recordStatus(id, 'proposed', this.#d.clock(), delivered);
    o.log?.info({ safeTxHash: hash, nonce: seen.safeNonce.toString(), ...delivered }, 'proposed to the Safe');
    return { ok: true, detail: { reason: `proposed to the Safe ${this.#d.safe} as ${hash} (nonce ${seen.safeNonce}); its signers execute it`, proposal: { id, safeTxHash: hash, nonce: seen.safeNonce.toString(), ...delivered } } };
  }

  /** Delivers a journaled proposal exactly as journaled: the service POST and/or the builder file. */
  async deliver(p: ProposalRecord): Promise<Record<string, unknown>> {
    const o = this.#d;
    const payload = p.payload as { body: ProposalBody; calls: Array<{ to: Address; value: string; data: Hex }>; text: string };
    const out: Record<string, unknown> = {};
    if (o.builderDir) {
      const f = builderFile({ chainId: o.chainId, safe: this.#d.safe, proposer: getAddress(p.proposer), createdAt: p.createdAt, name: `restake-keeper ${o.vaultName} nonce ${p.nonce}`, description: payload.text, calls: payload.calls.map((c) => ({ to: c.to, value: BigInt(c.value), data: c.data, operation: 0 })) });
      out.builderFile = writeBuilderFile(o.builderDir, f, { nonce: p.nonce, safeTxHash: p.hash as Hex });
    }
    if (o.service) {
      await o.service.propose(this.#d.safe, payload.body);
      out.service = o.service.host;
    }
    return out;
  }
}

export interface CancelDeps {
  readonly client: PublicClient;
  readonly chainId: number;
  readonly safe: Address;
  readonly multiSendCallOnly: Address;
  readonly vaultName: string;
  readonly recordEvent: (e: KeeperEvent & { cycleId?: number | null }) => void;
  readonly clock: () => number;
}

/**
 * Withdraws a pending proposal the keeper no longer stands behind (a breaker fired, the market moved)
 * when there is nothing to propose instead: the Safe's cancel — a 0-value call to itself with no data —
 * at the same nonce. Whichever of the two the signers execute takes the nonce; the cancel moves nothing.
 */
export async function proposeCancel(submitter: SafeSubmitter, o: CancelDeps, pending: ProposalRecord, why: { kind: 'stale' | 'drift' | 'breaker'; reason: string }, ctx: PlanContext, seen: FollowReport): Promise<void> {
  const tx = rejectionSafeTx(o.safe, pending.nonce);
  const guard = checkSafeTx(tx, { multiSendCallOnly: o.multiSendCallOnly, allowed: [{ to: o.safe, value: 0n, data: '0x' }] });
  const hash = safeTxHash(o.chainId, o.safe, tx);
  const theirs = await o.client.readContract({ address: o.safe, abi: safeAbi, functionName: 'getTransactionHash', args: getTransactionHashArgs(tx), blockNumber: seen.block });
  if (!guard.allowed || theirs.toLowerCase() !== hash.toLowerCase()) {
    o.recordEvent({ cycleId: ctx.cycleId, at: o.clock(), kind: 'proposal-withdraw-failed', severity: 'critical', message: `could not withdraw proposal ${pending.hash}: ${guard.allowed ? 'hash mismatch' : guard.reason}`, data: { safeTxHash: pending.hash } });
    return;
  }
  const description: ProposalDescription = {
    keeper: 'restake-keeper',
    vault: o.vaultName,
    cycleId: ctx.cycleId,
    decisionTime: new Date(ctx.now).toISOString(),
    rationale: [`withdraws proposal ${pending.hash}: ${why.reason}; executing this 0-value transaction at nonce ${pending.nonce} cancels it`, ...ctx.rationale],
    actions: [],
    expectedChanges: {},
    simulation: { ok: true, gas: '0', via: 'not simulated: a 0-value call of the Safe to itself' },
    marks: {},
    replaces: { safeTxHash: pending.hash, reason: why.reason },
  };
  const sub = await submitter.submit({ tx, hash, description, decimals: () => 18, calls: [{ to: o.safe, value: 0n, data: '0x', operation: OPERATION.call }], extra: { cancel: true, grossFlows: {} }, valueAtRisk: 0n, seen: { ...seen, safeNonce: pending.nonce }, ctx, replaces: { record: pending, kind: why.kind, reason: why.reason } });
  if (!sub.ok) o.recordEvent({ cycleId: ctx.cycleId, at: o.clock(), kind: 'proposal-withdraw-failed', severity: 'critical', message: `could not withdraw proposal ${pending.hash}: ${sub.reason}`, data: { safeTxHash: pending.hash } });
}
