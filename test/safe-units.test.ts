import { getAddress, keccak256, parseEther, zeroAddress, type Address, type Hex } from 'viem';
import { describe, expect, it } from 'vitest';
import { checkSafeTx, MULTISEND_CALL_ONLY_141_CODEHASH } from '../src/chains/evm/safe/safe-guard.js';
import { SafeExecutionSchema } from '../src/chains/evm/safe/safe-config.js';
import { originText, type ProposalDescription } from '../src/chains/evm/safe/proposal-text.js';
import { replacementReason } from '../src/chains/evm/safe/replacement.js';
import { expectedChanges, grossFlows } from '../src/chains/evm/safe/safe-batch.js';
import { decodeMultiSendCalldata, encodeMultiSendTransactions, decodeMultiSendTransactions, isRejection, multiSendCalldata, plainSafeTx, rejectionSafeTx, safeTxHash, type InnerCall } from '../src/chains/evm/safe/safe-tx.js';
import { openJournal } from '../src/journal/open-journal.js';
import { ProposalJournal } from '../src/journal/proposal-journal.js';
import type { PlannedAction } from '../src/domain/action.js';
import { safeArtifact, SAFE_ARTIFACTS } from './support/safe-deploy.js';
import { thrown } from './support/thrown.js';

const MSCO = getAddress('0x9641d764fc13c8B624c04430C7356C1C7C8102e2');
const SAFE = getAddress('0x1111111111111111111111111111111111111111');
const A = getAddress('0x2222222222222222222222222222222222222222');
const B = getAddress('0x3333333333333333333333333333333333333333');
const calls: InnerCall[] = [
  { to: A, value: parseEther('1'), data: '0xd0e30db0', operation: 0 },
  { to: B, value: 0n, data: '0x095ea7b3000000000000000000000000222222222222222222222222222222222222222200000000000000000000000000000000000000000000000000000000000003e8', operation: 0 },
  { to: A, value: 0n, data: '0x', operation: 0 },
];

describe('MultiSend encoding', () => {
  it('packs operation ‖ to ‖ value ‖ length ‖ data per call and decodes back exactly', () => {
    const packed = encodeMultiSendTransactions(calls);
    // 85 bytes of header per call plus the data
    expect((packed.length - 2) / 2).toBe(3 * 85 + 4 + 68 + 0);
    expect(packed.slice(2, 4)).toBe('00');
    expect(getAddress(`0x${packed.slice(4, 44)}`)).toBe(A);
    expect(BigInt(`0x${packed.slice(44, 108)}`)).toBe(parseEther('1'));
    expect(BigInt(`0x${packed.slice(108, 172)}`)).toBe(4n);
    expect(decodeMultiSendTransactions(packed)).toEqual(calls);
    expect(decodeMultiSendCalldata(multiSendCalldata(calls))).toEqual(calls);
  });

  it('refuses a truncated batch or a bad operation byte', () => {
    const packed = encodeMultiSendTransactions(calls);
    expect(thrown(Error, () => decodeMultiSendTransactions(packed.slice(0, -2) as Hex)).message).toMatch(/runs past the end|truncated/);
    expect(thrown(Error, () => decodeMultiSendTransactions(`0x02${packed.slice(4)}` as Hex)).message).toMatch(/operation 2/);
  });
});

describe('the Safe-level guard', () => {
  const wrapped = plainSafeTx({ to: MSCO, data: multiSendCalldata(calls), operation: 1, nonce: 7n });
  it('allows a delegatecall to MultiSendCallOnly carrying exactly the allowed calls', () => {
    expect(checkSafeTx(wrapped, { multiSendCallOnly: MSCO, allowed: calls })).toEqual({ allowed: true });
  });
  it('refuses a delegatecall to anything else', () => {
    const v = checkSafeTx({ ...wrapped, to: B }, { multiSendCallOnly: MSCO, allowed: calls });
    expect(v).toMatchObject({ allowed: false, reason: expect.stringMatching(/delegatecall target .* is not MultiSendCallOnly/) });
  });
  it('refuses a batch that is not what the policy allowed: a changed call, an extra call, a nested delegatecall', () => {
    const changed = [...calls.slice(0, 2), { ...calls[2]!, to: B }];
    expect(checkSafeTx({ ...wrapped, data: multiSendCalldata(changed) }, { multiSendCallOnly: MSCO, allowed: calls })).toMatchObject({ allowed: false, reason: expect.stringMatching(/inner call 3 .* is not the call the policy allowed/) });
    expect(checkSafeTx({ ...wrapped, data: multiSendCalldata([...calls, calls[0]!]) }, { multiSendCallOnly: MSCO, allowed: calls })).toMatchObject({ allowed: false, reason: expect.stringMatching(/holds 4 calls but the policy allowed 3/) });
    const nested = [{ ...calls[0]!, operation: 1 as const }, ...calls.slice(1)];
    expect(checkSafeTx({ ...wrapped, data: multiSendCalldata(nested) }, { multiSendCallOnly: MSCO, allowed: calls })).toMatchObject({ allowed: false, reason: expect.stringMatching(/inner call 1 is a delegatecall/) });
  });
  it('refuses value on the wrapper and any gas refund', () => {
    expect(checkSafeTx({ ...wrapped, value: 1n }, { multiSendCallOnly: MSCO, allowed: calls }).allowed).toBe(false);
    expect(checkSafeTx({ ...wrapped, gasPrice: 1n }, { multiSendCallOnly: MSCO, allowed: calls })).toMatchObject({ allowed: false, reason: expect.stringMatching(/refund/) });
  });
  it("pins MultiSendCallOnly v1.4.1's code hash to the npm artifact's runtime code", () => {
    expect(keccak256(safeArtifact(SAFE_ARTIFACTS.multiSendCallOnly).deployedBytecode)).toBe(MULTISEND_CALL_ONLY_141_CODEHASH);
    expect(keccak256(safeArtifact(SAFE_ARTIFACTS.multiSend).deployedBytecode)).not.toBe(MULTISEND_CALL_ONLY_141_CODEHASH);
  });
});

describe('SafeTx hashing', () => {
  it('binds chain, Safe and nonce; a rejection is a 0-value self-call', () => {
    const t = plainSafeTx({ to: A, data: '0x', operation: 0, nonce: 3n });
    const h = safeTxHash(1, SAFE, t);
    expect(h).toMatch(/^0x[0-9a-f]{64}$/);
    expect(safeTxHash(31337, SAFE, t)).not.toBe(h);
    expect(safeTxHash(1, A, t)).not.toBe(h);
    expect(safeTxHash(1, SAFE, { ...t, nonce: 4n })).not.toBe(h);
    expect(isRejection(SAFE, rejectionSafeTx(SAFE, 3n))).toBe(true);
    expect(isRejection(SAFE, { ...rejectionSafeTx(SAFE, 3n), value: 1n })).toBe(false);
    expect(rejectionSafeTx(SAFE, 3n)).toMatchObject({ to: SAFE, value: 0n, data: '0x', gasToken: zeroAddress });
  });
});

const action = (o: Partial<PlannedAction>): PlannedAction => ({ seq: 0, kind: 'buy', from: 'ETH', to: 'weETH', amountIn: 10n, expectedOut: 9n, minOut: 8n, venue: 'curve', estCostBase: 0n, delaySeconds: 0, reason: 'r', ...o });

describe('expected changes of a batch', () => {
  it('nets chained legs and counts gross flow per asset', () => {
    const plan = [action({}), action({ seq: 1, kind: 'supply', from: 'weETH', to: 'aave-v3-weETH', amountIn: 8n, expectedOut: 8n }), action({ seq: 2, kind: 'redeem-claim', from: 'stETH', to: 'ETH', amountIn: 5n, expectedOut: 5n })];
    expect(Object.fromEntries(expectedChanges(plan))).toEqual({ ETH: -5n, weETH: 1n, 'aave-v3-weETH': 8n });
    expect(Object.fromEntries(grossFlows(plan))).toEqual({ ETH: 15n, weETH: 17n, 'aave-v3-weETH': 8n });
  });
});

describe('replacement of a pending proposal', () => {
  const universe = { registryAssets: new Map([['ETH', { id: 'ETH', kind: 'native', decimals: 18 }], ['weETH', { id: 'weETH', kind: 'lrt', decimals: 18 }]]), baseDecimals: 18 } as never;
  const snap = (weeth: number) => ({ assets: new Map([['weETH', { fields: { marketRate: { value: weeth, time: 0 } } }]]) }) as never;
  const pending = { createdAt: 0, hash: '0xaa', description: { marks: { ETH: 1, weETH: 1.05 } } };
  const o = { now: 3_600_000, staleAfterMs: 86_400_000, maxDrift: 0.02, onBreaker: true };
  it('stands when nothing moved', () => {
    expect(replacementReason(pending, { universe, snapshot: snap(1.05), firings: [] }, o)).toBeUndefined();
  });
  it('stale past the bound', () => {
    expect(replacementReason(pending, { universe, snapshot: snap(1.05), firings: [] }, { ...o, now: 86_400_000 })).toMatchObject({ kind: 'stale' });
  });
  it('drift beyond the bound, naming the asset and the move', () => {
    const r = replacementReason(pending, { universe, snapshot: snap(1.02), firings: [] }, o);
    expect(r).toMatchObject({ kind: 'drift', reason: expect.stringMatching(/weETH moved 2\.86 % .* beyond the 2\.00 % bound/) });
    expect(replacementReason(pending, { universe, snapshot: snap(1.04), firings: [] }, o)).toBeUndefined();
  });
  it('a breaker on an asset the plan touches', () => {
    const firings = [{ breaker: 'depeg', action: 'derisk', asset: 'weETH', held: true, message: 'weETH 3 % below fair' }];
    expect(replacementReason(pending, { universe, snapshot: snap(1.05), firings }, o)).toMatchObject({ kind: 'breaker', reason: expect.stringMatching(/breaker depeg fired on weETH/) });
    expect(replacementReason(pending, { universe, snapshot: snap(1.05), firings }, { ...o, onBreaker: false })).toBeUndefined();
  });
});

describe('origin text', () => {
  const d: ProposalDescription = {
    keeper: 'restake-keeper', vault: 'eth-restaking', cycleId: 12, decisionTime: '2024-06-12T00:00:00.000Z',
    rationale: ['risk-adjusted optimum', 'wstETH 50 %: score 3.07 % = yield 3.25 % − expected loss 0.11 % − amortized round trip; staking from fair-rate growth'.repeat(3)],
    actions: [], expectedChanges: { ETH: (-parseEther('60')).toString(), wstETH: parseEther('42.1234567').toString() },
    simulation: { ok: true, gas: '612345', via: 'x' }, marks: {},
  };
  it('carries rationale, changes and simulation within the bound, cutting the rationale first', () => {
    const t = originText(d, () => 18, 200);
    expect(t.length).toBeLessThanOrEqual(200);
    expect(t).toContain('cycle 12');
    expect(t).toContain('changes: ETH -60, wstETH +42.1234');
    expect(t).toContain('gas 612345');
    expect(t).toContain('…');
    expect(originText(d, () => 18, 2000)).toContain(d.rationale[1]);
  });
});

describe('the proposals journal', () => {
  const base = { vault: 'v', cycleId: null, multisig: 'safe' as const, chain: 'evm:1', account: SAFE as string, nonce: 0n, proposer: A as string, payload: {}, description: {}, valueAtRisk: 5n, createdAt: 1 };
  it('one pending proposal per multisig; a replacement retires its predecessor in the same commit', () => {
    const j = openJournal(':memory:');
    const p = new ProposalJournal(j.db);
    const a = p.recordIntent({ ...base, hash: '0xa' });
    expect(thrown(Error, () => p.recordIntent({ ...base, hash: '0xb' })).message).toMatch(/another proposal of this multisig is still pending/);
    p.recordStatus(a, 'proposed', 2);
    const b = p.recordIntent({ ...base, hash: '0xb', createdAt: 3 }, { id: a, status: 'stale', detail: { reason: 'old' } });
    expect(p.proposal(a)!.status).toBe('stale');
    expect(p.pending('evm:1', SAFE)!.id).toBe(b);
    expect(p.valueAtRiskBetween('evm:1', SAFE, 0, 10)).toBe(5n);
    expect(p.valueAtRiskBetween('evm:1', SAFE, 0, 10, b)).toBe(0n);
    j.close();
  });
  it('statuses: intent first; nothing after an outcome; a retired proposal may still be executed or see its nonce taken', () => {
    const j = openJournal(':memory:');
    const p = new ProposalJournal(j.db);
    const a = p.recordIntent({ ...base, hash: '0xa' });
    expect(thrown(Error, () => p.recordStatus(a, 'intent', 2)).message).toMatch(/only its first status is intent/);
    p.recordStatus(a, 'replaced', 2, { reason: 'drift' });
    expect(thrown(Error, () => p.recordStatus(a, 'proposed', 3)).message).toMatch(/already has an outcome/);
    p.recordStatus(a, 'executed', 3, { txHash: '0x1' });
    expect(thrown(Error, () => p.recordStatus(a, 'rejected', 4)).message).toMatch(/already has an outcome/);
    const b = p.recordIntent({ ...base, nonce: 1n, hash: '0xb' });
    p.recordStatus(b, 'stale', 2);
    p.recordStatus(b, 'replaced', 3, { nonceUsed: true, external: true });
    expect(p.history(b).map((h) => h.status)).toEqual(['intent', 'stale', 'replaced']);
    expect(thrown(Error, () => j.db.prepare('DELETE FROM proposals').run()).message).toMatch(/append-only/);
    j.close();
  });
});

describe('execution.safe config', () => {
  it('defaults, and refuses live without a proposer key or without any delivery', () => {
    const c = SafeExecutionSchema.parse({ service: { url: 'https://api.safe.global/tx-service/eth/api' } });
    expect(c).toMatchObject({ mode: 'dry-run', multiSendCallOnly: MSCO, staleAfter: 86_400_000, maxDrift: 0.02, originMaxLength: 200 });
    expect(SafeExecutionSchema.safeParse({ mode: 'live', builderFile: 'x' }).error?.issues[0]?.path).toEqual(['proposer']);
    expect(SafeExecutionSchema.safeParse({ mode: 'dry-run' }).error?.issues[0]?.message).toMatch(/give a delivery/);
    expect(SafeExecutionSchema.safeParse({ builderFile: 'x', service: { url: 'https://x', apiKey: { env: '0xdeadbeef' } } }).success).toBe(false);
  });
});

export type { Address };
