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
  const check = policyChecker(policy);

  it('allows an on-policy batch exactly as built (wrap, exact approve, supply)', () => {
    const txs = buildAction(supply, ctx);
    expect(txs.map((t) => t.call.signature)).toEqual(['deposit()', 'approve(address,uint256)', 'supply(address,uint256,address,uint16)']);
    // Each transaction's allowing rule is named, for the journal.
    expect(check(txs, guard(supply))).toEqual({ allowed: true, rules: ['weth-deposit', 'weth-approve', 'aave-supply'] });
  });

  it('refuses an off-policy transaction, naming the action, the transaction and the reason', () => {
    const txs = buildAction(supply, ctx);
    const elsewhere: TxIntent = { ...txs[0]!, to: '0x1111111111111111111111111111111111111111' };
    const v = check([elsewhere, ...txs.slice(1)], guard(supply));
    expect(v.allowed).toBe(false);
    if (!v.allowed) {
      expect(v.index).toBe(0);
      expect(v.reason).toMatch(/^policy refuses action 1 \(supply ETH→aave-v3-WETH\): transaction 1 of 3 \(wrap .*\): no rule for 0x1111111111111111111111111111111111111111 \(not a named address\)\.deposit\(\)/);
    }
  });

  it('refuses an approval above what the batch pulls, pointing at the approval', () => {
    const greedy: BuildActionFn = (a, c) =>
      buildAction(a, c).map((tx) => (tx.call.signature === 'approve(address,uint256)' ? { ...buildAction({ ...a, amountIn: a.amountIn * 2n }, c)[1]!, description: 'approve twice the need' } : tx));
    const v = check(greedy(supply, ctx), guard(supply));
    expect(v.allowed).toBe(false);
    if (!v.allowed) {
      expect(v.index).toBe(1);
      expect(v.reason).toMatch(/transaction 2 of 3 \(approve twice the need\).*approves 20000000000000000000 \(20e18\).*pull only 10000000000000000000 \(10e18\)/);
    }
  });

  it('counts the caps through the batch on top of the day so far', () => {
    const big = { ...supply, seq: 2, amountIn: 60n * ETH, expectedOut: 60n * ETH, minOut: 60n * ETH };
    const v = check(buildAction(big, ctx), guard(big));
    expect(v.allowed).toBe(false);
    if (!v.allowed) expect(v.reason).toMatch(/msg\.value 60 ETH is above the rule.s max perTransactionEth/);
    // 10 ETH wrapped and 10 ETH supplied count 20 ETH at risk: allowed at 280 already sent, refused above.
    expect(check(buildAction(supply, ctx), guard(supply, 280n * ETH))).toMatchObject({ allowed: true });
    const over = check(buildAction(supply, ctx), guard(supply, 280n * ETH + 1n));
    expect(over).toMatchObject({ allowed: false, index: 2 });
  });
});
