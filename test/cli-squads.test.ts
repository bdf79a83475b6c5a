import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PublicKey, type AccountInfo } from '@solana/web3.js';
import * as multisig from '@sqds/multisig';
import { afterAll, describe, expect, it } from 'vitest';
import { openJournalDb } from '../src/journal/open-journal.js';
import { cliRun, ROOT, tempDir } from './support/cli.js';
import { loadDump } from './support/sol-accounts.js';
import { systemAccount } from './support/sol-exec.js';
import { startSvmRpc, type SvmRpc } from './support/svm-rpc.js';

/**
 * `once --executor squads` as an operator runs it: the CLI as a subprocess (built dist), the bundled
 * sol-staking vault with an execution.squads section in dry-run, its execution.solana vault and policy
 * vault the Squads vault PDA, reading the real JitoSOL pool and Marinade accounts (rates set to the
 * recorded ones of 2023-03-01) from the loopback bankrun RPC. Dry-run builds and guards only: nothing is
 * sent (the Squads program is not in bankrun).
 */
const SOL = 1_000_000_000n;
const [MULTISIG] = multisig.getMultisigPda({ createKey: new PublicKey('6cNrbqNiYtr5kSdMgRRFGhPZCPDJcxzH9ZAWMDqMYfDo') });
const [VAULT] = multisig.getVaultPda({ multisigPda: MULTISIG, index: 0 });
let rpc: SvmRpc | undefined;
afterAll(async () => {
  await rpc?.close();
});

const info = (a: { lamports: bigint; data: Uint8Array; owner: PublicKey }): AccountInfo<Uint8Array> => ({ lamports: Number(a.lamports), data: a.data, owner: a.owner, executable: false });

describe('once --executor squads (CLI subprocess, bankrun RPC)', () => {
  it('dry-run: the plan built on the vault PDA and guarded, journaled as a squads-dry-run run, nothing sent; --live against a dry-run section is refused', async () => {
    const pool = loadDump('jitoSOL_stake_pool.json');
    const poolData = Buffer.from(pool.account.data);
    poolData.writeBigUInt64LE((poolData.readBigUInt64LE(266) * 4000n * SOL) / 3_917_252_872_000n + 1n, 258);
    const state = loadDump('mSOL_stake_pool.json');
    const stateData = Buffer.from(state.account.data);
    stateData.writeBigUInt64LE(((4000n * SOL) << 32n) / 3_649_807_424_000n + 1n, 512);
    const rest = ['jitoSOL_stake_pool_reserve_stake.json', 'jitoSOL_stake_pool_manager_fee.json', 'jitoSOL_mint.json', 'mSOL_mint.json'].map((f) => {
      const d = loadDump(f);
      return { address: d.pubkey, info: info(d.account) };
    });
    rpc = await startSvmRpc([{ address: VAULT, info: systemAccount(10_000n * SOL) }, { address: pool.pubkey, info: info({ ...pool.account, data: poolData }) }, { address: state.pubkey, info: info({ ...state.account, data: stateData }) }, ...rest], {});
    const dir = tempDir('cli-squads-');
    writeFileSync(join(dir, 'policy.yaml'), readFileSync(join(ROOT, 'config/policies/sol-staking.policy.yaml'), 'utf8').replace('11111111111111111111111111111112', VAULT.toBase58()));
    const file = join(dir, 'vault.yaml');
    writeFileSync(file, `${readFileSync(join(ROOT, 'config/vaults/sol-staking.yaml'), 'utf8')
      .replace('../assets/solana.yaml', join(ROOT, 'config/assets/solana.yaml'))
      .replace('../../history/solana.csv', join(ROOT, 'history/solana.csv'))
      .replace('../../var/sol-staking.sqlite', join(dir, 'journal.sqlite'))
      .replace('../policies/sol-staking.policy.yaml', join(dir, 'policy.yaml'))
      .replace('http://127.0.0.1:8899', rpc.url)
      .replace('"11111111111111111111111111111112"', `"${VAULT.toBase58()}"`)}
  squads:
    multisig: "${MULTISIG.toBase58()}"
`);
    const r = await cliRun(['once', '--executor', 'squads', '-c', file]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/squads-dry-run/);
    const db = openJournalDb(join(dir, 'journal.sqlite'));
    try {
      expect((db.prepare('SELECT mode FROM runs').all() as { mode: string }[]).map((x) => x.mode)).toEqual(['squads-dry-run']);
      const actions = db.prepare(`SELECT a.kind || ' ' || a.from_asset || '→' || a.to_asset AS what, (SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS status, (SELECT s.detail_json FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS detail FROM actions a ORDER BY a.seq`).all() as { what: string; status: string; detail: string }[];
      expect(actions.map((a) => a.what)).toEqual(['mint SOL→JitoSOL', 'mint SOL→mSOL']);
      for (const a of actions) {
        expect(a.status, a.detail).toBe('skipped');
        expect(JSON.parse(a.detail)).toMatchObject({ dryRun: true, rules: expect.arrayContaining([expect.stringContaining('spl-deposit-sol-slippage'), expect.stringContaining('marinade-deposit')]) });
      }
      expect(db.prepare('SELECT COUNT(*) AS n FROM proposals').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
    expect(rpc.sends).toEqual([]);

    const live = await cliRun(['once', '--executor', 'squads', '--live', '-c', file]);
    expect(live.code).not.toBe(0);
    expect(live.stdout + live.stderr).toMatch(/the live flag was given but execution\.squads\.mode is dry-run/);
  }, 120_000);
});
