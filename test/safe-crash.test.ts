import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getAddress, toHex, type Address, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROPOSAL_FAILPOINTS } from '../src/chains/failpoints.js';
import type { Anvil } from './support/anvil.js';
import { failpointEnv, runNode, type ChildExit } from './support/child-run.js';
import { doublesPolicyText } from './support/doubles-config.js';
import type { ExecDoubles } from './support/exec-doubles.js';
import { createSafe, type SafeDeployment } from './support/safe-deploy.js';
import { API_KEY, fundSafe } from './support/safe-harness.js';
import type { SafeServiceDouble } from './support/safe-service-double.js';
import { SAFE_DELEGATE, SAFE_OWNERS, startSafeWorld, type SafeWorld } from './support/safe-world.js';
import type { TestChain } from './support/solidity.js';

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

let world: SafeWorld;
let anvil: Anvil;
let admin: TestChain;
let d: ExecDoubles;
let dep: SafeDeployment;
let service: SafeServiceDouble;
let delegates: Record<string, Address[]>;
let dir: string;
const owners = SAFE_OWNERS;
const delegate = SAFE_DELEGATE;

beforeAll(async () => {
  world = await startSafeWorld({ apiKey: API_KEY });
  ({ anvil, admin, d, dep, service, delegates } = world);
  dir = mkdtempSync(join(tmpdir(), 'safe-crash-'));
}, 180_000);

afterAll(async () => {
  await world?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(cfg: Record<string, unknown>, failpoint?: string): Promise<ChildExit> {
  const env = failpointEnv(failpoint, { SAFE_CRASH_PROPOSER_KEY: toHex(delegate.getHdKey().privateKey as Uint8Array) as Hex });
  return runNode([RUNNER, JSON.stringify(cfg)], { cwd: ROOT, env, timeoutMs: 90_000 });
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
