import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccountInfo, PublicKey } from '@solana/web3.js';
import { onTestFinished } from 'vitest';
import type { ChainExecutor } from '../../src/chains/chain-executor.js';
import { ata } from '../../src/chains/solana/builders/plumbing.js';
import type { SolTxPayload } from '../../src/chains/solana/solana-adapter.js';
import type { Universe } from '../../src/config/universe.js';
import type { PlannedAction } from '../../src/domain/action.js';
import type { ExecutionResult } from '../../src/executor/executor.js';
import type { Journal } from '../../src/journal/journal.js';
import { openJournal } from '../../src/journal/open-journal.js';
import type { Snapshot } from '../../src/market/asset-view.js';
import { startSvmRpc, type SvmRpc, type SvmRpcOptions } from './svm-rpc.js';

/** What the Solana pipeline tests share: a chain (the SVM server child) and a journal, for one test. */
export interface SolTestChain {
  readonly rpc: SvmRpc;
  readonly journal: Journal;
  readonly dir: string;
}

/**
 * Starts the loopback chain with these accounts and opens a journal in a fresh directory; both are
 * closed and the directory removed when the calling test finishes, passed or failed.
 */
export async function startSolTestChain(accounts: ReadonlyArray<{ address: PublicKey; info: AccountInfo<Uint8Array> }>, opts: SvmRpcOptions = {}): Promise<SolTestChain> {
  const rpc = await startSvmRpc(accounts, opts);
  const dir = mkdtempSync(join(tmpdir(), 'sol-test-'));
  const journal = openJournal(join(dir, 'j.sqlite'));
  onTestFinished(async () => {
    journal.close();
    await rpc.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { rpc, journal, dir };
}

/** Journals one action's run and cycle around the executor, as the keeper does, and executes it. */
export async function runSolAction(j: Journal, exec: ChainExecutor<SolTxPayload>, a: PlannedAction, holdingsSol = 1000n * 1_000_000_000n): Promise<{ id: number; r: ExecutionResult }> {
  const runId = j.startRun({ at: Date.now(), mode: 'solana-live', vault: 'sol-test', configHash: 't', configJson: '{}' });
  const cycleId = j.beginCycle({ runId, decisionTime: Date.now(), at: Date.now() });
  const [id] = j.recordActions(cycleId, [a], Date.now()) as [number];
  j.recordActionStatus(id, 'intent', Date.now());
  const r = await exec.execute(a, { holdings: new Map([['SOL', holdingsSol]]), pending: [], indexSeen: new Map() }, {
    universe: { registryAssets: new Map() } as unknown as Universe,
    snapshot: {} as Snapshot,
    now: Date.now(),
    onStatus: (s, d) => j.recordActionStatus(id, s, Date.now(), d),
    actionId: id,
    cycleId,
  } as Parameters<ChainExecutor['execute']>[2]);
  j.recordActionStatus(id, r.status, Date.now(), r.detail);
  j.endCycle(cycleId, Date.now(), 'completed', {});
  return { id, r };
}

/** The amount in `owner`'s associated token account for `mint` (0 when it does not exist). */
export async function tokenBalance(rpc: SvmRpc, owner: PublicKey, mint: PublicKey): Promise<bigint> {
  const a = await rpc.getAccount(ata(owner, mint));
  return a ? a.data.readBigUInt64LE(64) : 0n;
}
