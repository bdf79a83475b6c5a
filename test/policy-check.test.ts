import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTargetsFromRegistry } from '../src/chains/evm/builders/mainnet.js';
import { buildAction } from '../src/chains/evm/builders/registry.js';
import type { BuildActionFn, GuardContext } from '../src/chains/evm/evm-adapter.js';
import type { BuildContext, TxIntent } from '../src/chains/evm/evm-tx.js';
import { policyChecker } from '../src/chains/evm/policy-check.js';
import { loadPolicy, PLACEHOLDER_VAULT } from '../src/chains/evm/policy/policy-schema.js';
import { loadYaml } from '../src/config/load-yaml.js';
import { RegistrySchema } from '../src/config/registry-schema.js';
import type { PlannedAction } from '../src/domain/action.js';

/** The executor's per-transaction check backed by the shipped policy and the real (mainnet) builders. */

const ROOT = resolve(import.meta.dirname, '..');
const policy = loadPolicy(resolve(ROOT, 'config/policies/eth-restaking.policy.yaml'), { allowPlaceholder: true });
const targets = buildTargetsFromRegistry(loadYaml(resolve(ROOT, 'config/assets/ethereum.yaml'), RegistrySchema));
const ctx: BuildContext = { vault: PLACEHOLDER_VAULT, addresses: targets.addresses, tokens: targets.tokens };
const ETH = 10n ** 18n;

const supply: PlannedAction = {
  seq: 1,
  kind: 'supply',
  from: 'ETH',
  to: 'aave-v3-WETH',
  amountIn: 10n * ETH,
  expectedOut: 10n * ETH,
  minOut: 10n * ETH,
  venue: 'aave-v3-ethereum:supply',
  estCostBase: 0n,
  delaySeconds: 0,
  reason: 'test',
};
const guard = (action: PlannedAction, spentTodayWei = 0n): GuardContext => ({ vault: PLACEHOLDER_VAULT, chainId: 1, action, spentTodayWei, now: 0 });

describe('policyChecker', () => {
  it('allows every transaction of an on-policy batch (wrap, exact approve, supply)', () => {
    const check = policyChecker(policy, buildAction, ctx);
    const txs = buildAction(supply, ctx);
    expect(txs.length).toBe(3);
    let spent = 0n;
    for (const tx of txs) {
      expect(check(tx, guard(supply, spent))).toEqual({ allowed: true });
      spent += tx.valueAtRiskWei;
    }
  });

  it('refuses an off-policy transaction, naming it and the reason', () => {
    const check = policyChecker(policy, buildAction, ctx);
    const [wrap] = buildAction(supply, ctx) as [TxIntent];
    const elsewhere: TxIntent = { ...wrap, to: '0x1111111111111111111111111111111111111111' };
    const v = check(elsewhere, guard(supply));
    expect(v.allowed).toBe(false);
    if (!v.allowed) expect(v.reason).toMatch(/policy refuses wrap .* \(weth deposit\(\)\)/);
  });

  it('refuses every transaction of an action whose batch is off-policy (an approval above what is pulled)', () => {
    const greedy: BuildActionFn = (a, c) =>
      buildAction(a, c).map((tx) => (tx.call.signature === 'approve(address,uint256)' ? { ...buildAction({ ...a, amountIn: a.amountIn * 2n }, c)[1]!, description: 'approve twice the need' } : tx));
    const check = policyChecker(policy, greedy, ctx);
    const txs = greedy(supply, ctx);
    const v = check(txs[0]!, guard(supply));
    expect(v.allowed).toBe(false);
    if (!v.allowed) expect(v.reason).toMatch(/refuses the batch of action 1:supply.*transaction 2 of 3 \(approve twice the need\)/);
    // cached per action: the same verdict for its other transactions
    expect(check(txs[2]!, guard(supply)).allowed).toBe(false);
  });

  it('enforces the per-transaction cap on the transaction itself', () => {
    const check = policyChecker(policy, buildAction, ctx);
    const big = { ...supply, seq: 2, amountIn: 60n * ETH, expectedOut: 60n * ETH, minOut: 60n * ETH };
    const v = check(buildAction(big, ctx)[0]!, guard(big));
    expect(v.allowed).toBe(false);
    if (!v.allowed) expect(v.reason).toMatch(/cap|perTransaction|above/i);
  });
});
