import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keypair } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILPOINTS } from '../src/chains/failpoints.js';
import { ata, NATIVE_MINT } from '../src/chains/solana/builders/plumbing.js';
import { openJournal } from '../src/journal/open-journal.js';
import { failpointEnv } from './support/child-run.js';
import { POLICY_FILE, systemAccount } from './support/sol-exec.js';
import { startSvmRpc, type SvmRpc } from './support/svm-rpc.js';

/**
 * Crash safety of the Solana executor: the keeper (a child process over dist/) is SIGKILLed at each
 * failpoint, several times, and restarted; the chain is a loopback JSON-RPC endpoint over solana-bankrun
 * in a server child of its own (svm-rpc.ts), so it outlives every kill, and a bankrun stall fails this
 * test by a timeout instead of hanging the test process (as it once did when bankrun ran in here). Every
 * action wraps 1 SOL, so a double execution shows as wrapped SOL beyond the confirmed actions. The second trial of each failpoint moves the chain past the
 * killed transaction's lastValidBlockHeight while the keeper is down (a blockhash that expires unsent, or
 * sent and never landed), so recovery has to prove absence and re-sign.
 */
const RUNNER = fileURLToPath(new URL('./fixtures/sol-crash-runner.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOL = 1_000_000_000n;
/** Trials per failpoint; RESTAKE_KEEPER_SOLANA_CRASH_TRIALS raises it for a longer soak (never below 3). */
const TRIALS = Math.max(3, Number(process.env.RESTAKE_KEEPER_SOLANA_CRASH_TRIALS ?? 3) || 3);
/** A keeper run that has not exited by then is killed and the test fails, saying whether the chain still answers. */
const KEEPER_RUN_MS = 90_000;

let rpc: SvmRpc;
let dir: string;
const vault = Keypair.generate();
beforeAll(async () => {
  rpc = await startSvmRpc([{ address: vault.publicKey, info: systemAccount(10_000n * SOL) }], { blockTimeMs: 20 });
  dir = mkdtempSync(join(tmpdir(), 'sol-crash-'));
});
afterAll(async () => {
  await rpc?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function runChild(journal: string, failpoint?: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const env = failpointEnv(failpoint, { TEST_SOL_KEY: JSON.stringify([...vault.secretKey]), RUST_LOG: 'error' });
    const child = spawn(process.execPath, [RUNNER, JSON.stringify({ rpcUrl: rpc.url, journal, policy: POLICY_FILE, lamports: SOL.toString() })], { cwd: ROOT, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      void rpc.ping().then(
        () => reject(new Error(`keeper run (${failpoint ?? 'no failpoint'}) did not exit within ${KEEPER_RUN_MS} ms (killed); the SVM server still answers; keeper stderr ends:\n${err.slice(-800)}`)),
        (e: Error) => reject(new Error(`keeper run (${failpoint ?? 'no failpoint'}) did not exit within ${KEEPER_RUN_MS} ms (killed): ${e.message}`)),
      );
    }, KEEPER_RUN_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
  });
}

async function wrapped(): Promise<bigint> {
  const a = await rpc.getAccount(ata(vault.publicKey, NATIVE_MINT));
  return a ? a.data.readBigUInt64LE(64) : 0n;
}

describe('Solana crash safety (SIGKILL at each failpoint, restart, reconcile)', () => {
  it(`${FAILPOINTS.length} failpoints × ${TRIALS} trials: no action executed twice, across blockhash expiry too; every journal ends consistent`, async () => {
    const summary: Array<Record<string, unknown>> = [];
    const t0 = Date.now();
    for (const fp of FAILPOINTS) {
      for (let trial = 1; trial <= TRIALS; trial++) {
        const journal = join(dir, `${fp}-${trial}.sqlite`);
        const processedBefore = (await rpc.processed()).length;
        const wrappedBefore = await wrapped();
        // The failpoint's hit counts up the trials: later trials die at a later action of the run.
        const spec = `${fp}@${((trial - 1) % 2) + 1}`;
        const killed = await runChild(journal, spec);
        expect({ spec, signal: killed.signal, code: killed.code }, killed.err.slice(-800)).toMatchObject({ spec, signal: 'SIGKILL' });
        const expire = trial === 2;
        if (expire) await rpc.advance(160);
        const again = await runChild(journal);
        if (again.code !== 0) {
          const [sends, processed, refusals] = await Promise.all([rpc.sends(), rpc.processed(), rpc.refusals()]);
          expect(again.code, `${spec} expire=${expire}: ${again.err.slice(-600)} sends=${sends.length} processed=${processed.length} refusals=${refusals.slice(-3).join(' | ')}`).toBe(0);
        }

        const j = openJournal(journal);
        try {
          const statuses = j.db
            .prepare('SELECT a.id, (SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS status FROM actions a')
            .all() as Array<{ id: number; status: string }>;
          expect(statuses.every((s) => ['confirmed', 'failed', 'abandoned'].includes(s.status)), JSON.stringify(statuses)).toBe(true);
          expect(j.openTransactions()).toHaveLength(0);
          const confirmedTxs = j.db
            .prepare("SELECT t.action_id AS actionId, t.tx_hash AS hash FROM transactions t WHERE (SELECT s.status FROM transaction_status s WHERE s.transaction_id = t.id ORDER BY s.id DESC LIMIT 1) = 'confirmed'")
            .all() as Array<{ actionId: number; hash: string }>;
          // One landed transaction per action at most, and exactly the journal's confirmed ones landed.
          expect(new Set(confirmedTxs.map((t) => t.actionId)).size).toBe(confirmedTxs.length);
          const landed = (await rpc.processed()).slice(processedBefore);
          expect(new Set(landed)).toEqual(new Set(confirmedTxs.map((t) => t.hash)));
          const confirmedActions = statuses.filter((s) => s.status === 'confirmed').length;
          expect(confirmedActions).toBe(confirmedTxs.length);
          // Balances moved exactly as the confirmed actions say: a double execution would wrap more.
          expect((await wrapped()) - wrappedBefore).toBe(BigInt(confirmedActions) * SOL);
          const resigned = j.db.prepare("SELECT COUNT(*) AS n FROM transactions WHERE kind = 'replacement'").get() as { n: number };
          summary.push({ fp: spec, expire, actions: statuses.length, confirmed: confirmedActions, resigned: resigned.n, doubles: confirmedTxs.length - new Set(confirmedTxs.map((t) => t.actionId)).size });
        } finally {
          j.close();
        }
      }
    }
    console.log(JSON.stringify(summary));
    const total = (k: string) => summary.reduce((n, s) => n + (s[k] as number), 0);
    console.log(`solana-crash figures: trials=${summary.length} doubleExecutions=${total('doubles')} confirmed=${total('confirmed')} resigned=${total('resigned')} resignedAfterExpiry=${summary.filter((s) => s.expire).reduce((n, s) => n + (s.resigned as number), 0)} wallMs=${Date.now() - t0}`);
    expect(summary).toHaveLength(FAILPOINTS.length * TRIALS);
    expect(summary.every((s) => s.doubles === 0)).toBe(true);
    // The kills after signing with the chain moved past expiry were recovered by re-signing.
    expect(summary.some((s) => s.expire && (s.resigned as number) > 0)).toBe(true);
  }, 900_000);
});
