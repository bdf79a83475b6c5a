import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { getAddress, toHex, type Address, type Hex } from 'viem';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJournalDb } from '../src/journal/open-journal.js';
import type { Anvil } from './support/anvil.js';
import { cliRun, ROOT, tempDir } from './support/cli.js';
import { doublesPolicyText, writeDoublesDeployment } from './support/doubles-config.js';
import type { ExecDoubles } from './support/exec-doubles.js';
import { createSafe, type SafeDeployment } from './support/safe-deploy.js';
import { fundSafe } from './support/safe-harness.js';
import type { SafeServiceDouble } from './support/safe-service-double.js';
import { SAFE_DELEGATE, SAFE_OWNERS, startSafeWorld, type SafeWorld } from './support/safe-world.js';
import type { TestChain } from './support/solidity.js';

/**
 * `once --executor safe` as a DAO runs it: the CLI as a subprocess, the bundled vault config with an
 * execution section naming a 2-of-3 Safe on anvil (real v1.4.1 contracts), the proposer key and the
 * service's API key in environment variables, a service double on loopback and a builder-file directory.
 */

const SHIPPED_VAULT = join(ROOT, 'config/vaults/eth-restaking.yaml');
const API_KEY = 'sk-cli-safe-service-key-7f3a9c';
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
const proposerKey = toHex(delegate.getHdKey().privateKey as Uint8Array) as Hex;

beforeAll(async () => {
  world = await startSafeWorld({ apiKey: API_KEY });
  ({ anvil, admin, d, dep, service, delegates } = world);
  dir = tempDir('cli-safe-');
  writeDoublesDeployment(d, join(dir, 'deployment.yaml'));
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

async function vaultFile(name: string, mode: 'dry-run' | 'live', salt: bigint): Promise<{ file: string; safe: Address }> {
  const safe = await createSafe(admin, dep, owners.map((o) => o.address), 2, salt);
  delegates[safe] = [delegate.address];
  await fundSafe(admin, safe);
  writeFileSync(join(dir, `${name}.policy.yaml`), doublesPolicyText(d, safe, 31337));
  const v = parse(readFileSync(SHIPPED_VAULT, 'utf8')) as Record<string, unknown>;
  v.registry = join(ROOT, 'config/assets/ethereum.yaml');
  v.history = join(ROOT, 'history/ethereum.csv');
  v.journal = join(dir, `${name}.sqlite`);
  v.execution = {
    policy: join(dir, `${name}.policy.yaml`),
    evm: { rpcUrl: anvil.rpcUrl, chainId: 31337, vault: safe, fees: { maxFeePerGas: '100 gwei', maxPriorityFeePerGas: '2 gwei' }, deployment: join(dir, 'deployment.yaml') },
    safe: { mode, proposer: { env: 'RK_PROPOSER_KEY' }, multiSendCallOnly: dep.multiSendCallOnly, service: { url: service.url, apiKey: { env: 'RK_SAFE_API_KEY' } }, builderFile: `${name}-batches` },
  };
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(v));
  return { file, safe };
}

function journal(file: string) {
  const db = openJournalDb(file, { readonly: true });
  try {
    return {
      runs: (db.prepare('SELECT mode FROM runs').all() as { mode: string }[]).map((r) => r.mode),
      proposals: db.prepare(`SELECT p.proposal_hash AS hash, p.nonce, (SELECT s.status FROM proposal_status s WHERE s.proposal_id = p.id ORDER BY s.id DESC LIMIT 1) AS status FROM proposals p`).all() as { hash: string; nonce: number; status: string }[],
      actions: (db.prepare(`SELECT (SELECT s.detail_json FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS detail FROM actions a`).all() as { detail: string }[]).map((a) => JSON.parse(a.detail) as Record<string, unknown>),
    };
  } finally {
    db.close();
  }
}

const env = { RK_PROPOSER_KEY: proposerKey, RK_SAFE_API_KEY: API_KEY };

describe('once --executor safe (CLI subprocess against anvil)', () => {
  it('dry-run builds, guards, hashes and simulates as the Safe, and proposes nothing', async () => {
    const { file, safe } = await vaultFile('dry', 'dry-run', 11n);
    const before = service.posts.length;
    const r = await cliRun(['once', '--executor', 'safe', '-c', file], { env });
    expect(r.code, r.stderr).toBe(0);
    const j = journal(join(dir, 'dry.sqlite'));
    expect(j.runs).toEqual(['safe-dry-run']);
    expect(j.proposals).toEqual([]);
    expect(j.actions.length).toBe(4);
    for (const a of j.actions) expect(a).toMatchObject({ dryRun: true, safeTxHash: expect.stringMatching(/^0x[0-9a-f]{64}$/), nonce: '0', simulation: { ok: true } });
    expect(service.posts.length).toBe(before);
    expect(existsSync(join(dir, 'dry-batches'))).toBe(false);
    expect(await admin.client.getBalance({ address: safe })).toBe(100n * 10n ** 18n);
  }, 180_000);

  it('refuses mode: live without --live', async () => {
    const { file } = await vaultFile('noflag', 'live', 12n);
    const r = await cliRun(['once', '--executor', 'safe', '-c', file], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/execution\.safe\.mode is live but the live flag was not given/);
  }, 60_000);

  it('--live proposes one Safe transaction to the service and as a builder file; the API key appears nowhere', async () => {
    const { file, safe } = await vaultFile('live', 'live', 13n);
    const v = await cliRun(['validate-config', file]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(/safe: live, proposer key from \$RK_PROPOSER_KEY, MultiSendCallOnly 0x[0-9a-fA-F]{40}, delivery service 127\.0\.0\.1:\d+ \(API key from \$RK_SAFE_API_KEY\) and builder files in live-batches; stale after 1440 min, replaced beyond 2\.00 % drift/);
    const r = await cliRun(['once', '--executor', 'safe', '--live', '-c', file, '--log-level', 'debug'], { env });
    expect(r.code, r.stderr).toBe(0);
    const j = journal(join(dir, 'live.sqlite'));
    expect(j.runs).toEqual(['safe-propose']);
    expect(j.proposals).toHaveLength(1);
    expect(j.proposals[0]).toMatchObject({ nonce: 0, status: 'proposed' });
    const stored = service.txs.get(j.proposals[0]!.hash.toLowerCase());
    expect(stored?.safe).toBe(getAddress(safe));
    const files = readdirSync(join(dir, 'live-batches'));
    expect(files).toEqual([`${getAddress(safe)}-nonce-0-${j.proposals[0]!.hash.slice(2, 10)}.json`]);
    const bytes = Buffer.concat([readFileSync(join(dir, 'live.sqlite')), ...(existsSync(join(dir, 'live.sqlite-wal')) ? [readFileSync(join(dir, 'live.sqlite-wal'))] : [])]).toString('latin1');
    for (const text of [r.stdout, r.stderr, bytes]) {
      expect(text).not.toContain(API_KEY);
      expect(text.toLowerCase()).not.toContain(proposerKey.slice(2).toLowerCase());
    }
  }, 180_000);
});
