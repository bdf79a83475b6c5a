import { join } from 'node:path';
import { PublicKey } from '@solana/web3.js';
import * as multisig from '@sqds/multisig';
import { afterAll, describe, expect, it } from 'vitest';
import { openJournalDb } from '../src/journal/open-journal.js';
import { cliRun, ROOT, tempDir } from './support/cli.js';
import { recordedRatePoolAccounts } from './support/sol-accounts.js';
import { systemAccount } from './support/sol-exec.js';
import { writeSolStakingConfig } from './support/sol-staking-config.js';
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

describe('once --executor squads (CLI subprocess, bankrun RPC)', () => {
  it('dry-run: the plan built on the vault PDA and guarded, journaled as a squads-dry-run run, nothing sent; --live against a dry-run section is refused', async () => {
    rpc = await startSvmRpc([{ address: VAULT, info: systemAccount(10_000n * SOL) }, ...recordedRatePoolAccounts()]);
    const dir = tempDir('cli-squads-');
    const file = writeSolStakingConfig(dir, { vault: VAULT, rpcUrl: rpc.url, journal: join(dir, 'journal.sqlite'), extra: `  squads:\n    multisig: "${MULTISIG.toBase58()}"\n` });
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
    expect(await rpc.sends()).toEqual([]);

    const live = await cliRun(['once', '--executor', 'squads', '--live', '-c', file]);
    expect(live.code).not.toBe(0);
    expect(live.stdout + live.stderr).toMatch(/the live flag was given but execution\.squads\.mode is dry-run/);
  }, 120_000);
});
