import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { erc20Abi, formatEther, getAddress, parseEther, toHex, type Address, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAction, prepareAction } from '../src/chains/evm/builders/registry.js';
import { createEvmExecutor } from '../src/chains/evm/evm-executor.js';
import type { BuildContext } from '../src/chains/evm/evm-tx.js';
import { EvmExecutionSchema } from '../src/chains/evm/exec-config.js';
import { policyChecker } from '../src/chains/evm/policy-check.js';
import { parsePolicy } from '../src/chains/evm/policy/policy-schema.js';
import { loadVault } from '../src/config/load-vault.js';
import type { Journal } from '../src/journal/journal.js';
import { openJournal } from '../src/journal/open-journal.js';
import { Keeper } from '../src/keeper/keeper.js';
import { ReplaySource } from '../src/sources/recorded/replay-source.js';
import { loadSolver } from '../src/strategy/load-solver.js';
import { loadStrategy, parseStrategyParams } from '../src/strategy/load-strategy.js';
import { startAnvil, type Anvil } from './support/anvil.js';
import { deployExecDoubles, type ExecDoubles } from './support/exec-doubles.js';
import { anvilAccount, testChain, type TestChain } from './support/solidity.js';
import { doublesPolicyText } from './support/doubles-config.js';

/**
 * A whole cycle: recorded yields → plan → transactions mined on anvil → balances changed as planned →
 * journal complete. The bundled eth-restaking vault, its real strategy, solver, builders and the shipped
 * transaction policy (its addresses swapped for the doubles'), a live EvmExecutor signing as anvil
 * account 1 (the vault) against the functional protocol doubles.
 *
 * The plan at 2024-06-12 (the replay's first decision) is:
 *   #1 buy ETH→wstETH via the Uniswap v3 wstETH/WETH pool (wrap, approve, exactInputSingle; the policy
 *      pins the struct's recipient, pair, fee tier and minimum out by field path);
 *   #2 supply ETH→aave-v3-WETH (wrap, approve, supply);
 *   #3 buy ETH→weETH on the Curve weETH/WETH pool (wrap, approve, exchange);
 *   #4 supply weETH→aave-v3-weETH (approve, supply).
 * The doubles keep their default prices, so #3 fills a little under the plan; #4 is then built with the
 * vault's actual weETH balance (the adapter clamps amountIn to it, noted in the transactions' descriptions)
 * and supplies all of it.
 */

const ROOT = resolve(import.meta.dirname, '..');
const VAULT_FILE = join(ROOT, 'config/vaults/eth-restaking.yaml');
const AT = Date.parse('2024-06-12T00:00:00Z');

let anvil: Anvil;
let admin: TestChain;
let vaultChain: TestChain;
let d: ExecDoubles;
let dir: string;
let journal: Journal | undefined;

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 31337 });
  admin = testChain(anvil.rpcUrl, { chainId: 31337 });
  vaultChain = testChain(anvil.rpcUrl, { chainId: 31337, accountIndex: 1 });
  // The doubles' default pricing (0.2 % spread each way, 0.01 % Curve fee) around the recorded weETH market
  // (≈ 0.96151 weETH per WETH at 2024-06-12): the buy fills ~0.2 % under the plan, within its minOut.
  // The Uniswap wstETH/WETH pool likewise around the recorded wstETH market (the plan expects ≈ 0.85532
  // wstETH per WETH): 0.1 % under it.
  d = await deployExecDoubles(admin, { curveSeed: 1000n, curvePrices: { weETH: (10n ** 36n) / 961_510_000_000_000_000n }, uniswapPrices: { buy: 854_470_000_000_000_000n } });
  dir = mkdtempSync(join(tmpdir(), 'evm-cycle-'));
}, 120_000);

afterAll(async () => {
  journal?.close();
  await anvil?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function balances(vault: Address): Promise<Record<string, bigint>> {
  const out: Record<string, bigint> = { ETH: await admin.client.getBalance({ address: vault }) };
  for (const id of ['wstETH', 'WETH', 'weETH', 'aave-v3-WETH', 'aave-v3-weETH']) {
    const token = d.tokens[id];
    out[id] = token ? await admin.client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [vault] }) : 0n;
  }
  return out;
}

describe('a whole cycle on anvil', () => {
  it('recorded yields → plan → transactions mined → balances as planned → journal complete', async () => {
    const vault = getAddress(anvilAccount(1).address);
    const key = toHex(anvilAccount(1).getHdKey().privateKey as Uint8Array) as Hex;
    // The keeper takes its holdings from the chain: give the vault exactly the config's 100 ETH.
    await admin.client.request({ method: 'anvil_setBalance', params: [vault, toHex(parseEther('100'))] } as never);

    const loaded = loadVault(VAULT_FILE);
    const policy = parsePolicy(doublesPolicyText(d, vault, 31337), 'eth-restaking.policy.yaml (doubles)');
    const ctx: BuildContext = { vault, addresses: d.addresses, tokens: d.tokens, maxSlippage: loaded.config.planner.maxSlippage };
    const chainId = await admin.client.getChainId();
    const config = EvmExecutionSchema.parse({
      rpcUrl: anvil.rpcUrl,
      chainId,
      vault,
      key: { env: 'TEST_VAULT_KEY' },
      mode: 'live',
      confirmations: 1,
      fees: { maxFeePerGas: '100 gwei', maxPriorityFeePerGas: '2 gwei' },
      pollInterval: '100ms',
      maxWait: '2m',
    });
    journal = openJournal(join(dir, 'journal.sqlite'));
    const log = pino({ level: 'silent' });
    const executor = createEvmExecutor(config, {
      journal,
      vaultName: loaded.config.name,
      nativeAsset: loaded.config.baseAsset,
      buildAction,
      prepareAction,
      checkBatch: policyChecker(policy),
      buildContext: ctx,
      liveFlag: true,
      env: { TEST_VAULT_KEY: key },
      log,
    });
    const strategy = await loadStrategy(loaded.config.strategy.name);
    const params = parseStrategyParams(strategy, loaded.config.strategy.params, loaded.file);
    const solver = await loadSolver(loaded.config.optimizer.solver);
    const source = ReplaySource.fromFile(loaded.paths.history as string);

    const before = await balances(vault);
    const keeper = await Keeper.startReconciled(
      { vault: loaded, strategy, params, solver, source, executor, journal, mode: 'live', log, clock: () => AT },
      AT,
    );
    await keeper.runCycle(AT);
    const after = await balances(vault);

    const db = journal.db;
    const cycle = db.prepare('SELECT c.id, e.status FROM cycles c JOIN cycle_ends e ON e.cycle_id = c.id').all() as { id: number; status: string }[];
    expect(cycle).toHaveLength(1);
    const cycleId = cycle[0]!.id;
    const actions = db
      .prepare(
        `SELECT a.id, a.seq, a.kind, a.from_asset AS "from", a.to_asset AS "to", a.venue, a.amount_in AS amountIn, a.expected_out AS expectedOut,
                (SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS status,
                (SELECT s.detail_json FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS detail
         FROM actions a WHERE a.cycle_id = ? ORDER BY a.seq`,
      )
      .all(cycleId) as { id: number; seq: number; kind: string; from: string; to: string; venue: string; amountIn: string; expectedOut: string; status: string; detail: string | null }[];
    const txs = db
      .prepare(
        `SELECT t.id, t.action_id AS actionId, t.tx_hash AS hash, t.description,
                (SELECT s.status FROM transaction_status s WHERE s.transaction_id = t.id ORDER BY s.id DESC LIMIT 1) AS status
         FROM transactions t ORDER BY t.id`,
      )
      .all() as { id: number; actionId: number; hash: string; description: string; status: string }[];

    // The plan: the four actions described above.
    expect(actions.map((a) => `${a.kind} ${a.from}→${a.to}`)).toEqual(['buy ETH→wstETH', 'supply ETH→aave-v3-WETH', 'buy ETH→weETH', 'supply weETH→aave-v3-weETH']);
    const [uni, aaveWeth, curve, aaveWeeth] = actions as [(typeof actions)[0], (typeof actions)[0], (typeof actions)[0], (typeof actions)[0]];

    // All four confirmed on chain; #1 went through the Uniswap v3 router.
    expect(uni.venue).toMatch(/uniswap/i);
    for (const a of actions) expect(a.status, `action #${a.seq} ${a.detail}`).toBe('confirmed');

    // Every transaction confirmed with a hash; none open; no policy refusal anywhere.
    expect(txs.map((t) => actions.find((a) => a.id === t.actionId)!.seq)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3].map((i) => actions[i]!.seq));
    for (const t of txs) {
      expect(t.status).toBe('confirmed');
      expect(t.hash).toMatch(/^0x[0-9a-f]{64}$/);
    }
    expect(journal.openTransactions()).toEqual([]);
    const open = db.prepare(`SELECT COUNT(*) AS n FROM actions a WHERE (SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) NOT IN ('confirmed', 'failed', 'skipped', 'abandoned')`).get() as { n: number };
    expect(open.n).toBe(0);
    const refusals = db.prepare(`SELECT COUNT(*) AS n FROM action_status WHERE detail_json LIKE '%"stage":"policy"%'`).get() as { n: number };
    expect(refusals.n).toBe(0);
    expect(cycle[0]!.status).toBe('completed');

    // Balances moved as planned.
    const weth = BigInt(aaveWeth.amountIn);
    const weethIn = BigInt(curve.amountIn);
    const weethOut = BigInt(curve.expectedOut);
    const weethSupplied = BigInt(aaveWeeth.amountIn);
    expect(after['aave-v3-WETH']! - before['aave-v3-WETH']!).toBe(weth);
    // #3 filled ~0.2 % under the plan (within its minOut); #4 supplied exactly what #3 delivered: its amountIn
    // was clamped to the vault's weETH balance, and its transactions say so.
    const weethBought = after['aave-v3-weETH']! - before['aave-v3-weETH']!;
    expect(weethBought).toBeLessThan(weethSupplied);
    expect(weethBought * 1000n).toBeGreaterThan(weethOut * 995n);
    expect(after.weETH).toBe(before.weETH); // nothing left over
    const supplyTxs = txs.filter((t) => t.actionId === aaveWeeth.id);
    expect(supplyTxs.length).toBe(2);
    for (const t of supplyTxs) expect(t.description).toContain(`amountIn clamped from the planned ${weethSupplied} to the vault's weETH balance ${weethBought}`);
    // #1 bought wstETH at or above its minimum out, within the policy's slippage of the plan's expectation.
    const wstethIn = BigInt(uni.amountIn);
    const wstethBought = after.wstETH! - before.wstETH!;
    expect(wstethBought * 100n).toBeGreaterThanOrEqual(BigInt(uni.expectedOut) * 99n);
    const uniTxs = txs.filter((t) => t.actionId === uni.id);
    expect(uniTxs.map((t) => t.description.split(' ')[0])).toEqual(['wrap', 'approve', 'buy']);
    // Each transaction is journaled with the policy rule that allowed it.
    const allowedBy = (txId: number) => (JSON.parse((db.prepare("SELECT detail_json AS d FROM transaction_status WHERE transaction_id = ? AND status = 'built'").get(txId) as { d: string }).d) as { allowedBy: string }).allowedBy;
    expect(uniTxs.map((t) => allowedBy(t.id))).toEqual(['weth-deposit', 'weth-approve', 'uniswap-wsteth-buy']);
    expect(txs.filter((t) => t.actionId === aaveWeeth.id).map((t) => allowedBy(t.id))).toEqual(['weeth-approve', 'aave-supply']);
    // Its minimum out was checked against a fresh quote read from the pool at build time, not the plan's.
    const freshQuote = (wstethIn * 854_470_000_000_000_000n) / 10n ** 18n;
    expect(uniTxs[2]!.description).toContain(`(quoted ${formatEther(freshQuote)})`);
    expect(wstethBought).toBe(freshQuote);
    const ethSpent = before.ETH! - after.ETH!;
    const planned = wstethIn + weth + weethIn;
    expect(ethSpent).toBeGreaterThanOrEqual(planned);
    expect(ethSpent - planned).toBeLessThan(parseEther('0.05')); // gas only
  }, 180_000);
});
