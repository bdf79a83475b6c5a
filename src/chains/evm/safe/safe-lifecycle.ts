import { getAddress, type Address, type Hex, type PublicClient } from 'viem';
import type { AssetId } from '../../../domain/asset.js';
import type { KeeperEvent } from '../../../domain/event.js';
import type { ProposalJournal, ProposalRecord } from '../../../journal/proposal-journal.js';
import { decodeExecTransaction, isRejection, safeAbi } from './safe-tx.js';
import type { SafeTxServiceClient } from './safe-service.js';

/**
 * Follows the keeper's proposals to their outcome. The chain is the authority on what happened at a
 * nonce; the service only adds confirmations as they arrive.
 *
 * For each Safe nonce with a proposal of ours and no recorded outcome:
 * - the Safe's nonce has passed it: the first ExecutionSuccess/ExecutionFailure the Safe logged after the
 *   block at which its nonce was that nonce is that nonce's transaction. One of ours → executed (then the
 *   Safe's balances across that block are reconciled with the plan) or failed, and any other pending one
 *   at the nonce replaced. Not ours → a 0-value call to the Safe with no data is the owners' rejection
 *   (recorded on our proposal); anything else is a nonce used outside the keeper (recorded, and an event).
 * - still current: an intent the process died before delivering is delivered again (same hash), and the
 *   service's confirmations are recorded when their number changes.
 */

export interface FollowDeps {
  readonly client: PublicClient;
  readonly chain: string;
  readonly safe: Address;
  readonly proposals: ProposalJournal;
  readonly recordEvent: (e: KeeperEvent & { cycleId?: number | null }) => void;
  readonly service?: SafeTxServiceClient | undefined;
  /** Delivers a journaled intent again (service POST and/or builder file); throws on failure. */
  readonly redeliver: (p: ProposalRecord) => Promise<Record<string, unknown>>;
  /** ERC-20 per asset (the native asset has none) for reconciliation. */
  readonly tokens: Readonly<Record<AssetId, Address>>;
  readonly nativeAsset: AssetId;
  /** Fraction of an asset's gross flow its net change may differ from the plan by. */
  readonly tolerance: number;
  readonly halt: (cause: string, message: string, data: Record<string, unknown>) => void;
  readonly clock: () => number;
}

export interface FollowReport {
  readonly block: bigint;
  readonly safeNonce: bigint;
  /** Outcomes recorded by this call (executed, failed, rejected, replaced by an outside transaction). */
  readonly outcomes: ReadonlyArray<{ proposalId: number; status: string; nonce: bigint }>;
}

const OUTCOMES = ['executed', 'failed', 'rejected'];
const settled = (p: ProposalRecord) => OUTCOMES.includes(p.status) || (p.statusDetail as { nonceUsed?: unknown } | undefined)?.nonceUsed === true;

export async function followProposals(d: FollowDeps): Promise<FollowReport> {
  const block = await d.client.getBlockNumber({ cacheTime: 0 });
  const safeNonce = await d.client.readContract({ address: d.safe, abi: safeAbi, functionName: 'nonce', blockNumber: block });
  const all = d.proposals.ofAccount(d.chain, d.safe);
  const byNonce = new Map<bigint, ProposalRecord[]>();
  for (const p of all) byNonce.set(p.nonce, [...(byNonce.get(p.nonce) ?? []), p]);
  const outcomes: Array<{ proposalId: number; status: string; nonce: bigint }> = [];
  for (const [nonce, ps] of [...byNonce.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (ps.some(settled)) continue;
    if (nonce < safeNonce) outcomes.push(...(await resolveUsedNonce(d, nonce, ps, block)));
    else for (const p of ps.filter((x) => ['intent', 'proposed', 'confirmations'].includes(x.status))) await followPending(d, p);
  }
  return { block, safeNonce, outcomes };
}

async function followPending(d: FollowDeps, p: ProposalRecord): Promise<void> {
  if (p.status === 'intent') {
    try {
      const detail = await d.redeliver(p);
      d.proposals.recordStatus(p.id, 'proposed', d.clock(), { ...detail, redelivered: true });
    } catch (e) {
      d.recordEvent({ at: d.clock(), kind: 'proposal-delivery-failed', severity: 'warn', message: `proposal ${p.hash} (Safe nonce ${p.nonce}) is journaled but could not be delivered again: ${(e as Error).message}`, data: { safeTxHash: p.hash } });
      return;
    }
  }
  if (!d.service) return;
  let tx;
  try {
    tx = await d.service.transaction(p.hash as Hex);
  } catch (e) {
    d.recordEvent({ at: d.clock(), kind: 'proposal-service-unreachable', severity: 'info', message: `could not read confirmations of ${p.hash}: ${(e as Error).message}`, data: { safeTxHash: p.hash } });
    return;
  }
  if (!tx) return;
  const owners = (tx.confirmations ?? []).map((c) => getAddress(c.owner));
  const last = d.proposals.history(p.id).filter((h) => h.status === 'confirmations').at(-1);
  const before = (last?.detail as { count?: number } | undefined)?.count ?? 0;
  if (owners.length !== before) d.proposals.recordStatus(p.id, 'confirmations', d.clock(), { count: owners.length, owners, required: tx.confirmationsRequired ?? null });
}

async function resolveUsedNonce(d: FollowDeps, nonce: bigint, ps: readonly ProposalRecord[], head: bigint): Promise<Array<{ proposalId: number; status: string; nonce: bigint }>> {
  const observed = ps.reduce<bigint | null>((m, p) => (p.observedBlock !== null && (m === null || p.observedBlock < m) ? p.observedBlock : m), null);
  if (observed === null) return [];
  const logs = (await d.client.getLogs({ address: d.safe, events: safeAbi.filter((x) => x.type === 'event' && (x.name === 'ExecutionSuccess' || x.name === 'ExecutionFailure')), fromBlock: observed + 1n, toBlock: head })).sort((a, b) =>
    a.blockNumber === b.blockNumber ? (a.logIndex ?? 0) - (b.logIndex ?? 0) : a.blockNumber! < b.blockNumber! ? -1 : 1,
  );
  const first = logs[0];
  if (!first || first.blockNumber === null || first.transactionHash === null) return [];
  const executedHash = (first.args as { txHash: Hex }).txHash.toLowerCase();
  const at = d.clock();
  const where = { txHash: first.transactionHash, block: first.blockNumber.toString(), safeTxHash: executedHash };
  const mine = ps.find((p) => p.hash.toLowerCase() === executedHash);
  const latest = ps[ps.length - 1] as ProposalRecord;
  if (mine) {
    const ok = first.eventName === 'ExecutionSuccess';
    const reconciliation = ok ? await reconcile(d, mine, first.blockNumber) : undefined;
    d.proposals.recordStatus(mine.id, ok ? 'executed' : 'failed', at, { ...where, ...(reconciliation ? { reconciliation } : {}) });
    for (const o of ps) if (o.id !== mine.id && ['intent', 'proposed', 'confirmations'].includes(o.status)) d.proposals.recordStatus(o.id, 'replaced', at, { by: executedHash, nonceUsed: true });
    d.recordEvent({ cycleId: mine.cycleId, at, kind: ok ? 'proposal-executed' : 'proposal-failed', severity: ok ? 'info' : 'warn', message: `Safe transaction ${executedHash} (nonce ${nonce}) was ${ok ? 'executed' : 'executed and failed'} by the signers in ${first.transactionHash} (block ${first.blockNumber})`, data: where });
    if (reconciliation && !reconciliation.ok) {
      const message = `balances after Safe transaction ${executedHash} do not match the plan: ${reconciliation.problems.join('; ')}`;
      d.recordEvent({ cycleId: mine.cycleId, at, kind: 'reconciliation-mismatch', severity: 'critical', message, data: { ...reconciliation } });
      d.halt('reconciliation-mismatch', message, { safeTxHash: executedHash });
    }
    return [{ proposalId: mine.id, status: ok ? 'executed' : 'failed', nonce }];
  }
  const tx = await d.client.getTransaction({ hash: first.transactionHash });
  const decoded = decodeExecTransaction(tx.input);
  if (decoded && isRejection(d.safe, decoded)) {
    d.proposals.recordStatus(latest.id, 'rejected', at, { ...where, by: 'owners: a 0-value transaction to the Safe itself at this nonce' });
    d.recordEvent({ cycleId: latest.cycleId, at, kind: 'proposal-rejected', severity: 'warn', message: `the Safe's owners rejected proposal ${latest.hash} (nonce ${nonce}) with a 0-value transaction at that nonce (${first.transactionHash}); the keeper plans again`, data: where });
    return [{ proposalId: latest.id, status: 'rejected', nonce }];
  }
  d.proposals.recordStatus(latest.id, 'replaced', at, { ...where, nonceUsed: true, external: true, ...(decoded ? { to: decoded.to, value: decoded.value.toString(), operation: decoded.operation } : {}) });
  d.recordEvent({ cycleId: latest.cycleId, at, kind: 'safe-nonce-external', severity: 'warn', message: `Safe nonce ${nonce} was used by a transaction the keeper did not propose (safeTxHash ${executedHash}, ${first.transactionHash}); its proposal ${latest.hash} can never execute`, data: where });
  return [{ proposalId: latest.id, status: 'replaced', nonce }];
}

export interface SafeReconciliation {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly expected: Record<AssetId, string>;
  readonly actual: Record<AssetId, string>;
  readonly tolerance: number;
}

/** The Safe's balances across the execution block against the plan's net changes (each within tolerance × the asset's gross flow). */
async function reconcile(d: FollowDeps, p: ProposalRecord, block: bigint): Promise<SafeReconciliation> {
  const payload = p.payload as { expectedChanges?: Record<AssetId, string>; grossFlows?: Record<AssetId, string> };
  const expected = payload.expectedChanges ?? {};
  const gross = payload.grossFlows ?? {};
  const actual: Record<AssetId, string> = {};
  const problems: string[] = [];
  const bps = BigInt(Math.round(d.tolerance * 10_000));
  for (const [asset, exp] of Object.entries(expected)) {
    const token = asset === d.nativeAsset ? null : d.tokens[asset];
    if (token === undefined) {
      problems.push(`${asset}: no token address to read`);
      continue;
    }
    const read = (b: bigint) => (token === null ? d.client.getBalance({ address: d.safe, blockNumber: b }) : d.client.readContract({ address: token, abi: erc20BalanceAbi, functionName: 'balanceOf', args: [d.safe], blockNumber: b }));
    const delta = (await read(block)) - (await read(block - 1n));
    actual[asset] = delta.toString();
    const diff = delta - BigInt(exp);
    const bound = (BigInt(gross[asset] ?? '0') * bps) / 10_000n;
    if ((diff < 0n ? -diff : diff) > bound) problems.push(`${asset}: changed by ${delta}, the plan expected ${exp} (±${bound})`);
  }
  return { ok: problems.length === 0, problems, expected, actual, tolerance: d.tolerance };
}

const erc20BalanceAbi = [{ type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'a', type: 'address' }], outputs: [{ name: '', type: 'uint256' }] }] as const;
