import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Address } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJournalDb } from '../src/journal/open-journal.js';
import { listEvents, observationsBetween } from '../src/journal/queries.js';
import { startAnvil, type Anvil } from './support/anvil.js';
import { cli, cliRun, ROOT, tempDir } from './support/cli.js';
import { startLoopback, type LoopbackServer as Loopback } from './support/loopback-http.js';
import { artifact, compileDir, deploy, send, testChain } from './support/solidity.js';

const E18 = 10n ** 18n;
const E27 = 10n ** 27n;
let anvil: Anvil;
let http: Loopback;
const addr: Record<string, Address> = {};

beforeAll(async () => {
  const arts = compileDir(join(import.meta.dirname, 'contracts'));
  anvil = await startAnvil();
  const t = testChain(anvil.rpcUrl);
  const a = (n: string) => artifact(arts, n);
  addr.wsteth = await deploy(t, a('WstETHDouble'), [1_203_400_000_000_000_000n]);
  addr.weeth = await deploy(t, a('WeETHDouble'), [1_069_100_000_000_000_000n]);
  addr.stethPool = await deploy(t, a('CurvePoolDouble'));
  await send(t, addr.stethPool, a('CurvePoolDouble').abi, 'setQuote', [1n, 0n, 999_500_000_000_000_000n, 50_000n * E18, 1_000_000n]);
  const erc20 = a('ERC20Double');
  addr.weth = await deploy(t, erc20, ['Wrapped Ether', 'WETH', 18]);
  addr.aWeth = await deploy(t, erc20, ['Aave Ethereum WETH', 'aEthWETH', 18]);
  addr.debtWeth = await deploy(t, erc20, ['Aave Ethereum Variable Debt WETH', 'variableDebtEthWETH', 18]);
  await send(t, addr.weth, erc20.abi, 'mint', [addr.aWeth, 200_000n * E18]);
  await send(t, addr.aWeth, erc20.abi, 'mint', [t.account.address, 1_000_000n * E18]);
  await send(t, addr.debtWeth, erc20.abi, 'mint', [t.account.address, 800_000n * E18]);
  addr.aavePool = await deploy(t, a('AavePoolDouble'));
  const zero = '0x0000000000000000000000000000000000000000';
  await send(t, addr.aavePool, a('AavePoolDouble').abi, 'setReserve', [
    addr.weth,
    { configuration: { data: 0n }, liquidityIndex: E27, currentLiquidityRate: 21_500_000_000_000_000_000_000_000n, variableBorrowIndex: E27, currentVariableBorrowRate: 28_700_000_000_000_000_000_000_000n, currentStableBorrowRate: 0n, lastUpdateTimestamp: 0, id: 1, aTokenAddress: addr.aWeth, stableDebtTokenAddress: zero, variableDebtTokenAddress: addr.debtWeth, interestRateStrategyAddress: zero, accruedToTreasury: 0n, unbacked: 0n, isolationModeTotalDebt: 0n },
  ]);
  const fixture = (n: string) => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'http', `${n}.json`), 'utf8')) as unknown;
  http = await startLoopback({
    'GET /pools': { status: 200, body: fixture('defillama-pools') },
    'GET /v1/protocol/steth/apr/sma': { status: 200, body: fixture('lido-apr-sma') },
  });
}, 120_000);

afterAll(async () => {
  await anvil?.stop();
  await http?.close();
});

function liveVault(dir: string): string {
  const yaml = `
name: eth-live-local
chain: ethereum
baseAsset: ETH
registry: ${join(ROOT, 'config/assets/ethereum.yaml')}
journal: ${join(dir, 'live.sqlite')}
feed: live
initialHoldings: { ETH: "100000000000000000000" }
universe: [ETH, wstETH, weETH, aave-v3-WETH]
strategy: { name: risk-adjusted }
limits: { maxWeightPerAsset: 0.6, maxExitCost: 0.02 }
planner: { deadBand: 0.02, minTradeBase: "1000000000000000000", gasReserveBase: "200000000000000000", maxSlippage: 0.005 }
sources:
  timeoutMs: 10000
  http:
    client: { timeoutMs: 2000, retries: 1 }
    defillama: { baseUrl: ${http.url}, pools: { wstETH: 747c1d2a-c668-4682-b9f9-296708a3dd90 } }
    lido: { baseUrl: ${http.url}, assets: [wstETH] }
  evm:
    rpcUrl: ${anvil.rpcUrl}
    timeoutMs: 4000
    assets:
      wstETH: { kind: wsteth, token: "${addr.wsteth}", market: { kind: curve, pool: "${addr.stethPool}", i: 1, j: 0, sizesEth: [1, 1000], underlyingPerToken: stETH } }
      weETH: { kind: weeth, token: "${addr.weeth}" }
      aave-v3-WETH: { kind: aave-v3, pool: "${addr.aavePool}", underlying: "${addr.weth}" }
`;
  const file = join(dir, 'live.yaml');
  writeFileSync(file, yaml);
  return file;
}

describe('once in paper mode on the live feed, against local parts', () => {
  it('reads every source, plans from live-shaped data, journals it, and fails closed when a held asset\'s source goes down', async () => {
    const dir = tempDir();
    const vault = liveVault(dir);
    expect(cli(['validate-config', vault]).code).toBe(0);
    const first = await cliRun(['once', '--config', vault]);
    expect(first.code, first.stderr).toBe(0);
    // e.g. "… #1 NAV 99.98 ETH | target wstETH 60.0% aave-v3-WETH 40.0% | … | actions 3 (3 filled) | breakers none"
        expect(first.stdout).toMatch(/#1 NAV \d+\.\d+ ETH \| target .*wstETH/);
    const filled = Number(/actions \d+ \((\d+) filled\)/.exec(first.stdout)?.[1] ?? 0);
    expect(filled).toBeGreaterThan(0);

    const db = openJournalDb(join(dir, 'live.sqlite'), { readonly: true });
    const obs = observationsBetween(db, {});
    const by = (asset: string, source: string) => obs.find((o) => o.asset === asset && o.source.startsWith(source));
    expect(by('wstETH', 'evm')?.fairRate).toBeCloseTo(1.2034, 12);
    expect(by('wstETH', 'evm')?.ref).toMatch(/^block:\d+$/);
    expect(by('wstETH', 'defillama')?.apyBase).toBeCloseTo(0.029, 12);
    expect(by('aave-v3-WETH', 'evm')?.apyLending).toBeGreaterThan(0.02);
    db.close();

    // The chain goes away: the vault holds assets only the EVM source covers, so the cycle must not plan.
    await anvil.stop();
    const second = await cliRun(['once', '--config', vault]);
    // once exits 1 when its cycle failed closed, so cron and systemd notice.
    expect(second.code, second.stderr).toBe(1);
    expect(second.stdout).toMatch(/\(failed: source failed: evm/);
    expect(second.stdout).toMatch(/actions 0 \(0 filled\)/);
    const db2 = openJournalDb(join(dir, 'live.sqlite'), { readonly: true });
    const failed = listEvents(db2, { kind: 'source-failed' });
    expect(failed.some((e) => e.severity === 'critical' && /evm/.test(e.message))).toBe(true);
    db2.close();
  });
});
