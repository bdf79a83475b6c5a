import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { decodeFunctionData, encodeFunctionData, getAddress, parseAbi, toHex, type Abi, type Address, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvmExecutor, type EvmExecutor } from '../src/chains/evm/evm-executor.js';
import { bumpFee, decodeRevert, type BuildActionFn, type CheckBatchFn } from '../src/chains/evm/evm-adapter.js';
import { EvmExecutionSchema, type EvmExecutionInput } from '../src/chains/evm/exec-config.js';
import type { TxIntent } from '../src/chains/evm/evm-tx.js';
import { loadKey } from '../src/chains/evm/key-source.js';
import { ExecutionPipeline, resumeVault } from '../src/chains/execution-pipeline.js';
import type { ChainAdapter, SignedTx } from '../src/chains/chain-adapter.js';
import { FAILPOINTS, parseFailpoint } from '../src/chains/failpoints.js';
import { REDACT_PATHS } from '../src/cli/logger.js';
import type { Universe } from '../src/config/universe.js';
import type { ActionKind, PlannedAction } from '../src/domain/action.js';
import type { Portfolio } from '../src/domain/portfolio.js';
import type { ExecutionResult } from '../src/executor/executor.js';
import { listEvents } from '../src/journal/queries.js';
import { openJournal } from '../src/journal/open-journal.js';
import type { Journal } from '../src/journal/journal.js';
import { recoverUnfinished } from '../src/keeper/recover.js';
import type { Snapshot } from '../src/market/asset-view.js';
import { startAnvil, type Anvil } from './support/anvil.js';
import { failpointEnv, runNode, type ChildExit } from './support/child-run.js';
import { anvilAccount, artifact, compileDir, deploy, testChain, type Artifact, type TestChain } from './support/solidity.js';

/**
 * The execution pipeline on a real chain (anvil) with solc-compiled doubles: a WETH9-like token and a
 * share "sink" (approve + deposit: a two-transaction action). The builders and the policy guard are
 * stubs here (their own engineers test the real ones); everything else — nonces, fees, signing,
 * sending, confirmation, replacement, cancel, balance reconciliation, the journal, crash recovery — is
 * the real thing.
 */

const CONTRACTS = fileURLToPath(new URL('./contracts/pipeline/', import.meta.url));
const RUNNER = fileURLToPath(new URL('./fixtures/evm-crash-runner.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ETH = 10n ** 18n;

let anvil: Anvil;
let admin: TestChain;
let wethArt: Artifact;
let weth: Address;
let sink: Address;
let dir: string;
const journals: Journal[] = [];

const wethAbi = parseAbi([
  'function deposit() payable',
  'function withdraw(uint256)',
  'function approve(address,uint256) returns (bool)',
  'function balanceOf(address) view returns (uint256)',
]);
const sinkAbi = parseAbi(['function deposit(uint256) returns (uint256)', 'function setFee(uint256)', 'function balanceOf(address) view returns (uint256)']);

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 31337 });
  admin = testChain(anvil.rpcUrl, { chainId: 31337 });
  const arts = compileDir(CONTRACTS);
  wethArt = artifact(arts, 'PipelineWETH');
  weth = await deploy(admin, wethArt);
  sink = await deploy(admin, artifact(arts, 'PipelineSink'), [weth]);
  dir = mkdtempSync(join(tmpdir(), 'evm-exec-'));
});

afterAll(async () => {
  for (const j of journals.splice(0)) j.close();
  await anvil?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- helpers

function keyOf(index: number): Hex {
  return toHex(anvilAccount(index).getHdKey().privateKey as Uint8Array);
}

function addressOf(index: number): Address {
  return getAddress(anvilAccount(index).address);
}

async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
  return admin.client.request({ method, params } as never);
}

async function nonceOf(a: Address, blockTag: 'latest' | 'pending' = 'latest'): Promise<number> {
  return admin.client.getTransactionCount({ address: a, blockTag });
}

async function wethOf(a: Address): Promise<bigint> {
  return admin.client.readContract({ address: weth, abi: wethAbi, functionName: 'balanceOf', args: [a] });
}

async function sharesOf(a: Address): Promise<bigint> {
  return admin.client.readContract({ address: sink, abi: sinkAbi, functionName: 'balanceOf', args: [a] });
}

/** The builder stub: the same mapping as test/fixtures/evm-crash-runner.mjs. */
const buildAction: BuildActionFn = (a, ctx) => {
  const w = ctx.addresses.weth;
  const s = ctx.tokens.SHARE as Address;
  const intent = (to: Address, data: Hex, value: bigint, description: string, signature: string, args: unknown[], valueAtRiskWei: bigint): TxIntent => ({
    to,
    data,
    value,
    description,
    call: { contract: to === w ? 'weth' : 'sink', signature, args },
    valueAtRiskWei,
  });
  if (a.kind === 'mint' && a.from === 'ETH' && a.to === 'WETH') {
    return [intent(w, encodeFunctionData({ abi: wethAbi, functionName: 'deposit' }), a.amountIn, `wrap ${a.amountIn} wei`, 'deposit()', [], a.amountIn)];
  }
  if (a.kind === 'sell' && a.from === 'WETH' && a.to === 'ETH') {
    return [intent(w, encodeFunctionData({ abi: wethAbi, functionName: 'withdraw', args: [a.amountIn] }), 0n, `unwrap ${a.amountIn} wei`, 'withdraw(uint256)', [a.amountIn], a.amountIn)];
  }
  if (a.kind === 'supply' && a.from === 'WETH' && a.to === 'SHARE') {
    return [
      intent(w, encodeFunctionData({ abi: wethAbi, functionName: 'approve', args: [s, a.amountIn] }), 0n, `approve ${a.amountIn} WETH to the sink`, 'approve(address,uint256)', [s, a.amountIn], 0n),
      intent(s, encodeFunctionData({ abi: sinkAbi, functionName: 'deposit', args: [a.amountIn] }), 0n, `deposit ${a.amountIn} WETH into the sink`, 'deposit(uint256)', [a.amountIn], a.amountIn),
    ];
  }
  throw new Error(`no builder for ${a.kind} ${a.from}→${a.to}`);
};

/** The policy guard stub: a per-transaction cap on value at risk. */
function guardWithCap(cap: bigint): CheckBatchFn {
  return (txs) => {
    const i = txs.findIndex((tx) => tx.valueAtRiskWei > cap);
    return i < 0 ? { allowed: true } : { allowed: false, index: i, reason: `value at risk ${txs[i]!.valueAtRiskWei} above the per-transaction cap ${cap}` };
  };
}

function action(seq: number, kind: ActionKind, from: string, to: string, amount: bigint, expectedOut = amount): PlannedAction {
  return { seq, kind, from, to, amountIn: amount, expectedOut, minOut: expectedOut, venue: 'double', estCostBase: 0n, delaySeconds: 0, reason: `test ${seq}` };
}

function newJournal(name: string): Journal {
  const j = openJournal(join(dir, `${name}.sqlite`));
  journals.push(j);
  return j;
}

interface ExecOpts {
  readonly index: number;
  readonly journal: Journal;
  readonly mode?: 'live' | 'dry-run';
  readonly confirmations?: number;
  readonly replaceAfter?: string;
  readonly tolerance?: number;
  readonly cap?: bigint;
  readonly vaultName?: string;
  readonly log?: pino.Logger;
  readonly key?: EvmExecutionInput['key'];
  readonly env?: NodeJS.ProcessEnv;
}

function makeExecutor(o: ExecOpts): EvmExecutor {
  const vault = addressOf(o.index);
  const mode = o.mode ?? 'live';
  const cfg = EvmExecutionSchema.parse({
    mode,
    rpcUrl: anvil.rpcUrl,
    chainId: 31337,
    vault,
    ...(mode === 'live' ? { key: o.key ?? { env: 'TEST_KEEPER_KEY' } } : {}),
    confirmations: o.confirmations ?? 1,
    fees: { maxFeePerGas: '500 gwei', maxPriorityFeePerGas: '20 gwei' },
    replaceAfter: o.replaceAfter ?? '60s',
    maxWait: '45s',
    pollInterval: '20ms',
    reconcile: { tolerance: o.tolerance ?? 0 },
  } satisfies EvmExecutionInput);
  return createEvmExecutor(cfg, {
    journal: o.journal,
    vaultName: o.vaultName ?? 'test-vault',
    nativeAsset: 'ETH',
    buildAction,
    checkBatch: guardWithCap(o.cap ?? 1000n * ETH),
    buildContext: { vault, addresses: { weth }, tokens: { WETH: weth, SHARE: sink } },
    liveFlag: mode === 'live',
    env: o.env ?? { TEST_KEEPER_KEY: keyOf(o.index) },
    errorAbis: [wethArt.abi as Abi],
    ...(o.log ? { log: o.log } : {}),
  });
}

function emptyPortfolio(): Portfolio {
  return { holdings: new Map([['ETH', 1000n * ETH], ['WETH', 1000n * ETH]]), pending: [], indexSeen: new Map() };
}

/** What the keeper does per action (intent, execute, fill, final status), in one cycle of its own run. */
class MiniKeeper {
  readonly cycleId: number;
  portfolio = emptyPortfolio();
  constructor(readonly j: Journal, readonly exec: EvmExecutor, runId?: number) {
    const rid = runId ?? j.startRun({ at: Date.now(), mode: exec.mode, vault: 'test-vault', configHash: 't', configJson: '{}' });
    this.cycleId = j.beginCycle({ runId: rid, decisionTime: Date.now(), at: Date.now() });
  }

  plan(actions: PlannedAction[]): number[] {
    return this.j.recordActions(this.cycleId, actions, Date.now());
  }

  async run(id: number, a: PlannedAction): Promise<ExecutionResult> {
    const j = this.j;
    j.recordActionStatus(id, 'intent', Date.now());
    const r = await this.exec.execute(a, this.portfolio, {
      universe: { registryAssets: new Map() } as unknown as Universe, // the doubles' assets (WETH, SHARE) are not in a registry: no fair rates
      snapshot: {} as Snapshot,
      now: Date.now(),
      onStatus: (status, detail) => j.recordActionStatus(id, status, Date.now(), detail),
      actionId: id,
      cycleId: this.cycleId,
    } as Parameters<EvmExecutor['execute']>[2]);
    if (r.fill) j.recordFill(id, r.fill);
    j.recordActionStatus(id, r.status, Date.now(), r.detail);
    if (r.status === 'confirmed') this.portfolio = r.portfolio;
    return r;
  }

  async runAll(actions: PlannedAction[]): Promise<ExecutionResult[]> {
    const ids = this.plan(actions);
    const out: ExecutionResult[] = [];
    for (const [k, a] of actions.entries()) out.push(await this.run(ids[k] as number, a));
    return out;
  }

  end(): void {
    this.j.endCycle(this.cycleId, Date.now(), 'completed', {});
  }
}

function history(j: Journal, actionId: number): string[] {
  return j.actionStatusHistory(actionId).map((h) => h.status);
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function fund(index: number, wethAmount: bigint): Promise<void> {
  const t = testChain(anvil.rpcUrl, { chainId: 31337, accountIndex: index });
  const hash = await t.wallet.writeContract({ address: weth, abi: wethAbi, functionName: 'deposit', value: wethAmount });
  await t.client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
}

// ---------------------------------------------------------------- tests

describe('config and helpers', () => {
  it('the execution config needs a key for live mode and caps with the priority fee under the max fee', () => {
    const base = { rpcUrl: 'http://127.0.0.1:8545', chainId: 1, vault: addressOf(1), fees: { maxFeePerGas: '80 gwei', maxPriorityFeePerGas: '1.5 gwei' } };
    const c = EvmExecutionSchema.parse(base);
    expect(c.mode).toBe('dry-run');
    expect(c.fees.maxPriorityFeePerGas).toBe(1_500_000_000n);
    expect(c.replaceAfter).toBe(180_000);
    expect(c.bump).toBe(0.125);
    expect(() => EvmExecutionSchema.parse({ ...base, mode: 'live' })).toThrow(/live mode needs a key/);
    expect(() => EvmExecutionSchema.parse({ ...base, bump: 0.05 })).toThrow();
    expect(() => EvmExecutionSchema.parse({ ...base, fees: { maxFeePerGas: '1 gwei', maxPriorityFeePerGas: '2 gwei' } })).toThrow(/must not exceed/);
    expect(() => EvmExecutionSchema.parse({ ...base, key: { env: '0xabc' } })).toThrow(/NAME of an environment variable/);
  });

  it('bumps fees by at least 12.5 %, rounding up, and parses failpoint specs', () => {
    expect(bumpFee(1_000_000_000n, 0.125)).toBe(1_125_000_000n);
    expect(bumpFee(7n, 0.125)).toBe(8n);
    expect(bumpFee(0n, 0.125)).toBe(1n);
    expect(parseFailpoint('after-signed@3')).toEqual({ name: 'after-signed', hit: 3 });
    expect(parseFailpoint('after-sent')).toEqual({ name: 'after-sent', hit: 1 });
    expect(parseFailpoint(undefined)).toBeUndefined();
    expect(decodeRevert(new Error('plain'))).toEqual({ reason: 'plain' });
  });
});

describe('live execution on anvil', () => {
  it('happy path: actions confirm after N blocks, receipts are journaled, balances reconcile with the plan', async () => {
    const index = 1;
    const vault = addressOf(index);
    const j = newJournal('happy');
    const exec = makeExecutor({ index, journal: j, confirmations: 2 });
    const k = new MiniKeeper(j, exec);
    const nonce0 = await nonceOf(vault);
    const weth0 = await wethOf(vault);
    // confirmations: 2 needs a block on top of the including one: mine empty blocks in the background
    const miner = setInterval(() => void rpc('evm_mine').catch(() => {}), 100);
    let results: ExecutionResult[];
    try {
      results = await k.runAll([action(1, 'mint', 'ETH', 'WETH', 3n * ETH), action(2, 'supply', 'WETH', 'SHARE', 2n * ETH)]);
    } finally {
      clearInterval(miner);
    }
    k.end();
    expect(results.map((r) => r.status)).toEqual(['confirmed', 'confirmed']);
    expect(await nonceOf(vault)).toBe(nonce0 + 3);
    expect(await wethOf(vault)).toBe(weth0 + 1n * ETH);
    expect(await sharesOf(vault)).toBe(2n * ETH);

    const [mintId, supplyId] = [1, 2].map((seq) => (j.db.prepare('SELECT id FROM actions WHERE cycle_id = ? AND seq = ?').get(k.cycleId, seq) as { id: number }).id) as [number, number];
    expect(history(j, mintId)).toEqual(['planned', 'intent', 'built', 'simulated', 'signed', 'sent', 'confirmed']);
    expect(history(j, supplyId)).toEqual(['planned', 'intent', 'built', 'simulated', 'signed', 'sent', 'confirmed']);
    const txs = j.transactionsOfAction(supplyId);
    expect(txs.map((t) => [t.seq, t.kind, t.status, t.nonce])).toEqual([
      [0, 'action', 'confirmed', nonce0 + 1],
      [1, 'action', 'confirmed', nonce0 + 2],
    ]);
    for (const t of [...j.transactionsOfAction(mintId), ...txs]) {
      expect(j.transactionHistory(t.id).map((h) => h.status)).toEqual(['built', 'simulated', 'signed', 'sent', 'confirmed']);
      const receipt = await admin.client.getTransactionReceipt({ hash: t.txHash as Hex });
      const confirmed = j.transactionHistory(t.id).at(-1)!.detail!;
      expect(confirmed).toMatchObject({ block: receipt.blockNumber.toString(), gasUsed: receipt.gasUsed.toString(), status: 'success' });
      expect(Number(confirmed.confirmations)).toBeGreaterThanOrEqual(2);
      expect(t.signedRaw).toMatch(/^0x02/); // EIP-1559
      expect(t.maxPriorityFee! <= t.maxFee!).toBe(true);
    }
    // the fill is what the balances did, and the reconciliation passed
    const fill = results[1]!.fill!;
    expect([fill.amountIn, fill.amountOut]).toEqual([2n * ETH, 2n * ETH]);
    expect(results[1]!.detail.reconciliation).toMatchObject({ ok: true, problems: [] });
    expect(results[0]!.fill!.costBase).toBeGreaterThan(0n);
    expect(k.portfolio.holdings.get('SHARE')).toBe(2n * ETH);
    // daily spend is derived from the journaled transactions: 3 ETH wrapped + 2 ETH deposited
    const day = Date.now() - (Date.now() % 86_400_000);
    expect(j.spentBetween('evm:31337', vault, day, day + 86_400_000)).toBe(5n * ETH);
    expect(j.openTransactions()).toEqual([]);
  });

  it('a balance change that differs from the plan beyond tolerance raises reconciliation-mismatch and halts the vault', async () => {
    const index = 2;
    const vault = addressOf(index);
    await fund(index, 5n * ETH);
    const j = newJournal('mismatch');
    const exec = makeExecutor({ index, journal: j, tolerance: 0.005 });
    const k = new MiniKeeper(j, exec);
    // the sink now keeps a 3 % fee the plan does not know about
    const setFee = await admin.wallet.writeContract({ address: sink, abi: sinkAbi, functionName: 'setFee', args: [300n] });
    await admin.client.waitForTransactionReceipt({ hash: setFee, pollingInterval: 20 });
    try {
      const [r1, r2] = await k.runAll([action(1, 'supply', 'WETH', 'SHARE', 1n * ETH), action(2, 'mint', 'ETH', 'WETH', 1n * ETH)]);
      expect(r1!.status).toBe('confirmed');
      expect(r1!.detail.reconciliation).toMatchObject({ ok: false });
      expect(r1!.fill!.amountOut).toBe(97n * 10n ** 16n);
      expect(exec.haltReason()).toMatch(/reconciliation-mismatch/);
      expect(r2!.status).toBe('skipped');
      expect(String(r2!.detail.reason)).toMatch(/vault halted/);
      k.end();
      const ev = listEvents(j.db, { kind: 'reconciliation-mismatch' });
      expect(ev).toHaveLength(1);
      expect(ev[0]!.severity).toBe('critical');
      expect(ev[0]!.message).toMatch(/SHARE: received 970000000000000000, the plan expected 1000000000000000000/);
      expect(listEvents(j.db, { kind: 'vault-halted' })).toHaveLength(1);
      // the halt survives a restart, until an operator resumes the vault
      expect(makeExecutor({ index, journal: j }).haltReason()).toMatch(/reconciliation-mismatch/);
      resumeVault(j, Date.now(), 'fee understood');
      expect(makeExecutor({ index, journal: j }).haltReason()).toBeUndefined();
      expect(await sharesOf(vault)).toBeGreaterThan(0n);
    } finally {
      const h = await admin.wallet.writeContract({ address: sink, abi: sinkAbi, functionName: 'setFee', args: [0n] });
      await admin.client.waitForTransactionReceipt({ hash: h, pollingInterval: 20 });
    }
  });

  it('a reverted simulation fails the action with the decoded reason and sends nothing', async () => {
    const index = 3;
    const vault = addressOf(index);
    const j = newJournal('revert');
    const exec = makeExecutor({ index, journal: j, cap: 50n * ETH });
    const k = new MiniKeeper(j, exec);
    const nonce0 = await nonceOf(vault, 'pending');
    const ids = k.plan([action(1, 'sell', 'WETH', 'ETH', 5n * ETH), action(2, 'mint', 'ETH', 'WETH', 0n), action(3, 'mint', 'ETH', 'WETH', 60n * ETH)]);
    const custom = await k.run(ids[0]!, action(1, 'sell', 'WETH', 'ETH', 5n * ETH));
    const string = await k.run(ids[1]!, action(2, 'mint', 'ETH', 'WETH', 0n));
    const refused = await k.run(ids[2]!, action(3, 'mint', 'ETH', 'WETH', 60n * ETH));
    // approve + deposit with no WETH: the approval alone would pass, but the batch is simulated in sequence
    // before the first signature, so the deposit's revert stops the action with nothing sent.
    const [batchId] = k.plan([action(4, 'supply', 'WETH', 'SHARE', 5n * ETH)]);
    const halfway = await k.run(batchId!, action(4, 'supply', 'WETH', 'SHARE', 5n * ETH));
    k.end();
    expect(halfway.status).toBe('failed');
    expect(halfway.detail.reason).toBe(
      'simulation of the whole batch: transaction 2 of 2 (deposit 5000000000000000000 WETH into the sink) would revert after the earlier ones: InsufficientBalance(0, 5000000000000000000)',
    );
    expect(halfway.detail).toMatchObject({ stage: 'simulate', inSequence: true, simulations: [{ seq: 0, ok: true }, { seq: 1, ok: false, errorName: 'InsufficientBalance' }] });
    expect(history(j, batchId!)).toEqual(['planned', 'intent', 'built', 'failed']);
    expect(custom.status).toBe('failed');
    expect(custom.detail.reason).toBe('simulation reverted: InsufficientBalance(0, 5000000000000000000)');
    expect(custom.detail).toMatchObject({ stage: 'simulate', errorName: 'InsufficientBalance' });
    expect(string.detail.reason).toBe('simulation reverted: PipelineWETH: zero deposit');
    expect(refused.detail.reason).toMatch(/policy refused transaction 0 \(wrap 60000000000000000000 wei\): value at risk .* above the per-transaction cap/);
    expect(history(j, ids[0]!)).toEqual(['planned', 'intent', 'built', 'failed']);
    expect(history(j, ids[2]!)).toEqual(['planned', 'intent', 'failed']);
    expect(await nonceOf(vault, 'pending')).toBe(nonce0);
    expect(j.db.prepare('SELECT COUNT(*) AS n FROM transactions').get()).toEqual({ n: 0 });
  });

  it('dry-run builds and simulates against the RPC and never signs or sends', async () => {
    const index = 4;
    const vault = addressOf(index);
    const j = newJournal('dry');
    expect(() => makeExecutor({ index, journal: j, mode: 'dry-run', key: { env: 'X' } })).not.toThrow();
    const exec = makeExecutor({ index, journal: j, mode: 'dry-run' });
    expect(exec.mode).toBe('dry-run');
    expect(exec.adapter.canSign).toBe(false);
    const k = new MiniKeeper(j, exec);
    const nonce0 = await nonceOf(vault, 'pending');
    const bal0 = await admin.client.getBalance({ address: vault });
    const [ok, bad, seq] = await k.runAll([action(1, 'mint', 'ETH', 'WETH', 1n * ETH), action(2, 'sell', 'WETH', 'ETH', 1n * ETH), action(3, 'supply', 'WETH', 'SHARE', 1n * ETH)]);
    k.end();
    // A two-step action is simulated in sequence on one state (eth_simulateV1): the approval passes, the
    // deposit fails for want of WETH, and the dry-run says which step and why.
    expect(seq!.detail).toMatchObject({ dryRun: true, simulation: { ok: false, inSequence: true, seq: 1, reason: 'InsufficientBalance(0, 1000000000000000000)' } });
    expect(seq!.detail.note).toBe('transaction 2 of 2 would fail after the earlier ones: later ones were not simulated');
    expect(ok!.status).toBe('skipped');
    expect(ok!.detail).toMatchObject({ dryRun: true, simulation: { ok: true } });
    expect(bad!.status).toBe('skipped');
    expect(bad!.detail).toMatchObject({ dryRun: true, simulation: { ok: false, reason: 'InsufficientBalance(0, 1000000000000000000)' } });
    expect(history(j, 1)).toEqual(['planned', 'intent', 'built', 'simulated', 'skipped']);
    expect(await nonceOf(vault, 'pending')).toBe(nonce0);
    expect(await admin.client.getBalance({ address: vault })).toBe(bal0);
    expect(j.db.prepare('SELECT COUNT(*) AS n FROM transactions').get()).toEqual({ n: 0 });
    await expect(exec.cancel(0)).rejects.toThrow(/dry-run never sends/);
    // live needs the explicit flag as well as the config
    const cfg = EvmExecutionSchema.parse({ mode: 'live', rpcUrl: anvil.rpcUrl, chainId: 31337, vault, key: { env: 'K' }, fees: { maxFeePerGas: '1 gwei', maxPriorityFeePerGas: '1 gwei' } });
    expect(() =>
      createEvmExecutor(cfg, { journal: j, vaultName: 'v', nativeAsset: 'ETH', buildAction, checkBatch: () => ({ allowed: true }), buildContext: { vault, addresses: { weth }, tokens: {} }, liveFlag: false }),
    ).toThrow(/live flag was not given/);
  });

  it('a nonce used outside the keeper is detected, journaled and not fought: the action fails, the vault halts', async () => {
    const index = 5;
    const vault = addressOf(index);
    const j = newJournal('external');
    const exec = makeExecutor({ index, journal: j });
    const k = new MiniKeeper(j, exec);
    const ids = k.plan([action(1, 'mint', 'ETH', 'WETH', 1n * ETH), action(2, 'mint', 'ETH', 'WETH', 1n * ETH), action(3, 'mint', 'ETH', 'WETH', 1n * ETH)]);
    expect((await k.run(ids[0]!, action(1, 'mint', 'ETH', 'WETH', 1n * ETH))).status).toBe('confirmed');

    // someone else uses the vault's key
    const other = testChain(anvil.rpcUrl, { chainId: 31337, accountIndex: index });
    const h = await other.wallet.sendTransaction({ to: vault, value: 0n });
    await other.client.waitForTransactionReceipt({ hash: h, pollingInterval: 20 });
    const nonceAfterExternal = await nonceOf(vault, 'pending');

    const r2 = await k.run(ids[1]!, action(2, 'mint', 'ETH', 'WETH', 1n * ETH));
    expect(r2.status).toBe('failed');
    expect(String(r2.detail.reason)).toMatch(/next nonce .* is \d+ but the keeper expected \d+: 1 transaction\(s\) were sent from the vault's account outside the keeper/);
    expect(await nonceOf(vault, 'pending')).toBe(nonceAfterExternal); // nothing sent, nothing fought
    const r3 = await k.run(ids[2]!, action(3, 'mint', 'ETH', 'WETH', 1n * ETH));
    expect(r3.status).toBe('skipped');
    k.end();
    expect(listEvents(j.db, { kind: 'external-nonce-use' })).toMatchObject([{ severity: 'critical' }]);
    expect(listEvents(j.db, { kind: 'vault-halted' })).toHaveLength(1);
    expect(j.transactionsOfAction(ids[1]!)).toEqual([]);

    // a restart keeps the halt; once resumed, the restarted keeper reports the outside use and adopts the chain's nonce
    expect(makeExecutor({ index, journal: j }).haltReason()).toMatch(/external-nonce-use/);
    resumeVault(j, Date.now(), 'it was us, testing');
    const exec2 = makeExecutor({ index, journal: j });
    const runId = j.startRun({ at: Date.now(), mode: 'live', vault: 'test-vault', configHash: 't', configJson: '{}' });
    const report = await exec2.reconcileInFlight(Date.now());
    expect(report.lines.join('\n')).toMatch(/outside the keeper since its last journaled transaction/);
    const k2 = new MiniKeeper(j, exec2, runId);
    expect((await k2.runAll([action(1, 'mint', 'ETH', 'WETH', 1n * ETH)]))[0]!.status).toBe('confirmed');
    k2.end();
  });

  it('a stuck transaction is replaced at the same nonce with fees bumped ≥ 12.5 %; exactly one mines and the journal says which', async () => {
    const index = 6;
    const vault = addressOf(index);
    const j = newJournal('stuck');
    const exec = makeExecutor({ index, journal: j, replaceAfter: '1s' });
    const k = new MiniKeeper(j, exec);
    const nonce0 = await nonceOf(vault);
    const weth0 = await wethOf(vault);
    const [id] = k.plan([action(1, 'mint', 'ETH', 'WETH', 1n * ETH)]) as [number];
    await rpc('evm_setAutomine', [false]);
    await rpc('evm_setIntervalMining', [0]);
    let result: ExecutionResult;
    try {
      const running = k.run(id, action(1, 'mint', 'ETH', 'WETH', 1n * ETH));
      await waitFor(() => j.transactionsOfAction(id).length >= 2, 15_000, 'a replacement');
      const stuck = j.transactionsOfAction(id);
      const [orig, repl] = stuck as [typeof stuck[0], typeof stuck[0]];
      expect(orig.kind).toBe('action');
      expect(repl.kind).toBe('replacement');
      expect(repl.replacesId).toBe(orig.id);
      expect(repl.nonce).toBe(orig.nonce);
      expect(repl.nonce).toBe(nonce0);
      expect(repl.maxFee! * 1000n).toBeGreaterThanOrEqual(orig.maxFee! * 1125n);
      expect(repl.maxPriorityFee! * 1000n).toBeGreaterThanOrEqual(orig.maxPriorityFee! * 1125n);
      expect(repl.calldata).toBe(orig.calldata);
      expect(repl.txHash).not.toBe(orig.txHash);
      expect(await nonceOf(vault)).toBe(nonce0); // nothing mined yet
      await rpc('evm_mine');
      result = await running;
    } finally {
      await rpc('evm_setAutomine', [true]);
    }
    k.end();
    expect(result.status).toBe('confirmed');
    const all = j.transactionsOfAction(id);
    expect(new Set(all.map((t) => t.nonce))).toEqual(new Set([nonce0]));
    const mined: string[] = [];
    for (const t of all) {
      try {
        await admin.client.getTransactionReceipt({ hash: t.txHash as Hex });
        mined.push(t.txHash);
      } catch {
        /* not mined */
      }
    }
    expect(mined).toHaveLength(1);
    expect(all.filter((t) => t.status === 'confirmed').map((t) => t.txHash)).toEqual(mined);
    // the losers: replaced (or dropped, for a further replacement the node refused once the nonce was mined)
    expect(all.filter((t) => t.txHash !== mined[0]).every((t) => t.status === 'replaced' || t.status === 'dropped')).toBe(true);
    expect(all.filter((t) => t.txHash !== mined[0]).some((t) => t.status === 'replaced')).toBe(true);
    expect(await nonceOf(vault)).toBe(nonce0 + 1);
    expect(await wethOf(vault)).toBe(weth0 + 1n * ETH); // wrapped once, not twice
    expect(listEvents(j.db, { kind: 'transaction-replaced' }).length).toBe(all.length - 1);
  });

  it('a stuck transaction can be cancelled: a 0-value self-transfer at its nonce with bumped fees wins, the action fails as cancelled', async () => {
    const index = 6;
    const vault = addressOf(index);
    const j = newJournal('cancel');
    const exec = makeExecutor({ index, journal: j, replaceAfter: '60s' });
    const k = new MiniKeeper(j, exec);
    const nonce0 = await nonceOf(vault);
    const weth0 = await wethOf(vault);
    const [id] = k.plan([action(1, 'mint', 'ETH', 'WETH', 2n * ETH)]) as [number];
    await rpc('evm_setAutomine', [false]);
    await rpc('evm_setIntervalMining', [0]);
    let result: ExecutionResult;
    try {
      const running = k.run(id, action(1, 'mint', 'ETH', 'WETH', 2n * ETH));
      await waitFor(() => j.transactionsOfAction(id)[0]?.status === 'sent', 10_000, 'the transaction to be sent');
      const orig = j.transactionsOfAction(id)[0]!;
      const cancel = await exec.cancel(orig.nonce!);
      expect(cancel).toMatchObject({ kind: 'cancel', nonce: nonce0, replacesId: orig.id, to: vault, calldata: '0x', value: 0n, valueAtRisk: 0n });
      expect(cancel.maxFee! * 1000n).toBeGreaterThanOrEqual(orig.maxFee! * 1125n);
      await rpc('evm_mine');
      result = await running;
    } finally {
      await rpc('evm_setAutomine', [true]);
    }
    k.end();
    expect(result.status).toBe('failed');
    expect(String(result.detail.reason)).toMatch(/cancelled/);
    const [orig, cancel] = j.transactionsOfAction(id) as [ReturnType<Journal['transactionsOfAction']>[0], ReturnType<Journal['transactionsOfAction']>[0]];
    expect([orig.status, cancel.status]).toEqual(['replaced', 'confirmed']);
    const tx = await admin.client.getTransaction({ hash: cancel.txHash as Hex });
    expect([getAddress(tx.to!), tx.value, tx.nonce]).toEqual([vault, 0n, nonce0]);
    await expect(admin.client.getTransactionReceipt({ hash: orig.txHash as Hex })).rejects.toThrow();
    expect(await wethOf(vault)).toBe(weth0);
    expect(history(j, id)).toEqual(['planned', 'intent', 'built', 'simulated', 'signed', 'sent', 'failed']);
    // a cancelled step does not count toward the day's spend
    const day = Date.now() - (Date.now() % 86_400_000);
    expect(j.spentBetween('evm:31337', vault, day, day + 86_400_000)).toBe(0n);
  });
});

describe('the key', () => {
  it('comes from a file (warning when others can read it) or a named env variable, and reaches neither the logs nor the journal', async () => {
    const index = 8;
    const key = keyOf(index);
    const file = join(dir, 'key.txt');
    writeFileSync(file, `${key}\n`);
    chmodSync(file, 0o644);
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); } });
    const log = pino({ level: 'info', redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined }, sink);

    const fromFile = loadKey({ file }, { log });
    expect(fromFile.address).toBe(addressOf(index));
    expect(fromFile.warnings.join()).toMatch(/readable or writable by group\/others \(mode 644\); chmod 600/);
    chmodSync(file, 0o600);
    expect(loadKey({ file }).warnings).toEqual([]);
    expect(loadKey({ env: 'K' }, { env: { K: key.slice(2) } }).address).toBe(addressOf(index));
    expect(() => loadKey({ env: 'MISSING' }, { env: {} })).toThrow(/environment variable MISSING is not set/);
    writeFileSync(file, 'not a key');
    try {
      loadKey({ file });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/does not hold a private key/);
      expect((e as Error).message).not.toContain('not a key');
    }
    writeFileSync(file, key, { mode: 0o600 });

    // logging whatever a careless caller might log
    log.info({ privateKey: key, key, config: { privateKey: key, key }, execution: { evm: { privateKey: key } }, env: { KEEPER_PRIVATE_KEY: key } }, 'configured');
    log.info({ loaded: fromFile, account: fromFile.account }, 'key loaded');
    log.warn(`signing for ${fromFile.address} with ${fromFile.source}`);

    // one real transaction with the key from the file, journaled
    const j = newJournal('key');
    const exec = makeExecutor({ index, journal: j, key: { file }, log });
    const k = new MiniKeeper(j, exec);
    expect((await k.runAll([action(1, 'mint', 'ETH', 'WETH', 1n * ETH)]))[0]!.status).toBe('confirmed');
    k.end();
    j.db.pragma('wal_checkpoint(TRUNCATE)');

    const bare = key.slice(2).toLowerCase();
    const logged = lines.join('');
    expect(logged).toContain('configured');
    expect(logged).toContain('[redacted]');
    expect(logged.toLowerCase()).not.toContain(bare);
    const path = join(dir, 'key.sqlite');
    const bytes = Buffer.concat([readFileSync(path), ...(existsSync(`${path}-wal`) ? [readFileSync(`${path}-wal`)] : [])]).toString('latin1').toLowerCase();
    expect(bytes).toContain(j.transactionsOfAction(1)[0]!.signedRaw.slice(2, 40)); // the journal does hold the signed tx…
    expect(bytes).not.toContain(bare); // …and never the key
  });
});

// ---------------------------------------------------------------- crash safety

const runChild = (cfg: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<ChildExit> => runNode([RUNNER, JSON.stringify(cfg)], { cwd: ROOT, env, timeoutMs: 60_000 });

describe('crash safety', () => {
  const CRASH_POINTS = ['after-intent', 'after-built', 'after-signed', 'after-sent', 'before-confirm'] as const;
  const REPEATS = 3;

  it('SIGKILL at each step of the pipeline, several times each: after a restart no transaction was sent twice and the journal is consistent', async () => {
    expect([...FAILPOINTS]).toEqual([...CRASH_POINTS]);
    const index = 7;
    const vault = addressOf(index);
    await fund(index, 20n * ETH);
    const mintWei = 10n ** 17n;
    const supplyWei = 5n * 10n ** 16n;
    const trials: Array<Record<string, unknown>> = [];
    let doubleSends = 0;

    for (const point of CRASH_POINTS) {
      for (let rep = 1; rep <= REPEATS; rep++) {
        // @rep: die at the rep-th time the point is reached (signed@2 = the approve of the two-transaction supply)
        const spec = `${point}@${rep}`;
        const journalPath = join(dir, `crash-${point}-${rep}.sqlite`);
        const cfg = { rpcUrl: anvil.rpcUrl, chainId: 31337, journal: journalPath, vault, weth, sink, keyEnv: 'CRASH_KEY', vaultName: 'crash-vault', mintWei: mintWei.toString(), supplyWei: supplyWei.toString() };
        const env = failpointEnv(undefined, { CRASH_KEY: keyOf(index) });
        const startBlock = await admin.client.getBlockNumber({ cacheTime: 0 });
        const nonce0 = await nonceOf(vault);
        const weth0 = await wethOf(vault);
        const shares0 = await sharesOf(vault);

        const killed = await runChild(cfg, { ...env, RESTAKE_KEEPER_FAILPOINT: spec });
        expect({ spec, signal: killed.signal, code: killed.code, stderr: killed.stderr }).toMatchObject({ spec, signal: 'SIGKILL', code: null });
        const restarted = await runChild(cfg, env);
        expect({ spec, code: restarted.code, stderr: restarted.stderr }).toEqual({ spec, code: 0, stderr: '' });
        const out = JSON.parse(restarted.stdout) as { recovered: string[]; inFlight: number; results: Array<{ status: string }> };

        // what the chain says the vault's account sent
        const head = await admin.client.getBlockNumber({ cacheTime: 0 });
        const mined: Array<{ hash: string; nonce: number }> = [];
        for (let b = startBlock + 1n; b <= head; b++) {
          const block = await admin.client.getBlock({ blockNumber: b, includeTransactions: true });
          for (const tx of block.transactions) if (getAddress(tx.from) === vault) mined.push({ hash: tx.hash, nonce: tx.nonce });
        }
        const j = openJournal(journalPath);
        journals.push(j);
        const rows = j.db
          .prepare(
            `SELECT t.id, t.action_id, t.seq, t.kind, t.nonce, t.tx_hash, t.to_addr, t.calldata, t.value,
               (SELECT s.status FROM transaction_status s WHERE s.transaction_id = t.id ORDER BY s.id DESC LIMIT 1) AS status
             FROM transactions t ORDER BY t.id`,
          )
          .all() as Array<{ id: number; action_id: number; seq: number; kind: string; nonce: number; tx_hash: string; to_addr: string; calldata: Hex; value: string; status: string }>;
        const byHash = new Map(rows.map((r) => [r.tx_hash, r]));

        // no double send: every mined tx of the account is journaled, each action step mined at most once
        const unjournaled = mined.filter((m) => !byHash.has(m.hash));
        const perStep = new Map<string, number>();
        for (const m of mined) {
          const r = byHash.get(m.hash);
          if (r) perStep.set(`${r.action_id}:${r.seq}`, (perStep.get(`${r.action_id}:${r.seq}`) ?? 0) + 1);
        }
        const repeats = [...perStep.values()].reduce((s, n) => s + (n - 1), 0);
        const perNonce = new Map<number, number>();
        for (const m of mined) perNonce.set(m.nonce, (perNonce.get(m.nonce) ?? 0) + 1);
        const found = unjournaled.length + repeats + [...perNonce.values()].filter((n) => n > 1).length;
        doubleSends += found;
        expect({ spec, unjournaled, repeats }).toEqual({ spec, unjournaled: [], repeats: 0 });

        // the chain nonce advanced exactly by the number of journaled transactions that mined
        const minedRows = rows.filter((r) => r.status === 'confirmed' || r.status === 'failed');
        expect({ spec, mined: mined.length }).toEqual({ spec, mined: minedRows.length });
        expect(await nonceOf(vault)).toBe(nonce0 + minedRows.length);
        expect(new Set(minedRows.map((r) => r.tx_hash))).toEqual(new Set(mined.map((m) => m.hash)));

        // balances: exactly what the confirmed transactions did
        let wethDelta = 0n;
        let sharesDelta = 0n;
        for (const r of rows.filter((x) => x.status === 'confirmed')) {
          if (getAddress(r.to_addr) === weth && BigInt(r.value) > 0n) wethDelta += BigInt(r.value);
          if (getAddress(r.to_addr) === sink) {
            const amount = decodeFunctionData({ abi: sinkAbi, data: r.calldata }).args[0] as bigint;
            wethDelta -= amount;
            sharesDelta += amount;
          }
        }
        expect({ spec, weth: await wethOf(vault), shares: await sharesOf(vault) }).toEqual({ spec, weth: weth0 + wethDelta, shares: shares0 + sharesDelta });

        // the journal is readable and consistent: nothing unfinished, nothing open, every action terminal
        expect(j.unfinishedCycles()).toEqual([]);
        expect(j.openTransactions()).toEqual([]);
        const open = j.db
          .prepare(
            `SELECT a.id, (SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS status FROM actions a`,
          )
          .all() as Array<{ id: number; status: string }>;
        expect(open.filter((a) => !['confirmed', 'failed', 'skipped', 'abandoned'].includes(a.status))).toEqual([]);
        expect(out.results.map((r) => r.status)).toEqual(['confirmed', 'confirmed', 'confirmed']);
        // an action whose transactions confirmed before the crash is completed, not abandoned
        for (const a of open) {
          const txs = j.transactionsOfAction(a.id);
          const hist = history(j, a.id);
          if (txs.length === 0) expect(['abandoned', 'confirmed', 'failed']).toContain(hist.at(-1));
          else if (txs.every((t) => t.status === 'confirmed' || t.status === 'replaced') && hist.includes('abandoned')) throw new Error(`${spec}: action ${a.id} abandoned though it confirmed`);
          if (txs.length > 0) expect(hist.at(-1)).not.toBe('abandoned');
        }
        expect(() => recoverUnfinished(j, 'live', Date.now())).not.toThrow();
        j.close();

        trials.push({ spec, mined: mined.length, journaled: rows.length, inFlightAtRestart: out.inFlight, recovered: out.recovered.length, doubleSends: found });
      }
    }
    console.log(`crash trials: ${trials.length}, double sends found: ${doubleSends}\n${trials.map((t) => JSON.stringify(t)).join('\n')}`);
    expect(trials).toHaveLength(CRASH_POINTS.length * REPEATS);
    expect(doubleSends).toBe(0);
  }, 240_000);
});

describe('restart with a transaction still pending', () => {
  it('reconciliation waits for a journaled transaction the node still holds, instead of re-sending it', async () => {
    const index = 9;
    const vault = addressOf(index);
    const journalPath = join(dir, 'pending-restart.sqlite');
    const cfg = { rpcUrl: anvil.rpcUrl, chainId: 31337, journal: journalPath, vault, weth, sink, keyEnv: 'CRASH_KEY', vaultName: 'crash-vault', mintWei: '1000', supplyWei: '0' };
    const env = failpointEnv(undefined, { CRASH_KEY: keyOf(index) });
    const nonce0 = await nonceOf(vault);
    await rpc('evm_setAutomine', [false]);
    await rpc('evm_setIntervalMining', [0]);
    let restarted: ChildExit;
    try {
      const killed = await runChild(cfg, { ...env, RESTAKE_KEEPER_FAILPOINT: 'before-confirm' });
      expect(killed.signal).toBe('SIGKILL');
      expect(await nonceOf(vault, 'pending')).toBe(nonce0 + 1); // sent, not mined
      const child = runChild(cfg, env);
      await new Promise((r) => setTimeout(r, 1_000)); // the restarted keeper is now waiting on the pending transaction
      expect(await nonceOf(vault, 'pending')).toBe(nonce0 + 1); // …and has not sent anything new
      await rpc('evm_mine');
      await rpc('evm_setAutomine', [true]);
      restarted = await child;
    } finally {
      await rpc('evm_setAutomine', [true]);
    }
    expect(restarted.code).toBe(0);
    const out = JSON.parse(restarted.stdout) as { inFlight: number; lines: string[]; results: Array<{ status: string }> };
    expect(out.inFlight).toBe(1);
    expect(out.lines[0]).toMatch(/in-flight transaction at nonce \d+ .*confirmed in block/);
    const j = openJournal(journalPath);
    journals.push(j);
    const first = j.transactionsOfAction(1);
    expect(first).toHaveLength(1);
    expect(j.transactionHistory(first[0]!.id).map((h) => h.status)).toEqual(['built', 'simulated', 'signed', 'sent', 'confirmed']);
    expect(history(j, 1).at(-1)).toBe('confirmed');
    // the second run's supply of 0 WETH and two mints; every journaled transaction mined exactly once
    const mined = j.db.prepare("SELECT COUNT(*) AS n FROM transactions t WHERE (SELECT s.status FROM transaction_status s WHERE s.transaction_id = t.id ORDER BY s.id DESC LIMIT 1) IN ('confirmed', 'failed')").get() as { n: number };
    expect(await nonceOf(vault)).toBe(nonce0 + mined.n);
    expect(j.openTransactions()).toEqual([]);
    expect(j.unfinishedCycles()).toEqual([]);
  });
});

// ---------------------------------------------------------------- the journal's transaction records

describe('journal: chain transactions', () => {
  const acct = '0x00000000000000000000000000000000000000aa';
  function setup() {
    const j = openJournal(':memory:');
    journals.push(j);
    const runId = j.startRun({ at: 1, mode: 'live', vault: 'v', configHash: 'h', configJson: '{}' });
    const cycleId = j.beginCycle({ runId, decisionTime: 1, at: 1 });
    const ids = j.recordActions(cycleId, [action(1, 'mint', 'ETH', 'WETH', ETH), action(2, 'mint', 'ETH', 'WETH', ETH)], 1) as [number, number];
    const tx = (actionId: number, over: Partial<Parameters<Journal['recordTransaction']>[0]> = {}) =>
      j.recordTransaction({
        actionId, chain: 'evm:1', account: acct, seq: 0, kind: 'action', description: 'wrap', to: acct, calldata: '0xd0e30db0', value: ETH, valueAtRisk: ETH,
        nonce: 7, signedRaw: '0x02aa', txHash: `0x${Math.random().toString(16).slice(2)}`, maxFee: 10n, maxPriorityFee: 1n, createdAt: 5,
        history: [{ status: 'built', at: 2 }, { status: 'simulated', at: 3 }, { status: 'signed', at: 4 }], ...over,
      });
    return { j, cycleId, ids, tx };
  }

  it('a transaction is journaled only for an action past its intent, once per step, never on a nonce another step holds', () => {
    const { j, ids, tx } = setup();
    expect(() => tx(ids[0])).toThrow(/action \d+ is planned/);
    j.recordActionStatus(ids[0], 'intent', 2);
    j.recordActionStatus(ids[1], 'intent', 2);
    const t1 = tx(ids[0]);
    expect(() => tx(ids[0], { nonce: 9 })).toThrow(/UNIQUE constraint failed/); // the same step signed twice
    expect(() => tx(ids[1])).toThrow(/nonce is already taken/); // another step on the same nonce
    expect(() => tx(ids[1], { nonce: 8, history: [{ status: 'signed', at: 1 }] })).toThrow(/must start with built/);
    expect(() => tx(ids[1], { nonce: 8, calldata: '0xZZ' })).toThrow(/hex/);
    // a replacement takes the same step and nonce
    expect(() => tx(ids[1], { kind: 'replacement', replacesId: t1, nonce: 7 })).toThrow(/same action step, account and nonce/);
    const r = tx(ids[0], { kind: 'replacement', replacesId: t1, history: [{ status: 'built', at: 6 }, { status: 'signed', at: 6 }] });
    expect(j.transactionsAtNonce('evm:1', acct, 7).map((t) => t.id)).toEqual([t1, r]);
    // a nonce whose every transaction was dropped (never on chain) may be taken again
    const t2 = tx(ids[1], { nonce: 8 });
    j.recordTransactionStatus(t2, 'dropped', 7, { reason: 'refused' });
    expect(j.highestNonce('evm:1', acct)).toBe(7);
    expect(() => tx(ids[1], { nonce: 8, seq: 1 })).not.toThrow();
  });

  it('transaction statuses move forward only, end at a terminal status, and hold the action open while in flight', () => {
    const { j, ids, tx } = setup();
    j.recordActionStatus(ids[0], 'intent', 2);
    const t = tx(ids[0]);
    expect(j.openTransactions().map((x) => x.id)).toEqual([t]);
    expect(() => j.recordTransactionStatus(t, 'simulated', 6)).toThrow(/signed → simulated/);
    expect(() => j.recordActionStatus(ids[0], 'confirmed', 6)).toThrow(/while 1 of its transactions are in flight/);
    expect(() => j.recordActionStatus(ids[0], 'abandoned', 6)).toThrow(/in flight/);
    j.recordTransactionStatus(t, 'sent', 6);
    // the database itself refuses a step backward and a second first status
    expect(() => j.db.prepare("INSERT INTO transaction_status (transaction_id, status, at) VALUES (?, 'signed', 7)").run(t)).toThrow(/only moves forward/);
    expect(() => j.db.prepare("INSERT INTO transaction_status (transaction_id, status, at) VALUES (?, 'built', 7)").run(t)).toThrow(/starts as built|only moves forward/);
    j.recordTransactionStatus(t, 'confirmed', 7, { block: '9' });
    expect(() => j.recordTransactionStatus(t, 'failed', 8)).toThrow(/nothing, it is terminal/);
    expect(() => j.db.prepare("INSERT INTO transaction_status (transaction_id, status, at) VALUES (?, 'dropped', 8)").run(t)).toThrow(/terminal|only moves forward/);
    expect(() => j.db.prepare('UPDATE transactions SET tx_hash = tx_hash').run()).toThrow(/append-only/);
    expect(j.transactionHistory(t).map((h) => h.status)).toEqual(['built', 'simulated', 'signed', 'sent', 'confirmed']);
    expect(j.openTransactions()).toEqual([]);
    j.recordActionStatus(ids[0], 'confirmed', 8);
  });

  it('the day spend is derived from the transactions: a step counts once however many replacements, failures and cancels count nothing', () => {
    const { j, ids, tx } = setup();
    j.recordActionStatus(ids[0], 'intent', 2);
    j.recordActionStatus(ids[1], 'intent', 2);
    const t1 = tx(ids[0], { valueAtRisk: 3n });
    const r1 = tx(ids[0], { kind: 'replacement', replacesId: t1, valueAtRisk: 3n });
    j.recordTransactionStatus(r1, 'sent', 6);
    j.recordTransactionStatus(r1, 'confirmed', 7);
    j.recordTransactionStatus(t1, 'replaced', 7);
    const t2 = tx(ids[1], { nonce: 8, valueAtRisk: 5n });
    expect(j.spentBetween('evm:1', acct, 0, 100)).toBe(8n); // in flight counts
    const c2 = tx(ids[1], { nonce: 8, kind: 'cancel', replacesId: t2, valueAtRisk: 0n });
    j.recordTransactionStatus(c2, 'confirmed', 8);
    j.recordTransactionStatus(t2, 'replaced', 8);
    expect(j.spentBetween('evm:1', acct, 0, 100)).toBe(3n);
    expect(j.spentBetween('evm:1', acct, 100, 200)).toBe(0n);
    // a paper/dry-run start refuses to abandon actions that have chain transactions
    j.recordActionStatus(ids[1], 'built', 9);
    const r = setup();
    expect(() => recoverUnfinished(r.j, 'paper', 10)).not.toThrow();
    expect(() => recoverUnfinished(j, 'paper', 10)).toThrow(/journaled chain transaction\(s\).*paper mode cannot reconcile them/);
  });
});

// ---------------------------------------------------------------- the state machine with a scripted chain

describe('pipeline with a scripted chain adapter', () => {
  it('a cancel journaled and mined while the confirmation loop is mid-look is recognised as ours, not as an external nonce use', async () => {
    const j = openJournal(':memory:');
    journals.push(j);
    const runId = j.startRun({ at: 1, mode: 'live', vault: 'v', configHash: 'h', configJson: '{}' });
    const cycleId = j.beginCycle({ runId, decisionTime: 1, at: 1 });
    const [id] = j.recordActions(cycleId, [action(1, 'mint', 'ETH', 'WETH', 5n)], 1) as [number];
    j.recordActionStatus(id, 'intent', 1);
    const state = new Map<string, 'pending' | 'mined'>();
    let minedNonce = 0;
    let n = 0;
    let fired = false;
    const signed = (nonce: number, fee: bigint): SignedTx => {
      n++;
      return { raw: `0x0${n}`.padEnd(6, '0'), hash: `0xhash${n}`, nonce, maxFee: fee, maxPriorityFee: fee, meta: {} };
    };
    const halts: string[] = [];
    let pipeline: ExecutionPipeline<null>;
    const adapter: ChainAdapter<null> = {
      chain: 'scripted:1',
      account: 'acct',
      canSign: true,
      build: async () => ({ ok: true, txs: [{ seq: 0, description: 'step', to: 'dest', calldata: '0x', value: 0n, valueAtRisk: 5n, payload: null }] }),
      simulate: async () => ({ ok: true, gas: 1n, detail: {} }),
      prepare: async () => ({ ok: true, nonce: minedNonce, detail: {} }),
      sign: async (_tx, prep) => signed(prep.nonce as number, 10n),
      broadcast: async (raw) => {
        state.set(`0xhash${Number.parseInt(raw.slice(3, 4), 16)}`, 'pending');
        return { accepted: true };
      },
      lookup: async (hash) => {
        if (hash === '0xhash1' && state.get(hash) === 'pending' && !fired) {
          fired = true;
          // meanwhile an operator cancels, and the cancel is mined before this lookup answers
          await pipeline.cancel(0);
          state.delete('0xhash1');
          state.set('0xhash2', 'mined');
          minedNonce = 1;
        }
        const s = state.get(hash);
        return s === 'mined' ? { state: 'mined', success: true, block: 1n, confirmations: 1, fee: 3n, detail: {} } : s === 'pending' ? { state: 'pending' } : { state: 'unknown' };
      },
      slotConsumed: async (tx) => tx.nonce !== null && minedNonce > tx.nonce,
      nextSequence: async () => minedNonce,
      cancellation: async (nonce, highest) => ({ ok: true, signed: signed(nonce, highest.maxFee * 2n), to: 'acct', calldata: '0x', value: 0n, description: 'cancel' }),
    };
    pipeline = new ExecutionPipeline<null>({
      journal: j,
      adapter,
      options: { confirmations: 1, pollIntervalMs: 1, replaceAfterMs: 60_000, maxReplacements: 3, maxWaitMs: 5_000 },
      halt: (h) => halts.push(h.cause),
    });
    const statuses: string[] = [];
    const out = await pipeline.execute(action(1, 'mint', 'ETH', 'WETH', 5n), { actionId: id, cycleId }, (s) => statuses.push(s));
    expect(out.status).toBe('failed');
    expect(out.status === 'failed' && out.reason).toMatch(/cancelled/);
    expect(halts).toEqual([]);
    expect(listEvents(j.db, { kind: 'external-nonce-use' })).toEqual([]);
    expect(j.transactionsOfAction(id).map((t) => [t.kind, t.status])).toEqual([
      ['action', 'replaced'],
      ['cancel', 'confirmed'],
    ]);
    expect(statuses).toEqual(['built', 'simulated', 'signed', 'sent']);
  });
});

// ---------------------------------------------------------------- the keeper's wiring

describe('keeper start with a live chain executor', () => {
  it('reconciles in-flight transactions before any new work, completes actions that confirmed, and honours a halt', async () => {
    const { loadVault } = await import('../src/config/load-vault.js');
    const { loadStrategy } = await import('../src/strategy/load-strategy.js');
    const { loadHighsSolver } = await import('../src/strategy/highs-solver.js');
    const { readHistoryFile } = await import('../src/sources/recorded/history-file.js');
    const { ReplaySource } = await import('../src/sources/recorded/replay-source.js');
    const { PaperExecutor } = await import('../src/executor/paper-executor.js');
    const { Keeper } = await import('../src/keeper/keeper.js');
    const vault = loadVault(join(ROOT, 'config/vaults/eth-restaking.yaml'));
    const strategy = await loadStrategy('risk-adjusted');
    const solver = await loadHighsSolver();
    const rows = readHistoryFile(join(ROOT, 'history/ethereum.csv'));
    const T0 = Date.parse('2024-06-12T00:00:00Z');
    const path = join(dir, 'keeper-live.sqlite');
    const paper = new PaperExecutor();
    const calls: string[] = [];

    /** A stand-in live executor: journals a signed transaction and dies on the first action when asked to. */
    const fake = (j: Journal, opts: { crash?: boolean; halt?: string }) => ({
      mode: 'live',
      haltReason: () => opts.halt,
      async reconcileInFlight(at: number) {
        calls.push('reconcile');
        const resolutions = new Map<number, { status: 'confirmed' | 'failed'; detail: Record<string, unknown> }>();
        for (const t of j.openTransactions()) {
          j.recordTransactionStatus(t.id, 'sent', at, { found: 'mined' });
          j.recordTransactionStatus(t.id, 'confirmed', at, { block: '1' });
          resolutions.set(t.actionId, { status: 'confirmed', detail: { reason: 'mined before the crash' } });
        }
        return { resolutions, lines: [] };
      },
      async execute(a: PlannedAction, p: Portfolio, ctx: Parameters<EvmExecutor['execute']>[2]) {
        const { actionId } = ctx as typeof ctx & { actionId: number };
        calls.push(`execute ${actionId}`);
        if (opts.crash) {
          ctx.onStatus('built', { txCount: 1 });
          j.recordTransaction({
            actionId, chain: 'evm:1', account: addressOf(1), seq: 0, kind: 'action', description: 'x', to: weth, calldata: '0x', value: 0n, valueAtRisk: 0n,
            nonce: 0, signedRaw: '0x02aa', txHash: '0xfeed', maxFee: 1n, maxPriorityFee: 1n, createdAt: T0, history: [{ status: 'built', at: T0 }, { status: 'signed', at: T0 }],
          });
          throw new Error('simulated crash');
        }
        return paper.execute(a, p, ctx);
      },
    });
    const options = (j: Journal, executor: ReturnType<typeof fake>) => ({
      vault, strategy, params: strategy.params.parse(vault.config.strategy.params), solver, source: new ReplaySource(rows), executor, journal: j, mode: 'live', log: pino({ level: 'silent' }),
    });

    const j1 = openJournal(path);
    expect(() => Keeper.start(options(j1, fake(j1, {})), T0)).toThrow(/must reconcile in-flight transactions/);
    const k1 = await Keeper.startReconciled(options(j1, fake(j1, { crash: true })), T0);
    await expect(k1.runCycle(T0)).rejects.toThrow('simulated crash');
    j1.close();

    calls.length = 0;
    const j2 = openJournal(path);
    journals.push(j2);
    const k2 = await Keeper.startReconciled(options(j2, fake(j2, { halt: 'reconciliation-mismatch: test' })), T0 + 1);
    expect(calls).toEqual(['reconcile']); // before anything else
    const ev = listEvents(j2.db, { kind: 'cycle-interrupted' });
    expect(ev[0]!.message).toMatch(/open action\(s\) abandoned; from their transactions on chain, 1 confirmed and 0 failed/);
    const first = j2.db.prepare('SELECT id FROM actions ORDER BY id LIMIT 1').get() as { id: number };
    expect(history(j2, first.id)).toEqual(['planned', 'intent', 'built', 'confirmed']);
    const r = await k2.runCycle(T0 + 86_400_000);
    expect(r.status).toBe('completed');
    expect(r.planned).toBeGreaterThan(0);
    expect(calls).toEqual(['reconcile']); // halted: nothing executed
    const last = j2.db.prepare('SELECT id FROM actions ORDER BY id DESC LIMIT 1').get() as { id: number };
    expect(history(j2, last.id)).toEqual(['planned', 'skipped']);
    expect(j2.actionStatusHistory(last.id).at(-1)!.detail).toEqual({ reason: 'vault halted: reconciliation-mismatch: test' });
  });
});
