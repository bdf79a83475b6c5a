import type { PublicKey } from '@solana/web3.js';
import * as multisig from '@sqds/multisig';
import type { ProposalStatus } from '../../../journal/proposal-journal.js';

/**
 * What the Squads program's accounts say about a proposal, in the journal's lifecycle terms, and whether
 * the keeper's member key is propose-only. Read from the Proposal and Multisig accounts (decoded with the
 * SDK's generated layouts).
 */

type Multisig = Pick<multisig.accounts.Multisig, 'threshold' | 'transactionIndex' | 'staleTransactionIndex' | 'members'>;
type Proposal = Pick<multisig.accounts.Proposal, 'status' | 'approved' | 'rejected' | 'cancelled' | 'transactionIndex'>;

export interface SquadsOutcome {
  readonly status: Exclude<ProposalStatus, 'intent' | 'replaced' | 'failed'> | 'not-created';
  readonly detail: Record<string, unknown>;
}

const big = (x: multisig.accounts.Multisig['transactionIndex']) => BigInt(x.toString());

export function squadsOutcome(p: Proposal | undefined, m: Multisig, transactionIndex: bigint): SquadsOutcome {
  const stale = transactionIndex <= big(m.staleTransactionIndex);
  if (!p) return stale ? { status: 'stale', detail: { reason: 'the multisig made it stale before the proposal existed' } } : { status: 'not-created', detail: {} };
  const approved = p.approved.map((k) => k.toBase58());
  const base = { approved, threshold: m.threshold, count: approved.length };
  const s = p.status;
  switch (s.__kind) {
    case 'Executed':
      return { status: 'executed', detail: { ...base, timestamp: s.timestamp.toString() } };
    case 'Rejected':
      return { status: 'rejected', detail: { ...base, rejectedBy: p.rejected.map((k) => k.toBase58()), timestamp: s.timestamp.toString() } };
    case 'Cancelled':
      return { status: 'rejected', detail: { ...base, cancelled: true, cancelledBy: p.cancelled.map((k) => k.toBase58()), timestamp: s.timestamp.toString() } };
    case 'Approved':
    case 'Executing':
      return { status: 'confirmations', detail: { ...base, ready: true, state: s.__kind } };
    case 'Draft':
    case 'Active':
      if (stale) return { status: 'stale', detail: { ...base, reason: `a configuration change made transactions up to ${big(m.staleTransactionIndex)} stale` } };
      return approved.length > 0 ? { status: 'confirmations', detail: base } : { status: 'proposed', detail: { ...base, state: s.__kind } };
  }
}

/** Refuses a member key that could do more than initiate (vote or execute), or that cannot initiate. */
export function checkProposerMember(m: Multisig, member: PublicKey): { ok: true } | { ok: false; reason: string } {
  const me = m.members.find((x) => x.key.equals(member));
  if (!me) return { ok: false, reason: `${member.toBase58()} is not a member of the multisig` };
  const P = multisig.types.Permission;
  const has = (p: multisig.types.Permission) => multisig.types.Permissions.has(me.permissions, p);
  if (!has(P.Initiate)) return { ok: false, reason: `member ${member.toBase58()} lacks the Initiate permission` };
  const extra = [has(P.Vote) ? 'Vote' : '', has(P.Execute) ? 'Execute' : ''].filter(Boolean);
  if (extra.length > 0) return { ok: false, reason: `member ${member.toBase58()} also holds ${extra.join(' and ')}: a proposer key must only initiate` };
  return { ok: true };
}
