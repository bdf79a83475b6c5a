import type { Logger } from 'pino';
import { haltState, resumeVault } from '../../chains/execution-pipeline.js';
import { formatUnits } from '../../domain/amount.js';
import { DAY, formatTime } from '../../domain/time.js';
import { UsageError } from '../../errors.js';
import type { Journal } from '../../journal/journal.js';
import type { TransactionRecord } from '../../journal/journal-port.js';
import { loadVault } from '../../config/load-vault.js';
import { openJournal } from '../../journal/open-journal.js';
import { requireExistingJournal } from '../existing-journal.js';
import { openVaultJournal } from '../prepare.js';
import { evmChainKey } from '../../chains/evm/evm-adapter.js';
import { evmExecutorFor, loadEvmExecutionSetup } from '../../chains/evm/evm-executor-setup.js';

/**
 * What a vault manager does by hand when the executor has stopped itself: see what is halted and in
 * flight, cancel a stuck transaction, and lift a halt once understood. Each act is journaled in a run of
 * its own (mode "operator"), so the journal says who changed what and why.
 */

export interface OperatorOptions {
  readonly config: string;
  readonly journal?: string | undefined;
}

/** Cancel and resume write runs of their own, so they take the instance lease: not while a keeper runs. */
function open(o: OperatorOptions, command: string) {
  const vault = loadVault(o.config);
  // Checked before the lease: a mistyped --journal must not leave a lease file or an empty journal behind.
  const path = requireExistingJournal(o.journal ?? vault.paths.journal, command, vault.paths.journal);
  return { vault, path, journal: openVaultJournal(path, command) };
}

function txLine(t: TransactionRecord): string {
  const fee = t.maxFee === null ? '' : `, maxFee ${formatUnits(t.maxFee, 9)} gwei`;
  return `  #${t.id} action ${t.actionId} step ${t.seq} ${t.kind} nonce ${t.nonce ?? '—'} ${t.status} ${t.txHash ?? '(no hash yet)'}${fee}: ${t.description}`;
}

/** `evm status`: the halt in force (if any), today's spend against the policy's cap, every transaction still in flight. */
export function evmStatusCommand(o: OperatorOptions, out: (l: string) => void, now = Date.now()): number {
  // Read-only, so it works while the keeper runs (no lease).
  const vault = loadVault(o.config);
  const journal = openJournal(requireExistingJournal(o.journal ?? vault.paths.journal, 'evm status', vault.paths.journal), { readonly: true });
  try {
    const halt = haltState(journal, vault.config.name);
    out(halt ? `vault ${vault.config.name}: HALTED — ${halt}` : `vault ${vault.config.name}: not halted`);
    if (vault.config.execution?.evm) {
      const { evm, policy } = loadEvmExecutionSetup(vault, { allowPlaceholder: true });
      const day = now - (now % DAY);
      const spent = journal.spentBetween(evmChainKey(evm.chainId), evm.vault, day, day + DAY);
      out(`value at risk sent today (UTC): ${formatUnits(spent, 18)} ETH of the policy's ${formatUnits(policy.caps.perDayWei, 18)} ETH per-day cap`);
    }
    const open = journal.openTransactions();
    out(open.length === 0 ? 'no transaction in flight' : `${open.length} transaction(s) in flight:`);
    for (const t of open) out(txLine(t));
    return 0;
  } finally {
    journal.close();
  }
}

function operatorRun(journal: Journal, vault: ReturnType<typeof loadVault>, at: number): number {
  return journal.startRun({ at, mode: 'operator', vault: vault.config.name, configHash: vault.hash, configJson: '{}' });
}

/** `evm resume --note`: lifts the halt, recording who-knows-why in the operator's own words. */
export function evmResumeCommand(o: OperatorOptions & { note?: string | undefined }, out: (l: string) => void, now = Date.now()): number {
  const note = o.note?.trim();
  if (!note) throw new UsageError('evm resume needs --note "<why it is safe to resume>" (it is journaled with the resume)');
  const { vault, journal } = open(o, 'evm resume');
  try {
    const halt = haltState(journal, vault.config.name);
    if (!halt) {
      out(`vault ${vault.config.name} is not halted; nothing to resume`);
      return 0;
    }
    const open = journal.openTransactions();
    if (open.length > 0) {
      out(`refusing to resume: ${open.length} transaction(s) still in flight (see evm status); cancel them or let the next start reconcile them first`);
      return 1;
    }
    resumeVault(journal, now, note, operatorRun(journal, vault, now));
    out(`vault ${vault.config.name} resumed (was: ${halt}); note journaled: ${note}`);
    return 0;
  } finally {
    journal.close();
  }
}

/**
 * `evm cancel --nonce N --live`: replaces what is in flight at nonce N with a 0-value self-transfer at
 * bumped fees, then reconciles every in-flight transaction against the chain (waiting up to the config's
 * maxWait) so the journal ends with the outcome: the cancel mined, or the original did first.
 */
export async function evmCancelCommand(o: OperatorOptions & { nonce: number; live?: boolean | undefined; log: Logger }, out: (l: string) => void): Promise<number> {
  const { vault, journal } = open(o, 'evm cancel');
  try {
    if (vault.config.execution?.evm?.mode !== 'live' || !o.live) throw new UsageError('evm cancel signs a transaction: it needs execution.evm.mode live and the --live flag');
    const executor = evmExecutorFor(vault, journal, { live: true, log: o.log });
    const now = Date.now();
    operatorRun(journal, vault, now);
    if (await executor.adapter.slotConsumed({ nonce: o.nonce, meta: undefined })) {
      out(`nonce ${o.nonce} is already used on chain: nothing to cancel; reconciling the journal with the chain`);
    } else {
      const cancel = await executor.cancel(o.nonce);
      out(`cancel sent at nonce ${o.nonce}: ${cancel.txHash} (replaces #${cancel.replacesId ?? '?'})`);
    }
    const report = await executor.reconcileInFlight(Date.now());
    for (const line of report.lines) out(`  ${line}`);
    const still = journal.openTransactions();
    out(still.length === 0 ? `nonce ${o.nonce} settled at ${formatTime(Date.now())}; nothing left in flight` : `${still.length} transaction(s) still in flight`);
    return still.length === 0 ? 0 : 1;
  } finally {
    journal.close();
  }
}
