import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getAddress, toHex, type Address, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROPOSAL_FAILPOINTS } from '../src/chains/failpoints.js';
import { startAnvil, type Anvil } from './support/anvil.js';
import { doublesPolicyText } from './support/doubles-config.js';
import { deployExecDoubles, type ExecDoubles } from './support/exec-doubles.js';
import { createSafe, deploySafeContracts, type SafeDeployment } from './support/safe-deploy.js';
import { API_KEY, fundSafe } from './support/safe-harness.js';
import { startSafeServiceDouble, type SafeServiceDouble } from './support/safe-service-double.js';
import { anvilAccount, testChain, type TestChain } from './support/solidity.js';

/**
 * Crash safety of the Safe proposer, for real: the keeper runs as a child process (the compiled dist/,
 * as `once` would) and SIGKILLs itself at each proposal failpoint — after the intent (with its
 * deterministic safeTxHash) is journaled, and after the service accepted the proposal but before
 * 'proposed' is recorded. Restarted (twice), it must deliver that same proposal and never make a second
 * one for the same plan.
 */

const ROOT = resolve(import.meta.dirname, '..');
const RUNNER = join(ROOT, 'test/fixtures/safe-crash-runner.mjs');
const AT = Date.parse('2024-06-12T00:00:00Z');
const HOUR = 3_600_000;

let anvil: Anvil;
let admin: TestChain;
let d: ExecDoubles;
let dep: SafeDeployment;
let service: SafeServiceDouble;
let dir: string;
const owners = [anvilAccount(2), anvilAccount(3), anvilAccount(4)];
const delegate = anvilAccount(5);
const delegates: Record<string, Address[]> = {};

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 31337 });
  admin = testChain(anvil.rpcUrl, { chainId: 31337 });
  d = await deployExecDoubles(admin, { curveSeed: 1000n, curvePrices: { weETH: 10n ** 36n / 961_510_000_000_000_000n }, uniswapPrices: { buy: 854_470_000_000_000_000n } });
  dep = await deploySafeContracts(admin);
  service = await startSafeServiceDouble({ client: admin.client, apiKey: API_KEY, delegates, trustedDelegateCallTargets: [dep.multiSendCallOnly] });
  dir = mkdtempSync(join(tmpdir(), 'safe-crash-'));
}, 180_000);

afterAll(async () => {
  await service?.close();
  await anvil?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface RunOut {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(cfg: Record<string, unknown>, failpoint?: string): Promise<RunOut> {
  const env: NodeJS.ProcessEnv = { ...process.env, SAFE_CRASH_PROPOSER_KEY: toHex(delegate.getHdKey().privateKey as Uint8Array) as Hex };
  delete env.RESTAKE_KEEPER_FAILPOINT;
  if (failpoint) env.RESTAKE_KEEPER_FAILPOINT = failpoint;
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [RUNNER, JSON.stringify(cfg)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', rej);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr });
    });
  });
}

type Proposals = { proposals: Array<{ hash: string; nonce: string; status: string; history: Array<{ status: string; redelivered: boolean }> }> };

describe('SIGKILL between proposing and recording', () => {
  let salt = 100n;
  for (const point of PROPOSAL_FAILPOINTS) {
    it(`${point}: the restarted keeper delivers the same proposal and makes no second one`, async () => {
      const safe = await createSafe(admin, dep, owners.map((o) => o.address), 2, salt++);
      delegates[safe] = [delegate.address];
      await fundSafe(admin, safe);
      const cfg = {
        rpcUrl: anvil.rpcUrl, chainId: 31337, journal: join(dir, `${point}.sqlite`), safe, multiSendCallOnly: dep.multiSendCallOnly, serviceUrl: service.url, apiKey: API_KEY,
        keyEnv: 'SAFE_CRASH_PROPOSER_KEY', addresses: d.addresses, tokens: d.tokens, policyText: doublesPolicyText(d, safe, 31337), at: AT,
      };
      const postsFor = () => service.posts.filter((p) => getAddress(p.path.split('/')[3] as string) === safe);

      const killed = await run(cfg, point);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const delivered = postsFor();
      expect(delivered.length).toBe(point === 'after-proposal-intent' ? 0 : 1);

      // Restart twice, an hour apart each: same proposal, delivered once more at most, never a second one.
      const outs: Proposals[] = [];
      for (const k of [1, 2]) {
        const r = await run({ ...cfg, at: AT + k * HOUR });
        expect(r.code, r.stderr).toBe(0);
        outs.push(JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Proposals);
      }
      for (const o of outs) expect(o.proposals).toHaveLength(1);
      const p = outs[1]!.proposals[0]!;
      expect(p.status).toBe('proposed');
      expect(p.nonce).toBe('0');
      expect(p.history.map((h) => h.status)).toEqual(['intent', 'proposed']);
      expect(p.history[1]!.redelivered).toBe(true);
      const posts = postsFor();
      expect(new Set(posts.map((x) => String(x.body.contractTransactionHash).toLowerCase()))).toEqual(new Set([p.hash.toLowerCase()]));
      expect(posts.every((x) => x.status === 201)).toBe(true);
      expect(posts.length).toBe(delivered.length + 1); // exactly one redelivery, by the first restart
      expect([...service.txs.values()].filter((t) => t.safe === safe)).toHaveLength(1);
    }, 240_000);
  }
});
