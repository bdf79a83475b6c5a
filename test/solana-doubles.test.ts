import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair, PublicKey, type AccountInfo } from '@solana/web3.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChainExecutor } from '../src/chains/chain-executor.js';
import { ata } from '../src/chains/solana/builders/plumbing.js';
import { buildSolAction, prepareSolAction, solanaBuilders } from '../src/chains/solana/builders/registry.js';
import { poolTokensForDeposit } from '../src/chains/solana/builders/spl-stake-pool.js';
import type { SolTxPayload } from '../src/chains/solana/solana-adapter.js';
import type { Universe } from '../src/config/universe.js';
import type { PlannedAction } from '../src/domain/action.js';
import type { Journal } from '../src/journal/journal.js';
import { openJournal } from '../src/journal/open-journal.js';
import type { Snapshot } from '../src/market/asset-view.js';
import { parseStakePool } from '../src/sources/solana/spl-stake-pool.js';
import { fixedReader, loadDump } from './support/sol-accounts.js';
import { makeSolExecutor, systemAccount } from './support/sol-exec.js';
import { stakePoolDouble, tokenAmount, type DoubleAccount } from './support/stake-pool-double.js';
import { startSvmRpc } from './support/svm-rpc.js';

const SOL = 1_000_000_000n;
const SPL = new PublicKey('SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy');
const pool = loadDump('jitoSOL_stake_pool.json');
const reserve = loadDump('jitoSOL_stake_pool_reserve_stake.json');
const feeAcc = loadDump('jitoSOL_stake_pool_manager_fee.json');
const mint = loadDump('jitoSOL_mint.json');
const info = (d: ReturnType<typeof loadDump>): AccountInfo<Uint8Array> => ({ lamports: Number(d.account.lamports), data: d.account.data, owner: d.account.owner, executable: false });

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

const act = (amount: bigint, minOut: bigint): PlannedAction => ({ seq: 1, kind: 'mint', from: 'SOL', to: 'JitoSOL', amountIn: amount, expectedOut: minOut, minOut, venue: 'jito-stake-pool:mint', estCostBase: 0n, delaySeconds: 0, reason: 't' });

async function run(j: Journal, exec: ChainExecutor<SolTxPayload>, a: PlannedAction) {
  const runId = j.startRun({ at: Date.now(), mode: 'solana-live', vault: 'sol-test', configHash: 't', configJson: '{}' });
  const cycleId = j.beginCycle({ runId, decisionTime: Date.now(), at: Date.now() });
  const [id] = j.recordActions(cycleId, [a], Date.now()) as [number];
  j.recordActionStatus(id, 'intent', Date.now());
  const r = await exec.execute(a, { holdings: new Map([['SOL', 1000n * SOL]]), pending: [], indexSeen: new Map() }, {
    universe: { registryAssets: new Map() } as unknown as Universe, snapshot: {} as Snapshot, now: Date.now(),
    onStatus: (s, d) => j.recordActionStatus(id, s, Date.now(), d), actionId: id, cycleId,
  } as Parameters<ChainExecutor['execute']>[2]);
  j.recordActionStatus(id, r.status, Date.now(), r.detail);
  return { id, r };
}

describe('SPL stake-pool program double (TypeScript, decoding as the program does) behind the loopback endpoint', () => {
  it('SOL → JitoSOL: the real builder\'s DepositSolWithSlippage on the real pool state is confirmed, tokens minted as the pool math says, balances reconcile', async () => {
    const vault = Keypair.generate();
    const rpc = await startSvmRpc(
      [{ address: vault.publicKey, info: systemAccount(1000n * SOL) }, { address: pool.pubkey, info: info(pool) }, { address: reserve.pubkey, info: info(reserve) }, { address: feeAcc.pubkey, info: info(feeAcc) }, { address: mint.pubkey, info: info(mint) }],
      { doubles: new Map([[SPL.toBase58(), stakePoolDouble(() => 0n)]]) },
    );
    const dir = mkdtempSync(join(tmpdir(), 'sol-dbl-'));
    const journal = openJournal(join(dir, 'j.sqlite'));
    cleanup.push(async () => {
      journal.close();
      await rpc.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const state = parseStakePool(pool.account.data);
    const expected = poolTokensForDeposit(state, 10n * SOL);
    const exec = makeSolExecutor({ rpcUrl: rpc.url, vault, journal });
    const { id, r } = await run(journal, exec, act(10n * SOL, expected));
    expect(r.status, JSON.stringify(r.detail)).toBe('confirmed');
    expect((r.detail.reconciliation as { problems: string[] }).problems).toEqual([]);
    const dest = await rpc.context.banksClient.getAccount(ata(vault.publicKey, state.poolMint));
    expect(tokenAmount({ data: Buffer.from(dest!.data) } as DoubleAccount)).toBe(expected);
    const after = parseStakePool((await rpc.context.banksClient.getAccount(pool.pubkey))!.data);
    expect(after.totalLamports - state.totalLamports).toBe(10n * SOL);
    expect(BigInt((await rpc.context.banksClient.getAccount(reserve.pubkey))!.lamports) - reserve.account.lamports).toBe(10n * SOL);
    const [tx] = journal.transactionsOfAction(id);
    expect(String(journal.transactionHistory(tx!.id)[0]!.detail?.allowedBy)).toContain('spl-deposit-sol-slippage');
    expect(rpc.processed).toEqual([tx!.txHash]);
  });

  it('the double fails like the program on a wrong account order, a wrong tag, a stale pool and a minimum out above what the pool gives', async () => {
    const vault = Keypair.generate().publicKey;
    const ctx = { vault, baseAsset: 'SOL', mints: { JitoSOL: 'J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn' }, venues: { JitoSOL: { kind: 'spl-stake-pool' as const, program: SPL.toBase58(), pool: pool.pubkey.toBase58(), slippageInstructions: true } }, maxSlippage: 0.005 };
    const b = solanaBuilders();
    const a = act(5n * SOL, 0n);
    const ix = buildSolAction(a, await prepareSolAction(a, ctx, fixedReader(0n, 793n, [[pool.pubkey, pool.account]]), b), b)[0]!.instructions[1]!;
    const accounts = ix.keys.map((k) => ({ key: k.pubkey, signer: k.isSigner, writable: k.isWritable }));
    const store = () => {
      const m = new Map<string, DoubleAccount>([
        [vault.toBase58(), { lamports: 100n * SOL, data: Buffer.alloc(0), owner: PublicKey.default }],
        [pool.pubkey.toBase58(), { lamports: 1n, data: Buffer.from(pool.account.data), owner: SPL }],
        [reserve.pubkey.toBase58(), { lamports: reserve.account.lamports, data: Buffer.from(reserve.account.data), owner: reserve.account.owner }],
        [mint.pubkey.toBase58(), { lamports: 1n, data: Buffer.from(mint.account.data), owner: mint.account.owner }],
        [feeAcc.pubkey.toBase58(), { lamports: 1n, data: Buffer.from(feeAcc.account.data), owner: feeAcc.account.owner }],
      ]);
      const dest = Buffer.alloc(165);
      parseStakePool(pool.account.data).poolMint.toBuffer().copy(dest, 0);
      m.set(ix.keys[4]!.pubkey.toBase58(), { lamports: 1n, data: dest, owner: PublicKey.default });
      return { get: (k: PublicKey) => m.get(k.toBase58()), set: (k: PublicKey, v: DoubleAccount) => void m.set(k.toBase58(), v) };
    };
    const run1 = (o: { accounts?: typeof accounts; data?: Buffer; epoch?: bigint }) => () => stakePoolDouble(() => o.epoch ?? 793n)({ program: SPL, accounts: o.accounts ?? accounts, data: o.data ?? ix.data }, store());
    expect(run1({})).not.toThrow();
    const swapped = [...accounts];
    [swapped[4], swapped[5]] = [swapped[5]!, swapped[4]!];
    expect(run1({ accounts: swapped })).toThrow(/InvalidFeeAccount/);
    expect(run1({ accounts: accounts.slice(0, 9) })).toThrow(/NotEnoughAccountKeys/);
    expect(run1({ data: Buffer.concat([Buffer.from([15]), ix.data.subarray(1)]) })).toThrow(/instruction 15 not implemented/);
    expect(run1({ epoch: 794n })).toThrow(/StakeListAndPoolOutOfDate/);
    const greedy = Buffer.from(ix.data);
    greedy.writeBigUInt64LE(5n * SOL, 9);
    expect(run1({ data: greedy })).toThrow(/ExceededSlippage/);
  });
});
