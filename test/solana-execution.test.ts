import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair, PublicKey } from '@solana/web3.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChainExecutor } from '../src/chains/chain-executor.js';
import { InFlightError } from '../src/chains/execution-pipeline.js';
import { ata, NATIVE_MINT } from '../src/chains/solana/builders/plumbing.js';
import type { SolTxPayload } from '../src/chains/solana/solana-adapter.js';
import type { Universe } from '../src/config/universe.js';
import type { PlannedAction } from '../src/domain/action.js';
import type { ExecutionResult } from '../src/executor/executor.js';
import type { Journal } from '../src/journal/journal.js';
import { openJournal } from '../src/journal/open-journal.js';
import type { Snapshot } from '../src/market/asset-view.js';
import { initializedStake, makeSolExecutor, systemAccount } from './support/sol-exec.js';
import { startSvmRpc, type SvmRpc } from './support/svm-rpc.js';

const SOL = 1_000_000_000n;
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

async function setup(extra: Array<{ address: PublicKey; info: ReturnType<typeof systemAccount> }> = [], o: { maxMicroLamportsPerCu?: bigint; maxWaitMs?: number } = {}) {
  const vault = Keypair.generate();
  const rpc = await startSvmRpc([{ address: vault.publicKey, info: systemAccount(1000n * SOL) }, ...extra]);
  const dir = mkdtempSync(join(tmpdir(), 'sol-exec-'));
  const journal = openJournal(join(dir, 'j.sqlite'));
  cleanup.push(async () => {
    journal.close();
    await rpc.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const exec = makeSolExecutor({ rpcUrl: rpc.url, vault, journal, ...o });
  return { vault, rpc, journal, exec };
}

const act = (over: Partial<PlannedAction> = {}): PlannedAction => ({ seq: 1, kind: 'mint', from: 'SOL', to: 'WSOL', amountIn: 2n * SOL, expectedOut: 2n * SOL, minOut: 2n * SOL, venue: 'test:wrap', estCostBase: 0n, delaySeconds: 0, reason: 't', ...over });

async function run(j: Journal, exec: ChainExecutor<SolTxPayload>, a: PlannedAction): Promise<{ id: number; r: ExecutionResult }> {
  const runId = j.startRun({ at: Date.now(), mode: 'solana-live', vault: 'sol-test', configHash: 't', configJson: '{}' });
  const cycleId = j.beginCycle({ runId, decisionTime: Date.now(), at: Date.now() });
  const [id] = j.recordActions(cycleId, [a], Date.now()) as [number];
  j.recordActionStatus(id, 'intent', Date.now());
  const r = await exec.execute(a, { holdings: new Map([['SOL', 1000n * SOL]]), pending: [], indexSeen: new Map() }, {
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

async function wsol(rpc: SvmRpc, vault: PublicKey): Promise<bigint> {
  const a = await rpc.context.banksClient.getAccount(ata(vault, NATIVE_MINT));
  return a ? Buffer.from(a.data).readBigUInt64LE(64) : 0n;
}

describe('Solana adapter + the chain-agnostic pipeline on solana-bankrun (served over loopback JSON-RPC)', () => {
  it('a v0 transaction is built, guarded, simulated, signed with a capped priority fee, journaled, sent and confirmed; balances reconcile', async () => {
    const { vault, rpc, journal, exec } = await setup();
    rpc.setPriorityFees([10, 20, 30, 40, 5_000]);
    const before = await rpc.context.banksClient.getBalance(vault.publicKey);
    const { id, r } = await run(journal, exec, act());
    expect(r.status).toBe('confirmed');
    expect((r.detail.reconciliation as { ok: boolean }).ok).toBe(true);
    const txs = journal.transactionsOfAction(id);
    expect(txs).toHaveLength(1);
    const t = txs[0]!;
    expect(t.status).toBe('confirmed');
    expect(t.nonce).toBeNull();
    expect(rpc.processed).toEqual([t.txHash]);
    expect(t.meta).toMatchObject({ microLamportsPerCu: '40' }); // p75 of the recent fees, under the cap
    expect(Number(t.meta?.computeUnits)).toBeGreaterThan(1_000);
    const history = journal.transactionHistory(t.id);
    expect(history.map((h) => h.status)).toEqual(['built', 'simulated', 'signed', 'sent', 'confirmed']);
    expect(history[0]!.detail).toEqual({ allowedBy: 'builtin:compute-unit-limit,builtin:compute-unit-price,ata-create-idempotent,wrap-sol-transfer,token-sync-native' });
    expect(await wsol(rpc, vault.publicKey)).toBe(2n * SOL);
    const after = await rpc.context.banksClient.getBalance(vault.publicKey);
    const rent = 2_039_280n;
    const fee = BigInt(r.detail.gasFee as string);
    expect(fee).toBeGreaterThan(rent);
    expect(before - after).toBe(2n * SOL + fee);
  });

  it('the signature is journaled before the send: with every send dropped the journal still holds the exact bytes the node received', async () => {
    const { rpc, journal, exec } = await setup([], { maxWaitMs: 600 });
    rpc.dropNextSends(1_000_000);
    await expect(run(journal, exec, act())).rejects.toBeInstanceOf(InFlightError);
    const open = journal.openTransactions();
    expect(open).toHaveLength(1);
    expect(rpc.sends.length).toBeGreaterThan(1); // rebroadcast while the blockhash is valid
    expect(new Set(rpc.sends)).toEqual(new Set([open[0]!.txHash])); // the same bytes every time, never re-signed
    expect(rpc.processed).toHaveLength(0);
  });

  it('a dropped transaction is rebroadcast as the same bytes until it lands: one signature, one execution', async () => {
    const { vault, rpc, journal, exec } = await setup();
    rpc.dropNextSends(3);
    const { id, r } = await run(journal, exec, act());
    expect(r.status).toBe('confirmed');
    expect(journal.transactionsOfAction(id)).toHaveLength(1);
    expect(rpc.sends.length).toBe(4);
    expect(new Set(rpc.sends).size).toBe(1);
    expect(rpc.processed).toHaveLength(1);
    expect(await wsol(rpc, vault.publicKey)).toBe(2n * SOL);
  });

  it('re-signs with a new blockhash only after the first expired AND is absent; executed once across the expiry', async () => {
    const { vault, rpc, journal, exec } = await setup([], { maxWaitMs: 30_000 });
    rpc.dropNextSends(1_000_000);
    const p = run(journal, exec, act());
    while (rpc.sends.length < 3) await new Promise((r) => setTimeout(r, 20));
    // Still valid: nothing was re-signed however often it was resent.
    expect(new Set(rpc.sends).size).toBe(1);
    await rpc.advance(160); // past lastValidBlockHeight (height + 150)
    rpc.dropNextSends(0);
    const { id, r } = await p;
    expect(r.status).toBe('confirmed');
    const txs = journal.transactionsOfAction(id);
    expect(txs.map((t) => [t.kind, t.status])).toEqual([
      ['action', 'dropped'],
      ['replacement', 'confirmed'],
    ]);
    expect(txs[0]!.meta?.blockhash).not.toBe(txs[1]!.meta?.blockhash);
    expect(rpc.processed).toEqual([txs[1]!.txHash]);
    expect(await wsol(rpc, vault.publicKey)).toBe(2n * SOL);
  });

  it('a priority fee above the cap is refused before signing: nothing journaled, nothing sent', async () => {
    const { rpc, journal, exec } = await setup([], { maxMicroLamportsPerCu: 1_000n });
    rpc.setPriorityFees([5_000, 6_000, 7_000]);
    const { id, r } = await run(journal, exec, act());
    expect(r.status).toBe('failed');
    expect(String(r.detail.reason)).toMatch(/priority fee 7000 micro-lamports\/CU .* is above the cap 1000/);
    expect(journal.transactionsOfAction(id)).toHaveLength(0);
    expect(rpc.sends).toHaveLength(0);
  });

  it('claims a split stake account through the real Stake program: SOL to the vault, the claim reconciles', async () => {
    const stake = Keypair.generate().publicKey;
    const vault0 = Keypair.generate();
    // The stake account's withdrawer must be the vault: build the setup with a known vault key.
    const rpc = await startSvmRpc([{ address: vault0.publicKey, info: systemAccount(10n * SOL) }, { address: stake, info: initializedStake(vault0.publicKey, 3n * SOL) }]);
    const dir = mkdtempSync(join(tmpdir(), 'sol-exec-'));
    const journal = openJournal(join(dir, 'j.sqlite'));
    cleanup.push(async () => {
      journal.close();
      await rpc.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const exec = makeSolExecutor({ rpcUrl: rpc.url, vault: vault0, journal });
    const before = await rpc.context.banksClient.getBalance(vault0.publicKey);
    const { r } = await run(journal, exec, act({ kind: 'redeem-claim', from: 'JitoSOL', to: 'SOL', amountIn: 3n * SOL, expectedOut: 3n * SOL, minOut: 3n * SOL, venue: 'jito-stake-pool:claim', redemptionId: stake.toBase58() }));
    expect(r.status).toBe('confirmed');
    expect((r.detail.reconciliation as { ok: boolean; problems: string[] }).problems).toEqual([]);
    expect(await rpc.context.banksClient.getAccount(stake)).toBeNull();
    const fee = BigInt(r.detail.gasFee as string);
    expect((await rpc.context.banksClient.getBalance(vault0.publicKey)) - before).toBe(3n * SOL - fee);
  });

  it('dry-run builds, guards and simulates but never signs or sends', async () => {
    const vault = Keypair.generate();
    const rpc = await startSvmRpc([{ address: vault.publicKey, info: systemAccount(1000n * SOL) }]);
    const dir = mkdtempSync(join(tmpdir(), 'sol-exec-'));
    const journal = openJournal(join(dir, 'j.sqlite'));
    cleanup.push(async () => {
      journal.close();
      await rpc.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const exec = makeSolExecutor({ rpcUrl: rpc.url, vault, journal, mode: 'dry-run' });
    const { r } = await run(journal, exec, act());
    expect(r.status).toBe('skipped');
    expect(r.detail).toMatchObject({ dryRun: true, simulation: { ok: true } });
    expect(rpc.sends).toHaveLength(0);
    expect(journal.openTransactions()).toHaveLength(0);
  });
});
