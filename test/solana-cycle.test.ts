import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair, PublicKey } from '@solana/web3.js';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { solanaExecutorFor } from '../src/chains/solana/solana-executor-setup.js';
import { loadVault } from '../src/config/load-vault.js';
import type { Journal } from '../src/journal/journal.js';
import { openJournal } from '../src/journal/open-journal.js';
import { Keeper } from '../src/keeper/keeper.js';
import { ReplaySource } from '../src/sources/recorded/replay-source.js';
import { loadSolver } from '../src/strategy/load-solver.js';
import { loadStrategy, parseStrategyParams } from '../src/strategy/load-strategy.js';
import { recordedRatePoolAccounts } from './support/sol-accounts.js';
import { writeSolStakingConfig } from './support/sol-staking-config.js';
import { tokenBalance } from './support/sol-chain-harness.js';
import { systemAccount } from './support/sol-exec.js';
import { startSvmRpc, type SvmRpc } from './support/svm-rpc.js';

/**
 * A whole Solana cycle: the bundled sol-staking vault and its recorded history, its real strategy and
 * solver, the shipped policy and execution section (vault and RPC swapped for the test's), a live Solana
 * executor signing as the vault, against the loopback endpoint (bankrun in its own server child) with
 * the stake-pool and Marinade program doubles. The plan at 2023-03-01 (the replay's first decision) is
 *   #1 mint SOL→JitoSOL (SPL stake pool DepositSolWithSlippage) and #2 mint SOL→mSOL (Marinade deposit).
 * The real JitoSOL pool and Marinade State accounts are used, with their exchange rate set to the
 * recorded one of that day (the accounts are from 2025), so the chain and the plan agree.
 */
const AT = Date.parse('2023-03-01T00:00:00Z');
const SOL = 1_000_000_000n;
const SPL = new PublicKey('SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy');
const MARINADE = new PublicKey('MarBmsSgKXdrN1egZf5sqe1TMai9K1rChYNDJgjq7aD');

let rpc: SvmRpc | undefined;
let journal: Journal | undefined;
const dir = mkdtempSync(join(tmpdir(), 'sol-cycle-'));
afterAll(async () => {
  journal?.close();
  await rpc?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a whole Solana cycle', () => {
  it('recorded yields → the real strategy\'s plan → transactions confirmed → balances moved as planned → journal complete', async () => {
    const vault = Keypair.generate();
    // The real pool and State accounts at the recorded rates of 2023-03-01 (the replay's first decision).
    const accounts = [{ address: vault.publicKey, info: systemAccount(10_000n * SOL) }, ...recordedRatePoolAccounts()];
    rpc = await startSvmRpc(accounts, { doubles: [SPL.toBase58(), MARINADE.toBase58()] });

    // The shipped vault and policy, with the test's vault key, RPC and journal; every path made absolute.
    const loaded = loadVault(writeSolStakingConfig(dir, { vault: vault.publicKey, rpcUrl: rpc.url, journal: join(dir, 'unused.sqlite'), live: true }));
    journal = openJournal(join(dir, 'journal.sqlite'));
    const log = pino({ level: 'silent' });
    const executor = solanaExecutorFor(loaded, journal, { live: true, log, env: { RESTAKE_KEEPER_SOL_KEY: JSON.stringify([...vault.secretKey]) } });
    const strategy = await loadStrategy(loaded.config.strategy.name);
    const params = parseStrategyParams(strategy, loaded.config.strategy.params, loaded.file);
    const solver = await loadSolver(loaded.config.optimizer.solver);
    const source = ReplaySource.fromFile(loaded.paths.history as string);
    const solBefore = await rpc.getBalance(vault.publicKey);

    const keeper = await Keeper.startReconciled({ vault: loaded, strategy, params, solver, source, executor, journal, mode: 'live', log, clock: () => AT }, AT);
    await keeper.runCycle(AT);

    const db = journal.db;
    const cycle = db.prepare('SELECT c.id, e.status FROM cycles c JOIN cycle_ends e ON e.cycle_id = c.id').all() as { id: number; status: string }[];
    expect(cycle).toHaveLength(1);
    expect(cycle[0]!.status).toBe('completed');
    const actions = db
      .prepare(
        `SELECT a.id, a.kind, a.from_asset AS "from", a.to_asset AS "to", a.amount_in AS amountIn, a.expected_out AS expectedOut, a.min_out AS minOut,
                (SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS status,
                (SELECT s.detail_json FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS detail
         FROM actions a ORDER BY a.seq`,
      )
      .all() as { id: number; kind: string; from: string; to: string; amountIn: string; expectedOut: string; minOut: string; status: string; detail: string }[];
    expect(actions.map((a) => `${a.kind} ${a.from}→${a.to}`)).toEqual(['mint SOL→JitoSOL', 'mint SOL→mSOL']);
    for (const a of actions) expect(a.status, a.detail).toBe('confirmed');
    expect(journal.openTransactions()).toEqual([]);
    const txs = db
      .prepare(`SELECT t.id, t.action_id AS actionId, t.tx_hash AS hash, (SELECT s.status FROM transaction_status s WHERE s.transaction_id = t.id ORDER BY s.id DESC LIMIT 1) AS status FROM transactions t ORDER BY t.id`)
      .all() as { id: number; actionId: number; hash: string; status: string }[];
    expect(txs.map((t) => t.status)).toEqual(['confirmed', 'confirmed']);
    expect(await rpc.processed()).toEqual(txs.map((t) => t.hash));
    const allowedBy = (id: number) => String(journal!.transactionHistory(id)[0]!.detail?.allowedBy);
    expect(allowedBy(txs[0]!.id)).toContain('spl-deposit-sol-slippage');
    expect(allowedBy(txs[1]!.id)).toContain('marinade-deposit');

    // Balances moved as planned: each receipt token at least its minimum out and within 0.01 % of the plan.
    const tokens = (mint: string) => tokenBalance(rpc!, vault.publicKey, new PublicKey(mint));
    const [j, m] = actions as [(typeof actions)[0], (typeof actions)[0]];
    const jito = await tokens('J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn');
    const msol = await tokens('mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So');
    expect(jito).toBeGreaterThanOrEqual(BigInt(j.minOut));
    expect(msol).toBeGreaterThanOrEqual(BigInt(m.minOut));
    expect(jito * 10_000n).toBeGreaterThan(BigInt(j.expectedOut) * 9_999n);
    expect(msol * 10_000n).toBeGreaterThan(BigInt(m.expectedOut) * 9_999n);
    const spent = solBefore - (await rpc.getBalance(vault.publicKey));
    const planned = BigInt(j.amountIn) + BigInt(m.amountIn);
    expect(spent).toBeGreaterThan(planned);
    expect(spent - planned).toBeLessThan(SOL / 100n); // fees and two ATAs' rent only
    // The fills journaled are what the chain did.
    const fills = db.prepare('SELECT action_id AS id, amount_out AS out FROM fills ORDER BY action_id').all() as { id: number; out: string }[];
    expect(fills.map((f) => BigInt(f.out))).toEqual([jito, msol]);
  }, 120_000);
});
