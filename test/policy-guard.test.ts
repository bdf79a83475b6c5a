import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeFunctionData, maxUint256, parseAbiItem, toFunctionSignature, type AbiFunction, type Address, type Hex } from 'viem';
import { describe, expect, it } from 'vitest';
import type { BuildContext, ProtocolBuilder, TxIntent } from '../src/chains/evm/evm-tx.js';
import { checkBatch, checkTransaction, DailySpend, effectiveValueAtRisk, utcDay } from '../src/chains/evm/policy/policy-guard.js';
import { loadPolicy, parseAmount, parsePolicy, PLACEHOLDER_VAULT, type Policy } from '../src/chains/evm/policy/policy-schema.js';
import type { PlannedAction } from '../src/domain/action.js';
import { ConfigError } from '../src/errors.js';
import { thrown } from './support/thrown.js';

const ROOT = resolve(import.meta.dirname, '..');
const POLICY_FILE = join(ROOT, 'config/policies/eth-restaking.policy.yaml');
const policy = loadPolicy(POLICY_FILE, { allowPlaceholder: true });

const ETH = 10n ** 18n;
const VAULT = policy.vault;
const ATTACKER: Address = '0xBAdBadbADBaDBADBadbADbaDBadBaDBADBadBAD0';
const A = (name: string): Address => {
  const a = policy.addresses.get(name);
  if (!a) throw new Error(`no address ${name} in the shipped policy`);
  return a;
};
const ctx = { chainId: 1, spentTodayWei: 0n };

/** A TxIntent built directly with viem (independent of the real builders). */
function intent(
  to: Address,
  signature: string,
  args: readonly unknown[],
  extra: Partial<Pick<TxIntent, 'value' | 'valueAtRiskWei' | 'slippage' | 'description'>> & { declared?: { signature: string; args: readonly unknown[] } } = {},
): TxIntent {
  const abi = parseAbiItem(`function ${signature}`) as AbiFunction;
  const data = encodeFunctionData({ abi: [abi], args } as never) as Hex;
  return {
    to,
    data,
    value: extra.value ?? 0n,
    description: extra.description ?? `${abi.name} on ${to}`,
    call: { contract: 'test', signature: extra.declared?.signature ?? toFunctionSignature(abi), args: extra.declared?.args ?? args },
    valueAtRiskWei: extra.valueAtRiskWei ?? extra.value ?? 0n,
    slippage: extra.slippage,
  };
}

function refused(tx: TxIntent, p: Policy = policy, c = ctx): string {
  const r = checkTransaction(tx, p, c);
  if (r.allowed) throw new Error(`expected a refusal, but rule "${r.rule}" allowed: ${tx.description}`);
  return r.reason;
}

function allowedBy(tx: TxIntent, p: Policy = policy, c = ctx): string {
  const r = checkTransaction(tx, p, c);
  if (!r.allowed) throw new Error(`expected allowed, refused: ${r.reason}`);
  expect(r.description.length).toBeGreaterThan(10);
  return r.rule;
}

const configError = (f: () => unknown): ConfigError => thrown(ConfigError, f);

describe('policy guard: allowed calls', () => {
  it('allows each kind of call the keeper makes, naming the rule', () => {
    expect(allowedBy(intent(A('steth'), 'submit(address)', [A('zero')], { value: 10n * ETH }))).toBe('lido-submit');
    expect(allowedBy(intent(A('steth'), 'submit(address)', [VAULT], { value: 10n * ETH }))).toBe('lido-submit');
    expect(allowedBy(intent(A('steth'), 'approve(address,uint256)', [A('wsteth'), 10n * ETH]))).toBe('steth-approve');
    expect(allowedBy(intent(A('wsteth'), 'wrap(uint256)', [10n * ETH], { valueAtRiskWei: 10n * ETH }))).toBe('wsteth-wrap');
    expect(allowedBy(intent(A('wsteth'), 'unwrap(uint256)', [5n * ETH]))).toBe('wsteth-unwrap');
    expect(allowedBy(intent(A('lidoWithdrawalQueue'), 'requestWithdrawalsWstETH(uint256[],address)', [[400n * ETH, 300n * ETH], VAULT]))).toBe('lido-request-withdrawals-wsteth');
    expect(allowedBy(intent(A('lidoWithdrawalQueue'), 'claimWithdrawals(uint256[],uint256[])', [[1n, 2n], [7n, 7n]]))).toBe('lido-claim-withdrawals');
    expect(allowedBy(intent(A('etherfiLiquidityPool'), 'deposit()', [], { value: 3n * ETH }))).toBe('etherfi-deposit');
    expect(allowedBy(intent(A('etherfiLiquidityPool'), 'requestWithdraw(address,uint256)', [VAULT, 3n * ETH]))).toBe('etherfi-request-withdraw');
    expect(allowedBy(intent(A('etherfiWeethWithdrawAdapter'), 'requestWithdraw(uint256,address)', [3n * ETH, VAULT]))).toBe('etherfi-adapter-request-withdraw');
    expect(allowedBy(intent(A('etherfiWithdrawRequestNft'), 'claimWithdraw(uint256)', [42n]))).toBe('etherfi-claim-withdraw');
    expect(allowedBy(intent(A('renzoRestakeManager'), 'depositETH()', [], { value: 2n * ETH }))).toBe('renzo-deposit-eth');
    expect(allowedBy(intent(A('renzoRestakeManager'), 'deposit(address,uint256)', [A('steth'), 2n * ETH]))).toBe('renzo-deposit-steth');
    expect(allowedBy(intent(A('kelpDepositPool'), 'depositAsset(address,uint256,uint256,string)', [A('steth'), 2n * ETH, 19n * 10n ** 17n, '']))).toBe('kelp-deposit-steth');
    expect(allowedBy(intent(A('renzoWithdrawQueue'), 'withdraw(uint256,address)', [2n * ETH, A('eth')]))).toBe('renzo-withdraw');
    expect(allowedBy(intent(A('renzoWithdrawQueue'), 'claim(uint256,address)', [0n, VAULT]))).toBe('renzo-claim');
    expect(allowedBy(intent(A('kelpDepositPool'), 'depositETH(uint256,string)', [99n * 10n ** 16n, 'restake-keeper'], { value: ETH, slippage: { minOut: 99n * 10n ** 16n, quotedOut: ETH } }))).toBe('kelp-deposit-eth');
    expect(allowedBy(intent(A('kelpWithdrawalManager'), 'initiateWithdrawal(address,uint256,string)', [A('eth'), ETH, '']))).toBe('kelp-initiate-withdrawal');
    expect(allowedBy(intent(A('kelpWithdrawalManager'), 'completeWithdrawal(address,string)', [A('eth'), '']))).toBe('kelp-complete-withdrawal');
    expect(allowedBy(intent(A('aavePool'), 'supply(address,uint256,address,uint16)', [A('wsteth'), 5n * ETH, VAULT, 0]))).toBe('aave-supply');
    expect(allowedBy(intent(A('aavePool'), 'withdraw(address,uint256,address)', [A('weth'), maxUint256, VAULT]))).toBe('aave-withdraw');
    expect(allowedBy(intent(A('weth'), 'deposit()', [], { value: ETH }))).toBe('weth-deposit');
    expect(allowedBy(intent(A('weth'), 'withdraw(uint256)', [ETH]))).toBe('weth-withdraw');
    const sell = intent(A('curveStethPool'), 'exchange(int128,int128,uint256,uint256)', [1n, 0n, 10n * ETH, 995n * 10n ** 16n], { valueAtRiskWei: 10n * ETH, slippage: { minOut: 995n * 10n ** 16n, quotedOut: 10n * ETH } });
    expect(allowedBy(sell)).toBe('curve-steth-sell');
    const buy = intent(A('curveStethPool'), 'exchange(int128,int128,uint256,uint256)', [0n, 1n, 10n * ETH, 995n * 10n ** 16n], { value: 10n * ETH, slippage: { minOut: 995n * 10n ** 16n, quotedOut: 10n * ETH } });
    expect(allowedBy(buy)).toBe('curve-steth-buy');
  });

  it('accepts declared args in any integer representation and addresses in any case', () => {
    const tx = intent(A('aavePool'), 'supply(address,uint256,address,uint16)', [A('weth'), 5n * ETH, VAULT, 0], {
      declared: { signature: 'supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)', args: [A('weth').toLowerCase(), '5000000000000000000', VAULT.toUpperCase().replace('0X', '0x'), 0n] },
    });
    expect(allowedBy(tx)).toBe('aave-supply');
  });

  it('checks an approve + spend batch: the approval must not exceed what the batch pulls', () => {
    const approve = (n: bigint) => intent(A('steth'), 'approve(address,uint256)', [A('wsteth'), n]);
    const wrap = intent(A('wsteth'), 'wrap(uint256)', [10n * ETH], { valueAtRiskWei: 10n * ETH });
    const ok = checkBatch([approve(10n * ETH), wrap], policy, ctx);
    expect(ok).toMatchObject({ allowed: true, valueAtRiskWei: 10n * ETH });
    if (ok.allowed) expect(ok.results.map((r) => r.rule)).toEqual(['steth-approve', 'wsteth-wrap']);

    // 11 stETH approved for a 10 stETH wrap: each transaction passes alone, the batch does not.
    expect(checkTransaction(approve(11n * ETH), policy, ctx).allowed).toBe(true);
    const over = checkBatch([approve(11n * ETH), wrap], policy, ctx);
    expect(over.allowed).toBe(false);
    if (!over.allowed) {
      expect(over.index).toBe(0);
      expect(over.reason).toMatch(/rule "steth-approve": approves 11000000000000000000 \(11e18\) of 0xae7a.*\(steth\) to 0x7f39.*\(wsteth\), but the later calls in this batch pull only 10000000000000000000 \(10e18\)/);
    }
    // An approval nothing in the batch spends is refused too; a reset to 0 is always fine.
    expect(checkBatch([approve(ETH)], policy, ctx).allowed).toBe(false);
    expect(checkBatch([approve(0n)], policy, ctx).allowed).toBe(true);

    // Aave's pull comes from the asset argument; Lido's from the sum of the amounts array.
    const supply = intent(A('aavePool'), 'supply(address,uint256,address,uint16)', [A('wsteth'), 5n * ETH, VAULT, 0]);
    const apprW = (n: bigint) => intent(A('wsteth'), 'approve(address,uint256)', [A('aavePool'), n]);
    expect(checkBatch([apprW(5n * ETH), supply], policy, ctx).allowed).toBe(true);
    expect(checkBatch([apprW(6n * ETH), supply], policy, ctx).allowed).toBe(false);
    const req = intent(A('lidoWithdrawalQueue'), 'requestWithdrawalsWstETH(uint256[],address)', [[4n * ETH, 3n * ETH], VAULT]);
    const apprQ = (n: bigint) => intent(A('wsteth'), 'approve(address,uint256)', [A('lidoWithdrawalQueue'), n]);
    expect(checkBatch([apprQ(7n * ETH), req], policy, ctx).allowed).toBe(true);
    expect(checkBatch([apprQ(8n * ETH), req], policy, ctx).allowed).toBe(false);
  });

  it('counts the batch against the per-day cap as it goes', () => {
    const submit = intent(A('steth'), 'submit(address)', [A('zero')], { value: 40n * ETH });
    const r = checkBatch([submit, submit], policy, { chainId: 1, spentTodayWei: 250n * ETH });
    expect(r.allowed).toBe(false);
    if (!r.allowed) {
      expect(r.index).toBe(1);
      expect(r.reason).toMatch(/^transaction 2 of 2 .*per-day cap 300 ETH/);
    }
  });
});

describe('policy guard: refusals', () => {
  const wrap = intent(A('wsteth'), 'wrap(uint256)', [ETH], { valueAtRiskWei: ETH });

  it('refuses the wrong chain', () => {
    expect(refused(wrap, policy, { chainId: 5, spentTodayWei: 0n })).toBe("chain 5 is not the policy's chain 1");
  });

  it('refuses an unknown target', () => {
    const tx = intent('0x1111111111111111111111111111111111111111', 'approve(address,uint256)', [A('aavePool'), ETH]);
    expect(refused(tx)).toMatch(/^no rule for 0x1111111111111111111111111111111111111111 \(not a named address\)\.approve\(address,uint256\) \(no rule names this target\)/);
  });

  it('refuses an unknown selector on a known target', () => {
    const tx = intent(A('steth'), 'transfer(address,uint256)', [ATTACKER, ETH]);
    expect(refused(tx)).toMatch(/^no rule for steth \(0xae7ab96520DE3A18E5e111B5EaAb095312D7fE84\)\.transfer\(address,uint256\) \(rules for this target: lido-submit submit\(address\), steth-approve approve\(address,uint256\)\)/);
    const odd = { ...wrap, data: '0xdeadbeef' as Hex };
    expect(refused(odd)).toMatch(/^no rule for wsteth .*\.selector 0xdeadbeef/);
    expect(refused({ ...wrap, data: '0x' })).toMatch(/empty calldata \(a plain ETH transfer\)/);
  });

  it('refuses a recipient that is not the vault', () => {
    const tx = intent(A('lidoWithdrawalQueue'), 'requestWithdrawalsWstETH(uint256[],address)', [[ETH], ATTACKER]);
    expect(refused(tx)).toBe(
      `rule "lido-request-withdrawals-wsteth" (lidoWithdrawalQueue.requestWithdrawalsWstETH(uint256[],address)): arg 1 (_owner) = ${ATTACKER} (not a named address), expected vault (${VAULT})`,
    );
    const claim = intent(A('renzoWithdrawQueue'), 'claim(uint256,address)', [0n, ATTACKER]);
    expect(refused(claim)).toMatch(/rule "renzo-claim" .*arg 1 \(user\) = 0xBAd.* \(not a named address\), expected vault/);
  });

  it('refuses an unlimited (max uint) approval', () => {
    const tx = intent(A('steth'), 'approve(address,uint256)', [A('wsteth'), maxUint256]);
    expect(refused(tx)).toBe(
      `rule "steth-approve" (steth.approve(address,uint256)): arg 1 (amount) = ${maxUint256} (max uint256), expected an exact amount, not the maximum (an unlimited approval)`,
    );
  });

  it('refuses an approval to an unlisted spender', () => {
    const tx = intent(A('wsteth'), 'approve(address,uint256)', [ATTACKER, ETH]);
    expect(refused(tx)).toMatch(/^rule "wsteth-approve" \(wsteth\.approve\(address,uint256\)\): arg 0 \(spender\) = 0xBAd\S+ \(not a named address\), expected one of lidoWithdrawalQueue \(0x889edC2eDab5f40e902b864aD4d7AdE8E412F9B1\), aavePool \(0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2\), uniswapRouter \(0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45\)$/);
    // An approval bigger than the per-transaction cap is refused even if exact.
    expect(refused(intent(A('steth'), 'approve(address,uint256)', [A('wsteth'), 51n * ETH]))).toMatch(/arg 1 \(amount\) = 51000000000000000000 \(51e18\), above the max perTransactionEth = 50000000000000000000 \(50e18\)/);
  });

  it('refuses value above the per-transaction cap', () => {
    // msg.value above the rule's own bound...
    expect(refused(intent(A('steth'), 'submit(address)', [A('zero')], { value: 60n * ETH }))).toBe(
      'rule "lido-submit" (steth.submit(address)): msg.value 60 ETH is above the rule\'s max perTransactionEth = 50000000000000000000 (50e18)',
    );
    // ...and declared value at risk above the policy-wide cap.
    expect(refused(intent(A('wsteth'), 'wrap(uint256)', [60n * ETH], { valueAtRiskWei: 60n * ETH }))).toBe(
      'rule "wsteth-wrap" (wsteth.wrap(uint256)): value at risk 60 ETH is above the per-transaction cap 50 ETH',
    );
    // A builder cannot under-declare: msg.value counts even if valueAtRiskWei says 0.
    const under = intent(A('etherfiLiquidityPool'), 'deposit()', [], { value: 45n * ETH, valueAtRiskWei: 0n });
    expect(effectiveValueAtRisk(under)).toBe(45n * ETH);
    expect(refused(under, policy, { chainId: 1, spentTodayWei: 260n * ETH })).toMatch(/value at risk 45 ETH on top of 260 ETH already sent today/);
  });

  it('refuses a transaction that takes the day above the per-day cap', () => {
    const tx = intent(A('steth'), 'submit(address)', [A('zero')], { value: 30n * ETH });
    expect(allowedBy(tx, policy, { chainId: 1, spentTodayWei: 270n * ETH })).toBe('lido-submit'); // exactly 300
    expect(refused(tx, policy, { chainId: 1, spentTodayWei: 270n * ETH + 1n })).toBe(
      'rule "lido-submit" (steth.submit(address)): value at risk 30 ETH on top of 270.000000000000000001 ETH already sent today is above the per-day cap 300 ETH',
    );
  });

  it('refuses a swap whose minOut is below the slippage bound, mismatched, or missing', () => {
    const swap = (minOut: bigint, declaredMin = minOut, slippage = true) =>
      intent(A('curveWeethPool'), 'exchange(int128,int128,uint256,uint256)', [0n, 1n, 10n * ETH, minOut], {
        valueAtRiskWei: 10n * ETH,
        slippage: slippage ? { minOut: declaredMin, quotedOut: 1050n * 10n ** 16n } : undefined,
      });
    expect(allowedBy(swap(10395n * 10n ** 15n))).toBe('curve-weeth-sell'); // exactly 1 % under 10.5
    expect(refused(swap(10394n * 10n ** 15n))).toBe(
      'rule "curve-weeth-sell" (curveWeethPool.exchange(int128,int128,uint256,uint256)): slippage minOut 10394000000000000000 (10.394e18) is below 10395000000000000000 (10.395e18), the quote 10500000000000000000 (10.5e18) less the policy\'s maxSlippage 0.01',
    );
    expect(refused(swap(0n, 10395n * 10n ** 15n))).toMatch(/declared slippage minOut 10395000000000000000 \(10\.395e18\) differs from arg 3 \(min_dy\) = 0 in the calldata/);
    expect(refused(swap(10395n * 10n ** 15n, 0n, false))).toMatch(/a swap must declare its slippage/);
    // The direction is pinned: i/j swapped against the sell rule names both rules tried.
    const wrongWay = intent(A('curveWeethPool'), 'exchange(int128,int128,uint256,uint256)', [0n, 0n, ETH, ETH], { slippage: { minOut: ETH, quotedOut: ETH } });
    expect(refused(wrongWay)).toMatch(/rule "curve-weeth-buy" .*arg 0 \(i\) = 0, expected 1; rule "curve-weeth-sell" .*arg 1 \(j\) = 0, expected 1/);
  });

  it('decodes the calldata itself: a declared wrap(uint256) that encodes transfer(address,uint256) to an attacker is refused', () => {
    const lie = intent(A('wsteth'), 'transfer(address,uint256)', [ATTACKER, 100n * ETH], {
      description: 'wrap 100 stETH into wstETH',
      valueAtRiskWei: 0n,
      declared: { signature: 'wrap(uint256)', args: [100n * ETH] },
    });
    expect(lie.call.signature).toBe('wrap(uint256)');
    expect(refused(lie)).toMatch(/^no rule for wsteth \(0x7f39C581F595B53c5cb19bD0b3f8dA6c935E2Ca0\)\.transfer\(address,uint256\) .*; the transaction declares wrap\(uint256\)$/);

    // Same function, different argument than declared: refused too.
    const bigger = intent(A('wsteth'), 'wrap(uint256)', [40n * ETH], { declared: { signature: 'wrap(uint256)', args: [ETH] } });
    expect(refused(bigger)).toBe(
      'rule "wsteth-wrap" (wsteth.wrap(uint256)): the transaction declares arg 0 (_stETHAmount) = 1000000000000000000 (1e18) but its calldata has 40000000000000000000 (40e18)',
    );
    // Same selector, declared as another function with that selector is impossible; a declared signature that
    // differs from the rule's (e.g. a typo) is refused.
    const typo = intent(A('wsteth'), 'wrap(uint256)', [ETH], { declared: { signature: 'wrap(uint128)', args: [ETH] } });
    expect(refused(typo)).toMatch(/declares wrap\(uint128\) but its calldata is wrap\(uint256\)/);
    // Extra bytes smuggled after valid calldata.
    expect(refused({ ...wrap, data: `${wrap.data}00000000` as Hex })).toMatch(/not the canonical encoding of wrap\(uint256\)/);
  });

  it('refuses ETH sent to a call that takes none', () => {
    expect(refused(intent(A('wsteth'), 'wrap(uint256)', [ETH], { value: 1n }))).toMatch(/msg\.value 0\.000000000000000001 ETH sent to a call the policy allows only without ETH/);
  });

  it('stops an off-policy call from a builder that was changed to produce one', () => {
    const action: PlannedAction = {
      seq: 0,
      kind: 'supply',
      from: 'wstETH',
      to: 'aave-v3-wstETH',
      amountIn: 5n * ETH,
      expectedOut: 5n * ETH,
      minOut: 5n * ETH,
      venue: 'aave-v3',
      estCostBase: 0n,
      delaySeconds: 0,
      reason: 'move toward target weight',
    };
    const buildCtx: BuildContext = {
      vault: VAULT,
      addresses: { weth: A('weth'), aave: { pool: A('aavePool'), aTokens: {} } },
      tokens: { wstETH: A('wsteth'), WETH: A('weth') },
    };
    /** A tiny Aave supply builder; `onBehalfOf` decides who gets the aTokens. */
    const aaveBuilder = (onBehalfOf: (c: BuildContext) => Address): ProtocolBuilder => ({
      protocol: 'aave-v3',
      supports: (a) => a.kind === 'supply',
      build(a, c) {
        const asset = c.tokens[a.from]!;
        const pool = c.addresses.aave!.pool;
        const approveArgs = [pool, a.amountIn] as const;
        const supplyArgs = [asset, a.amountIn, onBehalfOf(c), 0] as const;
        return [
          {
            to: asset,
            data: encodeFunctionData({ abi: [parseAbiItem('function approve(address spender, uint256 amount)')], args: approveArgs }),
            value: 0n,
            description: `approve ${a.amountIn} ${a.from} to the Aave pool`,
            call: { contract: `erc20:${a.from}`, signature: 'approve(address,uint256)', args: approveArgs },
            valueAtRiskWei: 0n,
          },
          {
            to: pool,
            data: encodeFunctionData({ abi: [parseAbiItem('function supply(address,uint256,address,uint16)')], args: supplyArgs }),
            value: 0n,
            description: `supply ${a.amountIn} ${a.from} to Aave`,
            call: { contract: 'aave.pool', signature: 'supply(address,uint256,address,uint16)', args: supplyArgs },
            valueAtRiskWei: a.amountIn,
          },
        ];
      },
    });
    const good = aaveBuilder((c) => c.vault).build(action, buildCtx);
    expect(checkBatch(good, policy, ctx)).toMatchObject({ allowed: true });

    const changed = aaveBuilder(() => ATTACKER).build(action, buildCtx);
    // The builder declares exactly what it encodes, so only the policy can stop it.
    expect(changed[1]!.call.args[2]).toBe(ATTACKER);
    const r = checkBatch(changed, policy, ctx);
    expect(r.allowed).toBe(false);
    if (!r.allowed) {
      expect(r.index).toBe(1);
      expect(r.reason).toBe(
        `transaction 2 of 2 (supply 5000000000000000000 wstETH to Aave): rule "aave-supply" (aavePool.supply(address,uint256,address,uint16)): ` +
          `arg 2 (onBehalfOf) = ${ATTACKER} (not a named address), expected vault (${VAULT})`,
      );
    }
    const single = checkTransaction(changed[1]!, policy, ctx);
    expect(single.allowed).toBe(false);
  });
});

describe('policy guard: fields inside a struct argument (Uniswap v3 exactInputSingle)', () => {
  const SIG = 'exactInputSingle((address tokenIn,address tokenOut,uint24 fee,address recipient,uint256 amountIn,uint256 amountOutMinimum,uint160 sqrtPriceLimitX96) params)';
  const params = (p: Partial<Record<string, unknown>> = {}) => ({
    tokenIn: A('weth'), tokenOut: A('wsteth'), fee: 100, recipient: VAULT, amountIn: 10n * ETH, amountOutMinimum: 825n * 10n ** 16n, sqrtPriceLimitX96: 0n, ...p,
  });
  const swap = (p: Partial<Record<string, unknown>> = {}, slip: { minOut: bigint; quotedOut: bigint } | null = { minOut: 825n * 10n ** 16n, quotedOut: 830n * 10n ** 16n }) =>
    intent(A('uniswapRouter'), SIG, [params(p)], { valueAtRiskWei: 10n * ETH, slippage: slip ?? undefined });

  it('allows a buy and a sell whose fields meet the rules, and tells the directions apart by field', () => {
    expect(allowedBy(swap())).toBe('uniswap-wsteth-buy');
    const sell = swap({ tokenIn: A('wsteth'), tokenOut: A('weth'), amountOutMinimum: 11n * ETH }, { minOut: 11n * ETH, quotedOut: 11n * ETH });
    expect(allowedBy(sell)).toBe('uniswap-wsteth-sell');
  });

  it('refuses a struct field that breaks a rule, naming the field by path', () => {
    expect(refused(swap({ recipient: ATTACKER }))).toMatch(/rule "uniswap-wsteth-buy" .*arg 0\.3 \(params\.recipient\) = 0xBAd\S+ \(not a named address\), expected vault/);
    expect(refused(swap({ fee: 3000 }))).toMatch(/rule "uniswap-wsteth-buy" .*arg 0\.2 \(params\.fee\) = 3000, expected 100/);
    expect(refused(swap({ amountIn: 51n * ETH }))).toMatch(/arg 0\.4 \(params\.amountIn\) = 51000000000000000000 \(51e18\), above the max perTransactionEth/);
    expect(refused(swap({ sqrtPriceLimitX96: 1n }))).toMatch(/arg 0\.6 \(params\.sqrtPriceLimitX96\) = 1, expected 0/);
    // The declared minOut must be the struct's amountOutMinimum, and the quote must be declared at all.
    expect(refused(swap({ amountOutMinimum: 0n }))).toMatch(/declared slippage minOut 8250000000000000000 \(8\.25e18\) differs from arg 0\.5 \(params\.amountOutMinimum\) = 0 in the calldata/);
    expect(refused(swap({}, null))).toMatch(/a swap must declare its slippage/);
    // A minimum out more than maxSlippage under the quote.
    expect(refused(swap({ amountOutMinimum: 8n * ETH }, { minOut: 8n * ETH, quotedOut: 830n * 10n ** 16n }))).toMatch(/slippage minOut 8000000000000000000 \(8e18\) is below 8217000000000000000/);
  });

  it('holds a WETH approval to the router to what the swap pulls (pull amount read from a struct field)', () => {
    const approve = (n: bigint) => intent(A('weth'), 'approve(address,uint256)', [A('uniswapRouter'), n]);
    expect(checkBatch([approve(10n * ETH), swap()], policy, ctx).allowed).toBe(true);
    const over = checkBatch([approve(10n * ETH + 1n), swap()], policy, ctx);
    expect(over.allowed).toBe(false);
    if (!over.allowed) expect(over.reason).toMatch(/pull only 10000000000000000000 \(10e18\) under it/);
  });

  it('reaches fields of an unnamed struct by index, and reports a path that does not exist', () => {
    const text = [
      'version: 1', 'chainId: 1', 'vault: "0x1234567890123456789012345678901234567890"', 'caps: { perTransactionEth: "50", perDayEth: "100" }', 'maxSlippage: 0.01',
      'addresses: { router: "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45" }',
      'rules:',
      '  - id: anon', '    description: an unnamed struct, fields by index', '    target: router',
      '    function: "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))"',
      '    args: { "0.3": { equals: vault } }',
      '',
    ].join('\n');
    const p = parsePolicy(text, 'anon.policy.yaml');
    expect(p.rules[0]!.args[0]!.path).toMatchObject({ steps: [{ index: 0, name: '' }, { index: 3, name: '' }], type: 'address' });
    const raw = (recipient: Address) => {
      const abi = parseAbiItem('function exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))') as AbiFunction;
      const args = [[A('weth'), A('wsteth'), 100, recipient, ETH, ETH, 0n]];
      return { ...intent(A('uniswapRouter'), 'exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))', args), data: encodeFunctionData({ abi: [abi], args } as never) };
    };
    expect(checkTransaction(raw('0x1234567890123456789012345678901234567890'), p, ctx).allowed).toBe(true);
    expect(refused(raw(ATTACKER), p)).toMatch(/arg 0\.3 = 0xBAd\S+ \(not a named address\), expected vault/);

    const bad = text.replace('"0.3": { equals: vault }', '"0.9": { equals: vault }, "0.3.x": { equals: vault }, params: { equals: vault }');
    const e = configError(() => parsePolicy(bad, 'anon.policy.yaml'));
    const got = e.issues.map((i) => `${i.where} | ${i.expected}`);
    expect(got).toEqual([
      expect.stringMatching(/rules\.0\.args\.0\.9 \| a field of 0: 0, 1, 2, 3, 4, 5, 6 \(after "0"\)$/),
      expect.stringMatching(/rules\.0\.args\.0\.3\.x \| a path into a struct \("0\.3" is address, which has no fields\)$/),
      expect.stringMatching(/rules\.0\.args\.params \| a parameter of exactInputSingle\(.*\): 0$/),
    ]);
  });
});

describe('daily spend ledger', () => {
  it('sums by UTC day and rebuilds from journal entries', () => {
    const t = Date.parse('2026-03-01T23:30:00Z');
    const d = new DailySpend();
    d.record(t, 10n * ETH);
    d.record(t + 20 * 60_000, 5n * ETH); // 23:50 same day
    d.record(t + 60 * 60_000, 7n * ETH); // 00:30 next day
    expect(d.spentOn(t)).toBe(15n * ETH);
    expect(d.spentOn(Date.parse('2026-03-01T00:00:00Z'))).toBe(15n * ETH);
    expect(d.spentOn(t + 60 * 60_000)).toBe(7n * ETH);
    expect(d.spentOn(Date.parse('2026-03-03T12:00:00Z'))).toBe(0n);
    expect(d.days()).toEqual([
      { day: '2026-03-01', wei: 15n * ETH },
      { day: '2026-03-02', wei: 7n * ETH },
    ]);
    const rebuilt = DailySpend.fromEntries([
      { at: t, wei: 10n * ETH },
      { at: t + 20 * 60_000, wei: 5n * ETH },
      { at: t + 60 * 60_000, wei: 7n * ETH },
    ]);
    expect(rebuilt.days()).toEqual(d.days());
    expect(utcDay(t)).toBe('2026-03-01');
    expect(() => d.record(t, -1n)).toThrow(RangeError);
  });
});

describe('policy file', () => {
  it('loads the shipped policy: every rule has a reason, approvals are pinned and exact, recipients are the vault', () => {
    expect(policy.chainId).toBe(1);
    expect(policy.caps).toEqual({ perTransactionWei: 50n * ETH, perDayWei: 300n * ETH });
    expect(policy.maxSlippage).toBe(0.01);
    expect(policy.rules.map((r) => r.id)).toEqual([
      'weth-deposit', 'weth-withdraw', 'weth-approve',
      'lido-submit', 'steth-approve', 'wsteth-wrap', 'wsteth-unwrap', 'wsteth-approve',
      'lido-request-withdrawals-wsteth', 'lido-request-withdrawals', 'lido-claim-withdrawals',
      'etherfi-deposit', 'eeth-approve', 'weeth-wrap', 'weeth-unwrap', 'weeth-approve', 'etherfi-request-withdraw', 'etherfi-adapter-request-withdraw', 'etherfi-claim-withdraw',
      'renzo-deposit-eth', 'renzo-deposit-steth', 'ezeth-approve', 'renzo-withdraw', 'renzo-claim',
      'kelp-deposit-eth', 'kelp-deposit-steth', 'rseth-approve', 'kelp-initiate-withdrawal', 'kelp-complete-withdrawal',
      'aave-supply', 'aave-withdraw',
      'curve-steth-buy', 'curve-steth-sell', 'curve-weeth-buy', 'curve-weeth-sell', 'curve-ezeth-buy', 'curve-ezeth-sell',
      'uniswap-wsteth-buy', 'uniswap-wsteth-sell',
    ]);
    for (const r of policy.rules) {
      expect(r.description.trim().length, r.id).toBeGreaterThan(20);
      if (r.signature === 'approve(address,uint256)') {
        const spender = r.args.find((a) => a.path.text === 'spender')!.constraint;
        expect(spender.equals ?? spender.oneOf, r.id).toBeDefined();
        expect(r.args.find((a) => a.path.text === 'amount')!.constraint.notMaxUint, r.id).toBe(true);
      }
      for (const a of r.args) {
        const leaf = a.path.steps.at(-1)!.name;
        if (['_owner', 'recipient', 'onBehalfOf', 'to', 'user'].includes(leaf)) expect(a.constraint.equals?.value, `${r.id} ${a.path.text}`).toBe(VAULT);
      }
      // A function that pays someone must pin who: every rule whose signature has a recipient-like field constrains it.
      const payees = r.abi.inputs.flatMap((p) => ('components' in p && p.components ? p.components.map((c) => `${p.name}.${c.name}`) : [p.name ?? ''])).filter((n) => /(^|\.)(recipient|onBehalfOf|to|_owner|user)$/.test(n));
      for (const n of payees) expect(r.args.map((a) => a.path.text), `${r.id} constrains ${n}`).toContain(n);
    }
    // The keeper's known mainnet addresses (config/assets/ethereum.yaml) are the ones the policy names.
    const registry = readFileSync(join(ROOT, 'config/assets/ethereum.yaml'), 'utf8');
    // The Uniswap router is not a registry asset address; it is the builders' own constant (mainnet.ts).
    const builderTargets = readFileSync(join(ROOT, 'src/chains/evm/builders/mainnet.ts'), 'utf8');
    for (const [name, a] of policy.addresses) if (!['vault', 'zero', 'eth'].includes(name)) expect(registry + builderTargets, name).toContain(a);
  });

  it('refuses the placeholder vault unless allowPlaceholder is passed', () => {
    const e = configError(() => loadPolicy(POLICY_FILE));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]!.where).toMatch(/eth-restaking\.policy\.yaml:\d+:\d+ vault$/);
    expect(e.issues[0]!.value).toBe(PLACEHOLDER_VAULT);
    expect(e.message).toMatch(/shipped placeholder: the vault manager must set it/);
    const text = readFileSync(POLICY_FILE, 'utf8').replace(PLACEHOLDER_VAULT, '0x1234567890123456789012345678901234567890');
    expect(parsePolicy(text, 'real.policy.yaml').vault).toBe('0x1234567890123456789012345678901234567890');
  });

  it('reports every problem of a bad policy file with file:line:col and path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'policy-'));
    const file = join(dir, 'bad.policy.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'chainId: 1',
        'vault: "0x1234567890123456789012345678901234567890"',
        'caps: { perTransactionEth: "50", perDayEth: "lots" }',
        'maxSlippage: 0.01',
        'addresses:',
        '  wsteth: "0x7f39C581F595B53c5cb19bD0b3f8dA6c935E2Ca0"',
        '  typo: "0x7f39c581F595B53c5cb19bD0b3f8dA6c935E2Ca0"',
        'rules:',
        '  - id: no-reason', // line 10
        '    target: wsteth',
        '    function: "wrap(uint256)"',
        '  - id: bad-sig', // line 13
        '    description: wraps',
        '    target: wsteth',
        '    function: "wrap(uint257 amount)"',
        '  - id: bad-args', // line 17
        '    description: approvals',
        '    target: nowhere',
        '    function: "approve(address spender, uint256 amount)"',
        '    args:',
        '      spender: { equals: attacker }',
        '      amount: { max: "1.5" }',
        '      owner: { equals: vault }',
        '  - id: bad-args', // line 25
        '    description: "  "',
        '    target: wsteth',
        '    function: "unwrap(uint256)"',
        '    args:',
        '      0: { oneOf: [vault] }',
        '',
      ].join('\n'),
    );
    const e = configError(() => loadPolicy(file));
    const got = e.issues.map((i) => `${i.where.replace(file, 'F')} | ${i.expected}`);
    const find = (re: RegExp) => {
      const hit = got.find((g) => re.test(g));
      expect(hit, `${re} in\n${got.join('\n')}`).toBeDefined();
      return hit!;
    };
    find(/^F:4:45 caps\.perDayEth \| a non-negative decimal amount of ETH/);
    find(/^F:8:9 addresses\.typo \| a 0x-prefixed 20-byte hex address \(EIP-55 checksummed/);
    find(/^F:10:5 rules\.0\.description \| a description of why this call is allowed \(required\)/);
    find(/^F:16:15 rules\.1\.function \| a function signature like "wrap\(uint256\)".*Unknown type/);
    find(/^F:23:22 rules\.2\.args\.amount\.max \| "1\.5" has a fraction but no unit/);
    find(/^F:24:14 rules\.2\.args\.owner \| a parameter of approve\(address spender, uint256 amount\): 0 or "spender", 1 or "amount"/);
    find(/^F:26:18 rules\.3\.description \| a non-empty description/);
    find(/^F:30:20 rules\.3\.args\.0\.oneOf\.0 \| an integer for uint256/);
    // The cross-reference pass runs once the shapes are valid; fix the shapes and it reports names and ids.
    const text2 = readFileSync(file, 'utf8')
      .replace('"lots"', '"250"')
      .replace('  typo: "0x7f39c581F595B53c5cb19bD0b3f8dA6c935E2Ca0"\n', '')
      .replace("  - id: no-reason\n", '  - id: no-reason\n    description: wraps\n')
      .replace('uint257', 'uint256')
      .replace('"1.5"', '"1.5 ETH"')
      .replace('      owner: { equals: vault }\n', '')
      .replace('description: "  "', 'description: unwraps')
      .replace('0: { oneOf: [vault] }', '0: { max: "1 ETH" }');
    const e2 = configError(() => parsePolicy(text2, 'bad2.policy.yaml'));
    expect(e2.issues.map((i) => `${i.where} | ${i.expected}`)).toEqual([
      'bad2.policy.yaml:19:13 rules.2.target | a name listed under addresses, "vault" or an address (unknown name "nowhere")',
      'bad2.policy.yaml:22:26 rules.2.args.spender.equals | a name listed under addresses, "vault" or an address (unknown name "attacker")',
      'bad2.policy.yaml:24:9 rules.3.id | a unique rule id ("bad-args" is also rule 2)',
    ]);
  });

  it('parses amounts exactly', () => {
    expect(parseAmount('500 ETH')).toBe(500n * ETH);
    expect(parseAmount('1.5 eth')).toBe(15n * 10n ** 17n);
    expect(parseAmount('10 gwei')).toBe(10n * 10n ** 9n);
    expect(parseAmount('100')).toBe(100n);
    expect(parseAmount(100)).toBe(100n);
    expect(parseAmount('0.000000000000000001 ETH')).toBe(1n);
    expect(() => parseAmount('1.5')).toThrow(/no unit/);
    expect(() => parseAmount('0.0000000000000000001 ETH')).toThrow(/more than 18 decimal places/);
    expect(() => parseAmount(1.5)).toThrow(RangeError);
  });
});
