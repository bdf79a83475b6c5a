import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { erc20Abi, getAddress, parseEther, type Address, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMultiSendCalldata, plainSafeTx, rejectionSafeTx, safeAbi, safeTxHash, type SafeTx } from '../src/chains/evm/safe/safe-tx.js';
import type { ProposalRecord } from '../src/journal/proposal-journal.js';
import { startAnvil, type Anvil } from './support/anvil.js';
import { deployExecDoubles, type ExecDoubles } from './support/exec-doubles.js';
import { createSafe, deploySafeContracts, execSafeTx, ownerSignature, packSignatures, type SafeDeployment } from './support/safe-deploy.js';
import { API_KEY, fundSafe, proposerRig, type ProposerRig } from './support/safe-harness.js';
import { startSafeServiceDouble, type SafeServiceDouble, type StoredTx } from './support/safe-service-double.js';
import { anvilAccount, testChain, type TestChain } from './support/solidity.js';

/**
 * Propose through a real Safe v1.4.1 on anvil (singleton, proxy factory, MultiSendCallOnly, fallback
 * handler from the npm artifacts; a 2-of-3 Safe created through the factory), with the protocol doubles
 * and a loopback Safe Transaction Service that checks hash, sender and signature. The keeper holds only a
 * delegate's key (account 5); owners are accounts 2, 3, 4; account 6 relays execTransaction.
 */

const AT = Date.parse('2024-06-12T00:00:00Z');
const HOUR = 3_600_000;

let anvil: Anvil;
let admin: TestChain;
let relayer: TestChain;
let d: ExecDoubles;
let dep: SafeDeployment;
let service: SafeServiceDouble;
let dir: string;
const owners = [anvilAccount(2), anvilAccount(3), anvilAccount(4)];
const delegate = anvilAccount(5);
const delegates: Record<string, Address[]> = {};
const rigs: ProposerRig[] = [];
let salt = 1n;

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 31337 });
  admin = testChain(anvil.rpcUrl, { chainId: 31337 });
  relayer = testChain(anvil.rpcUrl, { chainId: 31337, accountIndex: 6 });
  d = await deployExecDoubles(admin, { curveSeed: 1000n, curvePrices: { weETH: 10n ** 36n / 961_510_000_000_000_000n }, uniswapPrices: { buy: 854_470_000_000_000_000n } });
  dep = await deploySafeContracts(admin);
  service = await startSafeServiceDouble({ client: admin.client, apiKey: API_KEY, delegates, trustedDelegateCallTargets: [dep.multiSendCallOnly, dep.multiSend] });
  dir = mkdtempSync(join(tmpdir(), 'safe-propose-'));
}, 180_000);

afterAll(async () => {
  for (const r of rigs) r.journal.close();
  await service?.close();
  await anvil?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh funded 2-of-3 Safe with the delegate registered, and a keeper rig on its own journal. */
async function freshSafe(name: string, o: { staleAfterMs?: number; multiSendCallOnly?: Address; builder?: boolean } = {}): Promise<{ safe: Address; rig: ProposerRig }> {
  const safe = await createSafe(admin, dep, owners.map((x) => x.address), 2, salt++);
  delegates[safe] = [delegate.address];
  await fundSafe(admin, safe);
  const rig = await proposerRig({ admin, d, dep, safe, signer: delegate, journalPath: join(dir, `${name}.sqlite`), serviceUrl: service.url, ...(o.builder ? { builderDir: join(dir, `${name}-batches`) } : {}), staleAfterMs: o.staleAfterMs, multiSendCallOnly: o.multiSendCallOnly });
  rigs.push(rig);
  return { safe, rig };
}

function safeTxOf(s: StoredTx): SafeTx {
  return { to: s.to, value: BigInt(s.value), data: s.data, operation: s.operation as 0 | 1, safeTxGas: BigInt(s.safeTxGas), baseGas: BigInt(s.baseGas), gasPrice: BigInt(s.gasPrice), gasToken: s.gasToken, refundReceiver: s.refundReceiver, nonce: BigInt(s.nonce) };
}

/** Two owners confirm through the service, as the Safe app does. */
async function twoOwnersConfirm(safe: Address, stored: StoredTx) {
  const tx = safeTxOf(stored);
  for (const o of owners.slice(0, 2)) {
    const signature = await ownerSignature(o, 31337, safe, tx);
    const res = await fetch(`${service.url}/v1/multisig-transactions/${stored.safeTxHash}/confirmations/`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` }, body: JSON.stringify({ signature }) });
    expect(res.status).toBe(201);
  }
}

/** The relayer executes with the confirmations the service collected. */
async function executeConfirmed(safe: Address, stored: StoredTx) {
  const tx = safeTxOf(stored);
  const sigs = stored.confirmations.map((c) => ({ owner: c.owner, signature: c.signature }));
  expect(sigs.length).toBe(2);
  return execSafeTx(relayer, safe, tx, packSignatures(sigs));
}

async function ownersExecute(safe: Address, tx: SafeTx) {
  const sigs = [];
  for (const o of owners.slice(1, 3)) sigs.push({ owner: o.address, signature: await ownerSignature(o, 31337, safe, tx) });
  return execSafeTx(relayer, safe, tx, packSignatures(sigs));
}

async function balances(safe: Address): Promise<Record<string, bigint>> {
  const out: Record<string, bigint> = { ETH: await admin.client.getBalance({ address: safe }) };
  for (const [id, token] of Object.entries(d.tokens)) out[id] = await admin.client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [safe] });
  return out;
}

const actionRows = (rig: ProposerRig) =>
  rig.journal.db
    .prepare(`SELECT a.id, a.cycle_id AS cycleId, (SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS status, (SELECT s.detail_json FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) AS detail FROM actions a ORDER BY a.id`)
    .all() as { id: number; cycleId: number; status: string; detail: string }[];
const events = (rig: ProposerRig, kind: string) => rig.journal.db.prepare('SELECT message, data_json AS data FROM events WHERE kind = ? ORDER BY id').all(kind) as { message: string; data: string }[];
const proposalsOf = (rig: ProposerRig, safe: Address): ProposalRecord[] => rig.proposals.ofAccount('evm:31337', getAddress(safe));

describe('a Safe proposal through its whole life', () => {
  it('propose → two owners sign → execTransaction → balances as planned → executed and reconciled', async () => {
    const { safe, rig } = await freshSafe('whole', { builder: true });
    const before = await balances(safe);

    await rig.cycle(AT);
    const [p] = proposalsOf(rig, safe);
    expect(p, 'one proposal').toBeDefined();
    expect(p!.status).toBe('proposed');
    expect(p!.nonce).toBe(0n);
    // The service holds it under the hash the keeper journaled; its own recomputation (the Safe's getTransactionHash) agreed.
    const stored = service.txs.get(p!.hash.toLowerCase())!;
    expect(stored).toBeDefined();
    expect(stored.proposer).toBe(getAddress(delegate.address));
    expect(stored.confirmations).toEqual([]); // a delegate's signature proposes, it does not confirm
    const post = service.posts.find((x) => (x.body.contractTransactionHash as string).toLowerCase() === p!.hash.toLowerCase())!;
    expect(post.status).toBe(201);
    expect(post.authorization).toBe(`Bearer ${API_KEY}`);
    // One Safe transaction: DELEGATECALL to MultiSendCallOnly carrying every inner call of the plan.
    expect(stored.to).toBe(getAddress(dep.multiSendCallOnly));
    expect(stored.operation).toBe(1);
    const inner = decodeMultiSendCalldata(stored.data);
    const actions = actionRows(rig);
    expect(actions.length).toBe(4);
    expect(inner.length).toBe(11); // wrap+approve+swap, wrap+approve+supply, wrap+approve+exchange, approve+supply
    expect(inner.every((c) => c.operation === 0)).toBe(true);
    expect(safeTxHash(31337, safe, safeTxOf(stored))).toBe(p!.hash);
    // The origin carries rationale, expected changes and the simulation, within the service's bound.
    expect(stored.origin!.length).toBeLessThanOrEqual(200);
    expect(stored.origin).toMatch(/cycle \d+ \|.*\| changes: .*ETH -\d.*\| simulated as the Safe: ok, gas \d+/);
    // The actions end skipped naming the proposal (the keeper moved nothing itself) and balances did not move.
    for (const a of actions) {
      expect(a.status).toBe('skipped');
      expect(JSON.parse(a.detail).proposal.safeTxHash).toBe(p!.hash);
    }
    expect(await balances(safe)).toEqual(before);
    // The Transaction Builder file has the same 11 calls.
    const files = readdirSync(join(dir, 'whole-batches'));
    expect(files).toHaveLength(1);
    const file = JSON.parse(readFileSync(join(dir, 'whole-batches', files[0]!), 'utf8')) as { chainId: string; transactions: { to: string; data: string; value: string }[]; meta: { description: string } };
    expect(file.chainId).toBe('31337');
    expect(file.transactions.map((t) => t.data)).toEqual(inner.map((c) => c.data));
    expect(file.meta.description).toContain('Expected balance changes of the Safe');

    // While it is pending the keeper makes no new proposal.
    await rig.cycle(AT + HOUR);
    expect(proposalsOf(rig, safe)).toHaveLength(1);
    expect(service.txs.size).toBe([...service.txs.values()].length);
    const pendingCycle = actionRows(rig).filter((a) => a.cycleId !== actions[0]!.cycleId);
    for (const a of pendingCycle) expect(JSON.parse(a.detail).reason).toMatch(/is pending .* no new proposal while it is/);

    // Two owners sign through the service; the keeper records the confirmations; a relayer executes.
    await twoOwnersConfirm(safe, stored);
    await rig.cycle(AT + 90 * 60_000);
    const conf = rig.proposals.history(p!.id).filter((h) => h.status === 'confirmations');
    expect(conf).toHaveLength(1);
    expect(conf[0]!.detail).toMatchObject({ count: 2, required: 2, owners: owners.slice(0, 2).map((o) => getAddress(o.address)) });
    expect(proposalsOf(rig, safe)).toHaveLength(1);
    const receipt = await executeConfirmed(safe, stored);
    expect(receipt.status).toBe('success');
    const after = await balances(safe);
    // Every asset moved by the plan's net change, within 1 % of the asset's gross flow through the batch
    // (a fill at its quote rather than its estimate; the chained weETH leg was sized for the buy's minimum out).
    const expected = (p!.description as { expectedChanges: Record<string, string> }).expectedChanges;
    const gross = (p!.payload as { grossFlows: Record<string, string> }).grossFlows;
    for (const [asset, exp] of Object.entries(expected)) {
      const got = after[asset]! - before[asset]!;
      const diff = got > BigInt(exp) ? got - BigInt(exp) : BigInt(exp) - got;
      expect(diff * 100n, `${asset}: ${got} vs ${exp}`).toBeLessThanOrEqual(BigInt(gross[asset]!));
    }
    // Deterministic legs moved exactly: the Aave WETH supply and the ETH spent (the Safe pays no gas).
    expect(after['aave-v3-WETH']! - before['aave-v3-WETH']!).toBe(BigInt(expected['aave-v3-WETH']!));
    expect(after.ETH! - before.ETH!).toBe(BigInt(expected.ETH!));

    await rig.cycle(AT + 2 * HOUR);
    const done = rig.proposals.proposal(p!.id)!;
    expect(done.status).toBe('executed');
    expect(done.statusDetail).toMatchObject({ txHash: receipt.transactionHash, block: receipt.blockNumber.toString(), safeTxHash: p!.hash.toLowerCase() });
    expect((done.statusDetail as { reconciliation: { ok: boolean } }).reconciliation.ok).toBe(true);
    expect(events(rig, 'proposal-executed')).toHaveLength(1);
    expect(events(rig, 'reconciliation-mismatch')).toHaveLength(0);
    // Any new proposal after the execution is at the next nonce.
    for (const q of proposalsOf(rig, safe).slice(1)) expect(q.nonce).toBe(1n);
  }, 240_000);
});
