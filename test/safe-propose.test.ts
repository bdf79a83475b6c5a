import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { erc20Abi, getAddress, parseEther, type Address, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMultiSendCalldata, plainSafeTx, rejectionSafeTx, safeAbi, safeTxHash, type SafeTx } from '../src/chains/evm/safe/safe-tx.js';
import type { ProposalRecord } from '../src/journal/proposal-journal.js';
import type { Anvil } from './support/anvil.js';
import type { ExecDoubles } from './support/exec-doubles.js';
import { createSafe, execSafeTx, ownerSignature, packSignatures, type SafeDeployment } from './support/safe-deploy.js';
import { API_KEY, fundSafe, proposerRig, type ProposerRig } from './support/safe-harness.js';
import type { SafeServiceDouble, StoredTx } from './support/safe-service-double.js';
import { SAFE_DELEGATE, SAFE_OWNERS, startSafeWorld, type SafeWorld } from './support/safe-world.js';
import { anvilAccount, testChain, type TestChain } from './support/solidity.js';

/**
 * Propose through a real Safe v1.4.1 on anvil (singleton, proxy factory, MultiSendCallOnly, fallback
 * handler from the npm artifacts; a 2-of-3 Safe created through the factory), with the protocol doubles
 * and a loopback Safe Transaction Service that checks hash, sender and signature. The keeper holds only a
 * delegate's key (account 5); owners are accounts 2, 3, 4; account 6 relays execTransaction.
 */

const AT = Date.parse('2024-06-12T00:00:00Z');
const HOUR = 3_600_000;

let world: SafeWorld;
let anvil: Anvil;
let admin: TestChain;
let relayer: TestChain;
let d: ExecDoubles;
let dep: SafeDeployment;
let service: SafeServiceDouble;
let delegates: Record<string, Address[]>;
let dir: string;
const owners = SAFE_OWNERS;
const delegate = SAFE_DELEGATE;
const rigs: ProposerRig[] = [];
let salt = 1n;

beforeAll(async () => {
  world = await startSafeWorld({ apiKey: API_KEY, trustMultiSend: true });
  ({ anvil, admin, d, dep, service, delegates } = world);
  relayer = testChain(anvil.rpcUrl, { chainId: 31337, accountIndex: 6 });
  dir = mkdtempSync(join(tmpdir(), 'safe-propose-'));
}, 180_000);

afterAll(async () => {
  for (const r of rigs) r.journal.close();
  await world?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh funded 2-of-3 Safe with the delegate registered, and a keeper rig on its own journal. */
async function freshSafe(name: string, o: { staleAfterMs?: number; multiSendCallOnly?: Address; builder?: boolean; threshold?: number; proposer?: typeof delegate } = {}): Promise<{ safe: Address; rig: ProposerRig }> {
  const safe = await createSafe(admin, dep, owners.map((x) => x.address), o.threshold ?? 2, salt++);
  delegates[safe] = [delegate.address];
  await fundSafe(admin, safe);
  const rig = await proposerRig({ admin, d, dep, safe, signer: o.proposer ?? delegate, journalPath: join(dir, `${name}.sqlite`), serviceUrl: service.url, ...(o.builder ? { builderDir: join(dir, `${name}-batches`) } : {}), staleAfterMs: o.staleAfterMs, multiSendCallOnly: o.multiSendCallOnly });
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
    expect(pendingCycle.length).toBeGreaterThan(0);
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

describe("a proposal's other fates", () => {
  it('left unexecuted past its staleness → replaced at the same nonce, saying why (an owner as proposer)', async () => {
    const proposer = owners[0]!;
    const { safe, rig } = await freshSafe('stale', { staleAfterMs: 6 * HOUR, proposer });
    await rig.cycle(AT);
    const [a] = proposalsOf(rig, safe);
    expect(a!.status).toBe('proposed');
    // An owner's proposal is also its first confirmation.
    expect(service.txs.get(a!.hash.toLowerCase())!.confirmations.map((c) => c.owner)).toEqual([getAddress(proposer.address)]);
    await rig.cycle(AT + 2 * HOUR); // not stale yet
    expect(proposalsOf(rig, safe)).toHaveLength(1);
    await rig.cycle(AT + 7 * HOUR);
    const [a2, b] = proposalsOf(rig, safe);
    expect(a2!.status).toBe('stale');
    expect(JSON.stringify(a2!.statusDetail)).toMatch(/past the 360 min staleness bound/);
    expect(b!.status).toBe('proposed');
    expect(b!.nonce).toBe(a!.nonce);
    expect(b!.replacesId).toBe(a!.id);
    expect(b!.hash).not.toBe(a!.hash);
    expect((b!.description as { replaces: { safeTxHash: string; reason: string } }).replaces).toMatchObject({ safeTxHash: a!.hash, reason: expect.stringMatching(/staleness/) });
    expect(events(rig, 'proposal-replaced')).toHaveLength(1);
    // Both are at the service at nonce 0; the signers can only ever execute one of them.
    const atZero = [...service.txs.values()].filter((t) => t.safe === safe && t.nonce === 0);
    expect(atZero.map((t) => t.safeTxHash).sort()).toEqual([a!.hash, b!.hash].sort());
  }, 180_000);

  it('rejected by the owners (a 0-value transaction at that nonce) → recorded, and the keeper plans again', async () => {
    const { safe, rig } = await freshSafe('rejected');
    await rig.cycle(AT);
    const [a] = proposalsOf(rig, safe);
    const receipt = await ownersExecute(safe, rejectionSafeTx(safe, a!.nonce));
    expect(receipt.status).toBe('success');
    await rig.cycle(AT + HOUR);
    const [a2, b] = proposalsOf(rig, safe);
    expect(a2!.status).toBe('rejected');
    expect(a2!.statusDetail).toMatchObject({ txHash: receipt.transactionHash, block: receipt.blockNumber.toString() });
    expect(events(rig, 'proposal-rejected')).toHaveLength(1);
    // Planned again in the same cycle: a new proposal at the next nonce.
    expect(b!.status).toBe('proposed');
    expect(b!.nonce).toBe(1n);
    expect(b!.replacesId).toBeNull();
  }, 180_000);

  it('a Safe nonce used outside the keeper is detected and recorded', async () => {
    const { safe, rig } = await freshSafe('external');
    await rig.cycle(AT);
    const [a] = proposalsOf(rig, safe);
    // The owners do something else at that nonce: send 1 ETH to owner 3.
    const receipt = await ownersExecute(safe, plainSafeTx({ to: owners[2]!.address, value: parseEther('1'), data: '0x', operation: 0, nonce: a!.nonce }));
    expect(receipt.status).toBe('success');
    await rig.cycle(AT + HOUR);
    const [a2, b] = proposalsOf(rig, safe);
    expect(a2!.status).toBe('replaced');
    expect(a2!.statusDetail).toMatchObject({ nonceUsed: true, external: true, txHash: receipt.transactionHash, to: getAddress(owners[2]!.address), value: parseEther('1').toString() });
    const ev = events(rig, 'safe-nonce-external');
    expect(ev).toHaveLength(1);
    expect(ev[0]!.message).toMatch(/Safe nonce 0 was used by a transaction the keeper did not propose/);
    expect(b!.nonce).toBe(1n);
    // The keeper planned from the Safe's real balance (99 ETH), not the journal's.
    expect(events(rig, 'holdings-drift').length + events(rig, 'holdings-synced').length).toBeGreaterThan(0);
    // The owners use nonces 1 and 2 for their own transfers: nonce 1 took B's place, nonce 2 had no
    // proposal of the keeper's at all; both are recorded before the next proposal (at 3).
    for (const n of [1n, 2n]) expect((await ownersExecute(safe, plainSafeTx({ to: owners[2]!.address, value: 1n, data: '0x', operation: 0, nonce: n }))).status).toBe('success');
    await rig.cycle(AT + 2 * HOUR);
    const all = proposalsOf(rig, safe);
    expect(all[1]).toMatchObject({ status: 'replaced', statusDetail: { nonceUsed: true, external: true } });
    expect(all[2]!.nonce).toBe(3n);
    const outside = events(rig, 'safe-nonce-external').map((e) => e.message);
    expect(outside).toHaveLength(3);
    expect(outside[1]).toMatch(/Safe nonce 1 was used by a transaction the keeper did not propose/);
    expect(outside[2]).toMatch(/Safe nonce 2 used by transactions the keeper did not propose \(the Safe's nonce is now 3\)/);
  }, 180_000);

  it('a halt with a proposal pending: the keeper proposes the Safe\'s cancel at the same nonce, saying why; the owners execute it', async () => {
    const { safe, rig } = await freshSafe('halt');
    await rig.cycle(AT);
    const [a] = proposalsOf(rig, safe);
    // What the keeper hands a plan-at-once executor on a halted cycle: no plan, the breakers that fired.
    const firing = { breaker: 'drawdown', action: 'halt', held: true, message: 'drawdown 12 % beyond the 10 % bound' };
    await rig.proposer.executePlan([], { holdings: new Map(), pending: [], indexSeen: new Map() } as never, { universe: rig.vault.universe, snapshot: { time: AT, assets: new Map() } as never, now: AT + HOUR, cycleId: a!.cycleId!, rationale: ['halted: drawdown'], firings: [firing] });
    const [a2, cancel] = proposalsOf(rig, safe);
    expect(a2!.status).toBe('replaced');
    expect(JSON.stringify(a2!.statusDetail)).toMatch(/breaker drawdown fired on the vault \(halt\)/);
    expect(cancel!.nonce).toBe(a!.nonce);
    expect(cancel!.status).toBe('proposed');
    const stored = service.txs.get(cancel!.hash.toLowerCase())!;
    expect(stored).toMatchObject({ to: getAddress(safe), value: '0', data: '0x', operation: 0, nonce: 0 });
    expect(stored.origin).toMatch(/replaces 0x[0-9a-f]{8}: breaker drawdown/);
    // The owners execute the cancel: it takes the nonce, nothing moves, the keeper records it executed.
    const before = await balances(safe);
    const receipt = await ownersExecute(safe, safeTxOf(stored));
    expect(receipt.status).toBe('success');
    expect(await balances(safe)).toEqual(before);
    await rig.proposer.follow();
    expect(rig.proposals.proposal(cancel!.id)).toMatchObject({ status: 'executed', statusDetail: { txHash: receipt.transactionHash } });
    expect(rig.proposals.proposal(a!.id)!.status).toBe('replaced');
  }, 180_000);

  it('a service outage leaves the journaled intent, and the next cycle delivers that same proposal', async () => {
    const { safe, rig } = await freshSafe('outage');
    service.outage = 503;
    try {
      await rig.cycle(AT);
    } finally {
      service.outage = undefined;
    }
    const [a] = proposalsOf(rig, safe);
    expect(a!.status).toBe('intent');
    expect(events(rig, 'proposal-delivery-failed')).toHaveLength(1);
    expect(service.txs.has(a!.hash.toLowerCase())).toBe(false);
    await rig.cycle(AT + HOUR);
    const all = proposalsOf(rig, safe);
    expect(all).toHaveLength(1);
    expect(all[0]!.status).toBe('proposed');
    expect(rig.proposals.history(a!.id).map((h) => h.status)).toEqual(['intent', 'proposed']);
    expect(service.txs.has(a!.hash.toLowerCase())).toBe(true);
  }, 180_000);

  it('a delegatecall target other than MultiSendCallOnly is refused before anything is signed or sent', async () => {
    // The config points "multiSendCallOnly" at MultiSend, which can delegatecall anything.
    const postsBefore = service.posts.length;
    const { safe, rig } = await freshSafe('bad-target', { multiSendCallOnly: dep.multiSend });
    await rig.cycle(AT);
    expect(proposalsOf(rig, safe)).toHaveLength(0);
    expect(service.posts.length).toBe(postsBefore);
    const rows = actionRows(rig);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.status).toBe('failed');
      expect(JSON.parse(r.detail).reason).toMatch(/is not MultiSendCallOnly v1\.4\.1 \(code hash 0x/);
    }
  }, 180_000);

  it('an owner proposer on a Safe it could execute alone (threshold 1) is refused', async () => {
    const { safe, rig } = await freshSafe('threshold-1', { threshold: 1, proposer: owners[0]! });
    await rig.cycle(AT);
    expect(proposalsOf(rig, safe)).toHaveLength(0);
    for (const r of actionRows(rig)) expect(JSON.parse(r.detail).reason).toMatch(/threshold 1; a proposer must not be able to execute alone/);
  }, 180_000);
});

describe('the service double checks what the real service checks', () => {
  it('hash, sender, signature, delegatecall target and API key', async () => {
    const safe = await createSafe(admin, dep, owners.map((x) => x.address), 2, salt++);
    const tx = plainSafeTx({ to: owners[2]!.address, value: 1n, data: '0x', operation: 0, nonce: 0n });
    const hash = safeTxHash(31337, safe, tx);
    expect(hash).toBe(await admin.client.readContract({ address: safe, abi: safeAbi, functionName: 'getTransactionHash', args: [tx.to, tx.value, tx.data, tx.operation, 0n, 0n, 0n, tx.gasToken, tx.refundReceiver, 0n] }));
    const body = async (o: { sender?: Address; signer?: typeof delegate; hash?: Hex; t?: SafeTx }) => {
      const t = o.t ?? tx;
      const h = o.hash ?? safeTxHash(31337, safe, t);
      const signer = o.signer ?? owners[0]!;
      return { to: t.to, value: t.value.toString(), data: t.data, operation: t.operation, safeTxGas: '0', baseGas: '0', gasPrice: '0', gasToken: t.gasToken, refundReceiver: t.refundReceiver, nonce: Number(t.nonce), contractTransactionHash: h, sender: o.sender ?? signer.address, signature: await ownerSignature(signer, 31337, safe, t), origin: 'test' };
    };
    const post = async (b: unknown, key = API_KEY) => {
      const r = await fetch(`${service.url}/v2/safes/${safe}/multisig-transactions/`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(b) });
      return { status: r.status, text: await r.text() };
    };
    expect((await post(await body({}), 'wrong-key')).status).toBe(401);
    expect(await post(await body({ hash: `0x${'11'.repeat(32)}` }))).toMatchObject({ status: 422, text: expect.stringMatching(/does not match/) });
    expect(await post(await body({ signer: anvilAccount(7) }))).toMatchObject({ status: 422, text: expect.stringMatching(/is not an owner or delegate/) });
    expect(await post(await body({ sender: owners[1]!.address, signer: owners[0]! }))).toMatchObject({ status: 422, text: expect.stringMatching(/is not the provided sender/) });
    const evil = plainSafeTx({ to: owners[2]!.address, data: '0x', operation: 1, nonce: 0n });
    expect(await post(await body({ t: evil }))).toMatchObject({ status: 422, text: expect.stringMatching(/DELEGATE_CALL is not allowed/) });
    expect((await post(await body({}))).status).toBe(201);
    expect((await post(await body({}))).status).toBe(201); // idempotent by hash
    expect([...service.txs.values()].filter((t) => t.safe === safe)).toHaveLength(1);
  }, 60_000);
});
