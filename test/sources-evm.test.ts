import { join } from 'node:path';
import { createTestClient, formatUnits, http, numberToHex, type Address, type Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkObservation } from '../src/domain/observation-check.js';
import type { Observation } from '../src/domain/observation.js';
import { createEvmSources, EvmSourcesSchema, type EvmSourcesInput } from '../src/sources/evm/evm-sources-config.js';
import { EvmSource, redactUrl, type EvmSourceRead } from '../src/sources/evm/evm-source.js';
import { freePort, startAnvil, type Anvil } from './support/anvil.js';
import { artifact, compileDir, deploy, send, testChain, type Artifact, type TestChain } from './support/solidity.js';

/**
 * The EVM readers against Solidity doubles on anvil: the doubles expose the real view functions, the
 * readers run unchanged, only the addresses (from config) differ. Every expected number below is
 * computed by hand from the values set in the doubles.
 */

const E18 = 10n ** 18n;
const E27 = 10n ** 27n;
const YEAR_S = 31_536_000;
/** Far enough ahead that every observation takes its block's timestamp. */
const NOW = Date.now() + 365 * 86_400_000;

// Values set in the doubles.
const WSTETH_RATE = 1_203_400_000_000_000_000n; // 1.2034
const WEETH_RATE = 1_069_100_000_000_000_000n; // 1.0691
const EZETH_RATE = 1_039_100_000_000_000_000n; // 1.0391
const RSETH_PRICE = 1_045_200_000_000_000_000n; // 1.0452
// Curve stETH/ETH double: coin 1 = stETH → coin 0 = ETH.
const STETH_POOL = { price: 999_500_000_000_000_000n, depth: 50_000n * E18, fee: 1_000_000n }; // 0.9995, 50k ETH, 0.01 %
// Curve weETH/WETH double: coin 0 = weETH → coin 1 = WETH.
const WEETH_POOL = { price: 997_800_000_000_000_000n, depth: 20_000n * E18, fee: 4_000_000n }; // 0.9978, 20k, 0.04 %
// Balancer rsETH/WETH double.
const RSETH_POOL_ID = '0x58aadfb1afac0ad7fca1148f3cde6aedf5236b6d00000000000000000000067f' as Hex;
const RSETH_POOL = { price: 996_200_000_000_000_000n, depth: 8_000n * E18, feeWad: 400_000_000_000_000n }; // 0.9962, 8k, 0.04 %
// Aave WETH reserve.
const WETH_RESERVE = { liquidityIndex: 1_052_300_000_000_000_000_000_000_000n, liquidityRate: 21_500_000_000_000_000_000_000_000n, borrowRate: 28_700_000_000_000_000_000_000_000n };
// Aave wstETH reserve (last touched an hour before setup, so the index accrues).
const WSTETH_RESERVE = { liquidityIndex: 1_001_100_000_000_000_000_000_000_000n, liquidityRate: 800_000_000_000_000_000_000_000n, borrowRate: 3_100_000_000_000_000_000_000_000n };

let anvil: Anvil;
let t: TestChain;
let arts: Readonly<Record<string, Artifact>>;
const addr: Record<string, Address> = {};
let wstethReserveLastUpdate = 0n;

function reserve(r: { liquidityIndex: bigint; liquidityRate: bigint; borrowRate: bigint }, aToken: Address, debt: Address, lastUpdateTimestamp: bigint) {
  const zero = '0x0000000000000000000000000000000000000000';
  return {
    configuration: { data: 0n },
    liquidityIndex: r.liquidityIndex,
    currentLiquidityRate: r.liquidityRate,
    variableBorrowIndex: E27,
    currentVariableBorrowRate: r.borrowRate,
    currentStableBorrowRate: 0n,
    lastUpdateTimestamp: Number(lastUpdateTimestamp),
    id: 1,
    aTokenAddress: aToken,
    stableDebtTokenAddress: zero,
    variableDebtTokenAddress: debt,
    interestRateStrategyAddress: zero,
    accruedToTreasury: 0n,
    unbacked: 0n,
    isolationModeTotalDebt: 0n,
  };
}

beforeAll(async () => {
  const started = performance.now();
  [anvil, arts] = await Promise.all([startAnvil(), Promise.resolve(compileDir(join(import.meta.dirname, 'contracts')))]);
  t = testChain(anvil.rpcUrl);
  const a = (n: string) => artifact(arts, n);
  addr.wsteth = await deploy(t, a('WstETHDouble'), [WSTETH_RATE]);
  addr.weeth = await deploy(t, a('WeETHDouble'), [WEETH_RATE]);
  addr.ezeth = await deploy(t, a('RateProviderDouble'), [EZETH_RATE]);
  addr.zeroRate = await deploy(t, a('RateProviderDouble'), [0n]);
  addr.kelp = await deploy(t, a('LRTOracleDouble'), [RSETH_PRICE]);
  addr.reverting = await deploy(t, a('RevertingDouble'));
  addr.multicall = await deploy(t, a('Multicall3Double'));
  addr.stethPool = await deploy(t, a('CurvePoolDouble'));
  await send(t, addr.stethPool, a('CurvePoolDouble').abi, 'setQuote', [1n, 0n, STETH_POOL.price, STETH_POOL.depth, STETH_POOL.fee]);
  addr.weethPool = await deploy(t, a('CurvePoolDouble'));
  await send(t, addr.weethPool, a('CurvePoolDouble').abi, 'setQuote', [0n, 1n, WEETH_POOL.price, WEETH_POOL.depth, WEETH_POOL.fee]);
  const erc20 = a('ERC20Double');
  addr.weth = await deploy(t, erc20, ['Wrapped Ether', 'WETH', 18]);
  addr.rseth = await deploy(t, erc20, ['rsETH', 'rsETH', 18]);
  addr.balancer = await deploy(t, a('BalancerVaultDouble'));
  await send(t, addr.balancer, a('BalancerVaultDouble').abi, 'setPool', [RSETH_POOL_ID, addr.rseth, addr.weth, RSETH_POOL.price, RSETH_POOL.depth, RSETH_POOL.feeWad]);
  // Aave: WETH reserve (available 200, supplied 1000, borrowed 800) and wstETH reserve (50 / 300 / 30).
  addr.aavePool = await deploy(t, a('AavePoolDouble'));
  addr.aWeth = await deploy(t, erc20, ['Aave Ethereum WETH', 'aEthWETH', 18]);
  addr.debtWeth = await deploy(t, erc20, ['Aave Ethereum Variable Debt WETH', 'variableDebtEthWETH', 18]);
  addr.wstethToken = await deploy(t, erc20, ['Wrapped liquid staked Ether 2.0', 'wstETH', 18]);
  addr.aWsteth = await deploy(t, erc20, ['Aave Ethereum wstETH', 'aEthwstETH', 18]);
  addr.debtWsteth = await deploy(t, erc20, ['Aave Ethereum Variable Debt wstETH', 'variableDebtEthwstETH', 18]);
  const holder = t.account.address;
  for (const [token, to, amount] of [
    [addr.weth, addr.aWeth, 200n],
    [addr.aWeth, holder, 1000n],
    [addr.debtWeth, holder, 800n],
    [addr.wstethToken, addr.aWsteth, 50n],
    [addr.aWsteth, holder, 300n],
    [addr.debtWsteth, holder, 30n],
  ] as const) {
    await send(t, token, erc20.abi, 'mint', [to, amount * E18]);
  }
  const pool = a('AavePoolDouble').abi;
  await send(t, addr.aavePool, pool, 'setReserve', [addr.weth, reserve(WETH_RESERVE, addr.aWeth, addr.debtWeth, 0n)]);
  const latest = await t.client.getBlock();
  wstethReserveLastUpdate = latest.timestamp - 3600n;
  await send(t, addr.aavePool, pool, 'setReserve', [addr.wstethToken, reserve(WSTETH_RESERVE, addr.aWsteth, addr.debtWsteth, wstethReserveLastUpdate)]);
  console.log(`sources-evm setup (anvil + solc + ${Object.keys(addr).length} deployments): ${(performance.now() - started).toFixed(0)} ms`);
}, 60_000);

afterAll(async () => {
  await anvil?.stop();
});

function baseConfig(overrides: Partial<EvmSourcesInput> = {}): EvmSourcesInput {
  return {
    rpcUrl: anvil.rpcUrl,
    assets: {
      wstETH: { kind: 'wsteth', token: addr.wsteth as string, market: { kind: 'curve', pool: addr.stethPool as string, i: 1, j: 0, sizesEth: [1000, 1], underlyingPerToken: 'stETH' } },
      weETH: { kind: 'weeth', token: addr.weeth as string, market: { kind: 'curve', pool: addr.weethPool as string, i: 0, j: 1, sizesEth: [1, 500] } },
      ezETH: { kind: 'rate-provider', provider: addr.ezeth as string },
      rsETH: {
        kind: 'kelp-oracle',
        oracle: addr.kelp as string,
        market: { kind: 'balancer', vault: addr.balancer as string, poolId: RSETH_POOL_ID, assetIn: addr.rseth as string, assetOut: addr.weth as string, sizesEth: [1, 1000] },
      },
      'aave-v3-WETH': { kind: 'aave-v3', pool: addr.aavePool as string, underlying: addr.weth as string },
      'aave-v3-wstETH': { kind: 'aave-v3', pool: addr.aavePool as string, underlying: addr.wstethToken as string, priceAs: 'wstETH' },
    },
    ...overrides,
  };
}

function source(input: EvmSourcesInput, transport?: Parameters<typeof createEvmSources>[1]): EvmSource {
  const [s] = createEvmSources(EvmSourcesSchema.parse(input), transport);
  if (!s) throw new Error('no source');
  return s;
}

function byAsset(r: EvmSourceRead): Map<string, Observation> {
  return new Map(r.observations.map((o) => [o.asset, o]));
}

/** (1 + rate/1e27/31536000)^31536000 − 1 by exponentiation by squaring in 1e45 fixed point. */
function apyFixedPoint(rateRay: bigint): number {
  const S = 10n ** 45n;
  let base = S + (rateRay * 10n ** 18n) / BigInt(YEAR_S);
  let acc = S;
  for (let n = BigInt(YEAR_S); n > 0n; n >>= 1n) {
    if (n & 1n) acc = (acc * base) / S;
    base = (base * base) / S;
  }
  return Number(formatUnits(acc - S, 45));
}

/** Price per unit sold of the curve doubles at x units: p·D/(D + x·p)·(1 − fee), all in whole units. */
function curvePrice(p: number, depth: number, fee: number, x: number): number {
  return ((p * depth) / (depth + x * p)) * (1 - fee);
}

describe('EvmSourcesSchema', () => {
  it('validates and checksums addresses, sorts sizes, applies defaults', () => {
    const cfg = EvmSourcesSchema.parse({
      rpcUrl: 'http://127.0.0.1:8545',
      assets: {
        wstETH: { kind: 'wsteth', token: '0x7f39c581f595b53c5cb19bd0b3f8da6c935e2ca0', market: { kind: 'curve', pool: '0xDC24316b9AE028F1497c275EB9192a3Ea0f67022', i: 1, j: 0, sizesEth: [1000, 1], underlyingPerToken: 'stETH' } },
      },
    });
    expect(cfg.chainId).toBe(1);
    expect(cfg.timeoutMs).toBe(8000);
    expect(cfg.multicall).toBeUndefined();
    const w = cfg.assets.wstETH;
    expect(w?.kind === 'wsteth' && w.token).toBe('0x7f39C581F595B53c5cb19bD0b3f8dA6c935E2Ca0');
    expect(w?.kind === 'wsteth' && w.market?.sizesEth).toEqual([1, 1000]);
  });

  it('rejects a bad checksum, an unknown priceAs, equal coin indices and unknown keys', () => {
    const bad = EvmSourcesSchema.safeParse({
      rpcUrl: 'http://127.0.0.1:8545',
      assets: {
        a: { kind: 'weeth', token: '0xCd5fE23C85820F7B72D0926FC9b05b43E359b7eE', market: { kind: 'curve', pool: '0x13947303F63b363876868D070F14dc865C36463b', i: 0, j: 0, sizesEth: [1] } },
        b: { kind: 'aave-v3', pool: '0x87870Bca3F3fD6335C3F4ce8392D69350B4fA4E2', underlying: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2', priceAs: 'nope' },
        c: { kind: 'kelp-oracle', oracle: '0x349A73444b1a310BAe67ef67973022020d70020d', extra: 1 },
      },
    });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['assets.a.token', 'assets.a.market.j', 'assets.b.priceAs', 'assets.c']));
  });

  it('redacts key-like parts of an RPC URL', () => {
    expect(redactUrl('https://eth-mainnet.g.alchemy.com/v2/AbCdEf0123456789xyzKEY')).toBe('https://eth-mainnet.g.alchemy.com/v2/***');
    expect(redactUrl('http://127.0.0.1:8545')).toBe('http://127.0.0.1:8545');
  });
});

describe('EvmSource on anvil', () => {
  it('reads every rate exactly, pinned to one block', async () => {
    const block = await t.client.getBlockNumber({ cacheTime: 0 });
    const requests: unknown[] = [];
    const transport = http(anvil.rpcUrl, { batch: true, onFetchRequest: (_req, init) => void requests.push(JSON.parse(String(init.body))) });
    const s = source(baseConfig(), { transport });
    const started = performance.now();
    const r = await s.read(NOW);
    console.log(`json-rpc read of 6 assets: ${(performance.now() - started).toFixed(0)} ms, ${requests.length} HTTP requests, ${r.diagnostics?.calls} calls`);
    expect(r.failures).toEqual([]);
    const o = byAsset(r);
    expect(o.get('wstETH')?.fairRate).toBe(1.2034);
    expect(o.get('weETH')?.fairRate).toBe(1.0691);
    expect(o.get('ezETH')?.fairRate).toBe(1.0391);
    expect(o.get('rsETH')?.fairRate).toBe(1.0452);
    expect(o.get('ezETH')?.marketRate).toBeUndefined();

    // One block and one ref for everything, and every eth_call asked for exactly that block.
    const ref = `block:${block}`;
    expect(r.observations.map((x) => x.ref)).toEqual(r.observations.map(() => ref));
    expect(new Set(r.observations.map((x) => x.time)).size).toBe(1);
    expect(r.diagnostics?.blockNumber).toBe(Number(block));
    expect(r.observations[0]?.time).toBe((r.diagnostics?.blockTimestamp ?? 0) * 1000);
    const calls = requests.flat().filter((q): q is { method: string; params: unknown[] } => (q as { method: string }).method === 'eth_call');
    expect(calls.length).toBe(r.diagnostics?.calls);
    expect(new Set(calls.map((c) => c.params[1]))).toEqual(new Set([numberToHex(block)]));
    // JSON-RPC batching: chain id + block, then one batch per round.
    expect(requests.length).toBe(3);
    for (const x of r.observations) expect(checkObservation(x)).toEqual([]);
    expect(r.observations.map((x) => x.source)).toEqual(r.observations.map(() => 'evm:1'));
  });

  it('prices markets from the Curve and Balancer doubles as computed by hand', async () => {
    const r = await source(baseConfig()).read(NOW);
    const o = byAsset(r);

    // wstETH through the stETH/ETH pool: sizes are sold as stETH, market = price(stETH at 1) × stEthPerToken.
    const p = 0.9995;
    const f = 1e-4;
    const stethPriceAt1 = curvePrice(p, 50_000, f, 1);
    expect(o.get('wstETH')?.marketRate).toBeCloseTo(stethPriceAt1 * 1.2034, 12);
    expect(o.get('wstETH')?.exitImpact).toBeCloseTo(1 - (50_000 + p) / (50_000 + 1000 * p), 12);
    expect(o.get('wstETH')?.exitSizeBase).toBe(1000);
    // Exact integer replay of the double for the small quote: 1e18 stETH in.
    const ideal = (E18 * STETH_POOL.price) / E18;
    const dy0 = (ideal * STETH_POOL.depth) / (STETH_POOL.depth + ideal);
    const dy = dy0 - (dy0 * STETH_POOL.fee) / 10n ** 10n;
    expect(r.diagnostics?.assets.wstETH?.quotes?.[0]).toMatchObject({ sizeEth: 1, amountIn: E18.toString(), amountOut: dy.toString() });

    // weETH through weETH/WETH: each size is sold as size / 1.0691 weETH.
    const q = 0.9978;
    const fw = 4e-4;
    expect(o.get('weETH')?.marketRate).toBeCloseTo(curvePrice(q, 20_000, fw, 1 / 1.0691), 12);
    expect(o.get('weETH')?.exitImpact).toBeCloseTo(1 - (20_000 + q / 1.0691) / (20_000 + (500 * q) / 1.0691), 12);
    expect(o.get('weETH')?.exitSizeBase).toBe(500);
    expect(r.diagnostics?.assets.weETH?.quotes?.[0]?.amountIn).toBe(((E18 * E18) / WEETH_RATE).toString());

    // rsETH through the Balancer double: net = in·(1 − fee), ideal = net·p, out = ideal·D/(D + ideal).
    const pb = 0.9962;
    const fb = 4e-4;
    const idealAt = (sizeEth: number) => (sizeEth / 1.0452) * (1 - fb) * pb;
    expect(o.get('rsETH')?.marketRate).toBeCloseTo((1 - fb) * pb * (8000 / (8000 + idealAt(1))), 12);
    expect(o.get('rsETH')?.exitImpact).toBeCloseTo(1 - (8000 + idealAt(1)) / (8000 + idealAt(1000)), 12);
    expect(o.get('rsETH')?.exitSizeBase).toBe(1000);
  });

  it('reads Aave v3 reserves: APY by per-second compounding, index, liquidity, utilization', async () => {
    const r = await source(baseConfig()).read(NOW);
    const o = byAsset(r);
    const weth = o.get('aave-v3-WETH');
    // (1 + r/31536000)^31536000 − 1: in doubles the pow form itself carries ~3e-9 of rounding, so it is
    // checked loosely, and tightly against the same formula evaluated in 45-digit fixed point.
    const apy = (apr: number) => (1 + apr / YEAR_S) ** YEAR_S - 1;
    expect(weth?.apyLending).toBeCloseTo(apy(0.0215), 7);
    expect(weth?.apyLending).toBeCloseTo(apyFixedPoint(WETH_RESERVE.liquidityRate), 15);
    expect(weth?.supplyIndex).toBe(1.0523); // reserve touched in this block: the stored index exactly
    expect(weth?.fairRate).toBe(1);
    expect(weth?.exitLiquidityBase).toBe(200);
    expect(weth?.tvlBase).toBe(1000);
    expect(weth?.marketRate).toBeUndefined();
    const d = r.diagnostics?.assets['aave-v3-WETH'];
    expect(d?.utilization).toBe(0.8); // 800 / (200 + 800)
    expect(d?.apyBorrow).toBeCloseTo(apyFixedPoint(WETH_RESERVE.borrowRate), 15);
    expect(d?.aprLending).toBe(0.0215);

    // wstETH reserve: valued at wstETH's fair rate; index accrued linearly since lastUpdateTimestamp.
    const ws = o.get('aave-v3-wstETH');
    expect(ws?.fairRate).toBe(1.2034);
    expect(ws?.exitLiquidityBase).toBe(60.17); // 50 wstETH × 1.2034
    expect(ws?.tvlBase).toBe(361.02); // 300 × 1.2034
    expect(r.diagnostics?.assets['aave-v3-wstETH']?.utilization).toBe(0.375); // 30 / (50 + 30)
    const elapsed = (r.diagnostics?.blockTimestamp ?? 0) - Number(wstethReserveLastUpdate);
    expect(elapsed).toBeGreaterThanOrEqual(3600);
    expect(ws?.supplyIndex).toBeCloseTo(1.0011 * (1 + (0.0008 * elapsed) / YEAR_S), 15);
  });

  it('multicall and JSON-RPC batching give identical observations', async () => {
    const viaRpc = source(baseConfig());
    const viaMulticall = source(baseConfig({ multicall: addr.multicall as string }));
    const t0 = performance.now();
    const a = await viaRpc.read(NOW);
    const t1 = performance.now();
    const b = await viaMulticall.read(NOW);
    const t2 = performance.now();
    console.log(`read via json-rpc batch: ${(t1 - t0).toFixed(0)} ms; via multicall: ${(t2 - t1).toFixed(0)} ms`);
    expect(a.diagnostics?.via).toBe('json-rpc');
    expect(b.diagnostics?.via).toBe('multicall');
    expect(b.failures).toEqual([]);
    expect(b.observations).toHaveLength(6);
    expect(b.observations).toEqual(a.observations);
    expect(b.diagnostics?.rounds).toBe(2);
  });

  it('a reverting or missing contract fails its asset only, with the same messages on both paths', async () => {
    const messages: Record<string, string[]> = {};
    for (const mode of ['json-rpc', 'multicall'] as const) {
      const base = baseConfig();
      const eoa = t.account.address;
      const s = source({
        ...base,
        ...(mode === 'multicall' ? { multicall: addr.multicall as string } : {}),
        assets: {
          ...base.assets,
          'weETH-bad': { kind: 'weeth', token: addr.reverting as string },
          'ezETH-bad-market': { kind: 'rate-provider', provider: addr.ezeth as string, market: { kind: 'curve', pool: addr.reverting as string, i: 0, j: 1, sizesEth: [1, 100] } },
          'no-code': { kind: 'wsteth', token: eoa },
          'aave-unlisted': { kind: 'aave-v3', pool: addr.aavePool as string, underlying: addr.rseth as string },
          'aave-priced-by-bad': { kind: 'aave-v3', pool: addr.aavePool as string, underlying: addr.wstethToken as string, priceAs: 'weETH-bad' },
        },
      });
      const r = await s.read(NOW);
      const o = byAsset(r);
      for (const ok of ['wstETH', 'weETH', 'ezETH', 'rsETH', 'aave-v3-WETH', 'aave-v3-wstETH']) expect(o.has(ok)).toBe(true);
      const failed = (asset: string) => r.failures.filter((f) => f.assets.length === 1 && f.assets[0] === asset);
      expect(r.failures.every((f) => f.assets.length === 1)).toBe(true);
      expect(new Set(r.failures.map((f) => f.assets[0]))).toEqual(new Set(['weETH-bad', 'ezETH-bad-market', 'no-code', 'aave-unlisted', 'aave-priced-by-bad']));

      const bad = failed('weETH-bad')[0]?.message ?? '';
      expect(bad).toContain('weETH-bad');
      expect(bad).toContain(addr.reverting);
      expect(bad).toContain('getRate()');
      expect(bad).toContain('RevertingDouble: always reverts');
      expect(o.has('weETH-bad')).toBe(false);

      // The rate still arrives; the failed market is reported, not invented.
      expect(o.get('ezETH-bad-market')?.fairRate).toBe(1.0391);
      expect(o.get('ezETH-bad-market')?.marketRate).toBeUndefined();
      expect(failed('ezETH-bad-market')[0]?.message).toMatch(/get_dy\(0, 1, \d+\) reverted: RevertingDouble: always reverts/);

      expect(failed('no-code')[0]?.message).toContain('returned no data');
      expect(failed('aave-unlisted')[0]?.message).toContain('reserve not listed');
      // Rates that need no price still arrive; nothing is valued in ETH without the priceAs rate.
      expect(o.get('aave-priced-by-bad')?.supplyIndex).toBeGreaterThan(1);
      expect(o.get('aave-priced-by-bad')?.fairRate).toBeUndefined();
      expect(o.get('aave-priced-by-bad')?.exitLiquidityBase).toBeUndefined();
      expect(failed('aave-priced-by-bad')[0]?.message).toContain('no weETH-bad fair rate');
      messages[mode] = r.failures.map((f) => f.message);
    }
    expect(messages.multicall).toEqual(messages['json-rpc']);
  });

  it('a zero rate is a failure, not an observation (checkObservation)', async () => {
    const s = source({ rpcUrl: anvil.rpcUrl, assets: { ezETH: { kind: 'rate-provider', provider: addr.zeroRate as string, market: { kind: 'curve', pool: addr.weethPool as string, i: 0, j: 1, sizesEth: [1] } }, weETH: { kind: 'weeth', token: addr.weeth as string } } });
    const r = await s.read(NOW);
    expect(r.observations.map((x) => x.asset)).toEqual(['weETH']);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]?.assets).toEqual(['ezETH']);
    expect(r.failures[0]?.message).toContain('fairRate = 0');
    expect(r.failures[0]?.message).toContain(`${addr.zeroRate} getRate()`);
  });

  it('an unreachable RPC is one failure covering every asset, naming the URL, without throwing', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    for (const multicall of [undefined, addr.multicall as string]) {
      const s = source({ ...baseConfig(), rpcUrl: url, timeoutMs: 2000, ...(multicall ? { multicall } : {}) });
      const started = performance.now();
      const r = await s.read(NOW);
      console.log(`RPC down read: ${(performance.now() - started).toFixed(0)} ms`);
      expect(r.observations).toEqual([]);
      expect(r.failures).toHaveLength(1);
      expect(r.failures[0]?.assets).toEqual(['wstETH', 'weETH', 'ezETH', 'rsETH', 'aave-v3-WETH', 'aave-v3-wstETH']);
      expect(r.failures[0]?.message).toContain(url);
    }
  });

  it('an RPC that goes down between reads, and one on the wrong chain, fail every asset', async () => {
    const other = await startAnvil();
    try {
      const s = source({ rpcUrl: other.rpcUrl, assets: { x: { kind: 'weeth', token: addr.weeth as string } } });
      const up = await s.read(NOW);
      expect(up.failures).toHaveLength(1); // nothing deployed on this node: the asset fails alone
      expect(up.failures[0]?.message).toContain('returned no data');
      await other.stop();
      const down = await s.read(NOW);
      expect(down.failures).toEqual([{ source: 'evm:1', assets: ['x'], message: expect.stringContaining(other.rpcUrl) as string }]);
    } finally {
      await other.stop();
    }
    const noMulticall = await source({ ...baseConfig(), multicall: t.account.address }).read(NOW);
    expect(noMulticall.failures).toHaveLength(1);
    expect(noMulticall.failures[0]?.assets).toHaveLength(6);
    expect(noMulticall.failures[0]?.message).toContain('Multicall3-compatible');
    const wrong = await source({ ...baseConfig(), chainId: 5 }).read(NOW);
    expect(wrong.observations).toEqual([]);
    expect(wrong.failures).toHaveLength(1);
    expect(wrong.failures[0]?.message).toContain('is on chain 1, expected chain 5');
    expect(wrong.failures[0]?.assets).toHaveLength(6);
  });

  it("tracks when Kelp's stored rsETHPrice last moved", async () => {
    const oracle = await deploy(t, artifact(arts, 'LRTOracleDouble'), [RSETH_PRICE]);
    const s = source({ rpcUrl: anvil.rpcUrl, multicall: addr.multicall as string, assets: { rsETH: { kind: 'kelp-oracle', oracle } } });
    const testClient = createTestClient({ mode: 'anvil', chain: t.chain, transport: http(anvil.rpcUrl) });
    expect(s.lastMoved('rsETH')).toBeUndefined();

    const first = await s.read(NOW);
    const t1 = first.observations[0]?.time as number;
    expect(first.observations[0]?.fairRate).toBe(1.0452);
    expect(s.lastMoved('rsETH')).toBe(t1);

    await testClient.increaseTime({ seconds: 600 });
    await testClient.mine({ blocks: 1 });
    const second = await s.read(NOW);
    const t2 = second.observations[0]?.time as number;
    expect(t2).toBeGreaterThanOrEqual(t1 + 600_000);
    expect(s.lastMoved('rsETH')).toBe(t1); // same stored value: it has not moved
    expect(s.storedRate('rsETH')).toMatchObject({ rate: 1.0452, since: t1, lastSeen: t2 });

    await testClient.increaseTime({ seconds: 600 });
    await send(t, oracle, artifact(arts, 'LRTOracleDouble').abi, 'setRsETHPrice', [1_046_000_000_000_000_000n]);
    const third = await s.read(NOW);
    const t3 = third.observations[0]?.time as number;
    expect(third.observations[0]?.fairRate).toBe(1.046);
    expect(t3).toBeGreaterThan(t2);
    expect(s.lastMoved('rsETH')).toBe(t3);
    expect(third.diagnostics?.assets.rsETH?.storedSince).toBe(t3);
    expect(s.lastMoved('weETH')).toBeUndefined();
  });
});
