import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getAddress, toHex, type Address, type Hex } from 'viem';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJournalDb } from '../src/journal/open-journal.js';
import { startAnvil, type Anvil } from './support/anvil.js';
import { cliRun, ROOT, tempDir } from './support/cli.js';
import { doublesPolicyText, writeDoublesDeployment } from './support/doubles-config.js';
import { deployExecDoubles, type ExecDoubles } from './support/exec-doubles.js';
import { anvilAccount, testChain, type TestChain } from './support/solidity.js';

/**
 * `once --executor evm` as a vault manager runs it: the CLI as a subprocess, the bundled vault config with
 * an `execution:` section pointing at a local chain, a policy and a deployment file for the protocol
 * doubles on it (what one writes for a testnet), the key in an environment variable.
 */

const SHIPPED_VAULT = join(ROOT, 'config/vaults/eth-restaking.yaml');
const KEY_VAR = 'RK_CLI_TEST_VAULT_KEY';

let anvil: Anvil;
let admin: TestChain;
let d: ExecDoubles;
let dir: string;
let vault: Address;
let key: Hex;

/** The vault account `index` of anvil's mnemonic and its key; each test that sends uses its own. */
function account(index: number): { vault: Address; key: Hex } {
  return { vault: getAddress(anvilAccount(index).address), key: toHex(anvilAccount(index).getHdKey().privateKey as Uint8Array) as Hex };
}

/** The keeper takes its holdings from the chain: give a vault account exactly the config's 100 ETH. */
async function fundLikeConfig(who: Address): Promise<void> {
  await admin.client.request({ method: 'anvil_setBalance', params: [who, toHex(100n * 10n ** 18n)] } as never);
}

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 31337 });
  admin = testChain(anvil.rpcUrl, { chainId: 31337 });
  // Pool prices around the recorded market at 2024-06-12, the replay's first decision (as evm-cycle.test.ts).
  d = await deployExecDoubles(admin, { curveSeed: 1000n, curvePrices: { weETH: (10n ** 36n) / 961_510_000_000_000_000n }, uniswapPrices: { buy: 854_470_000_000_000_000n } });
  dir = tempDir('cli-evm-');
  ({ vault, key } = account(2));
  await fundLikeConfig(vault);
  await fundLikeConfig(account(3).vault);
  writeDoublesDeployment(d, join(dir, 'deployment.yaml'));
}, 120_000);

afterAll(async () => {
  await anvil?.stop();
});

/** The shipped vault config with its paths made absolute and an execution section for the local chain. */
function vaultFile(name: string, mode: 'dry-run' | 'live', who: Address = vault, evmExtra: Record<string, unknown> = {}): string {
  writeFileSync(join(dir, `${name}.policy.yaml`), doublesPolicyText(d, who, 31337));
  const v = parse(readFileSync(SHIPPED_VAULT, 'utf8')) as Record<string, unknown>;
  v.registry = join(ROOT, 'config/assets/ethereum.yaml');
  v.history = join(ROOT, 'history/ethereum.csv');
  v.journal = join(dir, `${name}.sqlite`);
  v.execution = {
    policy: join(dir, `${name}.policy.yaml`),
    evm: {
      mode,
      rpcUrl: anvil.rpcUrl,
      chainId: 31337,
      vault: who,
      key: { env: KEY_VAR },
      confirmations: 1,
      fees: { maxFeePerGas: '100 gwei', maxPriorityFeePerGas: '2 gwei' },
      pollInterval: '100ms',
      maxWait: '2m',
      deployment: join(dir, 'deployment.yaml'),
      ...evmExtra,
    },
  };
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(v));
  return file;
}

function journalRows(file: string) {
  const db = openJournalDb(file, { readonly: true });
  try {
    const actions = db
      .prepare(
        `SELECT a.seq, a.kind, a.from_asset AS "from", a.to_asset AS "to",
                (SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS status,
                (SELECT group_concat(s.status, ',') FROM action_status s WHERE s.action_id = a.id) AS history,
                (SELECT s.detail_json FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS detail
         FROM actions a ORDER BY a.id`,
      )
      .all() as { seq: number; kind: string; from: string; to: string; status: string; history: string; detail: string | null }[];
    const txs = db
      .prepare(`SELECT t.tx_hash AS hash, (SELECT s.status FROM transaction_status s WHERE s.transaction_id = t.id ORDER BY s.id DESC LIMIT 1) AS status FROM transactions t ORDER BY t.id`)
      .all() as { hash: string | null; status: string }[];
    const runs = db.prepare('SELECT mode FROM runs ORDER BY id').all() as { mode: string }[];
    return { actions, txs, runs };
  } finally {
    db.close();
  }
}

describe('once --executor evm (CLI subprocess against anvil)', () => {
  it('refuses the shipped config: its policy still has the placeholder vault', async () => {
    const r = await cliRun(['once', '--executor', 'evm', '-c', SHIPPED_VAULT, '-j', join(dir, 'shipped.sqlite')]);
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/eth-restaking\.policy\.yaml:\d+:\d+ vault: got "0x000000000000000000000000000000000000dEaD", expected the vault's own address .*the vault manager must set it/);
  });

  it('dry-run builds and simulates every planned action and sends nothing', async () => {
    const nonce = await admin.client.getTransactionCount({ address: vault });
    const file = vaultFile('dry', 'dry-run');
    const v = await cliRun(['validate-config', file]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/execution: dry-run on chain 31337 for vault 0x[0-9a-fA-F]{40}; policy .*policy\.yaml valid \(39 rules\); deployment .*deployment\.yaml/);

    const r = await cliRun(['once', '--executor', 'evm', '-c', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/restake-keeper evm-dry-run run over recorded data: vault eth-restaking/);
    const j = journalRows(join(dir, 'dry.sqlite'));
    expect(j.runs.map((x) => x.mode)).toEqual(['evm-dry-run']);
    expect(j.actions.map((a) => `${a.kind} ${a.from}→${a.to}`)).toEqual(['buy ETH→wstETH', 'supply ETH→aave-v3-WETH', 'buy ETH→weETH', 'supply weETH→aave-v3-weETH']);
    // Each action was built and simulated; none was signed or sent (no transaction rows, nonce unchanged).
    for (const a of j.actions) expect(a.history).toMatch(/^planned,intent,built,simulated,(skipped|failed)$/);
    // Each action's transactions were simulated in sequence on one state: the first three actions (wrap,
    // approve, swap or supply) would succeed as built; the fourth supplies weETH the vault only has once the
    // third has run, so its supply step fails in a dry-run and the detail says which step.
    const sim = j.actions.map((a) => (JSON.parse(a.detail ?? '{}') as { simulation?: { ok: boolean; inSequence: boolean; seq?: number } }).simulation);
    expect(sim.slice(0, 3)).toEqual([{ ok: true, inSequence: true }, { ok: true, inSequence: true }, { ok: true, inSequence: true }]);
    expect(sim[3]).toMatchObject({ ok: false, inSequence: true, seq: 1 });
    expect(j.txs).toEqual([]);
    expect(await admin.client.getTransactionCount({ address: vault })).toBe(nonce);
  }, 120_000);

  it('refuses mode: live without the --live flag, and sends nothing', async () => {
    const nonce = await admin.client.getTransactionCount({ address: vault });
    const r = await cliRun(['once', '--executor', 'evm', '-c', vaultFile('noflag', 'live')], { env: { [KEY_VAR]: key } });
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/execution\.evm\.mode is live but the live flag was not given: refusing to send/);
    expect(await admin.client.getTransactionCount({ address: vault })).toBe(nonce);
  }, 60_000);

  it('live: every planned action confirmed on chain, journaled, and the key never printed or journaled', async () => {
    const nonce = await admin.client.getTransactionCount({ address: vault });
    const file = vaultFile('live', 'live');
    const r = await cliRun(['once', '--executor', 'evm', '--live', '-c', file, '--log-level', 'debug'], { env: { [KEY_VAR]: key } });
    expect(r.code, r.stderr).toBe(0);
    const j = journalRows(join(dir, 'live.sqlite'));
    expect(j.runs.map((x) => x.mode)).toEqual(['evm-live']);
    expect(j.actions).toHaveLength(4);
    for (const a of j.actions) expect(a.status, `${a.kind} ${a.from}→${a.to}: ${a.history}`).toBe('confirmed');
    expect(j.txs).toHaveLength(11);
    for (const t of j.txs) {
      expect(t.status).toBe('confirmed');
      expect(t.hash).toMatch(/^0x[0-9a-f]{64}$/);
    }
    // The chain agrees: the vault's nonce advanced by exactly the journaled transactions.
    expect(await admin.client.getTransactionCount({ address: vault })).toBe(nonce + j.txs.length);
    // The next cycle reads the chain's balances: after a live cycle the journal's holdings agree with them
    // (no drift); only the Aave positions differ, by the day's interest the recorded index adds and the
    // doubles do not pay.
    const again = await cliRun(['once', '--executor', 'evm', '--live', '-c', file], { env: { [KEY_VAR]: key } });
    expect(again.code, again.stderr).toBe(0);
    const db = openJournalDb(join(dir, 'live.sqlite'), { readonly: true });
    const ev = db.prepare("SELECT kind, data_json AS data FROM events WHERE kind LIKE 'holdings-%'").all() as { kind: string; data: string }[];
    db.close();
    expect(ev.map((e) => e.kind)).not.toContain('holdings-drift');
    for (const e of ev) for (const c of (JSON.parse(e.data) as { changes: { asset: string; relative: number }[] }).changes) expect(c.asset, JSON.stringify(c)).toMatch(/^aave-v3-/);

    const secret = key.slice(2).toLowerCase();
    expect((r.stdout + r.stderr).toLowerCase()).not.toContain(secret);
    expect(readFileSync(join(dir, 'live.sqlite')).toString('latin1').toLowerCase()).not.toContain(secret);
  }, 180_000);

  it('operator controls: a stuck transaction is shown by evm status and replaced by evm cancel; a reconciliation mismatch halts the vault until evm resume', async () => {
    const me = account(3);
    const file = vaultFile('stuck', 'live', me.vault, { maxWait: '3s', replaceAfter: '10m' });
    const env = { [KEY_VAR]: me.key };
    const nonce0 = await admin.client.getTransactionCount({ address: me.vault });
    const rpc = (method: string, params: unknown[] = []) => admin.client.request({ method, params } as never) as Promise<unknown>;
    await rpc('evm_setAutomine', [false]);
    await rpc('evm_setIntervalMining', [0]);
    try {
      // Nothing mines: once gives up after maxWait, leaving the transaction in flight for reconciliation.
      const stuck = await cliRun(['once', '--executor', 'evm', '--live', '-c', file], { env });
      // exit 1: the keeper could not act (README's exit codes); the input was fine.
      expect(stuck.code).toBe(1);
      expect(stuck.stderr).toMatch(new RegExp(`InFlightError: nonce ${nonce0} \\(wrap .*\\) neither mined nor dropped within 3000 ms; left in flight for the next start to reconcile`));

      const status = await cliRun(['evm', 'status', '-c', file]);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(new RegExp(`not halted\\nvalue at risk sent today \\(UTC\\): 49\\.896350249481756356 ETH of the policy's 300 ETH per-day cap\\n1 transaction\\(s\\) in flight:\\n  #1 action 1 step 0 action nonce ${nonce0} sent 0x[0-9a-f]{64}, maxFee [0-9.]+ gwei: wrap`));

      // Cancel: mine only once the replacement is in the node's pool (the original never mines).
      const cancelling = cliRun(['evm', 'cancel', '--nonce', String(nonce0), '--live', '-c', file], { env });
      const deadline = Date.now() + 30_000;
      for (;;) {
        const pool = (await rpc('txpool_content')) as { pending: Record<string, Record<string, { to: string }>> };
        const mine = Object.entries(pool.pending).find(([from]) => from.toLowerCase() === me.vault.toLowerCase())?.[1];
        if (mine?.[String(nonce0)]?.to?.toLowerCase() === me.vault.toLowerCase()) break;
        if (Date.now() > deadline) throw new Error('the cancel never reached the pool');
        await new Promise((r) => setTimeout(r, 100));
      }
      await rpc('evm_mine');
      const cancelled = await cancelling;
      expect(cancelled.code, cancelled.stdout + cancelled.stderr).toBe(0);
      expect(cancelled.stdout).toMatch(new RegExp(`cancel sent at nonce ${nonce0}: 0x[0-9a-f]{64} \\(replaces #1\\)`));
      expect(cancelled.stdout).toMatch(/nothing left in flight/);
      const tx = await admin.client.getTransaction({ blockTag: 'latest', index: 0 });
      expect([getAddress(tx.from), getAddress(tx.to!), tx.value, tx.nonce]).toEqual([me.vault, me.vault, 0n, nonce0]);
    } finally {
      await rpc('evm_setAutomine', [true]);
    }
    expect((await cliRun(['evm', 'status', '-c', file])).stdout).toBe("vault eth-restaking: not halted\nvalue at risk sent today (UTC): 0 ETH of the policy's 300 ETH per-day cap\nno transaction in flight\n");
    expect((await cliRun(['evm', 'resume', '-c', file, '--note', 'x'])).stdout).toMatch(/is not halted; nothing to resume/);

    // A fill further from the plan than the reconciliation tolerance halts the vault (the Uniswap buy fills
    // 0.1 % under the plan's expectation; tolerance 0.01 % here) and the rest of the cycle is skipped.
    vaultFile('stuck', 'live', me.vault, { maxWait: '3s', replaceAfter: '10m', reconcile: { tolerance: 0.0001 } });
    const halted = await cliRun(['once', '--executor', 'evm', '--live', '-c', file], { env });
    expect(halted.code, halted.stderr).toBe(0);
    const st = await cliRun(['evm', 'status', '-c', file]);
    expect(st.stdout).toMatch(/vault eth-restaking: HALTED — reconciliation-mismatch: balances after action \d+ \(buy ETH→wstETH\) do not match the plan/);
    const noNote = await cliRun(['evm', 'resume', '-c', file]);
    expect(noNote.code).toBe(2);
    expect(noNote.stderr).toMatch(/evm resume needs --note/);
    const resumed = await cliRun(['evm', 'resume', '-c', file, '--note', 'a 0.1 % worse fill, within the policy; tolerance was set too tight']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/vault eth-restaking resumed \(was: reconciliation-mismatch: .*\); note journaled: a 0\.1 % worse fill/);
    vaultFile('stuck', 'live', me.vault, { maxWait: '3s', replaceAfter: '10m' });

    // Resumed, the next cycle trades from the chain's nonce.
    const next = await cliRun(['once', '--executor', 'evm', '--live', '-c', file], { env });
    expect(next.code, next.stderr).toBe(0);
    const j = journalRows(join(dir, 'stuck.sqlite'));
    expect(j.runs.map((r) => r.mode)).toEqual(['evm-live', 'operator', 'evm-live', 'operator', 'evm-live']);
    expect(j.actions.filter((a) => a.status === 'skipped').length).toBeGreaterThan(0); // after the halt
    const confirmed = j.txs.filter((t) => t.status === 'confirmed');
    expect(confirmed.length).toBeGreaterThan(1);
    // Every nonce accounted for by a journaled confirmed transaction (the cancel among them).
    expect(await admin.client.getTransactionCount({ address: me.vault })).toBe(nonce0 + confirmed.length);
  }, 180_000);
});
